"""Comparisons: ==, !=, <, <=, >, >= elementwise, giving bool tensors; isclose, allclose, equal.

A comparison is a step function of its inputs: flat almost everywhere, so
it has no useful gradient and records nothing in the graph (as in PyTorch).
"""

import numpy as np

from tinynet import checks
from tinynet.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "isclose", "allclose", "equal", "isin"]


def _data(value):
    return value._array if isinstance(value, Tensor) else value


def _compare(numpy_op, input, other):
    try:
        return Tensor._from_array(np.asarray(numpy_op(_data(input), _data(other))), False)
    except ValueError as error:  # numpy's broadcasting error is PyTorch's RuntimeError
        raise checks.broadcast_error(error, numpy_op.__name__) from None


def eq(input, other):
    """input == other elementwise (a bool tensor); a tensor is never equal to None or a string (False, as in
    PyTorch, so ``x == None`` and ``x in [None, "a"]`` work)."""
    if other is None or isinstance(other, (str, bytes)):
        return False
    return _compare(np.equal, input, other)


def ne(input, other):
    """input != other elementwise (a bool tensor); True against None or a string."""
    if other is None or isinstance(other, (str, bytes)):
        return True
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


def _two_tensors(input, other, owner):
    for name, value in (("input", input), ("other", other)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{owner}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return input._array, other._array


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (a bool tensor); NaNs equal only with equal_nan."""
    a, b = _two_tensors(input, other, "isclose")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    return Tensor._from_array(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)), False)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``isclose`` holds for every element (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())


def equal(input, other):
    """Whether the two tensors have the same shape and the same elements (a Python bool)."""
    a, b = _two_tensors(input, other, "equal")
    return a.shape == b.shape and bool(np.array_equal(a, b))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor: whether each of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() expects at least one of elements and test_elements to be a Tensor")
    found = np.isin(_data(elements), _data(test_elements), invert=bool(invert))
    return Tensor._from_array(np.asarray(found), False)
