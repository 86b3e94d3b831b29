"""Ops that move elements around without changing them: reshape, permute, indexing, cat, stack, pad.

Each backward routes every output gradient back to the input element it
came from -- the inverse rearrangement.  An element read several times
(fancy indexing with repeats) receives the sum of its gradients.
"""

import numbers

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["reshape", "flatten", "permute", "transpose", "squeeze", "unsqueeze", "cat", "concatenate", "stack", "pad"]


class Reshape(Function):
    """The same elements in a new shape.   d out/d x is 1 from each element to its new place; reshape grad back."""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.parents[0].shape)


def reshape(input, shape):
    """The same elements in a new shape (one entry may be -1)."""
    return Reshape.apply(as_tensor(input), tuple(shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one (a reshape; a 0-d tensor becomes 1-d)."""
    input = as_tensor(input)
    start, end = checks.dim(start_dim, input.ndim, "flatten"), checks.dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
                           f"for shape {input.shape}")
    shape = input.shape
    merged = int(np.prod(shape[start:end + 1]))
    return Reshape.apply(input, shape[:start] + (merged,) + shape[end + 1:])


def squeeze(input, dim=None):
    """Drop dimensions of length 1: all of them, or those of ``dim`` (an int or a tuple) that have length 1."""
    input = as_tensor(input)
    shape = input.shape
    if dim is None:
        dropped = range(len(shape))
    else:
        dropped = (checks.dim(dim, input.ndim, "squeeze"),) if isinstance(dim, numbers.Integral) \
            else checks.dims(dim, input.ndim, "squeeze")
    new_shape = tuple(n for axis, n in enumerate(shape) if n != 1 or axis not in dropped)
    return Reshape.apply(input, new_shape)  # a view even when nothing is dropped, as in PyTorch


def unsqueeze(input, dim):
    """Insert a dimension of length 1 at ``dim`` (from -ndim-1 to ndim)."""
    input = as_tensor(input)
    dim = checks.dim(dim, input.ndim + 1, "unsqueeze")
    return Reshape.apply(input, input.shape[:dim] + (1,) + input.shape[dim:])


class Permute(Function):
    """Reorder the axes: out axis i is input axis axes[i].   d out/d x moves each element: inverse-permute grad."""

    may_return_view = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort([a % grad.ndim for a in ctx.axes]))


def permute(input, dims):
    """Reorder the dimensions: output dim i is input dim dims[i]."""
    input = as_tensor(input)
    axes = tuple(dims)
    if len(axes) != input.ndim or sorted(checks.dim(a, input.ndim, "permute") for a in axes) != list(range(input.ndim)):
        raise ValueError(f"permute needs an ordering of all {input.ndim} axes, got {axes}")
    return Permute.apply(input, axes)


def transpose(input, dim0=-2, dim1=-1):
    """Swap two dimensions (the last two by default)."""
    input = as_tensor(input)
    if input.ndim < 2:
        return input
    axes = list(range(input.ndim))
    dim0, dim1 = checks.dim(dim0, input.ndim, "transpose"), checks.dim(dim1, input.ndim, "transpose")
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(input, tuple(axes))


def _is_advanced(index):
    """True if numpy would do advanced (copying, possibly repeating) indexing with ``index``."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class GetItem(Function):
    """x[index] for ints, slices, None, Ellipsis, integer arrays and boolean masks.

    d out/d x is 1 from each selected element to where it was read; backward
    scatters the gradient into zeros of x's shape (with np.add.at when an
    integer array may select an element more than once).  Basic indexing
    (ints, slices) gives a view of x, as in PyTorch; advanced indexing a copy.
    """

    may_return_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        if _is_advanced(index):
            return x[index]
        key = index if isinstance(index, tuple) else (index,)
        # A trailing ... keeps even x[0] of a vector an array (a 0-d view) rather than a numpy scalar.
        return x[key] if any(part is Ellipsis for part in key) else x[key + (Ellipsis,)]

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.parents[0].shape
        grad_x = np.zeros(shape, dtype=grad.dtype)
        if _is_advanced(ctx.index):
            np.add.at(grad_x, ctx.index, grad)
        else:
            grad_x[ctx.index] = grad
        return grad_x


def unwrap_index(index):
    """Tensors inside an index become their arrays (so x[mask] and x[idx] work with tensor masks/indices)."""
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, tuple):
        return tuple(part._array if isinstance(part, Tensor) else part for part in index)
    return index


def getitem(input, index):
    """input[index]: ints, slices, None, Ellipsis, integer tensors/arrays and boolean masks, as in numpy."""
    return GetItem.apply(input, unwrap_index(index))


class Cat(Function):
    """Concatenate tensors along an existing axis.   Backward: split the gradient at the same boundaries."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
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


def cat(tensors, dim=0):
    """Concatenate tensors along an existing dimension."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    return Cat.apply(*tensors, axis=checks.dim(dim, tensors[0].ndim, "cat"))


concatenate = cat


class Stack(Function):
    """Stack same-shaped tensors along a new axis.   Backward: take each slice of the gradient along it."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        for a in arrays[1:]:
            if a.shape != arrays[0].shape:
                raise ValueError(f"stack needs tensors of equal shape, got {arrays[0].shape} and {a.shape}")
        ctx.axis = axis
        return np.stack(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(grad.shape[ctx.axis]))


def stack(tensors, dim=0):
    """Stack equal-shaped tensors along a new dimension."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    return Stack.apply(*tensors, axis=checks.dim(dim, tensors[0].ndim + 1, "stack"))


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
    def forward(ctx, x, pairs):
        ctx.pairs = pairs
        return np.pad(x, ctx.pairs)

    @staticmethod
    def backward(ctx, grad):
        middle = tuple(slice(before, length - after) for (before, after), length in zip(ctx.pairs, grad.shape))
        return grad[middle]


def pad(input, pad):
    """Zero padding, PyTorch F.pad order: (left, right, top, bottom, ...) from the last dimension backwards."""
    input = as_tensor(input)
    return Pad.apply(input, pad_widths_per_axis(pad, input.ndim))
