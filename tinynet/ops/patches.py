"""Moving pixels between channels and space, and between images and patch columns:
pixel_shuffle / pixel_unshuffle (reshape and permute), unfold (im2col) and fold (col2im).

unfold takes every kernel-sized patch of an (N, C, H, W) image, as a
convolution sees it, and lays each patch out as a column: (N, C*kh*kw, L)
with L the number of patch positions; ``weight.view(out, -1) @ unfold(x)``
is then a convolution.  It is a composition of pad, strided slicing and
stack.  fold is its adjoint: it sums each column back into the place its
patch came from (overlaps add up), so fold's gradient is unfold of the
gradient and unfold's gradient is fold.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import GetItem, pad, permute, reshape, stack

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold"]


def _checked(input, factor, name, owner):
    """(input as a Tensor of at least 3 dims, the factor r > 0) for pixel_shuffle and pixel_unshuffle."""
    input = as_tensor(input)
    r = checks.integer(factor, name, owner)
    if r <= 0:
        raise RuntimeError(f"{owner}: {name} must be greater than 0, got {r}")
    if input.ndim < 3:
        raise RuntimeError(f"{owner} expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    return input, r


def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r): each group of r^2 channels becomes an r x r block of pixels."""
    input, r = _checked(input, upscale_factor, "upscale_factor", "pixel_shuffle")
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}")
    lead = len(batch)
    blocks = reshape(input, (*batch, channels // (r * r), r, r, height, width))
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 3, 1, 4, 2))  # (C, H, r, W, r)
    return reshape(permute(blocks, order), (*batch, channels // (r * r), height * r, width * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W): each r x r block of pixels becomes r^2 channels (pixel_shuffle undone)."""
    input, r = _checked(input, downscale_factor, "downscale_factor", "pixel_unshuffle")
    *batch, channels, height, width = input.shape
    if height % r or width % r:
        raise RuntimeError(f"pixel_unshuffle expects height ({height}) and width ({width}) to be divisible by "
                           f"downscale_factor ({r})")
    lead = len(batch)
    blocks = reshape(input, (*batch, channels, height // r, r, width // r, r))
    order = tuple(range(lead)) + tuple(lead + d for d in (0, 2, 4, 1, 3))  # (C, r, r, H, W)
    return reshape(permute(blocks, order), (*batch, channels * r * r, height // r, width // r))


def channel_shuffle(input, groups):
    """(N, g * k, *) -> the same shape with the channels read as a (g, k) table down its columns (ShuffleNet's
    mixing of grouped convolutions' channels): channel i * k + j moves to j * g + i."""
    input = as_tensor(input)
    groups = checks.integer(groups, "groups", "channel_shuffle")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"sizes {list(input.shape)}")
    batch, channels, *rest = input.shape
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} channels and "
                           f"{groups} groups.")
    table = reshape(input, (batch, groups, channels // groups, *rest))
    order = (0, 2, 1) + tuple(range(3, table.ndim))
    return reshape(permute(table, order), tuple(input.shape))


def _settings(kernel_size, dilation, padding, stride, owner):
    return (checks.int_pair(kernel_size, "kernel_size", owner), checks.int_pair(dilation, "dilation", owner),
            checks.int_pair(padding, "padding", owner, minimum=0), checks.int_pair(stride, "stride", owner))


def _positions(size, kernel, dilation, padding, stride):
    """How many patch positions fit along one spatial dim."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _offset_slices(i, j, out_h, out_w, dilation, stride):
    """The strided slices of a padded image that kernel offset (i, j) reads at every patch position."""
    top, left = i * dilation[0], j * dilation[1]
    return (slice(None), slice(None), slice(top, top + stride[0] * (out_h - 1) + 1, stride[0]),
            slice(left, left + stride[1] * (out_w - 1) + 1, stride[1]))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every kernel-sized patch of (N, C, H, W) (or (C, H, W)) as a column: (N, C*kh*kw, L), channel-major
    within a column, positions in row-major order."""
    input = as_tensor(input)
    if input.ndim == 3:  # unbatched: a batch of one, then without the batch dim
        batched = unfold(reshape(input, (1,) + input.shape), kernel_size, dilation, padding, stride)
        return reshape(batched, batched.shape[1:])
    if input.ndim != 4:  # (PyTorch's error for fewer dims is an IndexError)
        error = IndexError if input.ndim < 3 else RuntimeError
        raise error(f"unfold: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                    f"got: {list(input.shape)}")
    kernel, dilation, padding, stride = _settings(kernel_size, dilation, padding, stride, "unfold")
    n, c, h, w = input.shape
    out_h, out_w = (_positions(size, k, d, p, s) for size, k, d, p, s in zip((h, w), kernel, dilation, padding,
                                                                           stride))
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"unfold: the kernel {kernel} (dilation {dilation}) does not fit in the padded input "
                           f"{h + 2 * padding[0]}x{w + 2 * padding[1]}")
    padded = pad(input, (padding[1], padding[1], padding[0], padding[0])) if any(padding) else input
    parts = [GetItem.apply(padded, _offset_slices(i, j, out_h, out_w, dilation, stride))
             for i in range(kernel[0]) for j in range(kernel[1])]
    columns = stack(parts, dim=2)  # (N, C, kh*kw, out_h, out_w)
    return reshape(columns, (n, c * kernel[0] * kernel[1], out_h * out_w))


class Fold(Function):
    """col2im: out[n, c, patch (i, j) at position l] += columns[n, c*kh*kw + i*kw + j, l] (overlaps add).

    fold is linear and the adjoint of unfold, so d out/d columns routes each gradient pixel back to every
    column entry that was added into it: the gradient is unfold(grad).
    """

    @staticmethod
    def forward(ctx, columns, size, kernel, dilation, padding, stride, blocks):
        ctx.settings = size, kernel, dilation, padding, stride, blocks
        n = columns.shape[0]
        channels = columns.shape[1] // (kernel[0] * kernel[1])
        parts = columns.reshape(n, channels, kernel[0], kernel[1], blocks[0], blocks[1])
        padded = np.zeros((n, channels, size[0] + 2 * padding[0], size[1] + 2 * padding[1]), dtype=columns.dtype)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                padded[_offset_slices(i, j, blocks[0], blocks[1], dilation, stride)] += parts[:, :, i, j]
        return padded[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]].copy()

    @staticmethod
    def backward(ctx, grad):
        size, kernel, dilation, padding, stride, blocks = ctx.settings
        padded = np.pad(grad, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
        parts = [padded[_offset_slices(i, j, blocks[0], blocks[1], dilation, stride)]
                 for i in range(kernel[0]) for j in range(kernel[1])]
        n, channels = grad.shape[:2]
        return np.stack(parts, axis=2).reshape(n, channels * kernel[0] * kernel[1], blocks[0] * blocks[1])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum patch columns (N, C*kh*kw, L) (or unbatched (C*kh*kw, L)) back into (N, C, H, W) images of
    ``output_size``; where patches overlap their values add up."""
    input = as_tensor(input)
    if input.ndim == 2:
        return reshape(fold(reshape(input, (1,) + input.shape), output_size, kernel_size, dilation, padding, stride),
                       (-1,) + tuple(checks.int_pair(output_size, "output_size", "fold")))
    if input.ndim != 3:
        raise RuntimeError(f"fold: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got: {list(input.shape)}")
    size = checks.int_pair(output_size, "output_size", "fold")
    kernel, dilation, padding, stride = _settings(kernel_size, dilation, padding, stride, "fold")
    per_column = kernel[0] * kernel[1]
    if input.shape[1] % per_column:
        raise RuntimeError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={input.shape[1]} and kernel_size={kernel}")
    blocks = tuple(_positions(s, k, d, p, st) for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))
    if blocks[0] <= 0 or blocks[1] <= 0 or blocks[0] * blocks[1] != input.shape[2]:
        raise RuntimeError(f"fold: Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={input.shape[2]}.")
    return Fold.apply(input, size, kernel, dilation, padding, stride, blocks)
