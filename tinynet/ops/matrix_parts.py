"""Parts of a matrix: ``diag``, ``diagonal``, ``trace`` -- and counting: ``unique``, ``bincount``.
(``tril`` and ``triu``, which keep a triangle, are in masks.py.)

The first three are compositions (indexing, ``where``), so their gradients follow from those ops:
the gradient of a taken diagonal goes back to the diagonal, zero elsewhere.  Zeroed entries are
written as ``where(mask, x, 0)`` rather than ``x * mask``, which would turn negatives into -0.0
(printed "-0.").  Counting has no gradient.
"""

import numpy as np

from tinynet import checks
from tinynet.ops.elementwise import where
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import getitem, movedim, pad
from tinynet.tensor import Tensor

__all__ = ["diag", "diagonal", "trace", "unique", "unique_consecutive", "bincount", "diag_embed"]


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset``-th diagonal of a matrix (above the main one for offset > 0); only dims (0, 1) of 2-D input."""
    input = as_tensor(input)
    if input.ndim != 2 or (dim1, dim2) not in ((0, 1), (-2, -1)):
        raise NotImplementedError("diagonal: tinynet takes diagonals of 2-D tensors only (dims 0 and 1)")
    offset = checks.integer(offset, "offset", "diagonal")
    rows, columns = input.shape
    first, last = max(0, -offset), min(rows, columns - offset)
    index = np.arange(first, max(first, last))
    return getitem(input, (index, index + offset))


def diag(input, diagonal=0):
    """1-D input: a square matrix with ``input`` on its ``diagonal``-th diagonal; 2-D input: that diagonal."""
    input = as_tensor(input)
    diagonal = checks.integer(diagonal, "diagonal", "diag")
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    if input.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    size = input.shape[0] + abs(diagonal)
    column = pad(input, (0, diagonal) if diagonal >= 0 else (-diagonal, 0)).reshape(size, 1)
    return where(np.eye(size, k=diagonal, dtype=bool), column, 0)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of ``input`` on their ``offset``-th diagonal, zero elsewhere: (..., n) ->
    (..., n + |offset|, n + |offset|), the matrices' rows along ``dim1`` and columns along ``dim2`` of the result."""
    input = as_tensor(input)
    offset = checks.integer(offset, "offset", "diag_embed")
    result_ndim = input.ndim + 1
    dim1, dim2 = checks.dim(dim1, result_ndim, "diag_embed"), checks.dim(dim2, result_ndim, "diag_embed")
    if dim1 == dim2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    size = input.shape[-1] + abs(offset)
    padded = pad(input, (0, abs(offset)))  # (..., size): entry i goes to row i (offset >= 0) or column i (< 0)
    values = padded.unsqueeze(-1) if offset >= 0 else padded.unsqueeze(-2)
    matrices = where(np.eye(size, k=offset, dtype=bool), values, 0)  # rows in dim -2, columns in dim -1
    return movedim(matrices, (-2, -1), (dim1, dim2))


def trace(input):
    """The sum of a matrix's main diagonal."""
    input = as_tensor(input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def _unique_results(values, inverse, counts, return_inverse, return_counts):
    results = [Tensor._from_array(values, False)]
    if return_inverse:
        results.append(Tensor._from_array(inverse.astype(np.int64), False))
    if return_counts:
        results.append(Tensor._from_array(counts.astype(np.int64), False))
    return results[0] if len(results) == 1 else tuple(results)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` in ascending order (also when ``sorted=False``, whose order PyTorch
    leaves open), or with ``dim`` its distinct slices along dim (rows for dim=0), in lexicographic order; with
    ``return_inverse`` the index of each element (slice) in them, with ``return_counts`` how often each occurs.
    No gradient."""
    array = as_tensor(input)._array
    if dim is None:
        # (equal_nan=False: every NaN is a value of its own, as in PyTorch -- NaN equals nothing, itself included)
        values, inverse, counts = np.unique(array.ravel(), return_inverse=True, return_counts=True, equal_nan=False)
        return _unique_results(values, inverse.reshape(array.shape), counts, return_inverse, return_counts)
    axis = checks.dim(dim, array.ndim, "unique")
    values, inverse, counts = np.unique(array, return_inverse=True, return_counts=True, axis=axis)
    return _unique_results(values, inverse.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive elements (or, with ``dim``, slices along dim) kept once:
    [1, 1, 2, 2, 3, 1] -> [1, 2, 3, 1]; ``return_inverse`` gives each element's run number, ``return_counts``
    each run's length.  No gradient."""
    array = as_tensor(input)._array
    axis = 0 if dim is None else checks.dim(dim, array.ndim, "unique_consecutive")
    slices = np.moveaxis(array.ravel() if dim is None else array, axis, 0)
    rows = slices.reshape(len(slices), -1)
    starts = np.ones(len(rows), dtype=bool)  # where a new run begins
    starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    run_of = np.cumsum(starts) - 1
    values = np.moveaxis(slices[starts], 0, axis)
    counts = np.diff(np.append(np.flatnonzero(starts), len(rows)))
    inverse = run_of.reshape(array.shape) if dim is None else run_of
    return _unique_results(values, inverse, counts, return_inverse, return_counts)


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ..., max occurs in a 1-D tensor of non-negative integers (at least
    ``minlength`` counts); with ``weights`` the sum of the weights of each value's elements instead."""
    array = as_tensor(input)._array
    if array.ndim != 1 or array.dtype.kind not in "iu" or (array.size and array.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    minlength = checks.integer(minlength, "minlength", "bincount", minimum=0)
    if weights is None:
        return Tensor._from_array(np.bincount(array, minlength=minlength).astype(np.int64), False)
    weight_array = as_tensor(weights)._array
    if weight_array.shape != array.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input, got shapes "
                           f"{list(weight_array.shape)} and {list(array.shape)}")
    dtype = weight_array.dtype if weight_array.dtype.kind == "f" else np.float64
    return Tensor._from_array(np.bincount(array, weights=weight_array, minlength=minlength).astype(dtype), False)
