"""Adaptive pooling: ask for the output size, and the windows are worked out (the head of every ResNet).

For an input of size H and an output of size h, output i pools the rows

    start_i = floor(i H / h)  to  end_i = ceil((i + 1) H / h)  (exclusive),

PyTorch's formula: windows that tile the input, overlapping by at most one
row when h does not divide H.  Columns likewise.

Three ways to compute it, fastest first:
- output (1, 1) (global pooling): a mean / a max over H and W;
- h divides H and w divides W: ordinary pooling with kernel = stride = H / h;
- otherwise, average pooling is two matrix products, A_h x A_w^T, with
  A_h[i, r] = 1 / (end_i - start_i) for the rows r of window i (its gradient
  follows from matmul's); max pooling loops over the h * w windows.
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops import pool
from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.reduce import mean
from tinynet.tensor import Tensor

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d"]


def adaptive_windows(size, count):
    """[(start, end)] of the ``count`` windows over ``size`` positions (PyTorch's start/end index formula)."""
    return [((i * size) // count, -(-((i + 1) * size) // count)) for i in range(count)]


def averaging_matrix(size, count, dtype):
    """A (count, size) matrix whose row i averages window i: A @ v = the window means of v."""
    matrix = np.zeros((count, size), dtype=dtype)
    for i, (start, end) in enumerate(adaptive_windows(size, count)):
        matrix[i, start:end] = 1 / (end - start)
    return matrix


class AdaptiveMaxPool2d(Function):
    """Max over each adaptive window of x (N, C, H, W) (the general case: windows of unequal sizes).

    d max/dx_i = 1 for the window's first argmax (its last NaN, if it has any), 0 for the others: backward
    adds each gradient there.
    """

    @staticmethod
    def forward(ctx, x, output_size):
        batch, channels, height, width = x.shape
        out = np.empty((batch, channels) + output_size, dtype=x.dtype)
        argmax = np.empty((batch, channels) + output_size, dtype=np.int64)  # row * W + column in the plane
        for i, (top, bottom) in enumerate(adaptive_windows(height, output_size[0])):
            for j, (left, right) in enumerate(adaptive_windows(width, output_size[1])):
                window = x[:, :, top:bottom, left:right].reshape(batch, channels, -1)
                index = window.argmax(axis=2)  # (the first of equal maxima, and the first NaN...)
                nans = np.isnan(window)
                if nans.any():  # (...but in PyTorch every NaN replaces the best so far: the last NaN wins)
                    last_nan = nans.shape[2] - 1 - nans[:, :, ::-1].argmax(axis=2)
                    index = np.where(nans.any(axis=2), last_nan, index)
                out[:, :, i, j] = np.take_along_axis(window, index[:, :, np.newaxis], axis=2)[:, :, 0]
                argmax[:, :, i, j] = (top + index // (right - left)) * width + left + index % (right - left)
        ctx.save_for_backward(argmax)
        ctx.input_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        batch, channels, height, width = ctx.input_shape
        grad_x = np.zeros((batch, channels, height * width), dtype=grad.dtype)
        n, c = np.ogrid[:batch, :channels]
        for i in range(argmax.shape[2]):
            for j in range(argmax.shape[3]):
                grad_x[n, c, argmax[:, :, i, j]] += grad[:, :, i, j]  # one index per (n, c): no collisions
        return grad_x.reshape(ctx.input_shape)


def adaptive_output_size(output_size, input_shape, who):
    """``output_size`` (an int, or an (h, w) pair whose None entries keep the input's size) as a pair of ints."""
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size, output_size)
    if len(output_size) != 2:
        raise ValueError(f"{who}: output_size must be an int or a pair (h, w), got {output_size!r}")
    sizes = []
    for size, input_size in zip(output_size, input_shape[-2:]):
        if size is None:
            size = input_size
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"{who}: output_size entries must be integers or None, got {output_size!r}")
        if size < 0:
            raise RuntimeError(f"{who}: elements of output_size must be >= 0, got {tuple(output_size)}")
        sizes.append(int(size))
    return tuple(sizes)


def _checked(input, output_size, who):
    input = as_tensor(input)
    if input.ndim not in (3, 4) or 0 in input.shape[-2:]:
        raise RuntimeError(f"{who}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero H and W, "
                           f"got shape {input.shape}")
    return input, adaptive_output_size(output_size, input.shape, who)


def _divides(input_shape, output_size):
    return all(out and size % out == 0 for size, out in zip(input_shape[-2:], output_size))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of (N, C, H, W) or (C, H, W) to the given output size (h, w), windows chosen to fit."""
    input, output_size = _checked(input, output_size, "adaptive_avg_pool2d")
    height, width = input.shape[-2:]
    if output_size == (1, 1):
        return mean(input, (-2, -1), keepdim=True)
    if _divides(input.shape, output_size):
        kernel = (height // output_size[0], width // output_size[1])
        batched, unbatched = pool.as_batch(input)
        return pool.unbatch(pool.AvgPool2d.apply(batched, kernel, stride=kernel, padding=(0, 0)), unbatched)
    dtype = input._array.dtype if input._array.dtype.kind == "f" else np.float32
    rows = Tensor._from_data(averaging_matrix(height, output_size[0], dtype))
    columns = Tensor._from_data(averaging_matrix(width, output_size[1], dtype).T.copy())
    return matmul(matmul(rows, input), columns)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of (N, C, H, W) or (C, H, W) to the given output size (h, w), windows chosen to fit."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is not supported by tinynet")
    input, output_size = _checked(input, output_size, "adaptive_max_pool2d")
    batched, unbatched = pool.as_batch(input)
    if _divides(input.shape, output_size):
        kernel = (input.shape[-2] // output_size[0], input.shape[-1] // output_size[1])
        return pool.unbatch(pool.MaxPool2d.apply(batched, kernel, stride=kernel, padding=(0, 0)), unbatched)
    return pool.unbatch(AdaptiveMaxPool2d.apply(batched, output_size), unbatched)
