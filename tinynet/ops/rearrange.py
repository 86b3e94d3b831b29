"""Ops whose result is a fresh copy of the elements, kept in place or rearranged: clone, contiguous, flip, roll,
repeat, tile.

None of them changes a value, so each backward just routes every output
gradient back to the element it was copied from: the copy's gradient is the
gradient, a flip's is flipped back, a roll's is rolled back, and an element
repeated k times receives the sum of its k gradients.
"""

import numbers

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import cat, reshape

__all__ = ["clone", "contiguous", "is_contiguous", "flip", "fliplr", "flipud", "roll", "repeat", "tile", "hstack", "vstack"]


def _int_tuple(values, what, owner):
    """An int or a sequence of ints -> a tuple of ints."""
    if isinstance(values, numbers.Integral):
        values = (values,)
    elif not isinstance(values, (tuple, list)):
        raise TypeError(f"{owner}: {what} must be integers (one int or a tuple), got {values!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{owner}: {what} must be integers, got {values!r}")
    return tuple(int(v) for v in values)


def _varargs(values):
    """f(x, 1, 2) and f(x, (1, 2)) both mean (1, 2)."""
    return values[0] if len(values) == 1 and not isinstance(values[0], numbers.Integral) else values


class Clone(Function):
    """A copy of x in its own (C-ordered) memory.   d out/d x = 1: the gradient passes through unchanged."""

    @staticmethod
    def forward(ctx, x):
        return np.array(x, order="C", copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input, *, memory_format=None):
    """A copy of input with its own memory; gradients flow back to input as if it were input itself."""
    return Clone.apply(as_tensor(input))


def contiguous(input, memory_format=None):
    """input itself when its memory is already C-ordered, else a C-ordered copy (as ``clone``)."""
    input = as_tensor(input)
    return input if input._array.flags.c_contiguous else Clone.apply(input)


class Flip(Function):
    """x with the order of the elements reversed along ``axes`` (a copy).   d out/d x: flip the gradient back."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()

    @staticmethod
    def backward(ctx, grad):
        return np.flip(grad, ctx.axes)


def is_contiguous(input, memory_format=None):
    """True if the elements lie in memory in row-major order without gaps (a transpose or expand is not)."""
    return bool(as_tensor(input)._array.flags.c_contiguous)


def stride(input, dim=None):
    """Elements to step over in memory per step along each dim (a tuple, or one dim's); 0 along expanded dims."""
    array = as_tensor(input)._array
    strides = tuple(s // array.itemsize for s in array.strides)
    return strides if dim is None else strides[checks.dim(dim, array.ndim, "stride")]


def element_size(input):
    """Bytes per element (4 for float32)."""
    return as_tensor(input)._array.itemsize


def data_ptr(input):
    """The address of the first element in memory (views of one tensor share its block, at other addresses)."""
    return as_tensor(input)._array.__array_interface__["data"][0]


def storage_offset(input):
    """How many elements into its memory block the tensor starts (x[1] of a 2 x 3 tensor starts 3 in)."""
    array = as_tensor(input)._array
    block = array
    while isinstance(block.base, np.ndarray):  # the array that owns the memory
        block = block.base
    start = block.__array_interface__["data"][0]
    return (array.__array_interface__["data"][0] - start) // array.itemsize


def nbytes(input):
    """Bytes the elements take: numel * element_size (a property of a Tensor, as in PyTorch)."""
    return as_tensor(input)._array.nbytes


def flip(input, dims):
    """Reverse the order of the elements along each of ``dims`` (a tuple of dims, or one dim)."""
    input = as_tensor(input)
    axes = [checks.dim(d, input.ndim, "flip") for d in _int_tuple(dims, "dims", "flip")]
    for axis in axes:
        if axes.count(axis) > 1:
            raise RuntimeError(f"flip: dim {axis} appears multiple times in the list of dims")
    if input.ndim == 0 or not axes:
        return Clone.apply(input)
    return Flip.apply(input, tuple(axes))


def fliplr(input):
    """Reverse the columns (dim 1) of a tensor with at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got {input.ndim}-d")
    return flip(input, 1)


def flipud(input):
    """Reverse the rows (dim 0) of a tensor with at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(input, 0)


class Roll(Function):
    """x with its elements shifted cyclically by ``shifts`` along ``axes`` (axes None: over the flattened x).

    d out/d x: each element moved by +k, so its gradient is the output gradient rolled by -k.
    """

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.roll(grad, tuple(-s for s in ctx.shifts) if ctx.axes is not None else -ctx.shifts[0], ctx.axes)


def roll(input, shifts, dims=None):
    """Shift the elements cyclically: those pushed off the end come back at the start (over all elements in
    order when ``dims`` is None)."""
    input = as_tensor(input)
    shifts = _int_tuple(shifts, "shifts", "roll")
    if not shifts:
        raise RuntimeError("roll: `shifts` required")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: 0")
        return Roll.apply(input, shifts, None)
    dims = _int_tuple(dims, "dims", "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    if input.ndim == 0:
        raise IndexError("roll: dims given but the tensor has no dimensions")
    return Roll.apply(input, shifts, tuple(checks.dim(d, input.ndim, "roll") for d in dims))


class Repeat(Function):
    """x tiled ``repeats[i]`` times along each axis i (repeats as long as x.ndim; numpy's tile).

    d out/d x: every copy of an element receives a gradient, so x's gradient
    is their sum -- view the gradient as (r0, n0, r1, n1, ...) and sum over the r axes.
    """

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.repeats = repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.parents[0]._array.shape
        interleaved = tuple(n for pair in zip(ctx.repeats, shape) for n in pair)
        return grad.reshape(interleaved).sum(axis=tuple(range(0, 2 * len(shape), 2)))


def repeat(input, *repeats):
    """Tile input ``repeats[i]`` times along dim i; extra leading repeats add new dims (x.repeat(2, 1, 3))."""
    input = as_tensor(input)
    repeats = _int_tuple(_varargs(repeats), "repeats", "repeat")
    if len(repeats) < input.ndim:
        raise RuntimeError(f"repeat: number of dimensions of repeat dims ({len(repeats)}) can not be smaller "
                           f"than number of dimensions of tensor ({input.ndim})")
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {repeats}")
    # Leading repeats act on new size-1 dims: tile a (1, 1, ...)-padded view, whose gradient sums back.
    padded = (1,) * (len(repeats) - input.ndim) + input.shape
    if padded != input.shape:
        input = reshape(input, padded)
    return Repeat.apply(input, repeats)


def tile(input, dims):
    """numpy's tile: like repeat, but ``dims`` shorter than input's dims is padded with leading 1s."""
    input = as_tensor(input)
    dims = _int_tuple(dims, "dims", "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def hstack(tensors):
    """Concatenate column-wise: along dim 0 when every tensor is 1-D, else along dim 1 (0-d ones as 1-D)."""
    tensors = [as_tensor(t) for t in tensors]
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors and all(t.ndim == 1 for t in tensors) else 1)


def vstack(tensors):
    """Concatenate row-wise along dim 0, 0-d and 1-D tensors first made rows (1, n)."""
    tensors = [as_tensor(t) for t in tensors]
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)
