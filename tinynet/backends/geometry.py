"""The shapes of a convolution or pooling call, worked out once in Python.

The same named fields appear in C as ``tn_conv2d_shape`` and ``tn_pool2d_shape``
(csrc/tinynet.h).  ``tinynet.kernels`` builds these after checking its
arguments, so every backend receives sizes that are known to be consistent.
"""

from typing import NamedTuple


def output_size(in_size, kernel, stride, pad):
    """Positions a window of ``kernel`` can take on ``in_size`` padded by ``pad`` on both sides,
    moving ``stride`` at a time: floor((in + 2 pad - kernel) / stride) + 1."""
    return (in_size + 2 * pad - kernel) // stride + 1


class ConvGeometry(NamedTuple):
    batch: int
    in_channels: int
    in_h: int
    in_w: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    out_h: int
    out_w: int


class PoolGeometry(NamedTuple):
    batch: int
    channels: int
    in_h: int
    in_w: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    out_h: int
    out_w: int
