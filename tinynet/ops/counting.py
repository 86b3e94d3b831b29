"""Running products, counts and bins: cumprod, count_nonzero, searchsorted, bucketize, histc.

cumprod is differentiable (see CumProd); the others count or locate and
give integer (or, for histc, count-valued float) results with no gradient.
"""

import numpy as np

from tinynet import checks, dtypes
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["cumprod", "count_nonzero", "searchsorted", "bucketize", "histc"]


def _product_gradient_with_a_zero(x, grad):
    """dL/dx for one row whose running product meets a zero (the first at z): elements before z follow the
    zero-free formula with out_j = 0 from z on; x_z gets sum_{j>=z} g_j * prod_{i<=j, i!=z} x_i; later ones 0."""
    z = int(np.flatnonzero(x == 0)[0])
    out = np.cumprod(x)
    result = np.zeros_like(x)
    if z:
        before = grad[:z] * out[:z]
        result[:z] = np.cumsum(before[::-1])[::-1] / x[:z]
    without_z = np.cumprod(np.concatenate([out[z - 1:z] if z else np.ones(1, x.dtype), x[z + 1:]]))
    result[z] = np.dot(grad[z:], without_z)
    return result


class CumProd(Function):
    """Running product along an axis: out_j = x_0 * ... * x_j.

    d out_j/dx_i = prod_{k <= j, k != i} x_k for j >= i, so dL/dx_i = (sum over j >= i of g_j out_j) / x_i
    where x_i != 0; a row holding a zero is worked out without dividing by it.
    """

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        dtype = None if x.dtype.kind == "f" else np.int64
        out = x.astype(dtype or x.dtype) if x.ndim == 0 else np.cumprod(x, axis=axis, dtype=dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:
            return grad
        rows_x = np.moveaxis(x, ctx.axis, -1).reshape(x.size // max(x.shape[ctx.axis], 1), x.shape[ctx.axis])
        rows_g = np.moveaxis(grad * out, ctx.axis, -1).reshape(rows_x.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = np.flip(np.cumsum(np.flip(rows_g, -1), axis=-1), -1) / rows_x
        rows_grad = np.moveaxis(grad, ctx.axis, -1).reshape(rows_x.shape)
        for row in np.flatnonzero((rows_x == 0).any(axis=-1)):
            result[row] = _product_gradient_with_a_zero(rows_x[row], rows_grad[row])
        moved_shape = np.moveaxis(x, ctx.axis, -1).shape
        return np.moveaxis(result.reshape(moved_shape), -1, ctx.axis)


def cumprod(input, dim, *, dtype=None):
    """The running product along ``dim``; integers and bools multiply in int64."""
    input = as_tensor(input)
    if dtype is not None:
        input = input.to(dtypes.resolve(dtype, "cumprod"))
    return CumProd.apply(input, checks.dim(dim, input.ndim, "cumprod"))


def count_nonzero(input, dim=None):
    """How many elements are nonzero, over ``dim`` (an int, a tuple, or None for all): int64, no gradient."""
    input = as_tensor(input)
    axes = checks.dims(dim, input.ndim, "count_nonzero")
    counts = np.count_nonzero(input._array, axis=axes) if input.ndim else np.count_nonzero(input._array)
    return Tensor._from_array(np.asarray(counts, dtype=np.int64), False)


def _positions(boundaries, values, right, out_int32):
    side = "right" if right else "left"
    positions = np.searchsorted(boundaries, values, side=side)
    return np.asarray(positions, dtype=np.int32 if out_int32 else np.int64)


def _side(right, side, owner):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"{owner}: side can only be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise RuntimeError(f"{owner}: side and right can't be set to opposites, got side of left while right "
                           f"was True")
    return side == "right"


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would go in ``sorted_sequence`` to keep it sorted: the first such place
    (or the last with right=True / side="right").  An N-d sequence is searched row by row (its leading dims
    match input's).  int64 indices (int32 with out_int32=True)."""
    sequence = as_tensor(sorted_sequence)._array
    right = _side(right, side, "searchsorted")
    scalar = not isinstance(input, (Tensor, np.ndarray, list, tuple))
    values = np.asarray(input) if scalar else as_tensor(input)._array
    if sorter is not None:
        order = as_tensor(sorter)._array
        if order.shape != sequence.shape:
            raise RuntimeError(f"searchsorted: sorter {list(order.shape)} must have the shape of the sorted "
                               f"sequence {list(sequence.shape)}")
        sequence = np.take_along_axis(sequence, order, axis=-1)
    if sequence.ndim == 0:
        raise RuntimeError("searchsorted: the sorted sequence must have at least 1 dimension, got a 0-d tensor")
    if sequence.ndim == 1:
        return Tensor._from_array(_positions(sequence, values, right, out_int32), False)
    if values.ndim != sequence.ndim or values.shape[:-1] != sequence.shape[:-1]:
        raise RuntimeError(f"searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                           f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(sequence.shape)} and input value tensor {list(values.shape)}")
    rows = [_positions(s, v, right, out_int32) for s, v in zip(sequence.reshape(-1, sequence.shape[-1]),
                                                                 values.reshape(-1, values.shape[-1]))]
    result = np.stack(rows).reshape(values.shape) if rows else np.zeros(values.shape, np.int64)
    return Tensor._from_array(result.astype(np.int32 if out_int32 else np.int64), False)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value, given 1-d sorted ``boundaries``: i such that boundaries[i-1] < x <= boundaries[i]
    (with right=True: boundaries[i-1] <= x < boundaries[i])."""
    boundaries = as_tensor(boundaries)
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002  (PyTorch's argument names)
    """Counts of input's elements in ``bins`` equal-width bins from min to max (both 0: the data's own range);
    elements outside are left out.  A float tensor of input's dtype; no gradient."""
    input = as_tensor(input)
    if input.dtype not in dtypes.FLOAT_DTYPES:
        raise NotImplementedError(f"histc: not implemented for dtype {input.dtype} (use a float tensor)")
    bins = checks.integer(bins, "bins", "histc")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    values = input._array.reshape(-1)
    if low == high and values.size:
        low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high or not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"histc: range of [{low}, {high}] is not finite or has max < min")
    inside = values[(values >= low) & (values <= high)].astype(np.float64)
    position = ((inside - low) * bins / (high - low)).astype(np.int64)
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return Tensor._from_array(counts.astype(input.dtype), False)
