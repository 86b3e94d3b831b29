"""Two-operand math, all compositions of existing ops (their gradients follow): true_divide, addmm, dist, cdist,
cross, fmax, fmin, hypot, nan_to_num.

    addmm(c, a, b)       beta * c + alpha * (a @ b)
    dist(a, b, p)        ||a - b||_p over all elements;  cdist: between every row of a and every row of b
    cross(a, b, dim)     the 3-vector cross product along dim
    fmax, fmin           maximum/minimum that take the number when the other is NaN (ties go to the first input)
    hypot(a, b)          sqrt(a^2 + b^2)
    nan_to_num(x)        NaN, +inf, -inf replaced by numbers (their gradient is 0 there, 1 elsewhere)
"""

import numbers

import numpy as np

from tinynet import checks, dtypes
from tinynet.ops import compare, elementwise, linalg, logical, norms, piecewise
from tinynet.ops.division import div
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.grids import select
from tinynet.ops.operands import as_tensor, operand
from tinynet.ops.shape import expanded_shape, stack, unsqueeze
from tinynet.tensor import Tensor

__all__ = ["true_divide", "addmm", "dist", "cdist", "cross", "fmax", "fmin", "hypot", "nan_to_num", "nan_to_num_",
           "heaviside", "baddbmm"]


def true_divide(dividend, divisor):
    """dividend / divisor without rounding (integers divide to a float): ``div`` with rounding_mode=None."""
    return div(dividend, divisor)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape; beta = 0 ignores input
    (even its NaNs), as in PyTorch."""
    return _plus_scaled(input, linalg.mm(mat1, mat2), beta, alpha)


def _plus_scaled(input, product, beta, alpha):
    """beta * input + alpha * product, input broadcast to the product's shape (beta = 0: input ignored)."""
    if alpha != 1:
        product = elementwise.mul(product, alpha)
    input = as_tensor(input)
    expanded_shape(input.shape, product.shape)  # (raises PyTorch's RuntimeError if input does not broadcast to it)
    if beta == 0:
        return product
    return elementwise.add(product, input if beta == 1 else elementwise.mul(input, beta))


def _p(p, owner):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or p < 0:
        raise RuntimeError(f"{owner} only supports non-negative p values, got {p!r}")
    return float(p)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) for batches of matrices (b, n, m) and (b, m, p): ``addmm`` for a
    batch (an attention score plus a bias, in one call)."""
    return _plus_scaled(input, linalg.bmm(batch1, batch2), beta, alpha)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast) over all elements: a 0-d tensor."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"dist: p must be a number, got {p!r}")
    return norms.norm(elementwise.sub(input, other), float(p))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R)."""
    x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if x1.dtype not in dtypes.FLOAT_DTYPES or x1.dtype != x2.dtype:
        raise RuntimeError(f"cdist only supports floating-point inputs of one dtype, got {x1.dtype} and {x2.dtype}")
    differences = elementwise.sub(unsqueeze(x1, -2), unsqueeze(x2, -3))  # (..., P, R, M)
    return norms.norm(differences, _p(p, "cdist"), dim=-1)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (None: the first dim of length 3); inputs broadcast."""
    input, other = as_tensor(input), as_tensor(other)
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got {input.ndim} and "
                           f"{other.ndim}")
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"linalg.cross: the shapes {list(input.shape)} and {list(other.shape)} do not "
                           f"broadcast") from None
    if dim is None:
        threes = [d for d, n in enumerate(shape) if n == 3]
        if not threes:
            raise RuntimeError(f"no dimension of size 3 in input of shape {list(shape)}")
        axis = threes[0]
    else:
        axis = checks.dim(dim, len(shape), "cross")
    if input.shape[axis] != 3 or other.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {axis} must have length 3. Got {input.shape[axis]} and "
                           f"{other.shape[axis]}")
    a = [select(input, axis, i) for i in range(3)]
    b = [select(other, axis, i) for i in range(3)]
    parts = [elementwise.sub(elementwise.mul(a[j], b[k]), elementwise.mul(a[k], b[j]))
             for j, k in ((1, 2), (2, 0), (0, 1))]
    return stack(parts, dim=axis)


def _nan_aware_pick(input, other, first_wins):
    input, other = operand(input), operand(other)
    choose_input = logical.logical_or(first_wins(input, other), piecewise.isnan(as_tensor(other)))
    return elementwise.where(choose_input, input, other)


def fmax(input, other):
    """The larger of each pair, ignoring a NaN (NaN only when both are NaN); the gradient goes to the one chosen,
    to input on ties."""
    return _nan_aware_pick(input, other, compare.ge)


def fmin(input, other):
    """The smaller of each pair, ignoring a NaN (NaN only when both are NaN); ties go to input."""
    return _nan_aware_pick(input, other, compare.le)


def hypot(input, other):
    """sqrt(input^2 + other^2) elementwise (the hypotenuse); inputs broadcast."""
    input, other = operand(input), operand(other)
    return elementwise.sqrt(elementwise.add(elementwise.mul(input, input), elementwise.mul(other, other)))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """input with NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (by default the dtype's largest and
    smallest finite numbers); integer tensors come back as copies."""
    input = as_tensor(input)
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"nan_to_num(): argument '{name}' must be float, not {type(value).__name__}")
    if input.dtype not in dtypes.FLOAT_DTYPES:
        return input.clone()
    info = np.finfo(input.dtype)
    replaced = np.nan_to_num(input._array, nan=nan, posinf=info.max if posinf is None else posinf,
                             neginf=info.min if neginf is None else neginf)
    return elementwise.where(piecewise.isfinite(input), input, Tensor._from_array(replaced, False))


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):
    """nan_to_num, in place."""
    return apply_inplace(input, nan_to_num, nan=nan, posinf=posinf, neginf=neginf)


def heaviside(input, values):
    """The step function: 0 where input < 0, 1 where input > 0, and ``values`` (broadcast) where input == 0.
    A step has no useful derivative, and PyTorch gives it none: the result does not require grad."""
    input, values = as_tensor(input), as_tensor(values)
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes: {input.dtype} and "
                           f"{values.dtype}")
    x = input._array
    return Tensor._from_array(np.where(x > 0, 1, np.where(x == 0, values._array, 0)).astype(x.dtype), False)
