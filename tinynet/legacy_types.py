"""PyTorch's legacy tensor types: ``torch.FloatTensor(rows)``, ``torch.LongTensor(labels)``,
``x.type(torch.FloatTensor)``, ``isinstance(x, torch.LongTensor)`` -- still common in older code.

Each is a class whose call makes a tensor of its dtype: from data (a list, array or number
sequence: a copy, converted) or from a shape given as integers (``FloatTensor(2, 3)``: PyTorch
leaves the memory uninitialized, tinynet fills it with zeros).  ``isinstance`` asks the dtype.
"""

from tinynet import dtypes
from tinynet.tensor import Tensor, legacy_array

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
           "BoolTensor"]


class LegacyTensorType(type):
    """The metaclass: calling the class makes a tensor; ``isinstance`` compares dtypes."""

    def __call__(cls, *args):
        if len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]
            if data._array.dtype != cls.legacy_dtype:
                raise TypeError(f"{cls.__name__}: expected a {cls.legacy_dtype} tensor, got {data.dtype} "
                                f"(convert it with .type({cls.__name__}) or .to(dtype))")
            return data
        return Tensor._from_array(legacy_array(args, cls.legacy_dtype, cls.__name__), False)

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
