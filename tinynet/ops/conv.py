"""2-D convolution through the kernels (``tinynet/kernels/conv.py``, then csrc/conv/).

y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x[n, c, i*s + p - pad, j*s + q - pad]

so, by the chain rule (each x and w element appears in many outputs, and
its gradient sums over all of them):
  dL/dx[n, c, h, w'] = sum over the outputs it fed of dL/dy * w   (a "full" convolution with the flipped kernel),
  dL/dw[o, c, p, q]  = sum_{n, i, j} dL/dy[n, o, i, j] x[n, c, i*s + p - pad, j*s + q - pad],
  dL/db[o]           = sum_{n, i, j} dL/dy[n, o, i, j].
The kernels compute these; the numpy reference backend spells them out.
"""

from tinynet import checks, kernels
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["conv2d"]


class Conv2d(Function):
    """Convolution of x (N, C_in, H, W) with weight (C_out, C_in, kh, kw) plus an optional bias (C_out,).

    dy[n,o,i,j]/dw[o,c,p,q] = x[n, c, i*s + p - pad, j*s + q - pad],  dy/dx = w at the matching offset,
    dy/db[o] = 1: each gradient sums over every output its element fed (see the module docstring).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding = stride, padding
        return kernels.conv2d_forward(x, weight, bias, stride=stride, padding=padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        return kernels.conv2d_backward(
            x, weight, grad, stride=ctx.stride, padding=ctx.padding,
            input_grad=need_x, weight_grad=need_w, bias_grad=need_b,
        )


def conv2d(input, weight, bias=None, stride=1, padding=0):
    """2-D convolution of input (N, C_in, H, W) with weight (C_out, C_in, kh, kw); stride/padding an int or (h, w)."""
    stride = checks.int_pair(stride, "stride", "conv2d", minimum=1)
    padding = checks.int_pair(padding, "padding", "conv2d", minimum=0)
    return Conv2d.apply(as_tensor(input), weight, bias, stride=stride, padding=padding)
