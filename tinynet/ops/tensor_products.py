"""Products that build bigger tensors from smaller ones: ``kron``, ``tensordot`` and ``block_diag``.

Each is a composition of reshapes, permutes, products, padding and ``cat``, so autograd differentiates them:

    kron(a, b)[i * B + j] = a[i] * b[j]                     (per dim; B is b's size along it)
    tensordot(a, b, dims)   = sum over the paired dims of a[free_a, k] * b[k, free_b]   (one matrix product)
    block_diag(A, B, ...)   = [[A, 0, ...], [0, B, ...], ...]
"""

import math
import numbers

from tinynet import checks
from tinynet.ops.elementwise import mul
from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.promotion import cast_to_common
from tinynet.ops.shape import cat, pad, permute, reshape

__all__ = ["kron", "tensordot", "block_diag"]


def kron(input, other):
    """The Kronecker product: every entry of ``input`` times the whole of ``other``, laid out block by block.

    The tensors are lined up on their last dims (the one with fewer dims gains leading dims of size 1).
    """
    a, b = as_tensor(input), as_tensor(other)
    ndim = max(a.ndim, b.ndim)
    a_shape = (1,) * (ndim - a.ndim) + tuple(a.shape)
    b_shape = (1,) * (ndim - b.ndim) + tuple(b.shape)
    # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...): entry (i0, j0, i1, j1, ...) is a[i] * b[j] ...
    a_spread = reshape(a, tuple(size for n in a_shape for size in (n, 1)))
    b_spread = reshape(b, tuple(size for n in b_shape for size in (1, n)))
    # ... and merging each (i_k, j_k) pair gives index i_k * b_k + j_k.
    return reshape(mul(a_spread, b_spread), tuple(m * n for m, n in zip(a_shape, b_shape)))


def _contracted_dims(dims, a, b):
    """``dims`` (an int n: a's last n with b's first n; or two lists of dims) as two lists of dims."""
    if isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        dims_a, dims_b = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
        return ([checks.dim(d, a.ndim, "tensordot") for d in dims_a],
                [checks.dim(d, b.ndim, "tensordot") for d in dims_b])
    raise TypeError(f"tensordot expects dims to be an int or a pair of lists of dims, got {dims!r}")


def tensordot(a, b, dims=2):
    """Sum of products over pairs of dims: ``dims=n`` pairs a's last n dims with b's first n; ``dims=([1, 0],
    [0, 1])`` names the pairs.  The result has a's other dims, then b's."""
    a, b = as_tensor(a), as_tensor(b)
    dims_a, dims_b = _contracted_dims(dims, a, b)
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected both inputs to have the same dtype, but got {a.dtype} and {b.dtype}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(a.shape[d] for d in dims_a)
    # One matrix product: a as (its free entries, the contracted ones), b as (the contracted ones, its free entries).
    a_matrix = reshape(permute(a, free_a + dims_a), (math.prod(a.shape[d] for d in free_a), size))
    b_matrix = reshape(permute(b, dims_b + free_b), (size, math.prod(b.shape[d] for d in free_b)))
    return reshape(matmul(a_matrix, b_matrix), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def block_diag(*tensors):
    """The tensors (0-d, 1-d as one row, or 2-d) as blocks down the diagonal of one matrix, zeros elsewhere."""
    blocks = []
    for position, tensor in enumerate(tensors):
        tensor = as_tensor(tensor)
        if tensor.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {position} "
                               f"has {tensor.ndim} dimensions")
        blocks.append(reshape(tensor, (1, 1) if tensor.ndim == 0 else (1, -1) if tensor.ndim == 1 else tensor.shape))
    if not blocks:
        return as_tensor([]).reshape(1, 0)
    blocks = cast_to_common(*blocks)
    width = sum(block.shape[1] for block in blocks)
    rows, left = [], 0
    for block in blocks:  # each block padded with zeros to its place in the full width
        right = width - left - block.shape[1]
        rows.append(pad(block, (left, right)))
        left += block.shape[1]
    return cat(rows, dim=0)
