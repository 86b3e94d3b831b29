"""Resizing feature maps: ``interpolate(x, size | scale_factor, mode)`` (``nn.Upsample``), PyTorch's rules.

Each spatial dim is resized on its own.  Output position i reads input position

    src = (i + 0.5) * scale - 0.5          (align_corners=False; "nearest": floor(i * scale);
                                            "nearest-exact": floor((i + 0.5) * scale))
    src = i * (n_in - 1) / (n_out - 1)     (align_corners=True: the corner pixels' centres line up)

where scale is 1 / scale_factor when a factor is given and n_in / n_out otherwise.  "nearest" takes the
input there (indexing).  "linear", "bilinear", "trilinear" (for 1, 2, 3 spatial dims) mix the two neighbours
of src by their distances; "bicubic" mixes four with Keys' cubic kernel (a = -0.75; positions past the edge
read the edge).  A linear or cubic resize of a dim is a matrix: output = W @ input along that dim, W (n_out,
n_in) holding each output's weights -- so the op is a matmul with a constant matrix, and its gradient is
W^T @ grad, autograd's own.
"""

import math
import numbers

import numpy as np

from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import getitem, movedim

__all__ = []  # torch.nn.functional.interpolate only (nn/functional.py)

SPATIAL_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
CUBIC_A = -0.75


def _per_dim(value, count, name):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or v <= 0
                                   for v in values):
        raise ValueError(f"interpolate: {name} must be a positive number or {count} of them, got {value!r}")
    return values


def _source(n_in, n_out, scale, align_corners):
    """The input coordinate each output position reads (module docstring)."""
    positions = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return positions * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    return (positions + 0.5) * scale - 0.5


def _weights(n_in, n_out, scale, mode, align_corners):
    """W (n_out, n_in): each output position's mix of input positions."""
    src = _source(n_in, n_out, scale, align_corners)
    rows = np.arange(n_out)
    weights = np.zeros((n_out, n_in))
    if mode == "bicubic":
        base = np.floor(src)
        t = src - base
        taps = (((CUBIC_A * (t + 1) - 5 * CUBIC_A) * (t + 1) + 8 * CUBIC_A) * (t + 1) - 4 * CUBIC_A,
                ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1,
                ((CUBIC_A + 2) * (1 - t) - (CUBIC_A + 3)) * (1 - t) * (1 - t) + 1,
                ((CUBIC_A * (2 - t) - 5 * CUBIC_A) * (2 - t) + 8 * CUBIC_A) * (2 - t) - 4 * CUBIC_A)
        for offset, tap in zip((-1, 0, 1, 2), taps):
            np.add.at(weights, (rows, np.clip(base.astype(np.int64) + offset, 0, n_in - 1)), tap)
        return weights
    src = np.maximum(src, 0.0)  # (the first half pixel reads the edge)
    low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    fraction = src - low
    np.add.at(weights, (rows, low), 1 - fraction)
    np.add.at(weights, (rows, high), fraction)
    return weights


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` (module docstring for the modes)."""
    input = as_tensor(input)
    spatial = input.ndim - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, ...), got shape {list(input.shape)}")
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif mode in SPATIAL_DIMS:
        if SPATIAL_DIMS[mode] != spatial:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {SPATIAL_DIMS[mode] + 2}D "
                                      "input")
    else:
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented in tinynet (nearest, "
                                  "nearest-exact, linear, bilinear, bicubic, trilinear are)")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in tinynet")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":
        raise RuntimeError(f"interpolate: {mode} mode needs a floating-point input, got {input.dtype}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    sizes_in = input.shape[2:]
    if size is not None:
        sizes_out = tuple(int(s) for s in _per_dim(size, spatial, "size"))
        scales = [i / o for i, o in zip(sizes_in, sizes_out)]
    else:
        factors = _per_dim(scale_factor, spatial, "scale_factor")
        sizes_out = tuple(math.floor(i * f) for i, f in zip(sizes_in, factors))
        scales = [i / o if recompute_scale_factor else 1.0 / f for i, f, o in zip(sizes_in, factors, sizes_out)]
    if 0 in sizes_in or 0 in sizes_out:
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input {tuple(sizes_in)} output "
                           f"{tuple(sizes_out)}")
    output = input
    for axis, (n_in, n_out, scale) in enumerate(zip(sizes_in, sizes_out, scales), start=2):
        if mode in ("nearest", "nearest-exact"):
            # nearest: output i reads floor(i * scale); nearest-exact reads the pixel under its centre,
            # floor((i + 1/2) * scale) (the two differ when shrinking by a non-integer factor, or by 2 and more)
            offset = 0.5 if mode == "nearest-exact" else 0.0
            positions = (np.arange(n_out) + offset) * np.float32(scale)
            source = np.minimum(np.floor(positions).astype(np.int64), n_in - 1)
            output = getitem(output, (slice(None),) * axis + (source,))
        else:
            weights = _weights(n_in, n_out, scale, mode, bool(align_corners)).T.astype(input.dtype)
            output = movedim(matmul(movedim(output, axis, -1), weights), -1, axis)
    return output
