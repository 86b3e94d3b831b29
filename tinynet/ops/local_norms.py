"""Normalisations over a neighbourhood of one sample, compositions of existing ops (their gradients follow):

    local_response_norm  AlexNet's LRN: x_c / (k + alpha/n * sum of x_c'^2 over the n channels around c)^beta
    instance_norm        each channel of each sample normalised over its positions (group_norm with C groups),
                         or with running statistics (use_input_stats=False), which it can also keep up to date
"""

import math

from tinynet import checks
from tinynet.autograd import grad_mode
from tinynet.ops import elementwise
from tinynet.ops.group_norm import group_norm
from tinynet.ops.indexing import narrow
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import pad, reshape
from tinynet.tensor import Tensor

__all__ = ["local_response_norm", "instance_norm"]


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over the ``size`` channels centred on each channel)^beta, over dim 1 of
    (N, C, *); the window is cut off (zero-padded) at the first and last channels."""
    input = as_tensor(input)
    size = checks.integer(size, "size", "local_response_norm", minimum=1)
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = elementwise.mul(input, input)
    moved = reshape(squares, (input.shape[0], channels, -1))  # (N, C, positions)
    padded = pad(moved, (0, 0, size // 2, (size - 1) // 2))  # zero channels before and after
    window = narrow(padded, 1, 0, channels)
    for offset in range(1, size):
        window = elementwise.add(window, narrow(padded, 1, offset, channels))
    scale = elementwise.add(elementwise.mul(window, alpha / size), k)
    return elementwise.div(input, reshape(elementwise.pow(scale, beta), input.shape))


def _update_running(running_mean, running_var, input, momentum):
    """running <- (1 - momentum) running + momentum * (the batch's per-instance statistics averaged over N),
    with the unbiased variance, as PyTorch's instance_norm does."""
    values = input._array.reshape(input.shape[0], input.shape[1], -1)
    count = values.shape[-1]
    means = values.mean(axis=-1).mean(axis=0)
    variances = values.var(axis=-1, ddof=1 if count > 1 else 0).mean(axis=0)
    with grad_mode.no_grad():
        for running, batch in ((running_mean, means), (running_var, variances)):
            if running is not None:
                running._array *= 1 - momentum
                running._array += momentum * batch.astype(running.dtype)
                running._bump_version()


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample of (N, C, *) over its positions, then scale by weight (C,) and
    shift by bias (C,).  With use_input_stats=False the running statistics are used instead; with
    use_input_stats=True any running statistics given are updated (by ``momentum``)."""
    input = as_tensor(input)
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of shape (N, C, *) with at least 3 dimensions, got "
                         f"shape {list(input.shape)}")
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and (not isinstance(value, Tensor) or tuple(value.shape) != (channels,)):
            raise RuntimeError(f"instance_norm: expected {name} to be a Tensor of shape [{channels}], got "
                               f"{getattr(value, 'shape', value)}")
    if use_input_stats:
        if math.prod(input.shape[2:]) <= 1:  # (one position per channel: its variance is 0, the output all 0)
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{list(input.shape)}")
        if running_mean is not None or running_var is not None:
            _update_running(running_mean, running_var, input, float(momentum))
        return group_norm(input, channels, weight, bias, eps)
    if running_mean is None or running_var is None:
        raise RuntimeError("instance_norm: Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    centred = elementwise.sub(input, reshape(running_mean, per_channel))
    output = elementwise.div(centred, elementwise.sqrt(elementwise.add(reshape(running_var, per_channel), eps)))
    if weight is not None:
        output = elementwise.mul(output, reshape(weight, per_channel))
    if bias is not None:
        output = elementwise.add(output, reshape(bias, per_channel))
    return output
