"""1-D convolution and pooling over (N, C, L) (or unbatched (C, L)) signals: the 2-D ops on a height of one.

    conv1d(x, w) = conv2d(x[:, :, None, :], w[:, :, None, :])[:, :, 0, :]

and likewise for the transposed convolution and for max and average pooling, so each gradient is the 2-D op's
through a reshape.
"""

import numbers

from tinynet import checks
from tinynet.ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d
from tinynet.ops.conv import conv2d
from tinynet.ops.conv_transpose import conv_transpose2d
from tinynet.ops.operands import as_tensor
from tinynet.ops.pool import avg_pool2d, max_pool2d

__all__ = ["conv1d", "conv_transpose1d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d"]


def single(value, name, owner, minimum=1):
    """An int or a 1-tuple of one, >= minimum, as an int."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{owner}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return checks.integer(value, name, owner, minimum)


def _signal(input, owner):
    input = as_tensor(input)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{owner}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {list(input.shape)}")
    return input.unsqueeze(-2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in / groups, k); padding an int
    or 'valid' / 'same'."""
    weight = as_tensor(weight)
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (C_out, C_in / groups, k), got shape {list(weight.shape)}")
    stride = single(stride, "stride", "conv1d")
    dilation = single(dilation, "dilation", "conv1d")
    padding = padding if isinstance(padding, str) else (0, single(padding, "padding", "conv1d", 0))
    output = conv2d(_signal(input, "conv1d"), weight.unsqueeze(-2), bias, (1, stride), padding, (1, dilation), groups)
    return output.squeeze(-2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution of input (N, C_in, L) or (C_in, L) with weight (C_in, C_out / groups, k): the
    2-D one on signals of height 1."""
    weight = as_tensor(weight)
    owner = "conv_transpose1d"
    if weight.ndim != 3:
        raise RuntimeError(f"{owner}: expected a 3-D weight (C_in, C_out / groups, k), got shape "
                           f"{list(weight.shape)}")
    settings = [single(value, name, owner, minimum) for value, name, minimum in
                ((stride, "stride", 1), (padding, "padding", 0), (output_padding, "output_padding", 0),
                 (dilation, "dilation", 1))]
    stride, padding, output_padding, dilation = settings
    output = conv_transpose2d(_signal(input, owner), weight.unsqueeze(-2), bias, (1, stride), (0, padding),
                              (0, output_padding), groups, (1, dilation))
    return output.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over windows of ``kernel_size`` along the last dim of (N, C, L) or (C, L)."""
    kernel = single(kernel_size, "kernel_size", "max_pool1d")
    stride = kernel if stride is None or stride == () else single(stride, "stride", "max_pool1d")
    padding = single(padding, "padding", "max_pool1d", 0)
    dilation = single(dilation, "dilation", "max_pool1d")
    pooled = max_pool2d(_signal(input, "max_pool1d"), (1, kernel), (1, stride), (0, padding), (1, dilation),
                        ceil_mode, return_indices)
    if return_indices:  # (indices of a one-row plane, row * L + column, are the positions along L already)
        values, indices = pooled
        return values.squeeze(-2), indices.squeeze(-2)
    return pooled.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling over windows of ``kernel_size`` along the last dim of (N, C, L) or (C, L)."""
    kernel = single(kernel_size, "kernel_size", "avg_pool1d")
    stride = kernel if stride is None or stride == () else single(stride, "stride", "avg_pool1d")
    padding = single(padding, "padding", "avg_pool1d", 0)
    return avg_pool2d(_signal(input, "avg_pool1d"), (1, kernel), (1, stride), (0, padding), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) to ``output_size`` positions, windows chosen to fit."""
    if isinstance(output_size, numbers.Integral) or isinstance(output_size, (tuple, list)):
        size = single(output_size, "output_size", "adaptive_avg_pool1d")
    else:
        raise TypeError(f"adaptive_avg_pool1d: output_size must be an int, got {output_size!r}")
    return adaptive_avg_pool2d(_signal(input, "adaptive_avg_pool1d"), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of (N, C, L) or (C, L) to ``output_size`` positions, windows chosen to fit."""
    size = single(output_size, "output_size", "adaptive_max_pool1d")
    return adaptive_max_pool2d(_signal(input, "adaptive_max_pool1d"), (1, size), return_indices).squeeze(-2)
