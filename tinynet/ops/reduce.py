"""Reductions: sum, mean, max, min, var over some axes (or all), with or without keepdims.

The backward of a reduction spreads each output gradient back over the
elements that were reduced into it.  ``expand_to`` does the shape work: it
reinserts the reduced axes (when keepdims was False) and broadcasts.
"""

import numbers

import numpy as np

from tinynet.autograd import Function


def normalize_axes(axis, ndim):
    """``axis`` (None, an int or a sequence of ints, negatives allowed) -> a sorted tuple of axes, checked."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    normalized = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(f"axis/dim must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis/dim {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis/dim {axis!r} repeats an axis")
    return tuple(sorted(normalized))


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
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad, ctx.axes, ctx.keepdims, ctx.parents[0].data.shape)


class Mean(Function):
    """mean of x over axes (n elements each).   d(mean)/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand_to(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.parents[0].data.shape)


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
    def forward(ctx, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError(f"max of an empty tensor (shape {x.shape}) is undefined")
        ctx.axes = normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        out = x.max(axis=ctx.axes, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        return out


class Min(_Extremum):
    """min of x over axes.   d min/dx_i = 1 for the argmin, 0 elsewhere (split evenly on ties; see _Extremum)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError(f"min of an empty tensor (shape {x.shape}) is undefined")
        ctx.axes = normalize_axes(axis, x.ndim)
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
    def forward(ctx, x, axis=None, keepdims=False, correction=1):
        ctx.axes = normalize_axes(axis, x.ndim)
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
