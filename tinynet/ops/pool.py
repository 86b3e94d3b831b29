"""2-D max and average pooling through the C kernels (``tinynet.kernels``).

Max pooling passes each output's gradient to the one input that was the
window's maximum (d max/dx_i = 1 for the argmax, 0 elsewhere), so forward
saves where each maximum was.  Average pooling divides each output's
gradient by the window's divisor and hands it to every input of the window
(d mean/dx_i = 1/divisor).
"""

from tinynet import kernels
from tinynet.autograd import Function


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
