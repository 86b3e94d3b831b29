"""Reductions: sum, mean, prod, amax, amin, var, std, logsumexp, any, all over some dims (or all); cumsum.

The backward of a reduction spreads each output gradient back over the
elements that were reduced into it.  ``expand_to`` does the shape work: it
reinserts the reduced axes (when keepdim was False) and broadcasts.

The public functions take PyTorch's ``dim``/``keepdim`` (and, for the oldest
ones, numpy's ``axis``/``keepdims``); the dims are checked there, once, and
the Functions receive them as a sorted tuple of axes.  As in PyTorch, sums
and products of integers or bools are int64, and mean/var/std need floats.
``max``/``min`` (which with a dim also say *where*) are in ``sort.py``.
"""

import numpy as np

from tinynet import checks, dtypes, return_types
from tinynet.autograd.function import Function
from tinynet.ops import elementwise
from tinynet.ops.cast import astype
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["sum", "mean", "prod", "amax", "amin", "aminmax", "var", "std", "var_mean", "std_mean", "logsumexp", "any", "all",
           "cumsum", "nansum", "nanmean"]


def expand_to(grad, axes, keepdims, shape):
    """Copy a reduced gradient back over the input ``shape`` (each reduced element gets its output's gradient)."""
    if not keepdims and grad.ndim:  # put the reduced axes back, with length 1 (a 0-d grad broadcasts as is)
        grad = grad.reshape(tuple(1 if axis in axes else n for axis, n in enumerate(shape)))
    expanded = np.empty(shape, dtype=grad.dtype)
    expanded[...] = grad  # broadcasting assignment: cheaper than np.broadcast_to for small arrays
    return expanded


def _count(shape, axes):
    """How many elements are reduced into each output element."""
    return int(np.prod([shape[a] for a in axes]))


class Sum(Function):
    """sum of x over axes.   d(sum)/dx_i = 1 for every element that was summed."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=None if x.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad, ctx.axes, ctx.keepdims, ctx.parents[0]._array.shape)


class Mean(Function):
    """mean of x over axes (n elements each).   d(mean)/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        ctx.count = _count(x.shape, ctx.axes)
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is NaN, as in PyTorch
            return np.add.reduce(x, axis=ctx.axes, keepdims=keepdims) / x.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.parents[0]._array.shape)


class Prod(Function):
    """product of x over axes.   d(prod)/dx_i = the product of all the other elements.

    That is prod / x_i -- except where x_i = 0, so backward multiplies the
    running products from the left and from the right of each element instead
    of dividing (exact with any number of zeros).
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        ctx.save_for_backward(x)
        return x.prod(axis=ctx.axes, keepdims=keepdims, dtype=None if x.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if x.size == 0:
            return np.zeros(x.shape, dtype=grad.dtype)
        last = tuple(range(x.ndim - len(ctx.axes), x.ndim))
        moved = np.moveaxis(x, ctx.axes, last)  # the reduced axes at the end, flattened into one
        rows = moved.reshape(moved.shape[:x.ndim - len(ctx.axes)] + (-1,))
        ones = np.ones(rows.shape[:-1] + (1,), dtype=x.dtype)
        before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = np.moveaxis((before * after).reshape(moved.shape), last, ctx.axes)
        return expand_to(grad, ctx.axes, ctx.keepdims, x.shape) * others


class Extremum(Function):
    """The largest (or smallest) value over axes: ``amax`` and ``amin``, and ``max()``/``min()`` of everything.

    d amax/dx_i = 1 for the element that is the maximum, 0 elsewhere.  When
    several elements tie the gradient is split evenly between them, so it
    still sums to the output gradient (PyTorch's rule).  With ``nan_aware``
    (``max()``/``median()`` of all elements) a NaN result sends its gradient
    to the NaNs; amax, like PyTorch's, then gives NaN gradients instead.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False, largest=True, nan_aware=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        ctx.nan_aware = nan_aware
        out = x.max(axis=axis, keepdims=keepdims) if largest else x.min(axis=axis, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return spread_evenly(grad, x, out, ctx.axes, ctx.keepdims, ctx.nan_aware)


def spread_evenly(grad, x, out, axes, keepdims, nan_aware):
    """Each output gradient split evenly over the elements of x equal to that output (see Extremum)."""
    out = expand_to(out, axes, keepdims, x.shape)
    picked = x == out
    if nan_aware and x.dtype.kind == "f" and np.isnan(out).any():
        picked |= np.isnan(x) & np.isnan(out)
    ties = picked.sum(axis=axes, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return expand_to(grad, axes, keepdims, x.shape) / ties * picked


class Var(Function):
    """Variance over axes: sum((x - mean)^2) / (n - correction); correction=1 is the unbiased estimate.

    d var/dx_i = 2 (x_i - mean) / (n - correction)   (the mean's own dependence on x_i cancels,
    because the deviations sum to zero).  A divisor <= 0 gives inf or NaN, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False, correction=1):
        with np.errstate(over="ignore"):  # (a float32 variance beyond 3.4e38 is inf, as in PyTorch)
            return _variance64(ctx, x, axis, keepdims, correction).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return expand_to(grad, ctx.axes, ctx.keepdims, centered.shape) * (2 / ctx.divisor) * centered


def _variance64(ctx, x, axis, keepdims, correction):
    """Var.forward's work, summing the squares in float64 (as PyTorch accumulates float32 in double): the
    squares of float32 values beyond 1.8e19 overflow float32 although their std fits."""
    ctx.axes = axis
    ctx.keepdims = keepdims
    ctx.divisor = x.dtype.type(max(_count(x.shape, axis) - correction, 0))
    centered = x - x.mean(axis=axis, keepdims=True) if x.size else x
    ctx.save_for_backward(centered)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.square(centered, dtype=np.float64).sum(axis=axis, keepdims=keepdims) / np.float64(ctx.divisor)


class Std(Function):
    """Standard deviation: sqrt(var).   d std/dx_i = (x_i - mean) / ((n - correction) std), taken as 0 where std = 0.

    (At std = 0 the square root has no derivative; PyTorch's choice of 0 keeps a
    constant input from turning a whole gradient into NaN.)
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False, correction=1):
        out = np.sqrt(_variance64(ctx, x, axis, keepdims, correction)).astype(x.dtype)
        ctx.save_for_backward(ctx.saved_tensors[0], out)
        return out

    @staticmethod
    def backward(ctx, grad):
        centered, out = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(out == 0, 0, grad / (ctx.divisor * out))
        return expand_to(scale, ctx.axes, ctx.keepdims, centered.shape) * centered


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, computed as m + log(sum(exp(x - m))) with m the max, so exp cannot overflow.

    d lse/dx_i = exp(x_i - lse)   (the softmax of x over the axes).
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        shift = x.max(axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        shift = np.where(np.isinf(shift), 0, shift)  # an infinite max: shifting by it would give inf - inf
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(x - shift).sum(axis=axis, keepdims=True)) + shift
        ctx.save_for_backward(x, out)
        return out if keepdims else out.reshape(tuple(n for a, n in enumerate(x.shape) if a not in axis))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return expand_to(grad, ctx.axes, ctx.keepdims, x.shape) * np.exp(x - out)


class CumSum(Function):
    """Running sum along an axis: out_i = x_0 + ... + x_i.   d out_j/dx_i = 1 for j >= i, so
    dL/dx_i = sum over j >= i of dL/dout_j: the running sum of the gradient taken from the end."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        dtype = None if x.dtype.kind == "f" else np.int64
        return x.astype(dtype or x.dtype) if x.ndim == 0 else np.cumsum(x, axis=axis, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad
        reversed_grad = np.flip(grad, ctx.axis)
        return np.flip(np.cumsum(reversed_grad, axis=ctx.axis), ctx.axis)


def _axes_and_keep(input, dim, keepdim, axis, keepdims, who):
    """(the checked, sorted axes, keepdim) from either spelling of the arguments."""
    return checks.dims(axis if axis is not None else dim, input.ndim, who), \
        bool(keepdims if keepdims is not None else keepdim)


def _needs_float(input, who):
    """mean, var and std are defined for float tensors only (PyTorch: pass dtype= or call .float())."""
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"{who}(): expected a floating-point input, got dtype {input.dtype} "
                           f"(convert it first, e.g. x.float())")


def _with_dtype(input, dtype, who):
    """``input`` converted to the ``dtype=`` argument of a reduction, when one is given."""
    return input if dtype is None else astype(input, dtypes.resolve(dtype, who))


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum over ``dim`` (an int, a tuple, or None for every element); integers and bools sum to int64."""
    input = _with_dtype(as_tensor(input), dtype, "sum")
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "sum")
    return Sum.apply(input, axis=axes, keepdims=keep)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean over ``dim`` (an int, a tuple, or None for every element) of a float tensor."""
    input = _with_dtype(as_tensor(input), dtype, "mean")
    _needs_float(input, "mean")
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "mean")
    return Mean.apply(input, axis=axes, keepdims=keep)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (one int, or None for every element); integers and bools multiply to int64."""
    input = _with_dtype(as_tensor(input), dtype, "prod")
    if dim is None:
        axes = tuple(range(input.ndim))
    else:
        axis = checks.dim(dim, input.ndim, "prod")
        axes = (axis,) if input.ndim else ()  # (a 0-d tensor's dim 0 is itself: nothing to multiply over)
    return Prod.apply(input, axis=axes, keepdims=bool(keepdim) and dim is not None)


def _extremum(input, dim, keepdim, largest, who, nan_aware=False):
    input = as_tensor(input)
    axes = checks.dims(dim, input.ndim, who)
    if input._array.size == 0 and (dim is None or (isinstance(dim, (tuple, list)) and not dim)):
        raise RuntimeError(f"{who}(): Expected reduction dim to be specified for input.numel() == 0 (the input "
                           f"has shape {input.shape}); pass dim=")
    for axis in axes if input._array.size == 0 else ():
        if input.shape[axis] == 0:
            raise IndexError(f"{who}(): Expected reduction dim {axis} to have non-zero size "
                             f"(the input has shape {input.shape})")
    return Extremum.apply(input, axis=axes, keepdims=bool(keepdim), largest=largest, nan_aware=nan_aware)


def amax(input, dim=(), keepdim=False):
    """The largest value over ``dim`` (an int or a tuple; () means every element); ties share the gradient."""
    return _extremum(input, dim, keepdim, True, "amax")


def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (an int or a tuple; () means every element); ties share the gradient."""
    return _extremum(input, dim, keepdim, False, "amin")


def aminmax(input, *, dim=None, keepdim=False):
    """(amin, amax) over ``dim`` (None: every element) as a named tuple ``(min, max)``."""
    dims = () if dim is None else dim
    return return_types.aminmax(amin(input, dims, keepdim), amax(input, dims, keepdim))


def _var_arguments(input, dim, unbiased, keepdim, correction, axis, keepdims, who):
    """PyTorch's two spellings, ``var(dim, unbiased, keepdim)`` and ``var(dim, keepdim=, correction=)``."""
    input = as_tensor(input)
    _needs_float(input, who)
    if isinstance(dim, bool):  # x.var(False): the first argument was ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{who}(): pass either unbiased or correction, not both")
    correction = (1 if unbiased is None or unbiased else 0) if correction is None else \
        checks.real_number(correction, "correction", who)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, who)
    return input, dict(axis=axes, keepdims=keep, correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Variance over ``dim``; divides by n - correction (unbiased, n - 1, by default; ``unbiased=False``: n)."""
    input, options = _var_arguments(input, dim, unbiased, keepdim, correction, axis, keepdims, "var")
    return Var.apply(input, **options)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Standard deviation over ``dim``: the square root of ``var`` with the same arguments."""
    input, options = _var_arguments(input, dim, unbiased, keepdim, correction, axis, keepdims, "std")
    return Std.apply(input, **options)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim`` in one call, with ``var``'s arguments."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim`` in one call, with ``std``'s arguments."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """``sum`` with every NaN counted as 0 (its gradient is 0 there)."""
    input = as_tensor(input)
    if input.dtype.kind == "f":
        input = elementwise.where(np.isnan(input._array), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN (NaN where every element is)."""
    input = _with_dtype(as_tensor(input), dtype, "nanmean")
    _needs_float(input, "nanmean")
    present = Tensor._from_array((~np.isnan(input._array)).astype(input.dtype), False)
    return nansum(input, dim, keepdim) / sum(present, dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim`` (an int or a tuple), without overflow; integers become the default dtype."""
    input = as_tensor(input)
    if input._array.dtype.kind != "f":
        input = astype(input, dtypes.get_default_dtype())
    return LogSumExp.apply(input, axis=checks.dims(dim, input.ndim, "logsumexp"), keepdims=bool(keepdim))


def _truth_reduction(numpy_fn, input, dim, keepdim, who):
    input = as_tensor(input)
    # An empty tuple of dims reduces over none of them here (unlike sum's): PyTorch's any/all.
    axes = () if isinstance(dim, (tuple, list)) and not dim else checks.dims(dim, input.ndim, who)
    result = numpy_fn(input._array, axis=axes, keepdims=bool(keepdim))
    dtype = np.uint8 if input._array.dtype == np.uint8 else np.bool_  # as PyTorch (uint8 stays uint8)
    return Tensor._from_array(np.asarray(result, dtype=dtype), False)


def any(input, dim=None, keepdim=False):
    """True where any element over ``dim`` (an int, a tuple, or None for all) is nonzero; no gradient."""
    return _truth_reduction(np.any, input, dim, keepdim, "any")


def all(input, dim=None, keepdim=False):
    """True where every element over ``dim`` (an int, a tuple, or None for all) is nonzero; no gradient."""
    return _truth_reduction(np.all, input, dim, keepdim, "all")


def cumsum(input, dim, *, dtype=None):
    """The running sum along ``dim``; integers and bools accumulate in int64."""
    input = _with_dtype(as_tensor(input), dtype, "cumsum")
    return CumSum.apply(input, axis=checks.dim(dim, input.ndim, "cumsum"))
