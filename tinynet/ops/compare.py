"""Comparisons: ==, !=, <, <=, >, >= elementwise, giving bool tensors.

A comparison is a step function of its inputs: flat almost everywhere, so
it has no useful gradient and records nothing in the graph (as in PyTorch).
"""

import numpy as np

from tinynet import checks
from tinynet.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "isclose", "allclose", "equal"]


def _data(value):
    return value._array if isinstance(value, Tensor) else value


def _compare(numpy_op, input, other):
    try:
        return Tensor._from_array(np.asarray(numpy_op(_data(input), _data(other))), False)
    except ValueError as error:  # numpy's broadcasting error is PyTorch's RuntimeError
        raise checks.broadcast_error(error, numpy_op.__name__) from None


def eq(input, other):
    """input == other elementwise (a bool tensor)."""
    return _compare(np.equal, input, other)


def ne(input, other):
    """input != other elementwise (a bool tensor)."""
    return _compare(np.not_equal, input, other)


def lt(input, other):
    """input < other elementwise (a bool tensor)."""
    return _compare(np.less, input, other)


def le(input, other):
    """input <= other elementwise (a bool tensor)."""
    return _compare(np.less_equal, input, other)


def gt(input, other):
    """input > other elementwise (a bool tensor)."""
    return _compare(np.greater, input, other)


def ge(input, other):
    """input >= other elementwise (a bool tensor)."""
    return _compare(np.greater_equal, input, other)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol |other| elementwise (infinities close only to themselves), as a bool tensor."""
    return _compare(lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of input is close to other's (``isclose``), as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input, other):
    """True if input and other have the same shape and the same elements, as a Python bool."""
    a, b = np.asarray(_data(input)), np.asarray(_data(other))
    return a.shape == b.shape and bool(np.array_equal(a, b))

