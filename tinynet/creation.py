"""Making tensors: tensor(), zeros, ones, full, randn, rand, arange, eye and the *_like variants.

Every constructor takes ``dtype`` (for floating-point values the default
dtype: float32 unless ``tinynet.set_default_dtype`` says float64),
``requires_grad``, and ``device`` (only the CPU; see ``tinynet/devices.py``).
Random tensors draw from tinynet's one generator (``tinynet.random``), so ``tinynet.manual_seed`` reproduces them.
"""

import numbers

import numpy as np

from tinynet import dtypes, random
from tinynet.devices import check as check_device
from tinynet.tensor import Tensor


def _shape(shape):
    """zeros(2, 3) and zeros((2, 3)) both mean shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"a shape must be non-negative integers, got {shape!r}")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype, device=None):
    """The checked ``dtype`` argument, or the default dtype when it is None (and the device checked)."""
    check_device(device)
    return dtypes.get_default_dtype() if dtype is None else dtypes.resolve(dtype)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of ``data`` (a list, number, ndarray or Tensor).

    Python floats become the default dtype, Python ints int64 and bools bool, as in PyTorch;
    an ndarray or Tensor keeps its dtype.
    """
    check_device(device)
    array = data._array if isinstance(data, Tensor) else data
    return Tensor(np.array(array, copy=True), requires_grad=requires_grad, dtype=dtype) \
        if isinstance(array, np.ndarray) else Tensor(array, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros."""
    return Tensor(np.zeros(_shape(shape), dtype=_float_dtype(dtype, device)), requires_grad=requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype=_float_dtype(dtype, device)), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of ``shape`` with every element equal to ``fill_value`` (whose type gives the dtype, as in PyTorch)."""
    shape = _shape((shape,) if isinstance(shape, (tuple, list)) else (shape,))
    if dtype is None and isinstance(fill_value, (bool, numbers.Integral)):
        dtype = dtypes.bool_ if isinstance(fill_value, bool) else dtypes.int64
    return Tensor(np.full(shape, fill_value, dtype=_float_dtype(dtype, device)), requires_grad=requires_grad)


def zeros_like(other, dtype=None, device=None, requires_grad=False):
    """Zeros with the shape (and, unless given, the dtype) of ``other``."""
    other = other._array if isinstance(other, Tensor) else np.asarray(other)
    check_device(device)
    dtype = other.dtype if dtype is None else dtypes.resolve(dtype)
    return Tensor(np.zeros(other.shape, dtype=dtype), requires_grad=requires_grad)


def ones_like(other, dtype=None, device=None, requires_grad=False):
    """Ones with the shape (and, unless given, the dtype) of ``other``."""
    other = other._array if isinstance(other, Tensor) else np.asarray(other)
    check_device(device)
    dtype = other.dtype if dtype is None else dtypes.resolve(dtype)
    return Tensor(np.ones(other.shape, dtype=dtype), requires_grad=requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal distribution N(0, 1)."""
    values = random.default_generator().standard_normal(_shape(shape))
    return Tensor(values.astype(_float_dtype(dtype, device), copy=False), requires_grad=requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1)."""
    values = random.default_generator().random(_shape(shape))
    return Tensor(values.astype(_float_dtype(dtype, device), copy=False), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, stop) like numpy's arange (int64 for integer arguments)."""
    check_device(device)
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = dtypes.get_default_dtype()
    return Tensor(values, dtype=dtype, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (square when m is omitted)."""
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype, device)), requires_grad=requires_grad)
