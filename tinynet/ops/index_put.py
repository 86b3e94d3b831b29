"""index_put and put: write (or with ``accumulate``, add) values at given positions.

``x.index_put_((rows, cols), values)`` is ``x[rows, cols] = values``; ``x.put_(index, values)`` does the same at
positions of the flattened tensor.  Writing is the IndexPut Function of ``inplace.py`` (``x[i] = v``); adding
(repeated positions add up) is IndexAccumulate below:

    out = x + (values added at index)     d out/dx = 1,   d out/d values = the gradient read at index
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.inplace import IndexPut, apply_inplace
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import reshape

__all__ = ["index_put", "index_put_", "put"]


class IndexAccumulate(Function):
    """x with values added at index (repeated positions add up).   d/dx = 1;  d/dvalues = grad[index]."""

    @staticmethod
    def forward(ctx, x, values, index):
        ctx.index, ctx.values_shape = index, np.shape(values)
        out = x.copy()
        np.add.at(out, index, values)  # (np.add.at broadcasts values against the indexed places itself)
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_values = ctx.needs_input_grad[:2]
        return (grad if need_x else None,
                sum_to_shape(np.asarray(grad[ctx.index]), ctx.values_shape) if need_values else None)


def _index(indices, owner):
    """A tuple of integer or bool tensors (or arrays) as a tuple of numpy index arrays."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{owner}(): argument 'indices' must be a tuple of Tensors, not {type(indices).__name__}")
    arrays = []
    for index in indices:
        array = as_tensor(index)._array
        if array.dtype.kind not in "iub":
            raise IndexError(f"{owner}(): tensors used as indices must be long, int, byte or bool tensors")
        arrays.append(array)
    return tuple(arrays)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with ``values`` written (or, with ``accumulate``, added) at ``input[indices]``."""
    input, values = as_tensor(input), as_tensor(values)
    if values.dtype != input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for the "
                           f"destination and {values.dtype} for the source.")
    index = _index(indices, "index_put")
    try:
        selected_shape = np.shape(input._array[index])
        np.broadcast_to(values._array, selected_shape)
    except IndexError as error:
        raise IndexError(f"index_put(): {error}") from None
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(selected_shape)}") from None
    function = IndexAccumulate if accumulate else IndexPut
    return function.apply(input, values, index)


def index_put_(input, indices, values, accumulate=False):
    """index_put, in place."""
    return apply_inplace(input, index_put, indices, values, accumulate=accumulate)


def put(input, index, source, accumulate=False):
    """A copy of input with ``source`` written (or added) at the positions ``index`` of the flattened input."""
    input, index, source = as_tensor(input), as_tensor(index), as_tensor(source)
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    size = input.numel()
    flat_index = index._array.reshape(-1)
    if flat_index.size and (flat_index.min() < -size or flat_index.max() >= size):
        raise IndexError(f"put_(): index {int(flat_index.max())} out of range for tensor of size {size}")
    flat = index_put(reshape(input, (-1,)), (flat_index,), reshape(source, (-1,)), accumulate)
    return reshape(flat, tuple(input.shape))


def put_(input, index, source, accumulate=False):
    """put, in place."""
    return apply_inplace(input, put, index, source, accumulate=accumulate)
