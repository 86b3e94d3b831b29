"""Resizing feature maps: ``interpolate(x, size | scale_factor, mode="nearest")`` (``nn.Upsample``).

Nearest-neighbour resizing reads, for each output position i of a dimension, the input position
floor(i * scale) (at most the last one), where scale is 1/scale_factor when a factor is given and
input size / output size otherwise -- PyTorch's rule.  It is indexing, so its gradient is
indexing's: each output gradient is added back to the input element it was read from.
"""

import math
import numbers

import numpy as np

from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import getitem

__all__ = []  # torch.nn.functional.interpolate only (nn/functional.py)


def _per_dim(value, count, name):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * count
    if len(values) != count or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or v <= 0
                                   for v in values):
        raise ValueError(f"interpolate: {name} must be a positive number or {count} of them, got {value!r}")
    return values


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor``; only ``mode="nearest"`` (other modes raise NotImplementedError)."""
    input = as_tensor(input)
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented in tinynet (only 'nearest')")
    if align_corners is not None or antialias:
        raise ValueError("interpolate: align_corners and antialias only apply to the linear and cubic modes")
    spatial = input.ndim - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, ...), got shape {list(input.shape)}")
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
    output = input
    for axis, (n_in, n_out, scale) in enumerate(zip(sizes_in, sizes_out, scales), start=2):
        source = np.minimum(np.floor(np.arange(n_out) * np.float32(scale)).astype(np.int64), n_in - 1)
        output = getitem(output, (slice(None),) * axis + (source,))
    return output
