"""tinynet's dtypes, the default floating-point dtype, and PyTorch's rule for combining two dtypes.

A tinynet dtype *is* a numpy dtype: ``tinynet.float32`` is
``np.dtype("float32")``, so ``x.dtype == tinynet.float32`` and
``x.dtype == np.float32`` both hold.  PyTorch's short names are aliases:
float = float32, double = float64, long = int64, int = int32, short = int16.

The default dtype (float32 unless ``set_default_dtype`` says float64) is what
Python floats become: ``tinynet.tensor([1.5])``, ``tinynet.zeros(3)``, an
integer tensor times 2.5, an integer tensor divided by another.  Like
PyTorch's, it is one setting for the whole process.

``promote_types`` is PyTorch's table for two dtypes: the higher *category*
wins (bool < integer < floating point) and within a category the wider type,
so int64 with float32 gives float32 (numpy would say float64).  How Python
numbers and 0-d tensors take part is ``tinynet/ops/promotion.py``.
"""

import builtins

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

FLOAT_DTYPES = (float32, float64)
SUPPORTED = (float32, float64, int64, int32, int16, int8, uint8, bool_)

# PyTorch's names for them (torch.float is float32, not numpy's float64).
_BY_NAME = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "int64": int64, "long": int64, "int32": int32, "int": int32, "int16": int16, "short": int16,
    "int8": int8, "uint8": uint8, "bool": bool_,
}

_SUPPORTED_NAMES = "float32, float64, int64, int32, int16, int8, uint8 or bool"


def resolve(dtype, owner=None):
    """A user's dtype argument as one of tinynet's dtypes (None stays None).

    Accepted: a tinynet/numpy dtype or numpy type (``np.float32``), Python's
    ``float``/``int``/``bool`` (float64/int64/bool, as in PyTorch), a name
    (``"float32"``, ``"long"``, ``"torch.float64"``) or a ``torch.dtype``.
    """
    if dtype is None or (isinstance(dtype, np.dtype) and dtype in SUPPORTED):
        return dtype
    prefix = f"{owner}: " if owner else ""
    if isinstance(dtype, str) or type(dtype).__module__ == "torch":
        name = str(dtype)
        found = _BY_NAME.get(name[len("torch."):] if name.startswith("torch.") else name)
        if found is None:
            raise TypeError(f"{prefix}dtype must be {_SUPPORTED_NAMES}, got {dtype!r}")
        return found
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{prefix}dtype must be {_SUPPORTED_NAMES}, got {dtype!r}") from None
    if result not in SUPPORTED:
        raise TypeError(f"{prefix}dtype must be {_SUPPORTED_NAMES}, got {result}")
    return result


class finfo:  # noqa: N801  (PyTorch's name)
    """Machine limits of a float dtype (the default dtype if none is given): ``tinynet.finfo(tinynet.float32).eps``.

    The limits are Python floats, as PyTorch's are, so ``print(finfo.eps)`` shows 1.1920928955078125e-07.
    """

    def __init__(self, type=None):  # noqa: A002  (PyTorch's argument name)
        limits = np.finfo(get_default_dtype() if type is None else type)
        self.dtype = limits.dtype
        number = builtins.float  # (this module's ``float`` is PyTorch's dtype name)
        self.bits = builtins.int(limits.bits)
        self.eps, self.max, self.min = number(limits.eps), number(limits.max), number(limits.min)
        self.tiny = self.smallest_normal = number(limits.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(limits.precision)  # (decimal digits: 1e-06 for float32)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


# Machine limits of an integer dtype: ``tinynet.iinfo(tinynet.int64).max``, as in PyTorch.
iinfo = np.iinfo

_default_float = float32


def get_default_dtype():
    """The dtype Python floats become (float32 unless ``set_default_dtype`` changed it)."""
    return _default_float


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64) the default floating-point dtype, for the whole process."""
    global _default_float
    dtype = resolve(dtype, "set_default_dtype")
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: only floating-point types (float32, float64) can be the default, "
                        f"got {dtype}")
    _default_float = dtype


def is_floating_dtype(dtype):
    """True for float32 and float64."""
    return dtype.kind == "f"


def promote_types(type1, type2):
    """The smallest dtype of the higher category (bool < integer < float) that holds both (PyTorch's table)."""
    type1, type2 = resolve(type1, "promote_types"), resolve(type2, "promote_types")
    if type1 == type2:
        return type1
    float1, float2 = type1.kind == "f", type2.kind == "f"
    if float1 != float2:  # integer or bool with a float: the float, whatever the integer's width
        return type1 if float1 else type2
    return np.promote_types(type1, type2)  # same category: numpy agrees with PyTorch here


# PyTorch's short names, defined last: inside this file ``float``, ``int`` and ``bool`` stay Python's.
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
short = int16
bool = bool_  # noqa: A001
