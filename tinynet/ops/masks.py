"""Selecting by a mask: tril/triu (keep a triangle of each matrix), masked_select (the elements a mask picks).
(nonzero/argwhere, the positions of nonzero elements, are in sort.py beside argmax.)

tril/triu keep the elements on one side of the k-th diagonal and put 0 elsewhere: where(mask, x, 0), so the
gradient is the output gradient on the kept elements and 0 on the others.  masked_select is x[mask] after
broadcasting x and mask to one shape: its gradient goes back to the picked elements.
"""

import numbers

import numpy as np

from tinynet import checks, dtypes
from tinynet.devices import check as check_device
from tinynet.ops import elementwise, shape
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

# (and tril_, triu_: Tensor methods only, as in PyTorch)
__all__ = ["tril", "triu", "masked_select", "tril_indices", "triu_indices"]


def _triangle(input, diagonal, lower, owner):
    input = as_tensor(input)
    if input.ndim < 2:
        raise RuntimeError(f"{owner}: input tensor must have at least 2 dimensions, got shape {input.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, numbers.Integral):
        raise TypeError(f"{owner}: diagonal must be an integer, got {diagonal!r}")
    rows, columns = input.shape[-2:]
    # np.tri: True on and below the k-th diagonal; the upper triangle from k on is what lies above diagonal k - 1.
    keep = np.tri(rows, columns, diagonal, dtype=bool) if lower else ~np.tri(rows, columns, diagonal - 1, dtype=bool)
    zero = False if input.dtype.kind == "b" else 0
    return elementwise.where(keep, input, zero)


def tril(input, diagonal=0):
    """The lower triangle of each matrix (the last two dims): elements on or below the ``diagonal``-th, else 0."""
    return _triangle(input, diagonal, True, "tril")


def triu(input, diagonal=0):
    """The upper triangle of each matrix (the last two dims): elements on or above the ``diagonal``-th, else 0."""
    return _triangle(input, diagonal, False, "triu")


def tril_(input, diagonal=0):
    """``tril``, in place."""
    return apply_inplace(input, tril, diagonal)


def triu_(input, diagonal=0):
    """``triu``, in place."""
    return apply_inplace(input, triu, diagonal)


def masked_select(input, mask):
    """The elements of input where the bool mask is True, as a 1-D tensor (input and mask broadcast together)."""
    input = as_tensor(input)
    mask = as_tensor(mask)
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected a bool mask, got dtype {mask.dtype}")
    try:
        common = np.broadcast_shapes(input.shape, mask.shape)
    except ValueError as error:
        raise checks.broadcast_error(error, "masked_select") from None
    if input.shape != common:
        input = shape.expand(input, common)
    return shape.getitem(input, np.broadcast_to(mask._array, common))


def _triangle_indices(row, col, offset, lower, dtype, device, owner):
    check_device(device)
    for name, size in (("row", row), ("col", col)):
        if checks.integer(size, name, owner) < 0:
            raise RuntimeError(f"{owner}: {name} must be non-negative, got {size}")
    offset = checks.integer(offset, "offset", owner)
    dtype = np.dtype(np.int64) if dtype is None else dtypes.resolve(dtype, owner)
    if dtype not in (np.int64, np.int32):  # PyTorch writes these indices as int64 or int32 only
        raise NotImplementedError(f"{owner}: the indices can be int64 or int32, got dtype {dtype}")
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return Tensor._from_array(np.stack([rows, cols]).astype(dtype), False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of a row x col matrix's lower triangle (on or below the ``offset``-th diagonal), as
    a 2 x count tensor (int64, or int32 when asked) in row-major order."""
    return _triangle_indices(row, col, offset, True, dtype, device, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the upper triangle (on or above the ``offset``-th diagonal), as tril_indices."""
    return _triangle_indices(row, col, offset, False, dtype, device, "triu_indices")
