"""Inverted dropout, of single elements (dropout) or of whole channels (dropout2d).

In training each element is zeroed with probability p and the survivors
are scaled by 1/(1 - p), so the expected output equals the input and
evaluation needs no rescaling.  y = x * mask with mask in {0, 1/(1-p)}, so
dy/dx = mask.  dropout2d draws one mask value per (sample, channel) and
shares it over the feature map, so a whole channel is dropped at once (the
right noise for convolutional features, whose neighbouring pixels are
correlated).  The mask comes from tinynet's generator (``tinynet.random``).
"""

import warnings

import numpy as np

from tinynet import random
from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor

__all__ = ["dropout", "dropout2d"]


class Dropout(Function):
    """x * mask, mask_i = 1/(1-p) with probability 1-p, else 0 (one draw per element of mask_shape,
    broadcast over x).   dy/dx = mask."""

    @staticmethod
    def forward(ctx, x, p=0.5, mask_shape=None):
        shape = x.shape if mask_shape is None else mask_shape
        keep = random.default_generator().random(shape) >= p
        mask = keep.astype(x.dtype) / x.dtype.type(1 - p) if p < 1 else np.zeros(shape, dtype=x.dtype)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask


def _float_input(input, owner):
    if input._array.dtype.kind != "f":  # (the 1/(1-p) scaling has no integer result)
        raise RuntimeError(f"{owner}: expected a floating-point input, got dtype {input._array.dtype}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p); identity if not training."""
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if not training or p == 0:
        return input
    _float_input(input, "dropout")
    if inplace:
        return apply_inplace(input, Dropout.apply, p=p)
    return Dropout.apply(input, p=p)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: zero each channel of input (N, C, H, W) or (C, H, W) with probability p, scale the rest by
    1/(1-p); identity if not training.

    As in PyTorch, a 3-D input is taken as (N, C, L) (with a warning), and other ranks >= 2 drop entries of
    (N, C) (with a warning: use dropout for those).
    """
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if input.ndim < 2:
        raise ValueError(f"dropout2d: expected an input with a channel dimension (N, C, H, W), got shape "
                         f"{input.shape}")
    if input.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input; as in PyTorch it is taken as (N, C, L) and each of its "
                      "channels C is dropped as a whole (use dropout1d's behaviour knowingly)", UserWarning)
    elif input.ndim != 4:
        warnings.warn(f"dropout2d: received a {input.ndim}-D input; dropout2d is meant for (N, C, H, W) images. "
                      "Each (sample, channel) entry is dropped as a whole", UserWarning)
    if not training or p == 0:
        return input
    _float_input(input, "dropout2d")
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    if inplace:
        return apply_inplace(input, Dropout.apply, p=p, mask_shape=mask_shape)
    return Dropout.apply(input, p=p, mask_shape=mask_shape)
