"""Ops that move elements around without changing them: reshape, permute, views, indexing, pad (and cat and
stack, from joining.py).

Each backward routes every output gradient back to the input element it
came from -- the inverse rearrangement.  An element read several times
(fancy indexing with repeats) receives the sum of its gradients.
"""

import math
import numbers
import warnings

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function, ViewFunction
from tinynet.autograd.partial_gradient import PartialGradient
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.joining import cat, concatenate, stack  # noqa: F401  (part of shape's API)
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["reshape", "flatten", "permute", "transpose", "squeeze", "unsqueeze", "cat", "concatenate", "stack", "pad",
           "expand", "expand_as", "view_as", "reshape_as", "movedim", "moveaxis", "swapaxes", "swapdims", "t"]


class Reshape(ViewFunction):
    """The same elements in a new shape.   d out/d x is 1 from each element to its new place; reshape grad back."""

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.parents[0]._array.shape)


def reshape(input, shape):
    """The same elements in a new shape (one entry may be -1)."""
    return Reshape.apply(as_tensor(input), checks.reshape_target(shape))


def view(input, shape):
    """The same elements in a new shape, sharing input's memory (one entry may be -1).  As in PyTorch, a tensor
    whose layout cannot be read in the new shape without copying (a transposed or sliced one) is refused:
    ``reshape`` copies where it must, ``contiguous()`` first makes the layout fit."""
    input = as_tensor(input)
    result = Reshape.apply(input, checks.reshape_target(shape))
    if result._array.size and not np.may_share_memory(result._array, input._array):  # (a copy: a new buffer)
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return result


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one (a reshape; a 0-d tensor becomes 1-d)."""
    input = as_tensor(input)
    start, end = checks.dim(start_dim, input.ndim, "flatten"), checks.dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
                           f"for shape {input.shape}")
    shape = input.shape
    merged = math.prod(shape[start:end + 1])
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


class Permute(ViewFunction):
    """Reorder the axes: out axis i is input axis axes[i].   d out/d x moves each element: inverse-permute grad."""

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
        raise RuntimeError(f"permute needs an ordering of all {input.ndim} axes, got {axes}")
    return Permute.apply(input, axes)


def transpose(input, dim0=-2, dim1=-1):
    """Swap two dimensions (the last two by default)."""
    input = as_tensor(input)
    dim0, dim1 = checks.dim(dim0, input.ndim, "transpose"), checks.dim(dim1, input.ndim, "transpose")
    if input.ndim < 2:
        return input
    axes = list(range(input.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(input, tuple(axes))


def _is_advanced(index):
    """True if numpy would do advanced (copying, possibly repeating) indexing with ``index``."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class GetItem(ViewFunction):
    """x[index] for ints, slices, None, Ellipsis, integer arrays and boolean masks.

    d out/d x is 1 from each selected element to where it was read; backward
    returns the gradient as a PartialGradient, zero but at the index, which
    the engine adds into x's gradient there (with np.add.at when an integer
    array may select an element more than once): reading x one step at a time
    costs one full-size gradient, not one per step.  Basic indexing (ints,
    slices) gives a view of x, as in PyTorch; advanced indexing a copy.
    """

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
        return PartialGradient(ctx.parents[0]._array.shape, ctx.index, grad, _is_advanced(ctx.index))


def _forward_slice(part):
    """A slice must step forward: PyTorch refuses x[::-1] (use flip), where numpy would reverse."""
    if part.step is not None and part.step <= 0:
        raise ValueError(f"step must be greater than zero (to reverse, use flip), got the slice {part}")
    return part


def _index_part(part):
    """One part of an index as numpy takes it: a Tensor as its array, except a 0-d integer tensor, which
    becomes a Python int so that x[i] is a view as in PyTorch (numpy would copy for a 0-d array); a slice
    checked to step forward."""
    if isinstance(part, slice):
        return _forward_slice(part)
    if not isinstance(part, Tensor):
        return part
    array = part._array
    if array.dtype == np.uint8:  # (PyTorch reads a uint8 tensor as a mask, deprecated, not as positions)
        warnings.warn("indexing with dtype uint8 is now deprecated, please use a dtype bool instead.", UserWarning)
        return array.astype(bool)
    return int(array) if array.ndim == 0 and array.dtype.kind in "iu" else array


def unwrap_index(index):
    """Tensors inside an index become their arrays (so x[mask] and x[idx] work with tensor masks/indices)."""
    if isinstance(index, tuple):
        return tuple(_index_part(part) for part in index)
    return _index_part(index)


def getitem(input, index):
    """input[index]: ints, slices, None, Ellipsis, integer tensors/arrays and boolean masks, as in numpy."""
    return GetItem.apply(input, unwrap_index(index))


def pad_widths_per_axis(pad_widths, ndim):
    """PyTorch F.pad order (last_left, last_right, prev_left, prev_right, ...) -> numpy's per-axis pairs.

    A negative width crops that many elements instead (as in PyTorch).
    """
    widths = tuple(pad_widths)
    if len(widths) % 2 or len(widths) // 2 > ndim:
        raise RuntimeError(
            f"pad widths must come in (before, after) pairs for at most {ndim} dimensions, got {widths}"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, numbers.Integral):
            raise TypeError(f"pad widths must be integers, got {widths}")
    pairs = [(0, 0)] * ndim
    for i in range(len(widths) // 2):
        pairs[ndim - 1 - i] = (int(widths[2 * i]), int(widths[2 * i + 1]))
    return pairs


class Pad(Function):
    """Constant padding: ``value`` added around x, ``pairs[i]`` = (before, after) elements on axis i.

    The padding does not depend on x, so d out/d x is 1 from each original
    element to its padded position: backward cuts the middle out of the gradient.
    """

    @staticmethod
    def forward(ctx, x, pairs, value=0):
        ctx.pairs = pairs
        return np.pad(x, ctx.pairs, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        middle = tuple(slice(before, length - after) for (before, after), length in zip(ctx.pairs, grad.shape))
        return grad[middle]


# PyTorch's padding modes that copy the input's own elements, and numpy's names for them.
_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _copying_pad(input, pairs, mode):
    """reflect/replicate/circular padding as indexing: along each padded axis, read input at a computed index
    array (e.g. [1, 0, 1, 2, 1] reflects [0, 1, 2] by one), so the gradient comes from indexing's backward."""
    for axis, (before, after) in enumerate(pairs):
        if before == after == 0:
            continue
        n = input.shape[axis]
        if mode == "reflect" and max(before, after) >= n:
            raise RuntimeError(f"pad: reflect padding {(before, after)} must be less than the size {n} of dim {axis}")
        if mode == "circular" and max(before, after) > n:
            raise RuntimeError(f"pad: circular padding {(before, after)} wraps around dim {axis} of size {n} "
                               "more than once")
        if n == 0:
            raise RuntimeError(f"pad: {mode} padding needs a non-empty dim {axis}, got shape {input.shape}")
        positions = np.arange(n)[max(-before, 0):n - max(-after, 0)]  # negative widths crop first
        index = np.pad(positions, (max(before, 0), max(after, 0)), mode=_NUMPY_PAD_MODES[mode])
        input = GetItem.apply(input, (slice(None),) * axis + (index,))
    return input


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative widths, crop) the last dimensions, in PyTorch's F.pad order (left, right, top,
    bottom, ...); ``mode`` is "constant" (with ``value``, 0 by default), "reflect", "replicate" or "circular"."""
    input = as_tensor(input)
    pairs = pad_widths_per_axis(pad, input.ndim)
    if mode == "constant":
        crop = tuple(slice(max(-before, 0), n - max(-after, 0)) for (before, after), n in zip(pairs, input.shape))
        if any(before < 0 or after < 0 for before, after in pairs):
            if any(piece.start > piece.stop for piece in crop):
                raise RuntimeError(f"pad: widths {tuple(pad)} crop more than the shape {input.shape} holds")
            input = GetItem.apply(input, crop)
            pairs = [(max(before, 0), max(after, 0)) for before, after in pairs]
        return Pad.apply(input, pairs, 0 if value is None else value)
    if mode not in _NUMPY_PAD_MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r} (expected 'constant', 'reflect', "
                                  "'replicate' or 'circular')")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    padded_dims = len(tuple(pad)) // 2
    if not padded_dims + 1 <= input.ndim <= padded_dims + 2:
        raise NotImplementedError(f"pad: {mode} padding of {padded_dims} dims needs a {padded_dims + 1}-D or "
                                  f"{padded_dims + 2}-D input (with batch/channel dims), got shape {input.shape}")
    return _copying_pad(input, pairs, mode)


# ---- PyTorch's other views: expand, *_as, movedim, swapaxes, t --------------------------------------

class Expand(ViewFunction):
    """x broadcast to a larger shape without copying (numpy's broadcast_to, a read-only view).

    Each element of x is used once per copy, so d out/d x sums the gradient over the broadcast axes.
    """

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to_shape(grad, ctx.parents[0]._array.shape)


def expanded_shape(shape, sizes):
    """PyTorch's expand rule: new leading dims may be added; -1 keeps a size; only size-1 dims may grow."""
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    result = []
    for i, size in enumerate(sizes):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"expand: sizes must be integers, got {tuple(sizes)}")
        old = shape[i - lead] if i >= lead else None
        if size == -1 and old is None:
            raise RuntimeError(f"expand: the expanded size -1 isn't allowed in a leading, non-existing dimension {i}")
        if size == -1:
            size = old
        if size < 0 or (old is not None and old != 1 and old != size):
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the existing size ({old}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(shape)}")
        result.append(int(size))
    return tuple(result)


def expand(input, *sizes):
    """A view of input repeated along size-1 (or new leading) dimensions: expand(x, 3, -1) or expand(x, (3, -1))."""
    input = as_tensor(input)
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    shape = expanded_shape(input.shape, sizes)
    return input if shape == input.shape else Expand.apply(input, shape)


def expand_as(input, other):
    """input expanded to other's shape (a view)."""
    return expand(input, other.shape)


def view_as(input, other):
    """input's elements in other's shape."""
    return reshape(input, other.shape)


reshape_as = view_as


def movedim(input, source, destination):
    """Move dimension(s) ``source`` to position(s) ``destination``, keeping the others in order (a view)."""
    input = as_tensor(input)
    source = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    destination = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    source = [checks.dim(d, input.ndim, "movedim") for d in source]
    destination = [checks.dim(d, input.ndim, "movedim") for d in destination]
    for name, dims in (("source", source), ("destination", destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [d for d in range(input.ndim) if d not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return Permute.apply(input, tuple(order)) if input.ndim else input


moveaxis = movedim


def swapaxes(input, axis0, axis1):
    """Swap two dimensions (PyTorch's name for transpose with both dims given)."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """Swap two dimensions (transpose)."""
    return transpose(input, dim0, dim1)


def t(input):
    """The transpose of a matrix; a vector or a scalar comes back as it is (more dimensions are refused)."""
    input = as_tensor(input)
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return Permute.apply(input, (1, 0)) if input.ndim == 2 else input


def matrix_transpose(input):
    """The last two dimensions swapped (PyTorch's ``x.mT``): each matrix of a batch transposed."""
    if input.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input.ndim}-D tensor.")
    return transpose(input, -2, -1)
