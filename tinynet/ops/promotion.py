"""Type promotion: the dtype of ``a + b`` when a and b differ, by PyTorch's rules, in one place.

The operands fall into three groups, in order of authority:

  1. tensors with at least one dimension,
  2. 0-d tensors (``tinynet.tensor(2.0)``),
  3. Python numbers (a float counts as the default dtype, an int as int64, a bool as bool).

Within a group the dtypes combine by ``promote_types`` (``tinynet/dtypes.py``).
A later group changes the result only when its *category* is higher
(bool < integer < float).  So a float32 tensor times a float64 0-d tensor
stays float32, an int32 tensor plus 7 stays int32, but an int64 tensor times
2.5 becomes the default dtype, float32 -- and a bool tensor plus 1 becomes
int64.  True division of integers gives the default dtype too.

``promote`` converts the tensor operands to that dtype before the op runs
(a differentiable cast, so a gradient flows back in each input's own dtype);
numpy then computes in it, since a Python number never widens an array's
dtype in numpy 2.  Its first test is the common case -- both operands
already float and of one dtype -- which costs a few attribute reads.
"""

import numbers

from tinynet import dtypes
from tinynet.ops.cast import astype
from tinynet.ops.operands import operand
from tinynet.tensor import Tensor

__all__ = ["result_type", "promote_types", "can_cast"]

promote_types = dtypes.promote_types


def _number_dtype(value):
    """The dtype a Python number stands for: bool, int64, or the default float dtype."""
    if isinstance(value, bool):
        return dtypes.bool_
    if isinstance(value, numbers.Integral):
        return dtypes.int64
    if isinstance(value, numbers.Real):
        return dtypes.get_default_dtype()
    raise TypeError(f"expected a Tensor or a real number, got {type(value).__name__}")


def _combine(higher, lower):
    """Fold a lower-priority group's dtype into a higher one's: it counts only if its category is higher."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher  # both integer: the higher group's integer type stands


def operands_dtype(*values):
    """The result dtype of an arithmetic op on ``values`` (Tensors and Python numbers), by the rules above."""
    dimensioned = zero_dim = number = None
    for value in values:
        if isinstance(value, Tensor):
            dtype = value._array.dtype
            if value._array.ndim:
                dimensioned = dtype if dimensioned is None else promote_types(dimensioned, dtype)
            else:
                zero_dim = dtype if zero_dim is None else promote_types(zero_dim, dtype)
        else:
            dtype = _number_dtype(value)
            number = dtype if number is None else promote_types(number, dtype)
    return _combine(dimensioned, _combine(zero_dim, number))


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on ``tensor1`` and ``tensor2`` (Tensors or numbers) gives."""
    return operands_dtype(*(value if isinstance(value, Tensor) else operand(value) for value in (tensor1, tensor2)))


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def can_cast(from_, to):
    """True if PyTorch's rules allow casting ``from_`` to ``to`` (an in-place op's result): not to a lower category."""
    from_, to = dtypes.resolve(from_, "can_cast"), dtypes.resolve(to, "can_cast")
    return _CATEGORY[from_.kind] <= _CATEGORY[to.kind]


def promote(input, other, true_division=False):
    """The two operands of a binary op (Tensors or Python numbers), tensors cast to PyTorch's result dtype.

    ``true_division``: an integer result becomes the default float dtype (``/`` of two ints).
    """
    # The common cases first: a float tensor with a float tensor of its dtype, or with a Python number.
    # (``dtype in FLOAT_DTYPES`` is the quick test: identity first; ``dtype.kind`` makes a string each time.)
    if isinstance(input, Tensor):
        dtype = input._array.dtype
        if dtype in dtypes.FLOAT_DTYPES:
            if isinstance(other, Tensor):
                if other._array.dtype is dtype:
                    return input, other
            elif type(other) is float or type(other) is int:
                return input, other
    elif (type(input) is float or type(input) is int) and isinstance(other, Tensor) and \
            other._array.dtype in dtypes.FLOAT_DTYPES:
        return input, other
    return cast_to_common(operand(input), operand(other), true_division=true_division)


def cast_to_common(*values, true_division=False):
    """``values`` (Tensors and numbers) with every Tensor converted to their common dtype."""
    dtype = operands_dtype(*values)
    if true_division and dtype.kind != "f":
        dtype = dtypes.get_default_dtype()
    return tuple(astype(v, dtype) if isinstance(v, Tensor) and v._array.dtype != dtype else v for v in values)
