"""Making tensors: tensor, as_tensor, from_numpy; zeros, ones, empty, full, eye, arange, linspace, logspace;
rand, randn, randint, randperm; the *_like variants and the Tensor's new_* methods.

The signatures are PyTorch's: a shape is given as separate ints or one
tuple (``zeros(2, 3)``, ``zeros((2, 3))``); ``dtype``, ``requires_grad`` and
``device`` are keywords.  Floating-point values default to the default dtype
(float32 unless ``tinynet.set_default_dtype`` says float64; a Python float
list included), integers to int64, as in PyTorch.  ``device`` can only be
the CPU (see ``tinynet/devices.py``).  Random tensors draw from tinynet's one
generator (``tinynet.random``), so ``tinynet.manual_seed`` reproduces them, or from a
``tinynet.Generator`` passed as ``generator=``.
"""

import math
import numbers

import numpy as np

from tinynet import dtypes
from tinynet.devices import check as check_device
from tinynet.generator import numpy_generator
from tinynet.ops.cast import astype
from tinynet.tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
           "logspace", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "empty_like", "full_like",
           "rand_like", "randn_like", "randint_like"]


def _shape(shape):
    """zeros(2, 3) and zeros((2, 3)) both mean shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"a shape must be integers (separate ints or one tuple), got {shape!r}")
        if n < 0:
            raise RuntimeError(f"a shape must be non-negative integers, got {shape!r}")
    return tuple(int(n) for n in shape)


_dtype = dtypes.resolve  # a user's dtype argument (np.float32, "long", torch.int64, ...) as a tinynet dtype


def _float_dtype(dtype):
    """The dtype asked for, or the default dtype."""
    return dtypes.get_default_dtype() if dtype is None else _dtype(dtype)


def _dtype_of_value(value, dtype):
    """The dtype asked for, or the one PyTorch infers from a fill value: bool, int64, or the default float."""
    if dtype is not None:
        return _dtype(dtype)
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return _float_dtype(None)


def _make(array, requires_grad, device):
    check_device(device)
    return Tensor._from_data(array, requires_grad=requires_grad)


# ---- from data ---------------------------------------------------------------------------------------------

def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of ``data`` (a list, number, ndarray or Tensor), outside any graph."""
    check_device(device)
    array = data._array if isinstance(data, Tensor) else data
    if isinstance(array, np.ndarray):
        array = np.array(array, copy=True)
    return Tensor._from_data(array, requires_grad=requires_grad, dtype=None if dtype is None else _dtype(dtype))


def as_tensor(data, dtype=None, device=None):
    """``data`` as a Tensor, sharing memory when it can: a Tensor of the right dtype is returned as it is, and an
    ndarray of the right dtype is wrapped without a copy."""
    check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or _dtype(dtype) == data.dtype:
            return data
        return astype(data, _dtype(dtype))
    return Tensor._from_data(data, dtype=None if dtype is None else _dtype(dtype))


def from_numpy(ndarray):
    """A Tensor sharing memory with ``ndarray``: changing one changes the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._from_data(ndarray)


# ---- filled with one value ------------------------------------------------------------------------------------

def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros."""
    return _make(np.zeros(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones."""
    return _make(np.ones(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor whose values are whatever its new memory held (fill it before reading it)."""
    return _make(np.empty(_shape(size), dtype=_float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` (a tuple) with every element equal to ``fill_value``; the dtype follows the value
    (bool, int64 or float32) unless given."""
    size = _shape((size,) if isinstance(size, (tuple, list)) else (size,))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = _dtype_of_value(fill_value, dtype)
    return _make(np.full(size, fill_value, dtype=dtype), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (square when m is omitted)."""
    for name, value in (("n", n), ("m", n if m is None else m)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise RuntimeError(f"eye: {name} must be an integer >= 0, got {value!r}")
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


# ---- ranges -----------------------------------------------------------------------------------------------------

def _number(value, name, owner):
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    return value.item() if isinstance(value, np.generic) else value


def arange(start=0, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to (not including) end; arange(n) is 0..n-1.  int64 when every argument is an
    integer, else float32."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, name, "arange") for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    if dtype is not None and _dtype(dtype) == np.int64 and math.isfinite(step):
        start, end, step = int(start), int(end), int(step)  # (an int64 range: PyTorch truncates each number first)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    all_integers = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dtype = np.dtype(np.int64) if dtype is None and all_integers else _float_dtype(dtype)
    count = -((start - end) // step) if all_integers else math.ceil((end - start) / step)
    # Computed in float64 (or exactly, for integers) and then converted, like PyTorch.
    values = np.arange(count, dtype=np.int64 if all_integers else np.float64) * step + start
    return _make(values.astype(dtype), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end, both included."""
    start, end = _number(start, "start", "linspace"), _number(end, "end", "linspace")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be a non-negative integer, got {steps!r}")
    dtype = _float_dtype(dtype)
    values = np.linspace(start, end, steps)
    if dtype.kind in "iu":
        values = np.trunc(values)  # PyTorch truncates toward zero
    return _make(values.astype(dtype), requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """``steps`` values base^x for x evenly spaced from start to end."""
    exponents = linspace(start, end, steps, dtype=np.float64)._array
    return _make((_number(base, "base", "logspace") ** exponents).astype(_float_dtype(dtype)), requires_grad, device)


# ---- random ------------------------------------------------------------------------------------------------------

def _random_float_dtype(dtype, owner):
    """The float dtype random floats are drawn in: an integer or bool dtype would truncate every draw."""
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(f"{owner}: random floats need a float dtype, got {dtype}")
    return dtype


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal distribution N(0, 1)."""
    dtype = _random_float_dtype(dtype, "randn")
    values = numpy_generator(generator).standard_normal(_shape(size))
    return _make(values.astype(dtype, copy=False), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1)."""
    dtype = _random_float_dtype(dtype, "rand")
    values = numpy_generator(generator).random(_shape(size))
    return _make(values.astype(dtype, copy=False), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high, size); int64 unless
    ``dtype`` says otherwise."""
    if size is None:  # randint(high, size): the first argument was high
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if high is None or not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints, got {size!r}")
    low, high = (int(_number(v, name, "randint")) for v, name in ((low, "low"), (high, "high")))
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = numpy_generator(generator).integers(low, high, size=_shape((size,)))
    return _make(values.astype(np.int64 if dtype is None else _dtype(dtype)), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random ordering of 0, 1, ..., n-1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"randperm: n must be a non-negative integer, got {n!r}")
    values = numpy_generator(generator).permutation(int(n))
    return _make(values.astype(np.int64 if dtype is None else _dtype(dtype)), requires_grad, device)


# ---- shaped like another tensor ----------------------------------------------------------------------------------

def _like(input, dtype, owner):
    """(shape, dtype) for a *_like constructor: input's, unless dtype is given."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{owner}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.shape, input.dtype if dtype is None else _dtype(dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    """Zeros with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = _like(input, dtype, "zeros_like")
    return _make(np.zeros(shape, dtype=dtype), requires_grad, device)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    """Ones with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = _like(input, dtype, "ones_like")
    return _make(np.ones(shape, dtype=dtype), requires_grad, device)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = _like(input, dtype, "empty_like")
    return _make(np.empty(shape, dtype=dtype), requires_grad, device)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere, with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = _like(input, dtype, "full_like")
    if dtype.kind in "iu" and isinstance(fill_value, float):
        fill_value = math.trunc(fill_value)  # an int tensor holds the value truncated, as PyTorch does
    return _make(np.full(shape, fill_value, dtype=dtype), requires_grad, device)


def _float_like(input, dtype, owner):
    shape, dtype = _like(input, dtype, owner)
    if dtype.kind != "f":
        raise NotImplementedError(f"{owner}: random floats need a float dtype, got {dtype} (pass dtype=)")
    return shape, dtype


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1) with the shape and float dtype of ``input``."""
    shape, dtype = _float_like(input, dtype, "rand_like")
    return _make(numpy_generator(None).random(shape).astype(dtype), requires_grad, device)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with the shape and float dtype of ``input``."""
    shape, dtype = _float_like(input, dtype, "randn_like")
    return _make(numpy_generator(None).standard_normal(shape).astype(dtype), requires_grad, device)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False):
    """Integers from [low, high) (randint_like(x, high) or randint_like(x, low, high)) shaped like ``input``,
    in input's dtype unless given."""
    shape, dtype = _like(input, dtype, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, dtype=dtype, requires_grad=requires_grad, device=device)


# ---- the Tensor's new_* methods: the new tensor takes self's dtype unless told otherwise -----------------------

def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` as a new tensor with self's dtype (unless given)."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad, device=device)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` with self's dtype (unless given)."""
    return zeros(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad, device=device)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` with self's dtype (unless given)."""
    return ones(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad, device=device)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of ``size`` with self's dtype (unless given)."""
    return empty(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad, device=device)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere in a tensor of ``size``, with self's dtype (unless given)."""
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad,
                device=device)
