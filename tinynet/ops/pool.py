"""2-D max and average pooling through the kernels (``tinynet/kernels/pool.py``, then csrc/pool/).

Max pooling passes each output's gradient to the one input that was the
window's maximum (d max/dx_i = 1 for the argmax, 0 elsewhere), so forward
saves where each maximum was.  Average pooling divides each output's
gradient by the window's divisor and hands it to every input of the window
(d mean/dx_i = 1/divisor).

``ceil_mode`` (as in PyTorch) rounds the number of windows up instead of
down, so a last, partial window covers the leftover rows/columns -- as long
as it starts inside the input or its left/top padding.  The kernels count
windows the floor way, so ceil mode is built around them: the input gets
extra rows/columns at the bottom/right, -inf for max pooling (never the
maximum) and zeros for average pooling, whose results are then rescaled from
the kernel's divisor (kernel_h * kernel_w) to PyTorch's: the window's size
clipped at the padded input (or, with count_include_pad=False, at the input).
"""

import numpy as np

from tinynet import checks, kernels
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["max_pool2d", "avg_pool2d"]


def pool_output_size(size, kernel, stride, pad, ceil_mode):
    """Number of windows along one axis: floor (or ceil) of (size + 2 pad - kernel) / stride, plus 1; in ceil
    mode the last window must start inside the input or the left padding, else it is dropped."""
    span = size + 2 * pad - kernel
    count = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + pad:
        count -= 1
    return count


def extra_padding(shape, kernel, stride, padding, ceil_mode):
    """Rows and columns to add at the bottom/right so the floor-mode kernels see every ceil-mode window."""
    if not ceil_mode:
        return 0, 0
    extra = []
    for axis in (0, 1):
        count = pool_output_size(shape[2 + axis], kernel[axis], stride[axis], padding[axis], True)
        extra.append(max(0, (count - 1) * stride[axis] + kernel[axis] - shape[2 + axis] - 2 * padding[axis]))
    return tuple(extra)


def _pad_bottom_right(x, extra, value):
    return np.pad(x, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])), constant_values=value)


def _crop_bottom_right(grad, extra):
    """The gradient of the input without the rows/columns ``_pad_bottom_right`` added."""
    if extra == (0, 0):
        return grad
    return np.ascontiguousarray(grad[:, :, :grad.shape[2] - extra[0], :grad.shape[3] - extra[1]])


class MaxPool2d(Function):
    """Max over each kernel_size window of x (N, C, H, W), padding counted as -inf.

    d max/dx_i = 1 for the window's argmax, 0 for the others: backward scatters each gradient to its argmax.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, extra=(0, 0)):
        if extra != (0, 0):
            x = _pad_bottom_right(x, extra, -np.inf)
        out, argmax = kernels.max_pool2d_forward(x, kernel_size, stride=stride, padding=padding)
        ctx.save_for_backward(argmax)
        ctx.input_shape, ctx.kernel_size, ctx.stride, ctx.padding = x.shape, kernel_size, stride, padding
        ctx.extra = extra
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        grad_x = kernels.max_pool2d_backward(grad, argmax, ctx.input_shape, ctx.kernel_size,
                                             stride=ctx.stride, padding=ctx.padding)
        return _crop_bottom_right(grad_x, ctx.extra)


def window_divisors(size, kernel, stride, pad, count, count_include_pad):
    """PyTorch's average-pooling divisor of each window along one axis: its length clipped at the padded input
    (count_include_pad) or at the input itself."""
    start = np.arange(count) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """Mean over each kernel_size window of x (N, C, H, W), zero padding; ``divisors`` (out_h, out_w), when given,
    replaces the kernel's divisor (ceil mode, divisor_override).

    d mean/dx_i = 1/divisor for every x_i in the window: backward spreads each gradient evenly over it.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, count_include_pad=True, extra=(0, 0), divisors=None):
        if extra != (0, 0):
            x = _pad_bottom_right(x, extra, 0)
        ctx.input_shape, ctx.kernel_size, ctx.stride, ctx.padding = x.shape, kernel_size, stride, padding
        ctx.count_include_pad, ctx.extra = count_include_pad, extra
        out = kernels.avg_pool2d_forward(x, kernel_size, stride=stride, padding=padding,
                                         count_include_pad=count_include_pad)
        # With divisors, the kernel ran with count_include_pad=True: out = window sum / (kh * kw).
        ctx.rescale = None if divisors is None else (kernel_size[0] * kernel_size[1] / divisors).astype(x.dtype)
        return out if ctx.rescale is None else out * ctx.rescale

    @staticmethod
    def backward(ctx, grad):
        if ctx.rescale is not None:
            grad = grad * ctx.rescale
        grad_x = kernels.avg_pool2d_backward(grad, ctx.input_shape, ctx.kernel_size, stride=ctx.stride,
                                             padding=ctx.padding, count_include_pad=ctx.count_include_pad)
        return _crop_bottom_right(grad_x, ctx.extra)


def pool_window(kernel_size, stride, padding, who):
    """The checked (kernel, stride, padding) pairs of a pooling call; stride None (or []) means kernel_size."""
    kernel = checks.int_pair(kernel_size, "kernel_size", who, minimum=1)
    stride = kernel if stride is None or stride == [] else checks.int_pair(stride, "stride", who, minimum=1)
    padding = checks.int_pair(padding, "padding", who, minimum=0)
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        raise RuntimeError(f"{who}: pad should be at most half of the kernel size, but got padding={padding} and "
                           f"kernel_size={kernel}")
    return kernel, stride, padding


def check_pool_input(shape, kernel, stride, padding, ceil_mode, who):
    """PyTorch's checks of a pooling input (N, C, H, W) or (C, H, W) (RuntimeError, naming the shapes)."""
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError(f"{who}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero C, H and W, "
                           f"got shape {tuple(shape)}")
    out = [pool_output_size(shape[-2 + axis], kernel[axis], stride[axis], padding[axis], ceil_mode)
           for axis in (0, 1)]
    if min(out) < 1:
        raise RuntimeError(f"{who}: given input of shape {tuple(shape)}, the calculated output size "
                           f"{tuple(out)} is too small (kernel_size={kernel}, padding={padding})")


def as_batch(input):
    """(C, H, W) -> (1, C, H, W) so the kernels see a batch; returns the tensor and whether it was unbatched."""
    if input.ndim == 3:
        return input.reshape((1,) + input.shape), True
    return input, False


def unbatch(output, unbatched):
    return output.reshape(output.shape[1:]) if unbatched else output


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over kernel_size windows of (N, C, H, W) or (C, H, W) (stride defaults to kernel_size;
    padding counts as -inf; ceil_mode keeps a last partial window)."""
    kernel, stride, padding = pool_window(kernel_size, stride, padding, "max_pool2d")
    if checks.int_pair(dilation, "dilation", "max_pool2d") != (1, 1):
        raise NotImplementedError("max_pool2d: dilation != 1 is not supported by tinynet")
    input = as_tensor(input)
    check_pool_input(input.shape, kernel, stride, padding, ceil_mode, "max_pool2d")
    input, unbatched = as_batch(input)
    extra = extra_padding(input.shape, kernel, stride, padding, ceil_mode)
    output = unbatch(MaxPool2d.apply(input, kernel, stride=stride, padding=padding, extra=extra), unbatched)
    if not return_indices:
        return output
    return output, unbatch(max_indices(input, kernel, stride, padding, extra), unbatched)


def max_indices(input, kernel, stride, padding, extra):
    """Where each window's maximum was, as row * W + col in its input plane (int64, PyTorch's ``return_indices``;
    what ``max_unpool2d`` puts values back at).  The kernel is run again for them: they are for inspection."""
    x = input._array
    if extra != (0, 0):
        x = _pad_bottom_right(x, extra, -np.inf)
    _, argmax = kernels.max_pool2d_forward(x, kernel, stride=stride, padding=padding)
    rows, columns = np.divmod(argmax.astype(np.int64), x.shape[3])  # (the padded width, if ceil_mode widened it)
    return Tensor._from_array(rows * input.shape[3] + columns, False)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling over kernel_size windows of (N, C, H, W) or (C, H, W) (stride defaults to kernel_size; zero
    padding, counted in the divisor if count_include_pad; ceil_mode keeps a last partial window;
    divisor_override replaces every window's divisor)."""
    kernel, stride, padding = pool_window(kernel_size, stride, padding, "avg_pool2d")
    if divisor_override is not None:
        divisor_override = checks.positive_int(divisor_override, "divisor_override", "avg_pool2d")
    input = as_tensor(input)
    check_pool_input(input.shape, kernel, stride, padding, ceil_mode, "avg_pool2d")
    input, unbatched = as_batch(input)
    count_include_pad = bool(count_include_pad)
    extra = extra_padding(input.shape, kernel, stride, padding, ceil_mode)
    divisors = None
    if extra != (0, 0) or divisor_override is not None:
        out_h, out_w = (pool_output_size(input.shape[2 + a], kernel[a], stride[a], padding[a], ceil_mode)
                        for a in (0, 1))
        if divisor_override is not None:
            divisors = np.full((out_h, out_w), float(divisor_override))
        else:
            rows = window_divisors(input.shape[2], kernel[0], stride[0], padding[0], out_h, count_include_pad)
            columns = window_divisors(input.shape[3], kernel[1], stride[1], padding[1], out_w, count_include_pad)
            divisors = np.outer(rows, columns).astype(np.float64)
        count_include_pad = True  # the kernel divides by kh * kw; the divisors then correct that
    return unbatch(AvgPool2d.apply(input, kernel, stride=stride, padding=padding, count_include_pad=count_include_pad,
                                   extra=extra, divisors=divisors), unbatched)
