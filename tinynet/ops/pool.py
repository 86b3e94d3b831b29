"""2-D max and average pooling through the kernels (``tinynet/kernels/pool.py``, then csrc/pool/).

Max pooling passes each output's gradient to the one input that was the
window's maximum (d max/dx_i = 1 for the argmax, 0 elsewhere), so forward
saves where each maximum was.  Average pooling divides each output's
gradient by the window's divisor and hands it to every input of the window
(d mean/dx_i = 1/divisor).
"""

from tinynet import checks, kernels
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["max_pool2d", "avg_pool2d"]


class MaxPool2d(Function):
    """Max over each kernel_size window of x (N, C, H, W), padding counted as -inf.

    d max/dx_i = 1 for the window's argmax, 0 for the others: backward scatters each gradient to its argmax.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        out, argmax = kernels.max_pool2d_forward(x, kernel_size, stride=stride, padding=padding)
        ctx.save_for_backward(argmax)
        ctx.input_shape, ctx.kernel_size, ctx.stride, ctx.padding = x.shape, kernel_size, stride, padding
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        return kernels.max_pool2d_backward(grad, argmax, ctx.input_shape, ctx.kernel_size,
                                           stride=ctx.stride, padding=ctx.padding)


class AvgPool2d(Function):
    """Mean over each kernel_size window of x (N, C, H, W), zero padding (counted in the divisor if asked).

    d mean/dx_i = 1/divisor for every x_i in the window: backward spreads each gradient evenly over it.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, count_include_pad=True):
        ctx.input_shape, ctx.kernel_size, ctx.stride, ctx.padding = x.shape, kernel_size, stride, padding
        ctx.count_include_pad = count_include_pad
        return kernels.avg_pool2d_forward(x, kernel_size, stride=stride, padding=padding,
                                          count_include_pad=count_include_pad)

    @staticmethod
    def backward(ctx, grad):
        return kernels.avg_pool2d_backward(grad, ctx.input_shape, ctx.kernel_size, stride=ctx.stride,
                                           padding=ctx.padding, count_include_pad=ctx.count_include_pad)


def _window(kernel_size, stride, padding, who):
    """The checked (kernel, stride, padding) pairs of a pooling call; stride None means kernel_size."""
    kernel = checks.int_pair(kernel_size, "kernel_size", who, minimum=1)
    stride = kernel if stride is None else checks.int_pair(stride, "stride", who, minimum=1)
    return kernel, stride, checks.int_pair(padding, "padding", who, minimum=0)


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max pooling over kernel_size windows (stride defaults to kernel_size; padding counts as -inf)."""
    kernel, stride, padding = _window(kernel_size, stride, padding, "max_pool2d")
    return MaxPool2d.apply(as_tensor(input), kernel, stride=stride, padding=padding)


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over kernel_size windows (stride defaults to kernel_size; zero padding)."""
    kernel, stride, padding = _window(kernel_size, stride, padding, "avg_pool2d")
    return AvgPool2d.apply(as_tensor(input), kernel, stride=stride, padding=padding,
                           count_include_pad=bool(count_include_pad))
