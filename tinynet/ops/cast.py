"""Changing a tensor's dtype (or "device"): ``x.to(...)``, ``x.float()``, ``x.long()``, ``x.type(...)``, ``x.cpu()``.

Between float dtypes a cast is differentiable: the gradient passes through
unchanged, converted back to the input's dtype.  A cast to an integer or bool
dtype gives a tensor outside the graph (a step of 1 has no gradient).  As in
PyTorch, a cast to the dtype the tensor already has returns the tensor itself
(unless ``copy=True``), and the device must be the CPU (``tinynet/devices.py``).
"""

import numbers

from tinynet import dtypes
from tinynet.autograd.function import Function
from tinynet.devices import check as check_device
from tinynet.devices import device as Device
from tinynet.tensor import Tensor

__all__ = ["is_tensor", "is_floating_point", "numel"]


class Cast(Function):
    """x converted to another float dtype.   d/dx = 1: the gradient is converted back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.parents[0].dtype)


def _convert(input, dtype, copy=False):
    """``input`` as ``dtype`` (a checked tinynet dtype): itself when it already is, unless ``copy``."""
    if input._array.dtype == dtype and not copy:
        return input
    if dtype not in dtypes.FLOAT_DTYPES:  # integer/bool results carry no gradient
        return Tensor._from_array(input._array.astype(dtype), False)
    return Cast.apply(input, dtype=dtype)


def astype(input, dtype):
    """``input`` converted to ``dtype``; differentiable between float dtypes (the gradient is converted back)."""
    return _convert(input, dtypes.resolve(dtype, "astype"))


def to_arguments(args, dtype=None, device=None, owner="to"):
    """PyTorch's ways of calling ``.to``: ``(dtype)``, ``(device[, dtype])``, ``(tensor)``, or keywords
    -> (the checked device, the checked dtype or None)."""
    if len(args) > 2:
        raise TypeError(f"{owner}() takes at most 2 positional arguments (device, dtype), got {len(args)}")
    for value in args:
        if isinstance(value, Tensor):
            if len(args) > 1:
                raise TypeError(f"{owner}(other): pass a tensor alone, got {args!r}")
            return value.device, value.dtype
        if isinstance(value, (str, Device)) or (
                isinstance(value, numbers.Integral) and not isinstance(value, bool)):
            if device is not None or value is not args[0]:
                raise TypeError(f"{owner}(): the device comes first and only once, got {args!r}")
            device = value
        else:
            if dtype is not None:
                raise TypeError(f"{owner}(): dtype given twice, got {args!r} and dtype={dtype!r}")
            dtype = value
    return check_device(device), dtypes.resolve(dtype, owner)


def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """This tensor with the given dtype and device: ``x.to(tinynet.float64)``, ``x.to("cpu")``,
    ``x.to(device, dtype)``, ``x.to(other)`` (other's dtype and device).  Returns ``x`` itself when nothing
    changes, unless ``copy=True``.  The only device is the CPU; asking for "cuda" is a RuntimeError.
    """
    _, dtype = to_arguments(args, dtype, device)
    return _convert(input, input._array.dtype if dtype is None else dtype, copy)


def to_float(input):
    """This tensor as float32."""
    return _convert(input, dtypes.float32)


def to_double(input):
    """This tensor as float64."""
    return _convert(input, dtypes.float64)


def to_long(input):
    """This tensor as int64 (class labels)."""
    return _convert(input, dtypes.int64)


def to_int(input):
    """This tensor as int32."""
    return _convert(input, dtypes.int32)


def to_short(input):
    """This tensor as int16."""
    return _convert(input, dtypes.int16)


def to_byte(input):
    """This tensor as uint8 (image bytes)."""
    return _convert(input, dtypes.uint8)


def to_char(input):
    """This tensor as int8."""
    return _convert(input, dtypes.int8)


def to_bool(input):
    """This tensor as bool (nonzero is True)."""
    return _convert(input, dtypes.bool_)


def half_precision(input, *args, **kwargs):
    """``half()`` / ``bfloat16()``: a TypeError, since tinynet computes in float32 and float64 only."""
    raise TypeError("tinynet has no 16-bit floats (float16, bfloat16): it computes in float32 and float64 only; "
                    "use .float()")


# PyTorch's legacy type names, for ``x.type()``; tinynet answers with the same strings, so that
# code comparing ``x.type() == "torch.FloatTensor"`` runs unchanged.
_TYPE_NAMES = {
    dtypes.float32: "torch.FloatTensor", dtypes.float64: "torch.DoubleTensor", dtypes.int64: "torch.LongTensor",
    dtypes.int32: "torch.IntTensor", dtypes.int16: "torch.ShortTensor", dtypes.int8: "torch.CharTensor",
    dtypes.uint8: "torch.ByteTensor", dtypes.bool_: "torch.BoolTensor",
}
_DTYPE_OF_NAME = {name: dtype for dtype, name in _TYPE_NAMES.items()}


def tensor_type(input, dtype=None):
    """``x.type()``.  With no argument: the type name PyTorch gives, e.g. ``"torch.FloatTensor"`` for float32.
    With a dtype (or such a name): this tensor converted to it, like ``.to(dtype)``."""
    if dtype is None:
        return _TYPE_NAMES.get(input._array.dtype, f"tinynet.Tensor[{input._array.dtype}]")
    if isinstance(dtype, str) and dtype in _DTYPE_OF_NAME:
        return _convert(input, _DTYPE_OF_NAME[dtype])
    if hasattr(dtype, "legacy_dtype"):  # x.type(tinynet.LongTensor) (legacy_types.py)
        return _convert(input, dtype.legacy_dtype)
    return _convert(input, dtypes.resolve(dtype, "type"))


def cpu(input):
    """This tensor on the CPU: the tensor itself (tinynet has no other device)."""
    return input


def cuda(input, device=None, non_blocking=False):
    """Not available: tinynet runs on the CPU only (a RuntimeError that says so)."""
    check_device("cuda")


def is_tensor(obj):
    """True if ``obj`` is a tinynet Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """True if ``input``'s dtype is float32 or float64."""
    return input._array.dtype.kind == "f"


def numel(input):
    """The number of elements of ``input``."""
    return input._array.size
