"""``max_unpool2d`` (``nn.MaxUnpool2d``): max pooling run backwards for a picture of what it kept.

Given pooled values and the indices ``max_pool2d(..., return_indices=True)`` returned (each maximum's position
row * W + col in its plane), each value goes back to where it came from and every other position is 0 -- the
"switches" of a deconvolutional network, with which the features a CNN layer responds to are drawn back in
image space.  The output's side is (in - 1) * stride - 2 * padding + kernel_size unless ``output_size`` says.
It is a scatter, so its gradient is a gather: each value gets the gradient of the position it was put at.
"""

import numpy as np

from tinynet.ops.indexing import scatter
from tinynet.ops.operands import as_tensor
from tinynet.ops.pool import pool_window
from tinynet.tensor import Tensor

__all__ = []  # torch.nn.functional.max_unpool2d only (nn/functional.py)


def _output_size(pooled, kernel, stride, padding, output_size):
    """(height, width) of the unpooled planes: the pooling's input size, (pooled - 1) * stride - 2 * padding +
    kernel, unless ``output_size`` picks another that pools to the same size -- one less than a stride away
    (anything farther would put the indices, row * width + column of the pooling's input, in other places)."""
    default = [(pooled[a] - 1) * stride[a] - 2 * padding[a] + kernel[a] for a in (0, 1)]
    if output_size is None:
        return default
    sizes = list(output_size)
    if len(sizes) == 4:
        sizes = sizes[2:]  # (N, C, H, W): the planes' size is the last two
    if len(sizes) != 2:
        raise ValueError(f"output_size should be a sequence containing 2 or 4 elements, but it has a length of "
                         f"'{len(sizes)}'")
    for dim, (size, usual, step) in enumerate(zip(sizes, default, stride)):
        if not usual - step < size < usual + step:
            raise ValueError(f'invalid output_size "{tuple(sizes)}" (dim {dim} must be between {usual - step} and '
                             f'{usual + step})')
    return [int(size) for size in sizes]


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Pooled values (N, C, H, W) or (C, H, W) put back at ``indices`` in zeros of the unpooled size."""
    kernel, stride, padding = pool_window(kernel_size, stride, padding, "max_unpool2d")
    input, indices = as_tensor(input), as_tensor(indices)
    if input.ndim not in (3, 4) or tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"max_unpool2d: expected a 3-D or 4-D input and indices of its shape, got "
                           f"{tuple(input.shape)} and {tuple(indices.shape)}")
    if indices.dtype != np.int64:
        raise RuntimeError(f"max_unpool2d: expected indices of dtype int64, got {indices.dtype}")
    height, width = _output_size(input.shape[-2:], kernel, stride, padding, output_size)
    if indices._array.size and not ((indices._array >= 0) & (indices._array < height * width)).all():
        raise RuntimeError(f"max_unpool2d: Found an invalid max index: the output is {height} x {width}, got "
                           f"indices from {indices._array.min()} to {indices._array.max()}")
    planes = input.shape[:-2]
    zeros = Tensor._from_array(np.zeros(planes + (height * width,), dtype=input.dtype), False)
    flat = scatter(zeros, -1, indices.reshape(planes + (-1,)), input.reshape(planes + (-1,)))
    return flat.reshape(planes + (height, width))
