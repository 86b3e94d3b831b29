"""Inverted dropout.

In training each element is zeroed with probability p and the survivors
are scaled by 1/(1 - p), so the expected output equals the input and
evaluation needs no rescaling.  y = x * mask with mask in {0, 1/(1-p)}, so
dy/dx = mask.  The mask comes from tinynet's generator (``tinynet.random``).
"""

import numpy as np

from tinynet import random
from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["dropout"]


class Dropout(Function):
    """x * mask, mask_i = 1/(1-p) with probability 1-p, else 0.   dy/dx = mask."""

    @staticmethod
    def forward(ctx, x, p=0.5):
        keep = random.default_generator().random(x.shape) >= p
        mask = keep.astype(x.dtype) / x.dtype.type(1 - p) if p < 1 else np.zeros(x.shape, dtype=x.dtype)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask


def dropout(input, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p); identity if not training."""
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if not training or p == 0:
        return input
    return Dropout.apply(input, p=p)
