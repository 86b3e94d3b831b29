"""Ops that answer "which element?": max/min with a dim, argmax/argmin, nonzero, sort, argsort, topk, kthvalue, median, mode.

Each finds *indices* first (numpy's argmax or a stable argsort along the
dim), then takes the values at those indices with one Function,
``TakeAlongDim``, whose backward sends each value's gradient to the element
it was taken from -- only that one, even when another element ties with it
(PyTorch's rule for these ops).  They return PyTorch's named tuples
(``tinynet/return_types.py``): ``values, indices = x.max(1)``.

Without a dim, ``max``/``min``/``median`` return one value, and its gradient
is split evenly among the elements equal to it (``reduce.Extremum``).
Order is PyTorch's: NaN counts as larger than every number, so max, sort
(descending) and topk put NaNs first.
"""

import numbers

import numpy as np

from tinynet import checks, return_types
from tinynet.autograd.function import Function
from tinynet.ops import reduce
from tinynet.ops.elementwise import maximum, minimum, where
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import movedim, reshape
from tinynet.tensor import Tensor

__all__ = ["max", "min", "argmax", "argmin", "nonzero", "argwhere", "sort", "argsort", "topk", "kthvalue", "median",
           "mode", "quantile"]


class TakeAlongDim(Function):
    """The elements of x at ``indices`` along ``axis`` (numpy's take_along_axis; the indices never repeat).

    d out/d x is 1 from each taken element to where it was taken from, so
    backward puts the gradient back at the indices and zeros elsewhere.
    """

    @staticmethod
    def forward(ctx, x, indices, axis, keepdims=True, values=None):
        """``values``: the taken elements when the caller has them already (max: numpy's max is faster)."""
        ctx.indices, ctx.axis, ctx.keepdims = indices, axis, keepdims
        if x.ndim == 0:
            return x.copy()  # a 0-d tensor's only element (its index is 0)
        if values is None:
            values = np.take_along_axis(x, indices, axis)
        return values if keepdims else values.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0 and ctx.parents[0].ndim == 0:
            return grad
        grad_x = np.zeros(ctx.parents[0]._array.shape, dtype=grad.dtype)
        np.put_along_axis(grad_x, ctx.indices, grad if ctx.keepdims else np.expand_dims(grad, ctx.axis), ctx.axis)
        return grad_x


def _indices(input, dim, owner, find):
    """``find(array, axis)`` on the input's array, a 0-d input treated as having one element along dim 0."""
    axis = checks.dim(dim, input.ndim, owner)
    array = input._array.reshape(1) if input.ndim == 0 else input._array
    if array.shape[axis] == 0:
        raise IndexError(f"{owner}(): Expected reduction dim {axis} to have non-zero size "
                         f"(the input has shape {input.shape})")
    indices = find(array, axis)
    return (indices.reshape(()) if input.ndim == 0 else indices), axis


def _refuse_bool(input, who, error=RuntimeError):
    """PyTorch has no order-based argmax/argmin/topk/median/kthvalue for bool tensors; neither has tinynet."""
    if input._array.dtype == np.bool_:
        raise error(f"{who}(): does not support bool input (convert it first, e.g. x.long())")


def _pick(input, indices, axis, keepdim, result, values=None):
    """result(values, indices) for indices chosen along ``axis`` (kept with length 1 only if ``keepdim``)."""
    values = TakeAlongDim.apply(input, indices=indices, axis=axis, keepdims=keepdim, values=values)
    if not keepdim and indices.ndim:
        indices = indices.squeeze(axis)
    return result(values, Tensor._from_array(indices, False))


def _order(array, axis, descending=False):
    """Indices that sort ``array`` along ``axis``, ties in their original order, NaN as the largest value."""
    if not descending:
        return np.argsort(array, axis=axis, kind="stable")
    # Sort the reversed array and reverse the result: descending, and ties still in their original order.
    flipped = np.argsort(np.flip(array, axis), axis=axis, kind="stable")
    return array.shape[axis] - 1 - np.flip(flipped, axis)


def _extreme(input, dim, keepdim, largest, who, other):
    """max/min: of everything (dim None), along a dim with indices, or elementwise against a tensor."""
    input = as_tensor(input)
    if isinstance(dim, Tensor) or isinstance(other, Tensor):  # torch.max(a, b): elementwise
        return (maximum if largest else minimum)(input, dim if other is None else other)
    if dim is None:
        if input._array.size == 0:
            raise RuntimeError(f"{who}(): Expected reduction dim to be specified for input.numel() == 0 "
                               f"(the input has shape {input.shape}); pass dim=")
        return reduce.Extremum.apply(input, axis=tuple(range(input.ndim)), keepdims=bool(keepdim),
                                     largest=largest, nan_aware=True)
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{who}(): dim must be an int (use amax/amin to reduce over several dims), got {dim!r}")
    find = np.argmax if largest else np.argmin
    indices, axis = _indices(input, dim, who, lambda a, axis: find(a, axis=axis, keepdims=True))
    # The values at those indices are numpy's max (NaN included: both pick it), computed faster.
    values = None if input.ndim == 0 else \
        input._array.max(axis=axis, keepdims=True) if largest else input._array.min(axis=axis, keepdims=True)
    return _pick(input, indices, axis, keepdim, return_types.max if largest else return_types.min, values)


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):  # noqa: A001
    """The largest value (a 0-d tensor) -- or with ``dim``, a named tuple (values, indices) along it.

    ``max(a, b)`` with a tensor b is the elementwise maximum.  Along a dim the
    gradient goes to the index returned; over everything it is split among ties.
    """
    return _extreme(input, axis if axis is not None else dim, keepdims if keepdims is not None else keepdim,
                    True, "max", other)


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):  # noqa: A001
    """The smallest value (a 0-d tensor) -- or with ``dim``, a named tuple (values, indices) along it."""
    return _extreme(input, axis if axis is not None else dim, keepdims if keepdims is not None else keepdim,
                    False, "min", other)


def _arg_extremum(find, input, dim, keepdim, axis, keepdims, who):
    input = as_tensor(input)
    _refuse_bool(input, who)
    dim = axis if axis is not None else dim
    keep = bool(keepdims if keepdims is not None else keepdim)
    if dim is None:
        if input._array.size == 0:
            raise IndexError(f"{who}(): Expected reduction dim to be specified for input.numel() == 0")
        return Tensor._from_array(np.asarray(find(input._array, axis=None, keepdims=keep), dtype=np.int64), False)
    indices, axis = _indices(input, dim, who, lambda a, axis: find(a, axis=axis, keepdims=keep))
    return Tensor._from_array(np.asarray(indices, dtype=np.int64), False)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the largest value (of the flattened tensor when dim is None); int64, no gradient."""
    return _arg_extremum(np.argmax, input, dim, keepdim, axis, keepdims, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the smallest value (of the flattened tensor when dim is None); int64, no gradient."""
    return _arg_extremum(np.argmin, input, dim, keepdim, axis, keepdims, "argmin")


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements in row-major order: an int64 tensor of shape (n, input.dim()), or
    with ``as_tuple`` one 1-D tensor per dimension (usable as ``x[x.nonzero(as_tuple=True)]``); no gradient."""
    array = as_tensor(input)._array
    if array.ndim == 0:  # PyTorch: a 0-d tensor has n rows of no columns (as_tuple: treated as 1-d)
        found = np.zeros((int(array != 0), 0), np.int64)
        return (Tensor._from_array(np.zeros(len(found), np.int64), False),) if as_tuple else \
            Tensor._from_array(found, False)
    indices = [index.astype(np.int64) for index in np.nonzero(array)]
    if as_tuple:
        return tuple(Tensor._from_array(index, False) for index in indices)
    return Tensor._from_array(np.stack(indices, axis=1), False)


def argwhere(input):
    """``nonzero(input)``: the (n, input.dim()) indices of the non-zero elements; no gradient."""
    return nonzero(input)


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; ties keep their order (so ``stable=True`` holds always)."""
    input = as_tensor(input)
    indices, axis = _indices(input, dim, "sort", lambda a, axis: _order(a, axis, descending)) \
        if input._array.size else (np.zeros(input.shape, np.int64), checks.dim(dim, input.ndim, "sort"))
    return _pick(input, indices, axis, True, return_types.sort)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (int64, no gradient)."""
    return sort(input, dim, descending, stable).indices


def _check_k(k, size, who, minimum):
    k = checks.integer(k, "k", who)
    if not minimum <= k <= size:
        raise RuntimeError(f"{who}(): selected number k={k} out of range for a dimension of size {size}")
    return k


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (``largest=False``: smallest) elements along ``dim``, in order."""
    input = as_tensor(input)
    _refuse_bool(input, "topk")
    axis = checks.dim(dim, input.ndim, "topk")
    k = _check_k(k, input.shape[axis] if input.ndim else 1, "topk", 0)
    if k == 0:
        empty = np.zeros(input.shape[:axis] + (0,) + input.shape[axis + 1:], np.int64)
        return _pick(input, empty, axis, True, return_types.topk)
    indices, axis = _indices(input, dim, "topk",
                             lambda a, axis: np.take(_order(a, axis, descending=largest), range(k), axis=axis))
    return _pick(input, indices, axis, True, return_types.topk)


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along ``dim`` (k counts from 1)."""
    input = as_tensor(input)
    _refuse_bool(input, "kthvalue", NotImplementedError)
    axis = checks.dim(dim, input.ndim, "kthvalue")
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size "
                         f"(the input has shape {input.shape})")
    k = _check_k(k, input.shape[axis] if input.ndim else 1, "kthvalue", 1)
    indices, axis = _indices(input, dim, "kthvalue",
                             lambda a, axis: np.take(_order(a, axis), [k - 1], axis=axis))
    return _pick(input, indices, axis, keepdim, return_types.kthvalue)


def _lower_median_index(array, axis):
    """Along ``axis``: the index of the lower median ((n-1)//2-th smallest), or of the first NaN if there is one."""
    order = _order(array, axis)
    chosen = np.take(order, [(array.shape[axis] - 1) // 2], axis=axis)
    if array.dtype.kind == "f":
        nan = np.isnan(array)
        chosen = np.where(nan.any(axis=axis, keepdims=True), np.argmax(nan, axis=axis, keepdims=True), chosen)
    return chosen


class Median(Function):
    """The lower median of all the elements (the (n-1)//2-th smallest; NaN if there is one).

    d median/dx_i = 1 for the element that is the median, split evenly among
    elements equal to it (as for max of everything; see reduce.spread_evenly).
    """

    @staticmethod
    def forward(ctx, x):
        flat = x.reshape(-1)
        out = flat[_lower_median_index(flat, 0)].reshape(()) if flat.size else np.array(np.nan, x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return reduce.spread_evenly(grad, x, out, tuple(range(x.ndim)), False, True)


def median(input, dim=None, keepdim=False):
    """The lower median of all elements (0-d) -- or with ``dim``, a named tuple (values, indices) along it."""
    input = as_tensor(input)
    _refuse_bool(input, "median", NotImplementedError)
    if dim is None:
        return Median.apply(input)
    indices, axis = _indices(input, dim, "median", _lower_median_index)
    return _pick(input, indices, axis, keepdim, return_types.median)


def _mode_index(array, axis):
    """Along ``axis``: the index of the most frequent value (the smallest such value, at its last occurrence)."""
    rows = np.moveaxis(array, axis, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    chosen = np.empty(len(flat), dtype=np.int64)
    for r, row in enumerate(flat):
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]
        chosen[r] = len(row) - 1 - np.argmax(row[::-1] == value)
    return np.expand_dims(chosen.reshape(rows.shape[:-1]), axis)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` (the smallest one if several are), and where."""
    input = as_tensor(input)
    indices, axis = _indices(input, dim, "mode", _mode_index)
    return _pick(input, indices, axis, keepdim, return_types.mode)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-quantiles along ``dim`` (of all elements if None): the sorted values at position q (n - 1), between
    two of them mixed linearly (or the lower, higher, their midpoint or the nearest, by ``interpolation``).  A
    tensor of several q puts them in a new first dim; a row holding a NaN gives NaN.  The gradient flows to the
    one or two values each quantile reads (through sort)."""
    input = as_tensor(input)
    if input.dtype.kind != "f":
        raise RuntimeError(f"quantile() input tensor must be either float or double dtype, got {input.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                           f"but got {interpolation}")
    if isinstance(q, Tensor) and q.dtype != input.dtype:  # (PyTorch does not convert q either)
        raise RuntimeError(f"quantile() q tensor must be same dtype as the input tensor, got q {q.dtype} and "
                           f"input {input.dtype}")
    one_q = not isinstance(q, Tensor) or q.ndim == 0
    qs = np.atleast_1d(np.asarray(q._array if isinstance(q, Tensor) else q, dtype=np.float64))
    if qs.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if not ((qs >= 0) & (qs <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    x, axis = (reshape(input, (-1,)), 0) if dim is None else (input, checks.dim(dim, input.ndim, "quantile"))
    count = x.shape[axis]
    if count == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    values = movedim(sort(x, axis).values, axis, -1)  # (..., n), ascending
    position = qs * (count - 1)
    low, high = np.floor(position).astype(np.int64), np.ceil(position).astype(np.int64)
    if interpolation == "lower":
        high = low
    elif interpolation == "higher":
        low = high
    elif interpolation == "nearest":
        low = high = np.round(position).astype(np.int64)
    fraction = 0.5 if interpolation == "midpoint" else position - low
    below, above = values[..., low], values[..., high]
    result = below + (above - below) * Tensor._from_array(np.asarray(fraction, dtype=input.dtype), False)
    undefined = np.isnan(np.moveaxis(x._array, axis, -1)).any(axis=-1, keepdims=True)
    if undefined.any():
        result = where(undefined, np.nan, result)
    result = movedim(result, -1, 0)  # (the q dim first, as PyTorch puts it)
    if keepdim:
        kept = tuple(1 for _ in input.shape) if dim is None else \
            tuple(1 if d == axis else size for d, size in enumerate(input.shape))
        result = reshape(result, (len(qs),) + kept)
    return result[0] if one_q else result
