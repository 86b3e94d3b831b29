"""``tinynet.testing.assert_close``: PyTorch's check that two results agree, for tests written against torch.

Two tensors are close when they have one shape and dtype and every pair of elements satisfies

    |actual - expected| <= atol + rtol * |expected|

with defaults by dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 and 1e-7; integers and bools: equal).
NaNs count as equal only with ``equal_nan=True``.  Python numbers are compared the same way (an int and a float
are different types), and lists, tuples and dicts element by element, the failure naming the item.  A failure
raises AssertionError with PyTorch's message: how many elements differ, and the greatest differences and where.
"""

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from tinynet.tensor import Tensor

__all__ = ["assert_close"]

_TOLERANCES = {np.dtype(np.float32): (1.3e-6, 1e-5), np.dtype(np.float64): (1e-7, 1e-7)}  # (rtol, atol)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False, check_device=True,
                 check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close (module docstring); None if they are.

    ``msg`` replaces the message (a string, or a function of it).  ``allow_subclasses``, ``check_device``,
    ``check_layout`` and ``check_stride`` are PyTorch's and change nothing here: one tensor class, one device, one
    layout, and no strides to compare."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    problem = _compare(actual, expected, rtol, atol, equal_nan, check_dtype)
    if problem is not None:
        raise AssertionError(problem if msg is None else (msg(problem) if callable(msg) else msg))


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, where=""):
    """Why the two differ (a message), or None."""
    def located(message):
        return message + (f"\n\nThe failure occurred for item {where}" if where else "")
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            return located(f"Comparing a {type(actual).__name__} with a {type(expected).__name__}: both must be "
                           "tensors.")
        return _compare_arrays(actual._array, expected._array, rtol, atol, equal_nan, check_dtype, located)
    if isinstance(actual, (bool, numbers.Number)) and isinstance(expected, (bool, numbers.Number)):
        if type(actual) is not type(expected):
            return located(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
        return _compare_scalars(actual, expected, rtol, atol, equal_nan, located)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            return located(f"The keys of the mappings do not match: {sorted(map(str, actual))} != "
                           f"{sorted(map(str, expected))}.")
        for key in expected:
            problem = _compare(actual[key], expected[key], rtol, atol, equal_nan, check_dtype, f"{where}[{key!r}]")
            if problem is not None:
                return problem
        return None
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(actual, str):
        if len(actual) != len(expected):
            return located(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for index, (a, e) in enumerate(zip(actual, expected)):
            problem = _compare(a, e, rtol, atol, equal_nan, check_dtype, f"{where}[{index}]")
            if problem is not None:
                return problem
        return None
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        return _compare_arrays(actual, expected, rtol, atol, equal_nan, check_dtype, located)
    return located(f"No comparison of a {type(actual).__name__} with a {type(expected).__name__} is defined.")


def _compare_arrays(actual, expected, rtol, atol, equal_nan, check_dtype, located):
    if actual.shape != expected.shape:
        return located(f"The values for attribute 'shape' do not match: tinynet.Size({list(actual.shape)}) != "
                       f"tinynet.Size({list(expected.shape)}).")
    if check_dtype and actual.dtype != expected.dtype:
        return located(f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.")
    exact = expected.dtype.kind not in "fc" and actual.dtype.kind not in "fc"
    if rtol is None:
        rtol, atol = (0.0, 0.0) if exact else _TOLERANCES.get(np.promote_types(actual.dtype, expected.dtype),
                                                               _TOLERANCES[np.dtype(np.float64)])
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if exact and rtol == 0 and atol == 0:  # integers compared as integers: float64 cannot tell 2**62 from 2**62+1
            close = actual == expected
            difference = np.abs(actual.astype(np.int64) - expected.astype(np.int64)).astype(np.float64)
        else:  # (an infinity is close only to itself: inf - -inf is within an infinite tolerance)
            difference = np.abs(a - e)
            close = (difference <= atol + rtol * np.abs(e)) & np.isfinite(e)
            close |= a == e
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
        if close.all():
            return None
        relative = difference / np.abs(e)
    mismatched = int((~close).sum())
    lines = [f"Tensor-likes are not {'equal' if exact and rtol == 0 and atol == 0 else 'close'}!", "",
             f"Mismatched elements: {mismatched} / {close.size} ({100 * mismatched / close.size:.1f}%)"]
    for name, values, allowed in (("absolute", difference, atol), ("relative", relative, rtol)):
        shown = np.where(close, -np.inf, np.nan_to_num(values, nan=np.inf))  # the worst mismatch, NaN counted as inf
        at = np.unravel_index(int(np.argmax(shown)), close.shape)
        value = values[at]
        text = f"{int(value)}" if exact and name == "absolute" and np.isfinite(value) else f"{value}"
        bound = "" if exact and rtol == 0 and atol == 0 else f" (up to {allowed} allowed)"
        lines.append(f"Greatest {name} difference: {text} at index {tuple(int(i) for i in at)}{bound}")
    return located("\n".join(lines))


def _compare_scalars(actual, expected, rtol, atol, equal_nan, located):
    if rtol is None:
        rtol, atol = (0.0, 0.0) if isinstance(expected, (bool, numbers.Integral)) else (1e-7, 1e-7)
    if actual == expected or (equal_nan and _is_nan(actual) and _is_nan(expected)):
        return None
    difference = abs(actual - expected)
    if difference <= atol + rtol * abs(expected) and math.isfinite(expected):  # (an infinity: only itself)
        return None
    relative = difference / abs(expected) if expected != 0 else math.inf
    return located(f"Scalars are not close!\n\nExpected {expected} but got {actual}.\n"
                   f"Absolute difference: {difference} (up to {atol} allowed)\n"
                   f"Relative difference: {relative} (up to {rtol} allowed)")


def _is_nan(value):
    return isinstance(value, float) and math.isnan(value)
