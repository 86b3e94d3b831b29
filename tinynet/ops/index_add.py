"""Ops that place or repeat slices by index: index_add, index_copy (and their in-place twins), repeat_interleave,
take.

``index_add(x, 0, index, src)`` adds row i of src to row index[i] of x
(repeats accumulate); ``index_copy`` writes it there instead.  Their
backward reads the output gradient back at ``index``: the rows src went
to.  repeat_interleave and take are indexing (GetItem), whose backward sums
the gradients of an element read several times.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.indexing import index_tensor
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import GetItem, reshape
from tinynet.tensor import Tensor

__all__ = ["index_add", "index_copy", "repeat_interleave", "take"]


class IndexAdd(Function):
    """out = x, then out[index[i]] += alpha * src[i] along ``axis`` (repeated indices accumulate).

    d out/d x = 1;  d out/d src[i] = alpha at out[index[i]]: src's gradient is alpha * grad read at index.
    """

    @staticmethod
    def forward(ctx, x, src, index, axis, alpha):
        ctx.index, ctx.axis, ctx.alpha = index, axis, alpha
        out = x.copy()
        np.add.at(out, (slice(None),) * axis + (index,), src * np.asarray(alpha, dtype=x.dtype))
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_src = ctx.needs_input_grad[:2]
        return (grad if need_x else None,
                np.take(grad, ctx.index, axis=ctx.axis) * np.asarray(ctx.alpha, dtype=grad.dtype) if need_src else None)


class IndexCopy(Function):
    """out = x, then out[index[i]] = src[i] along ``axis``.

    d out/d x = 1 except at the overwritten slices (0 there);  d out/d src[i] = 1 at out[index[i]].
    """

    @staticmethod
    def forward(ctx, x, src, index, axis):
        ctx.index, ctx.axis = index, axis
        out = x.copy()
        out[(slice(None),) * axis + (index,)] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_src = ctx.needs_input_grad[:2]
        grad_x = None
        if need_x:
            grad_x = grad.copy()
            grad_x[(slice(None),) * ctx.axis + (ctx.index,)] = 0
        return grad_x, np.take(grad, ctx.index, axis=ctx.axis) if need_src else None


def _placed(input, dim, index, source, owner):
    """Check index_add/index_copy's arguments -> (input, source, index array, axis), 0-d input seen as (1,)."""
    input, source = as_tensor(input), as_tensor(source)
    axis = checks.dim(dim, input.ndim, owner)
    index = index_tensor(index, owner)._array
    if index.ndim > 1:
        raise IndexError(f"{owner}(): Index is supposed to be a vector, got shape {index.shape}")
    index = index.reshape(-1).copy()
    if source.dtype != input.dtype:
        raise RuntimeError(f"{owner}(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           f"scalar type")
    shape = input.shape if input.ndim else (1,)
    expected = shape[:axis] + (index.size,) + shape[axis + 1:]
    if input.ndim == 0 and source.ndim > 0:
        raise RuntimeError(f"{owner}(): a 0-d self takes a 0-d source, got source of shape {list(source.shape)}")
    if tuple(source.shape if source.ndim else (1,)) != expected:
        raise RuntimeError(f"{owner}(): source of shape {list(source.shape)} does not fit: expected {list(expected)} "
                           f"(self's shape {list(input.shape)} with {index.size} slices along dim {axis})")
    size = shape[axis]
    if index.size and (index.min() < 0 or index.max() >= size):  # (PyTorch: RuntimeError for index_add)
        error = IndexError if owner == "index_copy" else RuntimeError
        raise error(f"{owner}(): index {index.tolist()} is out of bounds for dimension {axis} with size {size}")
    return input, source, index, axis


def _keep_0d(input, function, source, *settings):
    """Run ``function`` on a 0-d input and source as 1-element vectors, then give back the 0-d shape."""
    if input.ndim:
        return function(input, source, *settings)
    return reshape(function(reshape(input, (1,)), reshape(source, (1,)), *settings), ())


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with ``alpha * source[i]`` added to its slice ``index[i]`` along ``dim`` (repeats add up)."""
    input, source, index, axis = _placed(input, dim, index, source, "index_add")
    return _keep_0d(input, IndexAdd.apply, source, index, axis, alpha)


def index_copy(input, dim, index, source):
    """A copy of input with its slice ``index[i]`` along ``dim`` replaced by ``source[i]``."""
    input, source, index, axis = _placed(input, dim, index, source, "index_copy")
    return _keep_0d(input, IndexCopy.apply, source, index, axis)


def index_add_(input, dim, index, source, *, alpha=1):
    """index_add, in place."""
    return apply_inplace(input, index_add, dim, index, source, alpha=alpha)


def index_copy_(input, dim, index, source):
    """index_copy, in place."""
    return apply_inplace(input, index_copy, dim, index, source)


def _repeat_counts(repeats, size, owner):
    """``repeats`` (an int, or a 0-d / 1-d integer tensor) as one non-negative count per slice."""
    if isinstance(repeats, (np.ndarray, list, tuple)):
        repeats = as_tensor(repeats)
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise NotImplementedError(f"{owner}: repeats must be an integer tensor, got dtype {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"{owner}: repeats must be 0-dim or 1-dim tensor, got shape {list(repeats.shape)}")
        counts = repeats._array.reshape(-1)
        if counts.size == 1:
            counts = np.full(size, counts[0])
        elif counts.size != size:
            raise RuntimeError(f"{owner}: repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({size})")
    else:
        counts = np.full(size, checks.integer(repeats, "repeats", owner))
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"{owner}: repeats can not be negative")
    return counts


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or each slice along ``dim``) repeated ``repeats`` times in place: [1, 2] -> [1, 1, 2, 2].
    ``repeats`` is an int or one count per slice; without ``dim`` the input is flattened first.
    ``repeat_interleave(counts)`` alone gives 0, 1, ... each repeated counts[i] times."""
    if repeats is None:  # repeat_interleave(repeats): the indices, each repeated
        counts = _repeat_counts(as_tensor(input), as_tensor(input).numel(), "repeat_interleave")
        return Tensor._from_array(np.repeat(np.arange(counts.size), counts), False)
    input = as_tensor(input)
    if dim is None:
        input, axis = reshape(input, (-1,)), 0
    else:
        axis = checks.dim(dim, input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = reshape(input, (1,))
    counts = _repeat_counts(repeats, input.shape[axis], "repeat_interleave")
    index = np.repeat(np.arange(input.shape[axis]), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size is {output_size}, but the repeats add up to {index.size}")
    return GetItem.apply(input, (slice(None),) * axis + (index,))


def take(input, index):
    """input's elements at ``index`` as if input were flattened (row-major); the result has index's shape.
    Negative indices count from the end."""
    input = as_tensor(input)
    index = index_tensor(index, "take", "int64")._array
    size = input.numel()
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index.min() if index.min() < -size else index.max()
        raise IndexError(f"take: out of range: tried to access index {bad} on a tensor of {size} elements.")
    flat_index = np.where(index < 0, index + size, index).reshape(-1)  # (a 1-d index keeps numpy's result an array)
    return reshape(GetItem.apply(reshape(input, (-1,)), flat_index), index.shape)
