"""Spatial transformers' two halves: ``affine_grid`` (where each output pixel reads from) and ``grid_sample``
(reading the input there), for 4-D images (N, C, H, W), as ``torch.nn.functional``'s.

Coordinates are normalized: x = -1 is the left edge of the image and x = 1 the right (y likewise, top to
bottom).  With ``align_corners=True`` -1 and 1 are the centres of the corner pixels; with False (the default)
they are the outer edges of the corner pixels, so the pixel column u of W has its centre at x = (2u + 1) / W - 1.

    affine_grid:  grid[n, i, j] = theta[n] @ (x_j, y_i, 1)        (a matrix product: theta gets a gradient)
    grid_sample (bilinear): with (u, v) the grid point in pixel units and u0 = floor(u), v0 = floor(v),
        out = sum over the 4 neighbours (u0 + a, v0 + b) of (1 - |u - u0 - a|) (1 - |v - v0 - b|) input[v0 + b, u0 + a]

Neighbours outside the image read 0 (``padding_mode="zeros"``), or the point is first clamped into the image
(``"border"``; a point on the edge or beyond then has no gradient, as in PyTorch).  The weights are differentiable in u and v, so the grid (and through it theta) gets a gradient;
the reads are a ``gather``, so the input does too.
"""

import warnings

import numpy as np

from tinynet.ops.elementwise import add, mul, sub, where
from tinynet.ops.indexing import gather
from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import reshape, transpose, unsqueeze
from tinynet.tensor import Tensor

__all__ = []  # torch.nn.functional only (nn/functional.py)


def _align_corners(value):
    """``align_corners`` (None: False, with PyTorch's warning that the default changed in its 1.3.0)."""
    if value is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=3)
        return False
    return bool(value)


def _constant(array):
    return Tensor._from_array(array, False)


def _positions(count, align_corners, dtype):
    """The normalized coordinates of ``count`` pixel centres along one axis."""
    if count == 1:
        return np.zeros(1, dtype=dtype)
    edges = np.linspace(-1.0, 1.0, count)
    return (edges if align_corners else edges * (count - 1) / count).astype(dtype)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the affine maps ``theta`` (N, 2, 3) for an output of ``size`` (N, C, H, W)."""
    theta = as_tensor(theta)
    size = tuple(int(n) for n in size)
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D sizes (N, C, H, W) in tinynet, got size {size}")
    n, _, height, width = size
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3) or theta.shape[0] != n:
        raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {list(size)}. Got "
                         f"{list(theta.shape)}.")
    align_corners = _align_corners(align_corners)
    xs = _positions(width, align_corners, theta.dtype)
    ys = _positions(height, align_corners, theta.dtype)
    base = np.stack([np.broadcast_to(xs, (height, width)), np.broadcast_to(ys[:, None], (height, width)),
                     np.ones((height, width), dtype=theta.dtype)], axis=-1)  # (H, W, 3): (x, y, 1)
    points = _constant(base.reshape(1, height * width, 3))
    return reshape(matmul(points, transpose(theta, 1, 2)), (n, height, width, 2))


def _pixel_units(coordinate, count, align_corners):
    """A normalized coordinate in pixel units along an axis of ``count`` pixels (0 = the first pixel's centre)."""
    if align_corners:
        return mul(add(coordinate, 1.0), (count - 1) / 2)
    return sub(mul(add(coordinate, 1.0), count / 2), 0.5)


def _clamp_inside(position, last):
    """``position`` clamped to [0, last]; as in PyTorch, a point on the edge or beyond has gradient 0."""
    array = position._array
    strictly_inside = _constant((array > 0) & (array < last))
    return where(strictly_inside, position, _constant(np.clip(array, 0, last)))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """The input (N, C, H, W) read at the normalized points ``grid`` (N, H_out, W_out, 2) -> (N, C, H_out, W_out)."""
    input, grid = as_tensor(input), as_tensor(grid)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or padding_mode == "reflection":
        raise NotImplementedError(f"grid_sample: tinynet has bilinear and nearest modes with zeros or border "
                                  f"padding, not mode={mode!r}, padding_mode={padding_mode!r}")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample(): expected a 4D input (N, C, H, W) and a grid (N, H_out, W_out, 2) with "
                           f"the same N, got input of shape {list(input.shape)} and grid of shape "
                           f"{list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    align_corners = _align_corners(align_corners)
    n, channels, height, width = input.shape
    out_height, out_width = grid.shape[1], grid.shape[2]
    u = _pixel_units(grid[..., 0], width, align_corners)
    v = _pixel_units(grid[..., 1], height, align_corners)
    if padding_mode == "border":  # the point itself is kept inside the image
        u, v = _clamp_inside(u, width - 1), _clamp_inside(v, height - 1)
    flat = reshape(input, (n, channels, height * width))

    def read(columns, rows):
        """input[n, :, rows, columns] (integer arrays (N, H_out, W_out)), 0 where outside the image."""
        inside = (columns >= 0) & (columns < width) & (rows >= 0) & (rows < height)
        where = np.where(inside, np.clip(rows, 0, height - 1) * width + np.clip(columns, 0, width - 1), 0)
        index = np.ascontiguousarray(np.broadcast_to(where.reshape(n, 1, -1), (n, channels, where[0].size)))
        values = reshape(gather(flat, 2, _constant(index)), (n, channels, out_height, out_width))
        return mul(values, _constant(inside[:, None].astype(input.dtype)))

    if mode == "nearest":  # the nearest pixel centre, halves to even as PyTorch's nearbyint
        return read(np.rint(u._array).astype(np.int64), np.rint(v._array).astype(np.int64))
    left, top = np.floor(u._array), np.floor(v._array)
    right_share = unsqueeze(sub(u, _constant(left)), 1)  # u - u0: the weight of the right-hand neighbours
    lower_share = unsqueeze(sub(v, _constant(top)), 1)
    left, top = left.astype(np.int64), top.astype(np.int64)
    upper = add(mul(read(left, top), sub(1.0, right_share)), mul(read(left + 1, top), right_share))
    lower = add(mul(read(left, top + 1), sub(1.0, right_share)), mul(read(left + 1, top + 1), right_share))
    return add(mul(upper, sub(1.0, lower_share)), mul(lower, lower_share))
