"""Resizing feature maps: ``interpolate(x, size | scale_factor, mode)`` (``nn.Upsample``), PyTorch's rules.

Each spatial dim is resized on its own.  Output position i reads input position

    src = (i + 0.5) * scale - 0.5          (align_corners=False; "nearest": floor(i * scale);
                                            "nearest-exact": floor((i + 0.5) * scale))
    src = i * (n_in - 1) / (n_out - 1)     (align_corners=True: the corner pixels' centres line up)

where scale is 1 / scale_factor when a factor is given and n_in / n_out otherwise.  "nearest" takes the
input there (indexing).  "linear", "bilinear", "trilinear" (for 1, 2, 3 spatial dims) mix the two neighbours
of src by their distances; "bicubic" mixes four with Keys' cubic kernel (a = -0.75; positions past the edge
read the edge).  So along each dim an output is a sum over a few taps, weight_k * input[index_k].  Gathered
into a matrix W (n_out, n_in), the resize of a dim is output = W @ input along that dim: a matmul with a
constant matrix, fast, its gradient W^T @ grad autograd's own.  But a NaN or an infinity in the input would
reach every output of its row through W's zeros (0 * inf is NaN), where PyTorch's reaches only the outputs that
read it; such an input is resized tap by tap instead (indexing and products, slower).
"""

import math
import numbers

import numpy as np

from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import getitem, movedim
from tinynet.tensor import Tensor

__all__ = []  # torch.nn.functional.interpolate only (nn/functional.py)

SPATIAL_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
CUBIC_A = -0.75


def _per_dim(value, count, name):
    """One number per spatial dim.  A size or factor that is not positive (or not finite) is PyTorch's
    RuntimeError, the one it gives for the output size such a value makes."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in values):
        raise ValueError(f"interpolate: {name} must be a number or {count} of them, got {value!r}")
    if not all(0 < v < math.inf for v in values):  # (NaN fails too)
        raise RuntimeError(f"interpolate: {name} must be positive and finite, so that the output sizes are greater "
                           f"than 0, got {value!r}")
    return values


def _source(n_in, n_out, scale, align_corners):
    """The input coordinate each output position reads (module docstring)."""
    positions = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return positions * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    return (positions + 0.5) * scale - 0.5


def _taps(n_in, n_out, scale, mode, align_corners):
    """[(index, weight), ...], each of length n_out: output i = sum over the taps of weight[i] * input[index[i]]."""
    src = _source(n_in, n_out, scale, align_corners)
    if mode == "bicubic":
        base = np.floor(src)
        t = src - base
        weights = (((CUBIC_A * (t + 1) - 5 * CUBIC_A) * (t + 1) + 8 * CUBIC_A) * (t + 1) - 4 * CUBIC_A,
                   ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1,
                   ((CUBIC_A + 2) * (1 - t) - (CUBIC_A + 3)) * (1 - t) * (1 - t) + 1,
                   ((CUBIC_A * (2 - t) - 5 * CUBIC_A) * (2 - t) + 8 * CUBIC_A) * (2 - t) - 4 * CUBIC_A)
        return [(np.clip(base.astype(np.int64) + offset, 0, n_in - 1), weight)
                for offset, weight in zip((-1, 0, 1, 2), weights)]
    src = np.maximum(src, 0.0)  # (the first half pixel reads the edge)
    low = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    fraction = src - low
    return [(low, 1 - fraction), (high, fraction)]


def _resize_dim(input, axis, taps):
    """sum over the taps of weight * input[index] along ``axis`` (module docstring)."""
    if np.isfinite(input._array).all():
        n_out, n_in = len(taps[0][0]), input.shape[axis]
        weights = np.zeros((n_out, n_in))
        for index, weight in taps:
            np.add.at(weights, (np.arange(n_out), index), weight)
        return movedim(matmul(movedim(input, axis, -1), weights.T.astype(input.dtype)), -1, axis)
    output = None
    for index, weight in taps:
        read = getitem(input, (slice(None),) * axis + (index,))
        weight = weight.astype(input.dtype).reshape((-1,) + (1,) * (input.ndim - axis - 1))
        term = read * Tensor._from_array(weight, False)
        output = term if output is None else output + term
    return output


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` (module docstring for the modes)."""
    input = as_tensor(input)
    spatial = input.ndim - 2
    if spatial not in (1, 2, 3):
        raise NotImplementedError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, ...), got shape "
                                  f"{list(input.shape)}")
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
        raise NotImplementedError(f"interpolate: {mode} mode needs a floating-point input, got {input.dtype}")
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
            output = _resize_dim(output, axis, _taps(n_in, n_out, scale, mode, bool(align_corners)))
    return output
