"""Shrinking and gating activations, compositions of existing ops (their gradients follow):

    glu(x, dim)          a * sigmoid(b), where a and b are the two halves of x along dim (the gated linear unit)
    softshrink(x, l)     x - l above l, x + l below -l, 0 between:  x - clamp(x, -l, l)
    hardshrink(x, l)     x where |x| > l, 0 elsewhere
"""

import numpy as np

from tinynet import checks
from tinynet.ops import activations, elementwise
from tinynet.ops.indexing import chunk
from tinynet.ops.operands import as_tensor

__all__ = ["glu", "softshrink", "hardshrink"]


def glu(input, dim=-1):
    """The gated linear unit: split input in two halves along ``dim`` and gate the first by sigmoid(second)."""
    input = as_tensor(input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = checks.dim(dim, input.ndim, "glu")
    if input.shape[axis] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {axis} is size {input.shape[axis]}")
    first, second = chunk(input, 2, axis)
    return elementwise.mul(first, activations.sigmoid(second))


def _lambd(lambd, owner):
    lambd = checks.real_number(lambd, "lambd", owner)
    if lambd < 0:
        raise RuntimeError(f"{owner}: lambda must be greater or equal to 0, but found to be {lambd}.")
    return lambd


def softshrink(input, lambd=0.5):
    """Shrink towards 0 by ``lambd``: x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    input = as_tensor(input)
    lambd = _lambd(lambd, "softshrink")
    return elementwise.sub(input, elementwise.clamp(input, -lambd, lambd))


def hardshrink(input, lambd=0.5):
    """0 where |x| <= lambd, else x (a NaN, not <= anything, stays NaN, as in PyTorch)."""
    input = as_tensor(input)
    lambd = checks.real_number(lambd, "lambd", "hardshrink")  # (a negative lambd keeps everything, as in PyTorch)
    return elementwise.where(np.abs(input._array) <= lambd, 0.0, input)
