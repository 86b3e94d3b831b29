"""Vector norms: ``norm(x, p, dim)`` = (sum over dim of |x_i|^p)^(1/p).

p = 2 (the default, also called 'fro') is the Euclidean length; p = 1 the
sum of absolute values; p = inf the largest |x_i|, -inf the smallest; p = 0
the number of nonzero elements; any other p the formula above.  A tuple of
dims treats those dims together as one vector (so 'fro' of a matrix is the
2-norm of all its entries).
"""

import math
import numbers

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.cast import astype
from tinynet.ops.operands import as_tensor
from tinynet.ops.reduce import expand_to, spread_evenly

__all__ = ["norm"]


class Norm(Function):
    """||x||_p over axes.   d||x||_p/dx_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1), so
    p = 2: x_i / ||x||;  p = 1: sign(x_i);  p = 0: 0 (a count of nonzeros is a step function);
    p = +-inf: sign(x_i) for the element(s) of largest (smallest) |x_i|, split evenly among ties.

    Where ||x|| = 0 the formula is 0/0; the gradient is taken as 0 there (PyTorch's choice), and
    for p < 1 elements x_i = 0 get 0 instead of the formula's infinite |x_i|^(p-1).
    """

    @staticmethod
    def forward(ctx, x, axis, keepdims, p):
        ctx.axes, ctx.keepdims, ctx.p = axis, keepdims, p
        size = np.abs(x)
        if p == math.inf or p == -math.inf:
            out = size.max(axis=axis, keepdims=keepdims) if p > 0 else size.min(axis=axis, keepdims=keepdims)
        elif p == 0:
            out = (x != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
        elif p == 1:
            out = size.sum(axis=axis, keepdims=keepdims)
        elif p == 2:
            out = np.sqrt((x * x).sum(axis=axis, keepdims=keepdims))
        else:
            with np.errstate(divide="ignore"):
                out = ((size ** p).sum(axis=axis, keepdims=keepdims)) ** (1 / p)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, axes, keepdims = ctx.p, ctx.axes, ctx.keepdims
        if p == 0:
            return np.zeros(x.shape, dtype=grad.dtype)
        if p == 1:
            return expand_to(grad, axes, keepdims, x.shape) * np.sign(x)
        if p == math.inf or p == -math.inf:
            return spread_evenly(grad, np.abs(x), out, axes, keepdims, True) * np.sign(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p < 1:  # no division by a zero norm here, but |x_i|^(p-1) is infinite at x_i = 0
                scaled = np.where(x == 0, 0, np.sign(x) * np.abs(x) ** (p - 1))
                return scaled * expand_to(grad * out ** (1 - p), axes, keepdims, x.shape)
            scale = np.where(out == 0, 0, grad / (out if p == 2 else out ** (p - 1)))
            scaled = x if p == 2 else np.sign(x) * np.abs(x) ** (p - 1)
            return scaled * expand_to(scale, axes, keepdims, x.shape)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm over ``dim`` (an int, a tuple, or None for every element) of a float tensor; p='fro' is 2."""
    input = as_tensor(input)
    if dtype is not None:
        input = astype(input, dtype)
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"norm(): expected a floating-point input, got dtype {input.dtype} (call .float() first)")
    if p == "fro" or p is None:
        p = 2.0
    elif isinstance(p, str):
        raise ValueError(f"norm(): p must be a number or 'fro', got {p!r} (tinynet has no nuclear norm)")
    elif isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise TypeError(f"norm(): p must be a number or 'fro', got {p!r}")
    axes = checks.dims(dim, input.ndim, "norm")
    if math.isinf(p) and any(input.shape[axis] == 0 for axis in axes):  # (other dims may be empty: no values)
        raise RuntimeError(f"norm(): cannot compute the {p}-norm over an empty dim of a tensor of shape "
                           f"{input.shape}: the operation has no identity")
    return Norm.apply(input, axis=axes, keepdims=bool(keepdim), p=float(p))
