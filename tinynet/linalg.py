"""``tinynet.linalg``: PyTorch's ``torch.linalg`` functions that learner code reaches for.

Norms: ``vector_norm`` (any ord, over any dims), ``matrix_norm`` ('fro', and 1, -1, inf, -inf: the largest or
smallest column or row sum of |a_ij|), and ``norm``, which picks one of them as PyTorch does (a matrix norm when
two dims are named, or ``ord`` is given for a 2-D input; else the 2-norm of the entries).  Square matrices:
``inv``, ``det``, ``slogdet``, ``solve`` (tinynet/ops/matrix_algebra.py, each with its gradient).  The
decompositions (svd, qr, eigh, cholesky) and the spectral norms (ord 2, -2, 'nuc') are not in tinynet.
"""

import math
import numbers

from tinynet import checks
from tinynet.ops.matrix_algebra import LinAlgError, det, inverse, slogdet, solve
from tinynet.ops.norms import norm as _norm
from tinynet.ops.pairwise_math import cross as _cross
from tinynet.ops.operands import as_tensor

__all__ = ["LinAlgError", "inv", "det", "slogdet", "solve", "norm", "vector_norm", "matrix_norm", "cross"]

inv = inverse


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (the last by default, where ``torch.cross`` once took the first
    dim of length 3); inputs broadcast."""
    return _cross(input, other, dim=dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum of |x_i|^ord)^(1/ord) over ``dim`` (all elements if None); ord inf/-inf: the largest/smallest |x_i|,
    ord 0: the number of nonzero elements."""
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _norm(x, float(ord), dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """A norm of each matrix over the two dims ``dim``: 'fro' (the 2-norm of the entries), or 1 / -1 (the
    largest / smallest sum of |a_ij| down a column) or inf / -inf (along a row)."""
    A = as_tensor(A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
                           f"{tuple(A.shape)}")
    rows, cols = checks.dims(dim, A.ndim, "linalg.matrix_norm")
    if ord == "fro":
        return _norm(A, 2.0, (rows, cols), keepdim, dtype)
    if ord in (1, -1, math.inf, -math.inf):
        summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)  # (1: column sums; inf: row sums)
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
        return out if keepdim else out.squeeze((rows, cols))
    if ord in (2, -2, "nuc"):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which tinynet does not "
                                  "compute (use 'fro', 1, -1, inf or -inf)")
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported (expected 'fro', 'nuc', 1, -1, 2, -2, inf "
                       f"or -inf)")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """The vector or matrix norm PyTorch's ``linalg.norm`` picks (module docstring)."""
    A = as_tensor(A)
    two_dims = dim is not None and not isinstance(dim, numbers.Integral) and len(dim) == 2
    if two_dims or (ord is not None and dim is None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if ord is not None and dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
