"""Ops that move elements around without changing them: reshape, permute, indexing, cat, stack, pad.

Each backward routes every output gradient back to the input element it
came from -- the inverse rearrangement.  An element read several times
(fancy indexing with repeats) receives the sum of its gradients.
"""

import numbers

import numpy as np

from tinynet.autograd import Function


class Reshape(Function):
    """The same elements in a new shape.   d out/d x is 1 from each element to its new place; reshape grad back."""

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.parents[0].data.shape)


class Permute(Function):
    """Reorder the axes: out axis i is input axis axes[i].   d out/d x moves each element: inverse-permute grad."""

    @staticmethod
    def forward(ctx, x, axes):
        axes = tuple(axes)
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)) or len(axes) != x.ndim:
            raise ValueError(f"permute needs an ordering of all {x.ndim} axes, got {axes}")
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort([a % grad.ndim for a in ctx.axes]))


def _is_advanced(index):
    """True if numpy would do advanced (copying, possibly repeating) indexing with ``index``."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, integer arrays and boolean masks.

    d out/d x is 1 from each selected element to where it was read; backward
    scatters the gradient into zeros of x's shape (with np.add.at when an
    integer array may select an element more than once).
    """

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        out = x[index]
        # Basic indexing returns a view; copy so later in-place edits of x cannot change this result.
        return out.copy() if isinstance(out, np.ndarray) and out.base is not None and not _is_advanced(index) else out

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.parents[0].data.shape
        grad_x = np.zeros(shape, dtype=grad.dtype)
        if _is_advanced(ctx.index):
            np.add.at(grad_x, ctx.index, grad)
        else:
            grad_x[ctx.index] = grad
        return grad_x


def _normalize_axis(axis, ndim, who):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{who}: dim must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{who}: dim {axis} is out of range for {ndim}-dimensional tensors")
    return axis % ndim


class Cat(Function):
    """Concatenate tensors along an existing axis.   Backward: split the gradient at the same boundaries."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        if not arrays:
            raise ValueError("cat needs at least one tensor")
        axis = _normalize_axis(axis, arrays[0].ndim, "cat")
        for a in arrays[1:]:
            if a.ndim != arrays[0].ndim or a.shape[:axis] + a.shape[axis + 1:] != \
                    arrays[0].shape[:axis] + arrays[0].shape[axis + 1:]:
                raise ValueError(f"cat along dim {axis}: shapes {arrays[0].shape} and {a.shape} differ off that dim")
        ctx.axis = axis
        ctx.boundaries = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.boundaries, axis=ctx.axis))


class Stack(Function):
    """Stack same-shaped tensors along a new axis.   Backward: take each slice of the gradient along it."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        if not arrays:
            raise ValueError("stack needs at least one tensor")
        for a in arrays[1:]:
            if a.shape != arrays[0].shape:
                raise ValueError(f"stack needs tensors of equal shape, got {arrays[0].shape} and {a.shape}")
        ctx.axis = _normalize_axis(axis, arrays[0].ndim + 1, "stack")
        return np.stack(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(grad.shape[ctx.axis]))


def pad_widths_per_axis(pad_widths, ndim):
    """PyTorch F.pad order (last_left, last_right, prev_left, prev_right, ...) -> numpy's per-axis pairs."""
    widths = tuple(pad_widths)
    if len(widths) % 2 or len(widths) // 2 > ndim:
        raise ValueError(
            f"pad widths must come in (before, after) pairs for at most {ndim} dimensions, got {widths}"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, numbers.Integral) or w < 0:
            raise ValueError(f"pad widths must be non-negative integers, got {widths}")
    pairs = [(0, 0)] * ndim
    for i in range(len(widths) // 2):
        pairs[ndim - 1 - i] = (int(widths[2 * i]), int(widths[2 * i + 1]))
    return pairs


class Pad(Function):
    """Zero padding in PyTorch's F.pad order: (left, right, top, bottom, ...) from the last axis backwards.

    The padding is constant, so d out/d x is 1 from each original element to
    its padded position: backward cuts the middle out of the gradient.
    """

    @staticmethod
    def forward(ctx, x, pad_widths):
        ctx.pairs = pad_widths_per_axis(pad_widths, x.ndim)
        return np.pad(x, ctx.pairs)

    @staticmethod
    def backward(ctx, grad):
        middle = tuple(slice(before, length - after) for (before, after), length in zip(ctx.pairs, grad.shape))
        return grad[middle]
