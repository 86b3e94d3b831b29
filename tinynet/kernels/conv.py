"""2-D convolution, checked: NCHW images, (C_out, C_in, kh, kw) weights, as in PyTorch.

y[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] * x[n, c, i*sh + p - ph, j*sw + q - pw]
with x zero outside its bounds.  See ``reference.py`` for the algorithm
written plainly (im2col + GEMM) and csrc/conv/ for the C.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.arrays import float_array, same_dtype
from tinynet.kernels.geometry import conv_geometry

_IMAGE = "(N, C, H, W)"
_WEIGHT = "(C_out, C_in, kernel_h, kernel_w)"


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch); returns y of shape (N, C_out, out_h, out_w).

    ``stride`` and ``padding`` are an int or an (h, w) pair.
    """
    x = float_array(x, "conv2d input", 4, _IMAGE)
    weight = float_array(weight, "conv2d weight", 4, _WEIGHT)
    if bias is not None:
        bias = float_array(bias, "conv2d bias")
    same_dtype(("conv2d input", x), ("weight", weight), ("bias", bias))
    g = conv_geometry(x.shape, weight.shape, stride, padding)
    if bias is not None and bias.shape != (g.out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({g.out_channels},) for weight {weight.shape}, got {bias.shape}")
    if g.batch == 0:
        return np.empty((0, g.out_channels, g.out_h, g.out_w), dtype=x.dtype)
    return config.backend.conv2d_forward(g, x, weight, bias)


def conv2d_backward(x, weight, grad_out, stride=1, padding=0, input_grad=True, weight_grad=True, bias_grad=True):
    """Gradients of a convolution's loss with respect to its input, weight and bias.

    Given dL/dy (``grad_out``, shaped like the forward output), returns
    ``(dL/dx, dL/dweight, dL/dbias)``; a gradient not asked for is None.
    """
    x = float_array(x, "conv2d input", 4, _IMAGE)
    weight = float_array(weight, "conv2d weight", 4, _WEIGHT)
    grad_out = float_array(grad_out, "conv2d grad_out")
    same_dtype(("conv2d input", x), ("weight", weight), ("grad_out", grad_out))
    g = conv_geometry(x.shape, weight.shape, stride, padding)
    expected = (g.batch, g.out_channels, g.out_h, g.out_w)
    if grad_out.shape != expected:
        raise ValueError(f"conv2d_backward: grad_out must have the output's shape {expected}, got {grad_out.shape}")
    input_grad, weight_grad, bias_grad = bool(input_grad), bool(weight_grad), bool(bias_grad)
    if g.batch == 0:
        return (
            np.zeros_like(x) if input_grad else None,
            np.zeros_like(weight) if weight_grad else None,
            np.zeros(g.out_channels, dtype=x.dtype) if bias_grad else None,
        )
    if not (input_grad or weight_grad or bias_grad):
        return None, None, None
    return config.backend.conv2d_backward(g, x, weight, grad_out, input_grad, weight_grad, bias_grad)
