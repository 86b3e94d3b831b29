"""Inverted dropout, of single elements (dropout) or of whole channels (dropout1d, dropout2d, dropout3d).

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
from tinynet.ops import elementwise
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


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
    return _channel_dropout(input, p, training, inplace, batched=True, owner="dropout2d")


def _channel_dropout(input, p, training, inplace, batched, owner):
    """Zero whole channels: one mask value per (sample, channel) -- per channel of an unbatched input."""
    if not training or p == 0:
        return input
    _float_input(input, owner)
    leading = 2 if batched else 1
    mask_shape = input.shape[:leading] + (1,) * (input.ndim - leading)
    if inplace:
        return apply_inplace(input, Dropout.apply, p=p, mask_shape=mask_shape)
    return Dropout.apply(input, p=p, mask_shape=mask_shape)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout of sequences: zero each channel of (N, C, L) or (C, L) with probability p, scale the rest
    by 1/(1-p); identity if not training."""
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, batched=input.ndim == 3, owner="dropout1d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout of volumes: zero each channel of (N, C, D, H, W) or (C, D, H, W) with probability p, scale
    the rest by 1/(1-p); identity if not training."""
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", UserWarning)
    return _channel_dropout(input, p, training, inplace, batched=input.ndim != 4, owner="dropout3d")


# SELU's negative saturation value, -scale * alpha: alpha dropout sets dropped units to it, so that a SELU
# network's activations keep mean 0 and variance 1 through the dropout.
_SELU_SATURATION = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units take SELU's saturation value a' = -scale*alpha, and the result
    is scaled and shifted (a (x * keep + a' (1 - keep)) + b) to keep the input's mean and variance.
    Identity unless training (PyTorch's default here is training=False)."""
    p = checks.probability(p, "dropout probability p")
    input = as_tensor(input)
    if not training or p == 0:
        return input
    _float_input(input, "alpha_dropout")
    if p == 1:
        return elementwise.mul(input, 0.0)
    keep = (random.default_generator().random(input.shape) >= p).astype(input.dtype)
    a = (1 / ((1 - p) * (1 + p * _SELU_SATURATION ** 2))) ** 0.5
    b = -a * _SELU_SATURATION * p
    scale = Tensor._from_array(keep * input.dtype.type(a), False)
    shift = Tensor._from_array(((1 - keep) * _SELU_SATURATION * a + b).astype(input.dtype), False)
    return apply_inplace(input, _scale_and_shift, scale, shift) if inplace else _scale_and_shift(input, scale, shift)


def _scale_and_shift(input, scale, shift):
    return elementwise.add(elementwise.mul(input, scale), shift)
