"""Turning what a user passes to an op into what ``Function.apply`` expects.

A Tensor passes through.  A Python number stays a number (it needs no
gradient, and a float stays "weakly typed": ``x * 2.5`` keeps x's float32,
as in PyTorch); a numpy scalar acts like a Python number.  Lists and arrays
become Tensors.
"""

import numpy as np

from tinynet import dtypes
from tinynet.tensor import Tensor

_NUMBERS = (int, float, bool)


def as_tensor(value):
    """``value`` as a Tensor (a Tensor is returned as is; anything else is wrapped without copying if possible)."""
    return value if isinstance(value, Tensor) else Tensor._from_data(value)


def operand(value):
    """The other operand of a binary op: a Tensor or a Python number."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):
        # A numpy scalar (np.float64(2.0)) acts like a Python number: it does not turn float32 into float64.
        # (Tested before Python numbers: np.float64 is also a Python float.)
        return value.item()
    if isinstance(value, _NUMBERS):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Tensor._from_data(value)  # (an ndarray keeps its dtype; Python floats in a list become float32)
    raise TypeError(f"cannot combine a Tensor with a {type(value).__name__}")


def float_input(input):
    """``input`` as a Tensor with a float dtype: integer and bool values become the default dtype, as in PyTorch.

    (For ops whose result is always a float, such as exp or sin; integer values need no gradient.)
    """
    input = as_tensor(input)
    if input._array.dtype not in dtypes.FLOAT_DTYPES:  # (integer or bool: the only other dtypes a Tensor has)
        return Tensor._from_array(input._array.astype(dtypes.get_default_dtype()), False)
    return input


# numpy warns (a RuntimeWarning) where PyTorch answers quietly: log(0) = -inf, sqrt(-1) = nan, sin(inf) = nan,
# inf * 0 in a derivative.  Those are IEEE 754's answers, not mistakes.  Ops whose inputs can reach such a point
# put this decorator on their forward and backward; numpy's settings elsewhere (and the user's) are left alone.
quiet_at_domain_edges = np.errstate(all="ignore")
