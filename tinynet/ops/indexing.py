"""Ops that pick or place elements by index: gather, scatter, index_select, masked_fill, narrow, split, chunk, unbind.

``gather(x, dim, index)`` reads, ``scatter(x, dim, index, src)`` writes:
for dim = 1, out[i][j] = x[i][index[i][j]] and out[i][index[i][j]] = src[i][j].
The backward of a read sends each output gradient back to the element it
was read from (summed when an element was read more than once); the backward
of a write is the matching read.  narrow, split, chunk and unbind return
views (basic slicing), sharing memory and version counter with their input.
The in-place twins (``masked_fill_``, ``index_fill_``, ``scatter_``,
``scatter_add_``) go through ``apply_inplace``, with PyTorch's safety net.
"""

import itertools
import math
import numbers

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import Expand, GetItem, Reshape, expanded_shape
from tinynet.tensor import Tensor

__all__ = ["gather", "scatter", "scatter_add", "take_along_dim", "index_select", "index_fill", "masked_fill",
           "narrow", "split", "chunk", "unbind", "tensor_split"]


def index_tensor(index, owner, dtypes="int32/int64"):
    """An integer index (Tensor, array or list) as a Tensor, refusing float and bool indices as PyTorch does.

    A Tensor index is kept as it is: an op that saves it for backward then notices if it is changed in place.
    """
    index = index if isinstance(index, Tensor) else Tensor._from_array(np.asarray(index), False)
    if index.dtype.kind not in "iu" or (dtypes == "int64" and index.dtype != np.int64):
        raise RuntimeError(f"{owner}(): Expected dtype {dtypes} for index, got {index.dtype}")
    return index


def _in_bounds(index, size, axis, owner, allow_negative=False):
    """Raise unless every index is in [0, size) (or [-size, size)); return it with negatives counted from the end."""
    low = -size if allow_negative else 0
    if index.size and (index.min() < low or index.max() >= size):
        bad = index.min() if index.min() < low else index.max()
        raise RuntimeError(f"{owner}: index {bad} is out of bounds for dimension {axis} with size {size}")
    return np.where(index < 0, index + size, index) if allow_negative and index.size and index.min() < 0 else index


def _coordinates(index, axis):
    """For every element of ``index``: its own coordinates, except ``index`` itself along ``axis`` (numpy fancy
    indexing with these reads x[i][index[i][j]] for axis 1)."""
    coordinates = list(np.indices(index.shape, sparse=True))
    coordinates[axis] = index
    return tuple(coordinates)


def _check_index_shape(input, index, axis, owner, src=None):
    if index.ndim != input.ndim:
        raise RuntimeError(f"{owner}: Index tensor must have the same number of dimensions as input tensor "
                           f"(index {index.shape}, input {input.shape})")
    for d, n in enumerate(index.shape):
        if (d != axis and n > input.shape[d]) or (src is not None and n > src.shape[d]):
            raise RuntimeError(f"{owner}: Expected index {list(index.shape)} to be no larger than input "
                               f"{list(input.shape)} apart from dimension {axis}"
                               + (f" and to be no larger than src {list(src.shape)}" if src is not None else ""))


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] along dim 1 (likewise along any axis).

    d out/d x: each output gradient goes back to the element it was read from (np.add.at sums repeated reads).
    """

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.save_for_backward(index)
        ctx.axis = axis
        return x[_coordinates(index, axis)]

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        grad_x = np.zeros(ctx.parents[0]._array.shape, dtype=grad.dtype)
        np.add.at(grad_x, _coordinates(index, ctx.axis), grad)
        return grad_x


def gather(input, dim, index):
    """Read input along ``dim`` at ``index`` (same number of dims as input): out[i][j] = input[i][index[i][j]]."""
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, "gather")
    index = index_tensor(index, "gather")
    _check_index_shape(input, index, axis, "gather")
    if input.ndim == 0:  # a scalar: the index is 0-d too, and must be 0
        _in_bounds(index._array, 1, 0, "gather")
        return Reshape.apply(input, ())
    _in_bounds(index._array, input.shape[axis], axis, "gather")
    return Gather.apply(input, index, axis)


class Scatter(Function):
    """x with out[i][index[i][j]] = src[i][j] along dim 1 (or += with ``accumulate``); src may be a number.

    d out/d x = 1 except where written over (0 there; 1 everywhere when accumulating);
    d out/d src: src[i][j] receives the gradient of out[i][index[i][j]] (a gather of the gradient).
    """

    @staticmethod
    def forward(ctx, x, src, index, axis, accumulate=False):
        ctx.save_for_backward(index)
        ctx.axis, ctx.accumulate = axis, accumulate
        where = _coordinates(index, axis)
        values = src[tuple(slice(n) for n in index.shape)] if isinstance(src, np.ndarray) else src
        out = x.copy()
        if accumulate:
            np.add.at(out, where, values)
        else:
            out[where] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        need_x, need_src = ctx.needs_input_grad[:2]
        where = _coordinates(index, ctx.axis)
        grad_x = grad_src = None
        if need_x:
            grad_x = grad if ctx.accumulate else grad.copy()
            if not ctx.accumulate:
                grad_x[where] = 0
        if need_src:
            grad_src = np.zeros(ctx.parents[1]._array.shape, dtype=grad.dtype)
            grad_src[tuple(slice(n) for n in index.shape)] = grad[where]
        return grad_x, grad_src


def _scatter(input, dim, index, src, owner, accumulate):
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, owner)
    index = index_tensor(index, owner)
    if index.ndim == 0 and input.ndim == 1:  # PyTorch counts a 0-d index (and src) as one element: x.scatter_(0, i, v)
        index = index.reshape(1)
        src = src.reshape(1) if isinstance(src, Tensor) and src.ndim == 0 else src
    if isinstance(src, Tensor):
        if src.dtype != input.dtype:
            raise RuntimeError(f"{owner}(): Expected self.dtype to be equal to src.dtype ({input.dtype} != {src.dtype})")
        if src.ndim != index.ndim:
            raise RuntimeError(f"{owner}: Index tensor must have the same number of dimensions as src tensor")
    elif isinstance(src, bool) or not isinstance(src, numbers.Number):
        raise TypeError(f"{owner}: src must be a Tensor or (with value=) a number, got {type(src).__name__}")
    if input.ndim == 0:
        raise RuntimeError(f"{owner}: scattering into a 0-d tensor is not supported; reshape it to (1,) first")
    _check_index_shape(input, index, axis, owner, src if isinstance(src, Tensor) else None)
    _in_bounds(index._array, input.shape[axis], axis, owner)
    return Scatter.apply(input, src, index, axis, accumulate=accumulate)


def scatter(input, dim, index, src=None, *, value=None):
    """A copy of input with src (a tensor, or the number ``value``) written at ``index`` along ``dim``:
    out[i][index[i][j]] = src[i][j] for dim = 1.  Where index repeats a position, one of the writes wins."""
    if (src is None) == (value is None):
        raise TypeError("scatter needs exactly one of src (a tensor) and value (a number)")
    return _scatter(input, dim, index, src if src is not None else value, "scatter", accumulate=False)


def scatter_add(input, dim, index, src):
    """A copy of input with src added at ``index`` along ``dim``: out[i][index[i][j]] += src[i][j] for dim = 1."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    return _scatter(input, dim, index, src, "scatter_add", accumulate=True)


def take_along_dim(input, indices, dim=None):
    """Read input at ``indices`` along ``dim`` (numpy's take_along_axis: the other dims broadcast, negative
    indices count from the end); with dim None, at the flat positions ``indices`` (0 to numel - 1)."""
    input = as_tensor(input)
    indices = index_tensor(indices, "take_along_dim", "int64")._array
    if dim is None:
        flat = Reshape.apply(input, (input._array.size,))
        indices = _in_bounds(indices.reshape(-1), flat.shape[0], 0, "take_along_dim")
        return Gather.apply(flat, indices.copy(), 0)  # (a copy: the user's index may change before backward)
    axis = checks.dim(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    indices = _in_bounds(indices, input.shape[axis], axis, "take_along_dim", True)
    # Broadcast the two shapes in every dim but ``axis``, then gather.
    try:
        common = list(np.broadcast_shapes(input.shape[:axis] + (1,) + input.shape[axis + 1:],
                                          indices.shape[:axis] + (1,) + indices.shape[axis + 1:]))
    except ValueError:
        raise RuntimeError(f"take_along_dim: shapes {input.shape} and {indices.shape} do not broadcast "
                           f"apart from dim {axis}") from None
    input_shape = tuple(common[:axis] + [input.shape[axis]] + common[axis + 1:])
    if input_shape != input.shape:
        input = Expand.apply(input, expanded_shape(input.shape, input_shape))
    common[axis] = indices.shape[axis]
    return Gather.apply(input, np.ascontiguousarray(np.broadcast_to(indices, common)), axis)  # (a copy, as above)


def _vector_index(index, owner, error):
    """A 0-d or 1-d integer index as a 1-d array (a copy: it is kept for backward)."""
    index = index_tensor(index, owner)._array
    if index.ndim > 1:
        raise error(f"{owner}(): Index is supposed to be a vector, got shape {index.shape}")
    return index.reshape(-1).copy()


def index_select(input, dim, index):
    """The slices of input along ``dim`` at the positions in ``index`` (a 1-d integer tensor), in that order."""
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, "index_select")
    size = input.shape[axis] if input.ndim else 1
    index = _vector_index(index, "index_select", IndexError)
    if index.size and (index.min() < 0 or index.max() >= size):
        raise IndexError(f"index_select(): index out of range in self (index {index.tolist()}, size {size})")
    if input.ndim == 0:
        return Reshape.apply(GetItem.apply(Reshape.apply(input, (1,)), index), ())
    return GetItem.apply(input, (slice(None),) * axis + (index,))


class MaskedFill(Function):
    """x with ``value`` wherever mask is True (mask and x broadcast).

    d out/d x = 0 where masked, 1 elsewhere;  d out/d value = the sum of the gradient over the masked places.
    """

    @staticmethod
    def forward(ctx, x, value, mask):
        ctx.save_for_backward(mask)
        shape = np.broadcast_shapes(x.shape, mask.shape)
        out = np.array(np.broadcast_to(x, shape))
        out[np.broadcast_to(mask, shape)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        mask = np.broadcast_to(mask, grad.shape)
        need_x, need_value = ctx.needs_input_grad[:2]
        return (sum_to_shape(np.where(mask, 0, grad), ctx.parents[0]._array.shape) if need_x else None,
                np.asarray(grad[mask].sum(), dtype=ctx.parents[1].dtype) if need_value else None)


def _fill_value(value, owner):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{owner} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return value
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{owner}: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return value


def masked_fill(input, mask, value):
    """A copy of input with ``value`` (a number or a 0-d tensor) wherever the bool ``mask`` is True."""
    input = as_tensor(input)
    mask = mask if isinstance(mask, Tensor) else Tensor._from_array(np.asarray(mask), False)
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype {mask.dtype}")
    try:
        np.broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {mask.shape} does not broadcast with input of shape "
                           f"{input.shape}") from None
    return MaskedFill.apply(input, _fill_value(value, "masked_fill"), mask)


def index_fill(input, dim, index, value):
    """A copy of input with ``value`` in the slices along ``dim`` at ``index`` (negative indices count from the end)."""
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, "index_fill")
    size = input.shape[axis] if input.ndim else 1
    index = _vector_index(index, "index_fill", RuntimeError)
    if index.size and (index.min() < -size or index.max() >= size):
        raise IndexError(f"index_fill: index {index.tolist()} is out of bounds for dimension {axis} with size {size}")
    mask = np.zeros(size, dtype=bool)
    mask[index] = True
    mask = mask.reshape((size,) + (1,) * (input.ndim - axis - 1)) if input.ndim else mask.reshape(())
    return masked_fill(input, mask, value)


def narrow(input, dim, start, length):
    """The view input[..., start:start + length, ...] along ``dim`` (start may count from the end)."""
    input = as_tensor(input)
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = checks.dim(dim, input.ndim, "narrow")
    start = checks.integer(start.item() if isinstance(start, Tensor) else start, "start", "narrow")
    length = checks.integer(length, "length", "narrow")
    size = input.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start %= size if size else 1
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return GetItem.apply(input, (slice(None),) * axis + (slice(start, start + length),))


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: each ``split_size`` long (the last may be shorter), or of the
    given lengths (which must add up to the dim's size)."""
    tensor = as_tensor(tensor)
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    axis = checks.dim(dim, tensor.ndim, "split")
    size = tensor.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = checks.integer(split_size_or_sections, "split_size", "split")
        if step < 0 or (step == 0 and size != 0):
            raise RuntimeError(f"split expects split_size be positive (or 0 for an empty dim), got {step} "
                               f"for a dimension of size {size}")
        sizes = [min(step, size - start) for start in range(0, size, step)] if size else [0]
    else:
        sizes = [checks.integer(n, "split_sizes", "split", minimum=0) for n in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {axis}), but got split_sizes={sizes}")
    return _pieces(tensor, axis, [0] + list(itertools.accumulate(sizes)))


def _pieces(input, axis, bounds):
    """The views input[bounds[k]:bounds[k + 1]] along ``axis`` (what split, chunk and tensor_split return)."""
    return tuple(GetItem.apply(input, (slice(None),) * axis + (slice(start, max(start, end)),))
                 for start, end in zip(bounds, bounds[1:]))


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` views of equal length ceil(n / chunks) along ``dim`` (the last may be shorter,
    and there may be fewer than ``chunks``)."""
    input = as_tensor(input)
    chunks = checks.integer(chunks, "chunks", "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input.shape[checks.dim(dim, input.ndim, "chunk")]
    if size == 0:
        return split(input, [0] * chunks, dim)
    return split(input, math.ceil(size / chunks), dim)


def tensor_split(input, indices_or_sections, dim=0):
    """Views of input along ``dim``: n nearly equal pieces (the first size % n one longer), or the pieces between
    the given indices (``tensor_split(x, [1, 4])``: x[:1], x[1:4], x[4:])."""
    input = as_tensor(input)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    axis = checks.dim(dim, input.ndim, "tensor_split")
    size = input.shape[axis]
    if isinstance(indices_or_sections, Tensor):  # a tensor of sections or indices must hold integers (int64)
        if indices_or_sections.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{indices_or_sections.dtype}")
        if indices_or_sections.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {indices_or_sections.ndim} dims")
    if isinstance(indices_or_sections, numbers.Integral) or \
            (hasattr(indices_or_sections, "ndim") and indices_or_sections.ndim == 0):
        sections = checks.integer(int(indices_or_sections), "sections", "tensor_split")
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        bounds = [part * (size // sections) + min(part, size % sections) for part in range(sections + 1)]
    else:
        indices = [checks.integer(int(i), "indices", "tensor_split") for i in indices_or_sections]
        bounds = [0] + [min(max(i + size if i < 0 else i, 0), size) for i in indices] + [size]
    return _pieces(input, axis, bounds)


def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple of views with that dimension removed."""
    input = as_tensor(input)
    if input.ndim == 0:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    axis = checks.dim(dim, input.ndim, "unbind")
    return tuple(GetItem.apply(input, (slice(None),) * axis + (i,)) for i in range(input.shape[axis]))


def one_hot(tensor, num_classes=-1):
    """Class labels (an int64 tensor) -> int64 one-hot rows, with a new last dim of length num_classes (by
    default the largest label + 1)."""
    labels = index_tensor(tensor, "one_hot", "int64")._array
    num_classes = checks.integer(num_classes, "num_classes", "one_hot", minimum=-1)
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"one_hot: Class values must be non-negative, got {labels.min()}")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                           f"got {labels.max()}")
    return Tensor._from_array((labels[..., None] == np.arange(num_classes)).astype(np.int64), False)


# ---- in-place twins: PyTorch code changes masks and scatters in place ------------------------------------

def masked_fill_(input, mask, value):
    """Set input to ``value`` where the bool ``mask`` is True, in place."""
    return apply_inplace(input, masked_fill, mask, value)


def fill_diagonal_(input, fill_value, wrap=False):
    """Set the main diagonal to ``fill_value``, in place (a tall matrix's diagonal starts again after a blank row
    with ``wrap=True``, as numpy's fill_diagonal does); more than 2 dims must all have one length."""
    input = as_tensor(input)
    if input.ndim < 2:
        raise RuntimeError(f"dimensions must larger than 1, got a tensor of shape {tuple(input.shape)}")
    if input.ndim > 2 and len(set(input.shape)) > 1:
        raise RuntimeError(f"all dimensions of input must be of equal length, got shape {tuple(input.shape)}")
    mask = np.zeros(input.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    return masked_fill_(input, mask, fill_value)


def index_fill_(input, dim, index, value):
    """Set the slices of input along ``dim`` at ``index`` to ``value``, in place."""
    return apply_inplace(input, index_fill, dim, index, value)


def scatter_(input, dim, index, src=None, *, value=None):
    """Write src (or ``value``) into input at ``index`` along ``dim``, in place."""
    return apply_inplace(input, scatter, dim, index, src, value=value)


def scatter_add_(input, dim, index, src):
    """Add src into input at ``index`` along ``dim``, in place."""
    return apply_inplace(input, scatter_add, dim, index, src)
