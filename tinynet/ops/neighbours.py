"""Ops on neighbouring elements along one dim: ``diff`` (differences of neighbours), ``trapezoid`` (the
trapezoidal rule's integral) and ``Tensor.unfold`` (sliding windows).  All are compositions of slicing, ``cat``,
sums and products, so autograd differentiates them:

    diff(x)[i] = x[i + 1] - x[i]                  (n times for diff(x, n))
    trapezoid(y, x) = sum over i of (x[i + 1] - x[i]) (y[i] + y[i + 1]) / 2     (x[i + 1] - x[i] = dx if no x)
    x.unfold(dim, size, step)[..., w, ..., j] = x[..., w * step + j, ...]   (window w, the window's entry j last)
"""

import numpy as np

from tinynet import checks
from tinynet.ops.elementwise import add, mul, sub
from tinynet.ops.reduce import cumsum
from tinynet.ops.indexing import index_select, narrow
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import cat, movedim, reshape

__all__ = ["diff", "trapezoid", "trapz", "cumulative_trapezoid"]


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], applied n times.

    ``prepend`` and ``append`` (tensors with the input's dims, equal sizes off ``dim``) are joined to the input
    along ``dim`` first; a bool input gives x[i + 1] != x[i], as in PyTorch.
    """
    input = as_tensor(input)
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    n = checks.integer(n, "n", "diff")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = checks.dim(dim, input.ndim, "diff")
    parts = [as_tensor(t) for t in (prepend, input, append) if t is not None]
    for part in parts:
        if part.ndim != input.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as input, got "
                               f"{part.ndim} and {input.ndim}")
    x = cat(parts, dim=axis) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[axis]
        if length == 0:
            break
        later, earlier = narrow(x, axis, 1, length - 1), narrow(x, axis, 0, length - 1)
        if x.dtype == np.bool_:
            x = as_tensor(later._array != earlier._array)
        else:
            x = sub(later, earlier)
    return x


def _trapezoids(y, x, dx, dim, owner):
    """The area of each trapezoid between neighbouring samples of y along ``dim``."""
    y = as_tensor(y)
    if y.ndim == 0:
        raise IndexError(f"{owner}: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    axis = checks.dim(dim, y.ndim, owner)
    length = y.shape[axis]
    if length == 0:
        return narrow(y, axis, 0, 0) * 1.0
    heights = mul(add(narrow(y, axis, 1, length - 1), narrow(y, axis, 0, length - 1)), 0.5)
    if x is None:
        return mul(heights, 1.0 if dx is None else dx)
    x = as_tensor(x)
    if x.ndim == 1:  # spacings along dim, lined up with it
        widths = diff(x)
        widths = reshape(widths, (length - 1,) + (1,) * (y.ndim - axis - 1))
    else:
        widths = diff(x, dim=axis - y.ndim)
    return mul(heights, widths)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along ``dim`` by the trapezoidal rule, with samples at ``x`` (or ``dx`` apart, 1 by
    default)."""
    return _trapezoids(y, x, dx, dim, "trapezoid").sum(dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    """The same as ``trapezoid`` (its older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running integral of y along ``dim`` by the trapezoidal rule (one value fewer than y along dim)."""
    return cumsum(_trapezoids(y, x, dx, dim, "cumulative_trapezoid"), dim)


def unfold(input, dimension, size, step):
    """Every window of ``size`` consecutive entries along ``dimension``, ``step`` apart: that dim becomes the
    window's number and a new last dim of length ``size`` holds the window (``x.unfold(2, 4, 4)`` cuts an
    image's rows into 4-pixel patches)."""
    input = as_tensor(input)
    axis = checks.dim(dimension, input.ndim, "unfold")
    size = checks.integer(size, "size", "unfold")
    step = checks.integer(step, "step", "unfold")
    length = input.shape[axis] if input.ndim else 1
    if size < 0 or size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return reshape(input, (1,))
    windows = (length - size) // step + 1
    # The positions of window w are w * step + 0 .. size - 1; read them all at once, then split the dim in two.
    positions = (np.arange(windows)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    picked = index_select(input, axis, as_tensor(positions))
    split = reshape(picked, input.shape[:axis] + (windows, size) + input.shape[axis + 1:])
    return movedim(split, axis + 1, -1)
