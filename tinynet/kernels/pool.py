"""2-D max and average pooling, checked: NCHW images; max pooling pads with -inf, average with zeros.

See ``reference.py`` for the window loops written plainly and csrc/pool/ for the C.
"""

import numpy as np

from tinynet import checks
from tinynet.kernels import config
from tinynet.kernels.arrays import float_array
from tinynet.kernels.geometry import pool_geometry


def _input_shape(shape):
    if type(shape) is tuple and len(shape) == 4 and all(type(s) is int and s >= 0 for s in shape):
        return shape  # the common case, an array's .shape, without the per-entry checks below
    if not isinstance(shape, (tuple, list)) or len(shape) != 4:
        raise ValueError(f"input_shape must be a 4-tuple (N, C, H, W), got {shape!r}")
    return tuple(checks.integer(s, "input_shape", minimum=0) for s in shape)


def _grad_and_geometry(grad_out, input_shape, kernel_size, stride, padding, who):
    grad_out = float_array(grad_out, f"{who} grad_out", 4, "(N, C, out_h, out_w)")
    g = pool_geometry(_input_shape(input_shape), kernel_size, stride, padding, who)
    expected = (g.batch, g.channels, g.out_h, g.out_w)
    if grad_out.shape != expected:
        raise ValueError(f"{who}: grad_out must have shape {expected} for input {tuple(input_shape)}, got {grad_out.shape}")
    return grad_out, g


def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling: each output is the largest input in its window (padding counts as -inf).

    Returns ``(y, argmax)``: argmax (int32, shaped like y) is where each maximum
    was, as ``row * W + col`` within its input plane -- the first one in
    row-major order on ties -- which the backward pass needs.
    """
    x = float_array(x, "max_pool2d input", 4, "(N, C, H, W)")
    g = pool_geometry(x.shape, kernel_size, stride, padding, "max_pool2d")
    if g.batch == 0:
        return np.empty((0, g.channels, g.out_h, g.out_w), x.dtype), np.empty((0, g.channels, g.out_h, g.out_w), np.int32)
    return config.backend.max_pool2d_forward(g, x)


def max_pool2d_backward(grad_out, argmax, input_shape, kernel_size, stride=None, padding=0):
    """dL/dx for max pooling: each output's gradient goes to the input that was its maximum."""
    grad_out, g = _grad_and_geometry(grad_out, input_shape, kernel_size, stride, padding, "max_pool2d_backward")
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.int32:
        raise TypeError(f"argmax must be the int32 array max_pool2d_forward returned, "
                        f"got {getattr(argmax, 'dtype', type(argmax).__name__)}")
    if argmax.shape != grad_out.shape:
        raise ValueError(f"argmax has shape {argmax.shape} but grad_out has shape {grad_out.shape}; they must match")
    if not (argmax.flags.c_contiguous and argmax.flags.aligned):
        argmax = np.array(argmax, order="C", copy=True)
    if g.batch == 0:
        return np.zeros(tuple(input_shape), dtype=grad_out.dtype)
    # C writes dx[argmax]: an index outside the plane would write out of bounds.
    # (Seen as unsigned, a negative index is huge: one pass checks both ends.)
    if argmax.view(np.uint32).max() >= g.in_h * g.in_w:
        raise ValueError(f"argmax holds indices outside the {g.in_h}x{g.in_w} input plane")
    return config.backend.max_pool2d_backward(g, grad_out, argmax)


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling: each output is the mean of its window (zero padding).

    With ``count_include_pad`` (PyTorch's default) the divisor is always
    kernel_h * kernel_w; without it, only the in-bounds elements count.
    """
    x = float_array(x, "avg_pool2d input", 4, "(N, C, H, W)")
    g = pool_geometry(x.shape, kernel_size, stride, padding, "avg_pool2d")
    if g.batch == 0:
        return np.empty((0, g.channels, g.out_h, g.out_w), x.dtype)
    return config.backend.avg_pool2d_forward(g, x, bool(count_include_pad))


def avg_pool2d_backward(grad_out, input_shape, kernel_size, stride=None, padding=0, count_include_pad=True):
    """dL/dx for average pooling: each output's gradient, divided by its divisor, to every input of its window."""
    grad_out, g = _grad_and_geometry(grad_out, input_shape, kernel_size, stride, padding, "avg_pool2d_backward")
    if g.batch == 0:
        return np.zeros(tuple(input_shape), dtype=grad_out.dtype)
    return config.backend.avg_pool2d_backward(g, grad_out, bool(count_include_pad))
