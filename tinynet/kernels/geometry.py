"""The shapes of a convolution or pooling call, worked out and bounded once in Python.

The same named fields appear in C as ``tn_conv2d_shape`` and ``tn_pool2d_shape``
(csrc/tinynet.h).  ``conv_geometry`` and ``pool_geometry`` check that the
shapes and settings are consistent and that every size C will derive from them
fits, so every backend receives sizes it can trust.
"""

from typing import NamedTuple

from tinynet import checks
from tinynet.kernels.arrays import MAX_DIM, MAX_ELEMENTS, MAX_PLANE, MAX_WORK, check_size


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


def _bounded_pair(value, name, minimum):
    pair = checks.int_pair(value, name, minimum=minimum)
    for n in pair:
        if n > MAX_DIM:
            raise ValueError(f"{name} must be <= {MAX_DIM}, got {n}")
    return pair


def conv_geometry(x_shape, weight_shape, stride, padding):
    """The checked ConvGeometry of input (N, C, H, W) and weight (C_out, C_in, kh, kw)."""
    batch, in_channels, in_h, in_w = x_shape
    out_channels, weight_in, kernel_h, kernel_w = weight_shape
    if weight_in != in_channels:
        raise ValueError(
            f"conv2d: weight {tuple(weight_shape)} expects {weight_in} input channels, "
            f"but the input {tuple(x_shape)} has {in_channels}"
        )
    if in_channels == 0 or out_channels == 0 or kernel_h == 0 or kernel_w == 0:
        raise ValueError(f"conv2d: channels and kernel sizes must be >= 1, got input {tuple(x_shape)}, "
                         f"weight {tuple(weight_shape)}")
    stride_h, stride_w = _bounded_pair(stride, "stride", 1)
    pad_h, pad_w = _bounded_pair(padding, "padding", 0)
    padded_h, padded_w = in_h + 2 * pad_h, in_w + 2 * pad_w
    if kernel_h > padded_h or kernel_w > padded_w:
        raise ValueError(
            f"conv2d: kernel {(kernel_h, kernel_w)} is larger than the padded input "
            f"{(padded_h, padded_w)} (input {tuple(x_shape)}, padding {(pad_h, pad_w)})"
        )
    out_h = output_size(in_h, kernel_h, stride_h, pad_h)
    out_w = output_size(in_w, kernel_w, stride_w, pad_w)
    check_size("conv2d", "the padded input's side", max(padded_h, padded_w), MAX_DIM)
    if pad_h < kernel_h and pad_w < kernel_w:  # wider padding is clipped to the image, never copied (csrc/conv/panels.c)
        check_size("conv2d", "the zero-bordered copy of one image", in_channels * padded_h * padded_w, MAX_ELEMENTS)
    check_size("conv2d", "the number of multiply-adds",
               batch * out_channels * in_channels * kernel_h * kernel_w * out_h * out_w, MAX_WORK)
    return ConvGeometry(batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w,
                        stride_h, stride_w, pad_h, pad_w, out_h, out_w)


def pool_geometry(input_shape, kernel_size, stride, padding, who):
    """The checked PoolGeometry of pooling an (N, C, H, W) input (stride None = kernel_size)."""
    batch, channels, in_h, in_w = input_shape
    kernel_h, kernel_w = _bounded_pair(kernel_size, "kernel_size", 1)
    stride_h, stride_w = (kernel_h, kernel_w) if stride is None else _bounded_pair(stride, "stride", 1)
    pad_h, pad_w = _bounded_pair(padding, "padding", 0)
    # A window made only of padding would have no input to be its maximum (or its argmax).
    if 2 * pad_h > kernel_h or 2 * pad_w > kernel_w:
        raise ValueError(f"{who}: padding {(pad_h, pad_w)} must be at most half the kernel {(kernel_h, kernel_w)}")
    if kernel_h > in_h + 2 * pad_h or kernel_w > in_w + 2 * pad_w:
        raise ValueError(
            f"{who}: kernel {(kernel_h, kernel_w)} is larger than the padded input "
            f"{(in_h + 2 * pad_h, in_w + 2 * pad_w)} (input {tuple(input_shape)}, padding {(pad_h, pad_w)})"
        )
    if channels == 0 or in_h == 0 or in_w == 0:
        # (an empty plane would leave windows with nothing to pool, as in PyTorch)
        raise ValueError(f"{who}: input must have at least one channel, row and column, got shape {tuple(input_shape)}")
    if in_h * in_w > MAX_PLANE:
        raise ValueError(f"{who}: an input plane of {in_h}x{in_w} is too large (at most {MAX_PLANE} elements)")
    out_h = output_size(in_h, kernel_h, stride_h, pad_h)
    out_w = output_size(in_w, kernel_w, stride_w, pad_w)
    check_size(who, "the number of window reads", batch * channels * out_h * out_w * kernel_h * kernel_w, MAX_WORK)
    return PoolGeometry(batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                        out_h, out_w)
