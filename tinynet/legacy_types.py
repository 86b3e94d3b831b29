"""PyTorch's legacy tensor types: ``torch.FloatTensor(rows)``, ``torch.LongTensor(labels)``,
``x.type(torch.FloatTensor)``, ``isinstance(x, torch.LongTensor)`` -- still common in older code.

Each is a class whose call makes a tensor of its dtype: from data (a list, array or number
sequence: a copy, converted) or from a shape given as integers (``FloatTensor(2, 3)``: PyTorch
leaves the memory uninitialized, tinynet fills it with zeros).  ``isinstance`` asks the dtype.
"""

import numbers

import numpy as np

from tinynet import dtypes
from tinynet.tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
           "BoolTensor"]


class LegacyTensorType(type):
    """The metaclass: calling the class makes a tensor; ``isinstance`` compares dtypes."""

    def __call__(cls, *args):
        if not args:
            return Tensor._from_array(np.zeros(0, cls.legacy_dtype), False)
        if all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in args) and \
                not (len(args) == 1 and isinstance(args[0], Tensor)):
            if any(n < 0 for n in args):
                raise RuntimeError(f"{cls.__name__}: negative dimension in size {list(args)}")
            return Tensor._from_array(np.zeros(tuple(int(n) for n in args), cls.legacy_dtype), False)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}() takes data (a list, array or tensor) or a shape of integers, "
                            f"got {args!r}")
        data = args[0]
        if isinstance(data, Tensor):
            if data._array.dtype != cls.legacy_dtype:
                raise TypeError(f"{cls.__name__}: expected a {cls.legacy_dtype} tensor, got {data.dtype} "
                                f"(convert it with .type({cls.__name__}) or .to(dtype))")
            return data
        return Tensor._from_array(np.array(data, dtype=cls.legacy_dtype), False)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._array.dtype == cls.legacy_dtype


def _legacy(name, dtype):
    return LegacyTensorType(name, (), {"legacy_dtype": dtype, "__doc__": f"A {dtype} tensor (PyTorch's {name})."})


FloatTensor = _legacy("FloatTensor", dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", dtypes.float64)
LongTensor = _legacy("LongTensor", dtypes.int64)
IntTensor = _legacy("IntTensor", dtypes.int32)
ShortTensor = _legacy("ShortTensor", dtypes.int16)
CharTensor = _legacy("CharTensor", dtypes.int8)
ByteTensor = _legacy("ByteTensor", dtypes.uint8)
BoolTensor = _legacy("BoolTensor", dtypes.bool_)
