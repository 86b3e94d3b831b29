"""Reductions: sum, mean, max, min, var over some dims (or all), with or without keepdim; argmax, argmin.

The backward of a reduction spreads each output gradient back over the
elements that were reduced into it.  ``expand_to`` does the shape work: it
reinserts the reduced axes (when keepdims was False) and broadcasts.

The public functions take PyTorch's ``dim``/``keepdim`` and numpy's
``axis``/``keepdims`` spellings; the dims are checked there, once, and the
Functions receive them as a sorted tuple of axes.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["sum", "mean", "max", "min", "var", "argmax", "argmin"]


def expand_to(grad, axes, keepdims, shape):
    """Copy a reduced gradient back over the input ``shape`` (each reduced element gets its output's gradient)."""
    if not keepdims:  # put the reduced axes back, with length 1
        grad = grad.reshape(tuple(1 if axis in axes else n for axis, n in enumerate(shape)))
    expanded = np.empty(shape, dtype=grad.dtype)
    expanded[...] = grad  # broadcasting assignment: cheaper than np.broadcast_to for small arrays
    return expanded


class Sum(Function):
    """sum of x over axes.   d(sum)/dx_i = 1 for every element that was summed."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad, ctx.axes, ctx.keepdims, ctx.parents[0].shape)


class Mean(Function):
    """mean of x over axes (n elements each).   d(mean)/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        ctx.axes = axis
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.parents[0].shape)


class _Extremum(Function):
    """Shared backward of Max and Min: the gradient goes to the element(s) that were picked.

    d max/dx_i = 1 if x_i is the maximum, else 0.  When several elements tie
    for the maximum the gradient is split evenly between them (as PyTorch's
    amax does), so it still sums to the output gradient.
    """

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        picked = x == expand_to(out, ctx.axes, ctx.keepdims, x.shape)
        ties = picked.sum(axis=ctx.axes, keepdims=True)
        return expand_to(grad, ctx.axes, ctx.keepdims, x.shape) * picked / ties


class Max(_Extremum):
    """max of x over axes.   d max/dx_i = 1 for the argmax, 0 elsewhere (split evenly on ties; see _Extremum)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        if x.size == 0:
            raise ValueError(f"max of an empty tensor (shape {x.shape}) is undefined")
        ctx.axes = axis
        ctx.keepdims = keepdims
        out = x.max(axis=ctx.axes, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        return out


class Min(_Extremum):
    """min of x over axes.   d min/dx_i = 1 for the argmin, 0 elsewhere (split evenly on ties; see _Extremum)."""

    @staticmethod
    def forward(ctx, x, axis, keepdims=False):
        if x.size == 0:
            raise ValueError(f"min of an empty tensor (shape {x.shape}) is undefined")
        ctx.axes = axis
        ctx.keepdims = keepdims
        out = x.min(axis=ctx.axes, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        return out


class Var(Function):
    """Variance over axes: sum((x - mean)^2) / (n - correction); correction=1 is the unbiased estimate.

    d var/dx_i = 2 (x_i - mean) / (n - correction)   (the mean's own dependence on x_i cancels,
    because the deviations sum to zero).
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims=False, correction=1):
        ctx.axes = axis
        ctx.keepdims = keepdims
        count = int(np.prod([x.shape[a] for a in ctx.axes]))
        ctx.divisor = count - correction
        if ctx.divisor <= 0:
            raise ValueError(f"var over {count} element(s) with correction={correction} divides by {ctx.divisor}")
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(centered)
        return (centered * centered).sum(axis=ctx.axes, keepdims=keepdims) / ctx.divisor

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        return expand_to(grad, ctx.axes, ctx.keepdims, centered.shape) * (2 / ctx.divisor) * centered


def _axes_and_keep(input, dim, keepdim, axis, keepdims, who):
    """(the checked, sorted axes, keepdim) from either spelling of the arguments."""
    return checks.dims(axis if axis is not None else dim, input.ndim, who), \
        bool(keepdims if keepdims is not None else keepdim)


def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Sum over ``dim`` (an int, a tuple, or None for every element)."""
    input = as_tensor(input)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "sum")
    return Sum.apply(input, axis=axes, keepdims=keep)


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over ``dim`` (an int, a tuple, or None for every element)."""
    input = as_tensor(input)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "mean")
    return Mean.apply(input, axis=axes, keepdims=keep)


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Largest value over ``dim`` (the values only; use argmax for positions)."""
    input = as_tensor(input)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "max")
    return Max.apply(input, axis=axes, keepdims=keep)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Smallest value over ``dim``."""
    input = as_tensor(input)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "min")
    return Min.apply(input, axis=axes, keepdims=keep)


def var(input, dim=None, keepdim=False, *, axis=None, keepdims=None, correction=1, unbiased=None):
    """Variance over ``dim``; divides by n - correction (unbiased, n - 1, by default)."""
    input = as_tensor(input)
    axes, keep = _axes_and_keep(input, dim, keepdim, axis, keepdims, "var")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    return Var.apply(input, axis=axes, keepdims=keep, correction=correction)


def _arg_extremum(numpy_fn, input, dim, keepdim, axis, keepdims):
    input = as_tensor(input)
    dim = axis if axis is not None else dim
    keep = bool(keepdims if keepdims is not None else keepdim)
    if dim is not None:
        dim = checks.dim(dim, input.ndim, numpy_fn.__name__)
    return Tensor._from_array(np.asarray(numpy_fn(input._array, axis=dim, keepdims=keep), dtype=np.int64), False)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the largest value (the flat index when dim is None); an int64 tensor without gradient."""
    return _arg_extremum(np.argmax, input, dim, keepdim, axis, keepdims)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the smallest value; an int64 tensor without gradient."""
    return _arg_extremum(np.argmin, input, dim, keepdim, axis, keepdims)
