"""Products of fixed rank -- mm, bmm, mv, dot, outer -- and normalize (dividing by a p-norm).

matmul accepts any ranks and broadcasts; PyTorch's fixed-rank products
instead check that their operands are exactly matrices, batches of matrices
or vectors of matching sizes and dtypes, and say so when they are not.  Each
is that check followed by matmul (or a broadcast product), so its gradient
is matmul's: for C = A B, dL/dA = dL/dC B^T and dL/dB = A^T dL/dC.
"""

from tinynet import checks
from tinynet.ops import elementwise, norms
from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import reshape, transpose

__all__ = ["mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger"]


def _same_dtype(a, b, owner):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{owner}: expected both operands to have the same dtype, but got {a.dtype} and {b.dtype}")


def _ndim(tensor, ndim, name, owner):
    if tensor.ndim != ndim:
        raise RuntimeError(f"{owner}: {name} must be a {ndim}-D tensor, got shape {tensor.shape}")


def mm(input, mat2):
    """The matrix product of an (n, m) and an (m, p) matrix -> (n, p)."""
    input, mat2 = as_tensor(input), as_tensor(mat2)
    _ndim(input, 2, "self", "mm")
    _ndim(mat2, 2, "mat2", "mm")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(input, mat2, "mm")
    return matmul(input, mat2)


def bmm(input, mat2):
    """A batch of matrix products: (b, n, m) and (b, m, p) -> (b, n, p) (no broadcasting)."""
    input, mat2 = as_tensor(input), as_tensor(mat2)
    _ndim(input, 3, "batch1", "bmm")
    _ndim(mat2, 3, "batch2", "bmm")
    if mat2.shape[:2] != (input.shape[0], input.shape[2]):
        raise RuntimeError(f"bmm: expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    _same_dtype(input, mat2, "bmm")
    return matmul(input, mat2)


def mv(input, vec):
    """The product of an (n, m) matrix and an m-vector -> an n-vector."""
    input, vec = as_tensor(input), as_tensor(vec)
    _ndim(input, 2, "mat", "mv")
    _ndim(vec, 1, "vec", "mv")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got mat ({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype(input, vec, "mv")
    return matmul(input, vec)


def dot(input, tensor):
    """The dot product of two vectors of the same length (a 0-d tensor)."""
    input, tensor = as_tensor(input), as_tensor(tensor)
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.shape != tensor.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensors of the same number of elements, "
                           f"but got {input.shape[0]} and {tensor.shape[0]} elements")
    _same_dtype(input, tensor, "dot")
    return matmul(input, tensor)


vdot = dot  # (the same for real numbers)


def inner(input, other):
    """Sum of products over the last dimension of each (a dot product for vectors, a plain product for scalars)."""
    input, other = as_tensor(input), as_tensor(other)
    if input.ndim == 0 or other.ndim == 0:
        return elementwise.mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimensions of the inputs must match, got shapes {input.shape} and "
                           f"{other.shape}")
    if other.ndim == 1:
        return matmul(input, other)
    rows = reshape(other, (-1, other.shape[-1]))  # other's vectors as the rows of a matrix
    return reshape(matmul(input, transpose(rows, 0, 1)), input.shape[:-1] + other.shape[:-1])


def outer(input, vec2):
    """The outer product of two vectors: out[i, j] = input[i] * vec2[j]."""
    input, vec2 = as_tensor(input), as_tensor(vec2)
    for name, vector in (("self", input), ("vec2", vec2)):
        if vector.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {vector.ndim}-D")
    return elementwise.mul(reshape(input, (-1, 1)), vec2)


ger = outer


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``: each slice scaled to p-norm 1 (a zero slice stays zero).

    A composition of norm (whose gradient is taken as 0 where the norm is 0, as in PyTorch), clamp and division.
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported by tinynet")
    input = as_tensor(input)
    eps = checks.real_number(eps, "eps", "normalize", minimum=0)
    if input.ndim == 0:  # a 0-d tensor is its own slice along dim 0 or -1
        checks.dim(dim, 0, "normalize")
        return reshape(normalize(reshape(input, (1,)), p, 0, eps), ())
    length = norms.norm(input, p, dim, keepdim=True)
    return elementwise.div(input, elementwise.clamp(length, min=eps))
