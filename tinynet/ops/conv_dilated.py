"""Dilated 2-D convolution: the kernel's taps d apart, as a sum over the taps (numpy).

y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x[n, c, i*s + p*d - pad, j*s + q*d - pad]

Gathering, for every tap (p, q), the input pixels it meets -- a strided slice of
the padded input, (N, C, out_h, out_w) -- gives ``taps`` (N, C, kh, kw, out_h,
out_w), and the convolution is one contraction of it with w over (c, p, q).
Backward follows from that product:
  dL/dw[o, c, p, q] = sum_{n, i, j} dL/dy[n, o, i, j] taps[n, c, p, q, i, j],
  dL/dtaps = sum_o w[o, c, p, q] dL/dy[n, o, i, j], added back onto the pixels each tap came from,
  dL/db[o] = sum_{n, i, j} dL/dy[n, o, i, j].

Why not the C convolution with a big kernel that is zero between the taps?  The
zeros meet pixels too, and 0 * inf is NaN: an inf in the input would turn
outputs that never use it into NaN, where PyTorch gives the right values.
Groups: the channels and filters split into g groups, a group axis in the contraction.
"""

import numpy as np

from tinynet.autograd.function import Function


def _tap_slices(tap, dilation, stride, count):
    """The slice of the padded input that tap index ``tap`` meets along one axis, for ``count`` outputs."""
    start = tap * dilation
    return slice(start, start + (count - 1) * stride + 1, stride)


def _out_size(size, pad, kernel, dilation, stride):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


class DilatedConv2d(Function):
    """Convolution of x (N, C_in, H, W) with weight (C_out, C_in / groups, kh, kw), taps ``dilation`` apart.

    dy[n,o,i,j]/dw[o,c,p,q] = x[n, c, i*s + p*d - pad, j*s + q*d - pad],  dy/dx = w at the matching tap,
    dy/db[o] = 1 (see the module docstring).
    """

    fresh_gradients = True  # (each gradient is a new array)

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        taps = _gather_taps(x, weight.shape, stride, padding, dilation)  # (N, G, C/G, kh, kw, oh, ow)
        grouped_weight = weight.reshape((groups, -1) + weight.shape[1:])  # (G, O/G, C/G, kh, kw)
        y = np.einsum("gocpq,ngcpqij->ngoij", grouped_weight, taps, optimize=True)
        y = y.reshape((x.shape[0], weight.shape[0]) + y.shape[3:])
        if bias is not None:
            y += bias.reshape(1, -1, 1, 1)
        return np.ascontiguousarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        groups = ctx.groups
        grouped_grad = grad.reshape((grad.shape[0], groups, -1) + grad.shape[2:])  # (N, G, O/G, oh, ow)
        grad_x = grad_w = grad_b = None
        if need_w:
            taps = _gather_taps(x, weight.shape, ctx.stride, ctx.padding, ctx.dilation)
            grad_w = np.einsum("ngoij,ngcpqij->gocpq", grouped_grad, taps, optimize=True)
            grad_w = np.ascontiguousarray(grad_w.reshape(weight.shape), dtype=weight.dtype)
        if need_x:
            grouped_weight = weight.reshape((groups, -1) + weight.shape[1:])
            grad_taps = np.einsum("gocpq,ngoij->ngcpqij", grouped_weight, grouped_grad, optimize=True)
            grad_x = _scatter_taps(grad_taps, x.shape, ctx.stride, ctx.padding, ctx.dilation)
        if need_b:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b


def _gather_taps(x, weight_shape, stride, padding, dilation):
    """(N, G, C/G, kh, kw, out_h, out_w): for each tap, the padded input pixels it meets."""
    n, channels, height, width = x.shape
    filters, group_channels, kh, kw = weight_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh, ow = _out_size(height, ph, kh, dh, sh), _out_size(width, pw, kw, dw, sw)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    taps = np.empty((n, channels, kh, kw, oh, ow), dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            taps[:, :, p, q] = padded[:, :, _tap_slices(p, dh, sh, oh), _tap_slices(q, dw, sw, ow)]
    return taps.reshape((n, channels // group_channels, group_channels) + taps.shape[2:])


def _scatter_taps(grad_taps, x_shape, stride, padding, dilation):
    """The transpose of _gather_taps: each tap's gradient added back onto the pixels it came from."""
    n, channels, height, width = x_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    grad_taps = grad_taps.reshape((n, channels) + grad_taps.shape[3:])  # (N, C, kh, kw, oh, ow)
    kh, kw, oh, ow = grad_taps.shape[2:]
    padded = np.zeros((n, channels, height + 2 * ph, width + 2 * pw), dtype=grad_taps.dtype)
    for p in range(kh):
        for q in range(kw):  # (one tap's pixels are distinct: its slice has a step, so += adds each once)
            padded[:, :, _tap_slices(p, dh, sh, oh), _tap_slices(q, dw, sw, ow)] += grad_taps[:, :, p, q]
    return np.ascontiguousarray(padded[:, :, ph:ph + height, pw:pw + width])
