"""2-D convolution through the kernels (``tinynet/kernels/conv.py``, then csrc/conv/).

y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x[n, c, i*s + p*d - pad, j*s + q*d - pad]

(s the stride, d the dilation), so, by the chain rule (each x and w element
appears in many outputs, and its gradient sums over all of them):
  dL/dx[n, c, h, w'] = sum over the outputs it fed of dL/dy * w   (a "full" convolution with the flipped kernel),
  dL/dw[o, c, p, q]  = sum_{n, i, j} dL/dy[n, o, i, j] x[n, c, i*s + p*d - pad, j*s + q*d - pad],
  dL/db[o]           = sum_{n, i, j} dL/dy[n, o, i, j].
The kernels compute these for d = 1 and one group; the numpy reference backend spells them out.

Two generalisations:
- dilation d spreads the kernel's taps d apart: ``DilatedConv2d`` (conv_dilated.py)
  sums over the taps in numpy.
- groups g (ResNeXt, depthwise convolutions) split the input channels and the
  filters into g groups, each group's filters seeing only its own channels:
  g independent convolutions whose outputs are stacked along the channels.
"""

import numpy as np

from tinynet import checks, kernels
from tinynet.autograd.function import Function
from tinynet.ops.conv_dilated import DilatedConv2d
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import pad as pad_tensor

__all__ = ["conv2d"]

PADDING_STRINGS = ("valid", "same")


def _group(array, index, groups):
    """Group ``index`` of ``groups`` equal slices of the channels (dim 1; dim 0 for a weight of filters)."""
    size = array.shape[1] // groups
    return array[:, index * size:(index + 1) * size]


class Conv2d(Function):
    """Convolution of x (N, C_in, H, W) with weight (C_out, C_in / groups, kh, kw) plus an optional bias (C_out,).

    dy[n,o,i,j]/dw[o,c,p,q] = x[n, c, i*s + p - pad, j*s + q - pad],  dy/dx = w at the matching offset,
    dy/db[o] = 1: each gradient sums over every output its element fed (see the module docstring).
    """

    fresh_gradients = True  # (the kernels return a new array for each gradient)

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0, groups=1):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.groups = stride, padding, groups
        if groups == 1:
            return kernels.conv2d_forward(x, weight, bias, stride=stride, padding=padding)
        filters = weight.shape[0] // groups
        parts = [kernels.conv2d_forward(_group(x, g, groups), weight[g * filters:(g + 1) * filters],
                                        None if bias is None else bias[g * filters:(g + 1) * filters],
                                        stride=stride, padding=padding)
                 for g in range(groups)]
        return np.concatenate(parts, axis=1)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        options = dict(stride=ctx.stride, padding=ctx.padding, input_grad=need_x, weight_grad=need_w,
                       bias_grad=need_b)
        if ctx.groups == 1:
            grad_x, grad_kernel, grad_b = kernels.conv2d_backward(x, weight, grad, **options)
        else:
            filters = weight.shape[0] // ctx.groups
            parts = [kernels.conv2d_backward(_group(x, g, ctx.groups), weight[g * filters:(g + 1) * filters],
                                             _group(grad, g, ctx.groups), **options)
                     for g in range(ctx.groups)]
            grad_x = np.concatenate([p[0] for p in parts], axis=1) if need_x else None
            grad_kernel = np.concatenate([p[1] for p in parts], axis=0) if need_w else None
            grad_b = np.concatenate([p[2] for p in parts], axis=0) if need_b else None
        return grad_x, grad_kernel, grad_b


def same_padding(kernel_size, dilation):
    """(top, bottom, left, right) padding that keeps the size at stride 1: d (k - 1) in total per axis,
    the odd one out at the bottom/right (as PyTorch does)."""
    pads = []
    for k, d in zip(kernel_size, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def padding_amounts(padding, kernel_size, stride, dilation, owner, error=RuntimeError):
    """``padding`` (an int, an (h, w) pair, 'valid' or 'same') as (top, bottom, left, right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            if stride != (1, 1):
                raise error(f"{owner}: padding='same' is not supported for strided convolutions: it needs stride 1, "
                            f"got stride {stride}")
            return same_padding(kernel_size, dilation)
        raise error(f"{owner}: invalid padding string {padding!r}: expected 'valid' or 'same' (or a number)")
    ph, pw = checks.int_pair(padding, "padding", owner, minimum=0)
    return ph, ph, pw, pw


def convolve(x, weight, bias, stride, pads, dilation, groups):
    """The convolution of checked arguments; ``pads`` = (top, bottom, left, right), x (N, C, H, W) or (C, H, W)."""
    if x.ndim == 3:  # one unbatched image: a batch of one, then drop the batch dimension again
        out = convolve(x.reshape((1,) + x.shape), weight, bias, stride, pads, dilation, groups)
        return out.reshape(out.shape[1:])
    top, bottom, left, right = pads
    if top != bottom or left != right:  # ('same' with an even kernel) pad explicitly, F.pad order (l, r, t, b)
        x = pad_tensor(x, (left, right, top, bottom))
        top = bottom = left = right = 0
    if dilation != (1, 1):
        return DilatedConv2d.apply(x, weight, bias, stride=stride, padding=(top, left), dilation=dilation,
                                   groups=groups)
    return Conv2d.apply(x, weight, bias, stride=stride, padding=(top, left), groups=groups)


def check_conv_shapes(x_shape, weight_shape, bias, pads, dilation, groups, owner="conv2d"):
    """PyTorch's checks of a convolution's shapes (RuntimeError, naming the shapes)."""
    if len(x_shape) not in (3, 4):
        raise RuntimeError(f"{owner}: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), "
                           f"got input of shape {tuple(x_shape)}")
    if len(weight_shape) != 4:
        raise RuntimeError(f"{owner}: weight must be 4-D (C_out, C_in / groups, kh, kw), got shape "
                           f"{tuple(weight_shape)}")
    channels = x_shape[-3]
    if weight_shape[1] * groups != channels:
        raise RuntimeError(f"{owner}: given groups={groups}, weight of size {list(weight_shape)} expects "
                           f"{weight_shape[1] * groups} input channels, but the input {tuple(x_shape)} has "
                           f"{channels} channels")
    if weight_shape[0] % groups:
        raise RuntimeError(f"{owner}: given groups={groups}, expected the weight's {weight_shape[0]} filters "
                           f"(dim 0 of {list(weight_shape)}) to be divisible by {groups}")
    if bias is not None and tuple(bias.shape) != (weight_shape[0],):
        raise RuntimeError(f"{owner}: bias must have shape ({weight_shape[0]},) for weight {list(weight_shape)}, "
                           f"got {tuple(bias.shape)}")
    for axis in (0, 1):
        padded = x_shape[-2 + axis] + pads[2 * axis] + pads[2 * axis + 1]
        span = dilation[axis] * (weight_shape[2 + axis] - 1) + 1
        if span > padded:
            raise RuntimeError(f"{owner}: the padded input's size per channel {tuple(x_shape[-2:])} + padding is "
                               f"smaller than the (dilated) kernel size {span} along dim {2 + axis}: kernel size "
                               f"can't be greater than actual input size (input shape {tuple(x_shape)})")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_out, C_in / groups, kh, kw).

    stride, dilation: an int or (h, w); padding: an int, (h, w), 'valid' or 'same'; groups: split the channels
    into that many independent convolutions (as in PyTorch's F.conv2d).
    """
    input, weight = as_tensor(input), as_tensor(weight)
    stride = checks.int_pair(stride, "stride", "conv2d", minimum=1)
    dilation = checks.int_pair(dilation, "dilation", "conv2d", minimum=1)
    groups = checks.positive_int(groups, "groups", "conv2d")
    pads = padding_amounts(padding, tuple(weight.shape[2:4]), stride, dilation, "conv2d")
    check_conv_shapes(input.shape, weight.shape, bias, pads, dilation, groups)
    return convolve(input, weight, bias, stride, pads, dilation, groups)
