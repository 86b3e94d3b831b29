"""Joining tensors: ``cat`` (along an existing dimension) and ``stack`` (along a new one).

Both first give every tensor the dtype PyTorch's promotion gives them all.  The backward of a join splits the
gradient back into the pieces: at the boundaries along the axis for cat, one slice per tensor for stack.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.ops.promotion import cast_to_common

__all__ = ["cat", "concatenate", "stack"]


class Cat(Function):
    """Concatenate tensors along an existing axis.   Backward: split the gradient at the same boundaries."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        for a in arrays[1:]:
            if a.ndim != arrays[0].ndim or a.shape[:axis] + a.shape[axis + 1:] != \
                    arrays[0].shape[:axis] + arrays[0].shape[axis + 1:]:
                raise RuntimeError(f"cat along dim {axis}: shapes {arrays[0].shape} and {a.shape} differ off that dim")
        ctx.axis = axis
        ctx.boundaries = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.boundaries, axis=ctx.axis))


def _common_dtype(tensors):
    """Tensors of mixed dtypes converted to the one PyTorch's promotion gives them all (as torch.cat does)."""
    first = tensors[0]._array.dtype
    if all(t._array.dtype == first for t in tensors):
        return tensors
    return cast_to_common(*tensors)


def cat(tensors, dim=0):
    """Concatenate tensors along an existing dimension.  As in PyTorch, a 1-D tensor with no elements (the
    ``torch.tensor([])`` a loop starts from) is left out whatever the others' shape, once the dtype is chosen."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    tensors = _common_dtype(tensors)
    kept = [t for t in tensors if t.shape != (0,)]
    tensors = kept or tensors[:1]
    for position, tensor in enumerate(tensors):
        if tensor.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {position}) cannot be concatenated")
    return Cat.apply(*tensors, axis=checks.dim(dim, tensors[0].ndim, "cat"))


concatenate = cat


class Stack(Function):
    """Stack same-shaped tensors along a new axis.   Backward: take each slice of the gradient along it."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        for a in arrays[1:]:
            if a.shape != arrays[0].shape:
                raise RuntimeError(f"stack needs tensors of equal shape, got {arrays[0].shape} and {a.shape}")
        ctx.axis = axis
        return np.stack(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(grad.shape[ctx.axis]))


def stack(tensors, dim=0):
    """Stack equal-shaped tensors along a new dimension."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    tensors = _common_dtype(tensors)
    return Stack.apply(*tensors, axis=checks.dim(dim, tensors[0].ndim + 1, "stack"))
