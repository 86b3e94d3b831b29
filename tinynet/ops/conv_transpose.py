"""Transposed convolution (``conv_transpose2d``, "deconvolution"): the gradient of conv2d with respect to
its input, used to upsample in decoders and GAN generators.

It is composed of existing ops: spread the input out with stride - 1 zeros between its pixels, pad
each side by dilation * (k - 1) - padding (plus output_padding at the bottom and right; a negative
amount crops), and convolve with stride 1 using the kernel flipped in both spatial dims and with
its in/out channel roles swapped (per group).  Output size per dim:

    (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1

The gradient follows from the parts (reshape, cat, pad, flip, conv2d).
"""

from tinynet import checks
from tinynet.ops.conv import conv2d
from tinynet.ops.elementwise import add
from tinynet.ops.operands import as_tensor
from tinynet.ops.rearrange import flip
from tinynet.ops.shape import cat, pad

__all__ = ["conv_transpose2d"]


def _spread(x, stride, axis):
    """x with stride - 1 zeros after each element along ``axis`` (none after the last)."""
    if stride == 1:
        return x
    n = x.shape[axis]
    pieces = [x.unsqueeze(axis + 1), x.new_zeros(x.shape[:axis + 1] + (stride - 1,) + x.shape[axis + 1:])]
    spread = cat(pieces, axis + 1).reshape(x.shape[:axis] + (n * stride,) + x.shape[axis + 1:])
    return spread.narrow(axis, 0, (n - 1) * stride + 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out / groups, kh,
    kw), as ``torch.nn.functional.conv_transpose2d``."""
    input, weight = as_tensor(input), as_tensor(weight)
    owner = "conv_transpose2d"
    stride = checks.int_pair(stride, "stride", owner)
    padding = checks.int_pair(padding, "padding", owner, 0)
    output_padding = checks.int_pair(output_padding, "output_padding", owner, 0)
    dilation = checks.int_pair(dilation, "dilation", owner)
    groups = checks.positive_int(groups, "groups", owner)
    if weight.ndim != 4:
        raise RuntimeError(f"{owner}: expected a 4-D weight (C_in, C_out / groups, kh, kw), got shape "
                           f"{list(weight.shape)}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{owner}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                           f"{list(input.shape)}")
    if input.ndim == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                dilation).squeeze(0)
    channels_in, per_group_out, kh, kw = weight.shape
    if input.shape[1] != channels_in or channels_in % groups:
        raise RuntimeError(f"{owner}: weight of shape {list(weight.shape)} with groups={groups} expects input with "
                           f"{channels_in} channels (divisible by groups), got shape {list(input.shape)}")
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:
            raise RuntimeError(f"{owner}: output padding must be smaller than either stride or dilation, got "
                               f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    x = _spread(_spread(input, stride[0], 2), stride[1], 3)
    (p_h, p_w), (o_h, o_w) = padding, output_padding
    edge_h, edge_w = dilation[0] * (kh - 1) - p_h, dilation[1] * (kw - 1) - p_w
    x = pad(x, (edge_w, edge_w + o_w, edge_h, edge_h + o_h))
    # (C_in, C_out/g, kh, kw) -> (C_out, C_in/g, kh, kw), flipped: per group, swap the channel roles.
    swapped = weight.reshape(groups, channels_in // groups, per_group_out, kh, kw).transpose(1, 2)
    kernel = flip(swapped.reshape(groups * per_group_out, channels_in // groups, kh, kw), (2, 3))
    output = conv2d(x, kernel, None, 1, 0, dilation, groups)
    return output if bias is None else add(output, as_tensor(bias).reshape(1, -1, 1, 1))
