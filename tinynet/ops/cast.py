"""Casting between dtypes: ``x.astype(dtype)``, ``x.float()``, ``x.double()``."""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.tensor import FLOAT_DTYPES, Tensor


class Cast(Function):
    """x converted to another float dtype.   d/dx = 1: the gradient is converted back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.parents[0].dtype)


def astype(input, dtype):
    """A copy converted to ``dtype``; differentiable between float dtypes (the gradient is converted back)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fiub" or (dtype.kind == "f" and dtype not in FLOAT_DTYPES):
        raise TypeError(f"cannot cast a tensor to dtype {dtype}; use float32, float64, an integer type or bool")
    if dtype not in FLOAT_DTYPES:  # integer/bool results carry no gradient
        return Tensor(input._array.astype(dtype))
    return Cast.apply(input, dtype=dtype)


def to_float(input):
    """This tensor as float32."""
    return astype(input, np.float32)


def to_double(input):
    """This tensor as float64."""
    return astype(input, np.float64)
