"""Logic on masks: ``~ & | ^`` (bitwise, on bool and integer tensors) and logical_not/and/or/xor (any dtype).

``~mask`` inverts a bool mask, ``a & b`` keeps what both masks keep; on integer tensors the same operators
act bit by bit, as in PyTorch.  Float tensors have no bits to combine: they are refused (NotImplementedError,
or TypeError for ``~``, PyTorch's types).  ``logical_*`` read any tensor as "nonzero is True" and give bool
tensors.  None of these has a useful gradient, so none records anything in the graph (as in PyTorch).
"""

import numpy as np

from tinynet.ops.operands import as_tensor, operand
from tinynet.ops.promotion import cast_to_common
from tinynet.tensor import Tensor

__all__ = ["bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
           "logical_not", "logical_and", "logical_or", "logical_xor"]


def _array(value):
    return value._array if isinstance(value, Tensor) else value


def _result(array):
    return Tensor._from_array(np.asarray(array), False)


def bitwise_not(input):
    """~input: a bool tensor inverted, or each bit of an integer tensor flipped."""
    array = as_tensor(input)._array
    if array.dtype.kind not in "biu":
        raise TypeError(f"~ (bitwise_not) is only implemented on integer and bool tensors, got dtype {array.dtype}")
    return _result(np.invert(array))


def _bitwise(numpy_op, input, other, name):
    input, other = cast_to_common(operand(input), operand(other))  # (int with bool -> int64, as in PyTorch)
    for value in (input, other):
        dtype = np.asarray(_array(value)).dtype
        if dtype.kind not in "biu":
            raise NotImplementedError(f"{name} is only implemented on integer and bool tensors, got dtype {dtype}")
    return _result(numpy_op(_array(input), _array(other)))


def bitwise_and(input, other):
    """input & other: both masks (or each bit of both integers)."""
    return _bitwise(np.bitwise_and, input, other, "& (bitwise_and)")


def bitwise_or(input, other):
    """input | other: either mask (or each bit of either integer)."""
    return _bitwise(np.bitwise_or, input, other, "| (bitwise_or)")


def bitwise_xor(input, other):
    """input ^ other: exactly one of the masks (or of each bit)."""
    return _bitwise(np.bitwise_xor, input, other, "^ (bitwise_xor)")


def logical_not(input):
    """True where input is zero (False), as a bool tensor."""
    return _result(np.logical_not(as_tensor(input)._array))


def logical_and(input, other):
    """True where both are nonzero."""
    return _result(np.logical_and(_array(operand(input)), _array(operand(other))))


def logical_or(input, other):
    """True where either is nonzero."""
    return _result(np.logical_or(_array(operand(input)), _array(operand(other))))


def logical_xor(input, other):
    """True where exactly one is nonzero."""
    return _result(np.logical_xor(_array(operand(input)), _array(operand(other))))
