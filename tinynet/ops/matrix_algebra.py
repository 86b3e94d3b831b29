"""Square matrices: the inverse, the determinant (and its sign and log), solving A X = B -- each differentiable.

Batches of matrices work too: the last two dims are the matrix, any dims before them the batch.  The
derivatives, with G = dL/d(output) and M^T the transpose of each matrix in the batch:

    Y = A^-1:          dL/dA = -Y^T G Y^T            (from d(A^-1) = -A^-1 dA A^-1)
    d = det A:         dL/dA = G * cof(A)            (cof: the cofactor matrix, det(A) A^-T when A is invertible)
    log|det A|:        dL/dA = G * A^-T
    X = A^-1 B:        dL/dB = A^-T G,   dL/dA = -(dL/dB) X^T

The cofactor matrix is computed from the SVD A = U S V^T as det(U) det(V) U diag(prod of the other s_j) V^T,
which holds for singular matrices as well (a singular A has a determinant of 0 and a gradient that is not).
A singular matrix given to inv or solve is a LinAlgError (a RuntimeError), as in PyTorch.
"""

import numpy as np

from tinynet import return_types
from tinynet.autograd.function import Function
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.operands import as_tensor

__all__ = ["inverse", "det", "logdet", "slogdet"]  # (and solve, which PyTorch has in linalg only)


def _t(a):
    return np.swapaxes(a, -1, -2)


def _square_float(input, owner):
    input = as_tensor(input)
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"{owner}: A must be batches of square matrices, but they are {input.shape[-2:]} "
                           f"matrices (shape {tuple(input.shape)})" if input.ndim >= 2 else
                           f"{owner}: The input tensor A must have at least 2 dimensions.")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{owner}: Expected a floating point tensor as input. Got {input.dtype}")
    return input


class LinAlgError(RuntimeError):
    """A matrix the operation cannot take (a singular one given to inv or solve): ``torch.linalg.LinAlgError``,
    a RuntimeError as PyTorch's is, so either can be caught."""


def _singular(owner):
    return LinAlgError(f"{owner}: The input matrix is singular, so the operation could not be completed "
                        "(its determinant is 0).")


class Inverse(Function):
    """A^-1 (module docstring for the derivative)."""

    @staticmethod
    def forward(ctx, a):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular("linalg.inv") from None
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -(_t(y) @ grad @ _t(y))


def _cofactor(a):
    """cof(A) for each matrix (module docstring): from the SVD, so that singular matrices have one too.  A matrix
    holding a NaN or an infinity has no SVD; its cofactors are NaN, as PyTorch's are."""
    finite = np.isfinite(a).all(axis=(-2, -1))
    if not finite.all():
        cofactors = np.full(a.shape, np.nan, dtype=a.dtype)
        cofactors[finite] = _cofactor(a[finite])
        return cofactors
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.ones_like(s)  # others[..., i] = prod over j != i of s[..., j]
    for i in range(n):
        others[..., i] = np.prod(np.delete(s, i, axis=-1), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class Det(Function):
    """det A (module docstring for the derivative)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.det(a), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return (grad[..., None, None] * _cofactor(a)).astype(a.dtype, copy=False)


class LogAbsDet(Function):
    """log|det A| (module docstring for the derivative)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.slogdet(a)[1], dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        try:
            inverse_t = _t(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            raise _singular("linalg.slogdet backward") from None
        return grad[..., None, None] * inverse_t


class Solve(Function):
    """X with A X = B, for B a batch of matrices (n, k) (module docstring for the derivative)."""

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise _singular("linalg.solve") from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = np.linalg.solve(_t(a), grad)
        grad_a = -(grad_b @ _t(x))
        return sum_to_shape(grad_a, a.shape), sum_to_shape(grad_b, ctx.parents[1]._array.shape)


def inverse(input):
    """The inverse of each square matrix (``torch.inverse``, ``torch.linalg.inv``)."""
    return Inverse.apply(_square_float(input, "linalg.inv"))


def det(input):
    """The determinant of each square matrix (``torch.det``, ``torch.linalg.det``)."""
    return Det.apply(_square_float(input, "linalg.det"))


def slogdet(input):
    """(sign, log|det|) of each square matrix: the determinant without overflow (``torch.linalg.slogdet``)."""
    input = _square_float(input, "linalg.slogdet")
    sign = np.asarray(np.linalg.slogdet(input._array)[0], dtype=input.dtype)
    return return_types.slogdet(as_tensor(sign), LogAbsDet.apply(input))


def logdet(input):
    """log det A: NaN for a negative determinant, -inf for 0 (``torch.logdet``)."""
    sign, log_abs = slogdet(input)
    return log_abs + as_tensor(np.log(sign._array.astype(log_abs.dtype)))


def solve(A, B, *, left=True):
    """X with A X = B (``torch.linalg.solve``): B a matrix (..., n, k), or a vector (n,) or (..., n)."""
    A, B = _square_float(A, "linalg.solve"), as_tensor(B)
    if not left:
        raise NotImplementedError("linalg.solve: tinynet solves A X = B only (left=True)")
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type {A.dtype} "
                           f"and B of type {B.dtype} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    columns = B.unsqueeze(-1) if vector else B
    if columns.ndim < 2 or columns.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {'x'.join(map(str, B.shape))})")
    x = Solve.apply(A, columns)
    return x.squeeze(-1) if vector else x
