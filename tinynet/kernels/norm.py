"""Batch normalization, checked: x of shape (N, C, *), normalized per channel C over N and the rest.

For each channel, over its M values (M = N times the product of the trailing dims):
    y = weight * (x - mean) * inv_std + bias,   inv_std = 1 / sqrt(var + eps),
then ``y = max(y, 0)`` when ``relu`` (batch normalization and the ReLU after it in one pass over memory).
In training, mean and var are the batch's (var biased, dividing by M); otherwise the running statistics
given.  See ``reference.py`` for the formulas written plainly (forward and backward) and csrc/norm/ for the C.
"""

import math
from typing import NamedTuple

from tinynet import checks
from tinynet.kernels import config
from tinynet.kernels.arrays import MAX_ELEMENTS, check_size, float_array, same_dtype

_INPUT = "(N, C, *)"


class NormGeometry(NamedTuple):
    """x seen as batch x channels x plane (plane = the product of the dims after C); C's tn_batch_norm_shape."""

    batch: int
    channels: int
    plane: int


def _geometry(x, who):
    if x.ndim < 2:
        raise ValueError(f"{who}: input must be at least 2-D {_INPUT}, got shape {x.shape}")
    check_size(who, "the number of values", x.size, MAX_ELEMENTS)
    return NormGeometry(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


def _channel_vector(value, name, x, who, required=False):
    """A (C,) vector of x's dtype (None stays None unless required)."""
    if value is None:
        if required:
            raise ValueError(f"{who}: {name} is required here")
        return None
    value = float_array(value, f"{who} {name}", 1, "(C,)")
    if value.shape != (x.shape[1],):
        raise ValueError(f"{who}: {name} must have shape ({x.shape[1]},) for input {x.shape}, got {value.shape}")
    same_dtype((f"{who} input", x), (name, value))
    return value


def batch_norm_forward(x, weight=None, bias=None, mean=None, var=None, training=True, eps=1e-5, relu=False):
    """Normalize x per channel; returns ``(y, mean, var, inv_std)``, each statistic of shape (C,).

    In training, ``mean`` and ``var`` must be None: the batch's statistics are computed and returned (var
    biased).  Otherwise they are the running statistics to normalize with, returned as given.  ``weight``
    and ``bias`` (C,) may be None (1 and 0).  ``inv_std`` is what backward needs with ``mean``.
    """
    who = "batch_norm_forward"
    x = float_array(x, f"{who} input")
    g = _geometry(x, who)
    weight, bias = _channel_vector(weight, "weight", x, who), _channel_vector(bias, "bias", x, who)
    training = bool(training)
    if training:
        if mean is not None or var is not None:
            raise ValueError(f"{who}: in training the batch's mean and var are computed, not given")
        if g.batch * g.plane < 1:
            raise ValueError(f"{who}: in training each channel needs at least one value, got input {x.shape}")
    else:
        mean = _channel_vector(mean, "mean", x, who, required=True)
        var = _channel_vector(var, "var", x, who, required=True)
    eps = checks.real_number(eps, "eps", who, minimum=0)
    return config.backend.batch_norm_forward(g, x, weight, bias, mean, var, eps, training, bool(relu))


def batch_norm_backward(x, grad_out, mean, inv_std, weight=None, bias=None, training=True, relu=False,
                        input_grad=True, weight_grad=True, bias_grad=True):
    """Gradients ``(dL/dx, dL/dweight, dL/dbias)`` of batch normalization, given dL/dy (``grad_out``).

    ``mean`` and ``inv_std`` are what batch_norm_forward returned; ``training`` and ``relu`` as there
    (``bias`` is needed for the ReLU's mask).  A gradient not asked for is None; dL/dweight and dL/dbias
    are computed as for weight 1 and bias 0 when those are None.
    """
    who = "batch_norm_backward"
    x = float_array(x, f"{who} input")
    grad_out = float_array(grad_out, f"{who} grad_out")
    if grad_out.shape != x.shape:
        raise ValueError(f"{who}: grad_out must have the input's shape {x.shape}, got {grad_out.shape}")
    same_dtype((f"{who} input", x), ("grad_out", grad_out))
    g = _geometry(x, who)
    mean = _channel_vector(mean, "mean", x, who, required=True)
    inv_std = _channel_vector(inv_std, "inv_std", x, who, required=True)
    weight, bias = _channel_vector(weight, "weight", x, who), _channel_vector(bias, "bias", x, who)
    needs = (bool(input_grad), bool(weight_grad), bool(bias_grad))
    if not any(needs):
        return None, None, None
    return config.backend.batch_norm_backward(g, x, grad_out, mean, inv_std, weight, bias, bool(training),
                                              bool(relu), *needs)
