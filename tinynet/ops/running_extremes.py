"""Running maxima and minima along a dim: cummax and cummin, each giving (values, indices).

values[j] = max (or min) of x[0..j]; indices[j] = where that value was, the latest position on ties (as
PyTorch's).  The gradient of values[j] goes to x[indices[j]]:  dL/dx_i = sum over j with indices[j] = i of g_j.
"""

import numpy as np

from tinynet import checks, return_types
from tinynet.autograd.function import Function
from tinynet.ops.indexing import _coordinates
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["cummax", "cummin"]


def _running(x, axis, largest):
    """(running extremes, their positions) of the numpy array x along axis."""
    values = (np.maximum if largest else np.minimum).accumulate(x, axis=axis)
    positions = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
    # x[j] equal to the running extreme is the new (or a tied) extreme: the latest such j is the index
    candidates = np.where(x == values, positions, 0)
    return values, np.maximum.accumulate(candidates, axis=axis)


class RunningExtreme(Function):
    """values[j] = extreme of x[..j] along an axis; the gradient of values[j] goes to x[indices[j]]."""

    @staticmethod
    def forward(ctx, x, axis, values, indices):
        ctx.axis, ctx.indices = axis, indices  # (values and indices found once, by _cumulative_extreme)
        return values

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros_like(grad)
        np.add.at(out, _coordinates(ctx.indices, ctx.axis), grad)
        return out


def _cumulative_extreme(input, dim, largest, name):
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, name)
    if input.ndim == 0:
        return getattr(return_types, name)(input.clone(), Tensor._from_array(np.array(0), False))
    values, indices = _running(input._array, axis, largest)
    if input.dtype.kind == "f":
        values = RunningExtreme.apply(input, axis, values, indices)
    else:
        values = Tensor._from_array(values, False)
    return getattr(return_types, name)(values, Tensor._from_array(indices.astype(np.int64), False))


def cummax(input, dim):
    """(values, indices): the running maximum along ``dim`` and where each was found (the latest on ties)."""
    return _cumulative_extreme(input, dim, True, "cummax")


def cummin(input, dim):
    """(values, indices): the running minimum along ``dim`` and where each was found (the latest on ties)."""
    return _cumulative_extreme(input, dim, False, "cummin")
