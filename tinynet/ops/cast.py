"""Casting between dtypes."""

import numpy as np

from tinynet.autograd import Function


class Cast(Function):
    """x converted to another dtype.   d/dx = 1: the gradient is converted back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        if dtype.kind not in "fiub" or (dtype.kind == "f" and dtype not in (np.float32, np.float64)):
            raise TypeError(f"cannot cast a tensor to dtype {dtype}; use float32, float64, an integer type or bool")
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.parents[0].data.dtype)
