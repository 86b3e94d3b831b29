"""GEMM, checked: ``alpha * op(a) @ op(b) + beta * out`` handed to the active backend.

See csrc/gemm/ for the C (packed panels, a SIMD micro-kernel per instruction
set) and ``reference.gemm`` for what it computes.
"""

import math
import numbers

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.config import c_backend

if c_backend is not None:  # the usual call's way to C (see gemm below)
    _CONTIGUOUS_SGEMM, _CONTIGUOUS_DGEMM = c_backend.CONTIGUOUS_SGEMM, c_backend.CONTIGUOUS_DGEMM
    _from_buffer, TN_ERR_NOMEM, TN_ERR_UNSUPPORTED = c_backend.from_buffer, c_backend.TN_ERR_NOMEM, c_backend.TN_ERR_UNSUPPORTED
from tinynet.kernels.arrays import FLOAT32, FLOAT64, float_array, same_dtype

ndarray = np.ndarray


def _flag(value, name):
    if value is True or value is False:
        return value
    if not isinstance(value, np.bool_):
        raise TypeError(f"gemm: {name} must be True or False, got {value!r}")
    return bool(value)


def _scale(value, name):
    """alpha or beta as a finite C double (a float or int that fits)."""
    if type(value) is float and value - value == 0.0:  # the usual case: a finite float (inf - inf is nan)
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"alpha and beta must be real numbers, got {name}={value!r}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the range of a double, e.g. 10**400
        raise ValueError(f"gemm: {name}={value} is too large for a floating-point scale factor") from None
    if not math.isfinite(value):
        raise ValueError(f"gemm: {name} must be finite, got {value}")
    return value


# The default scales, tested by identity on the fast path below (``alpha is _ONE``): one comparison
# instead of a type test and a float comparison each.  Any other 1.0 or 0.0 takes the checked path.
_ONE, _ZERO = 1.0, 0.0


def gemm(a, b, trans_a=False, trans_b=False, alpha=_ONE, beta=_ZERO, out=None):
    """Matrix multiply: ``alpha * op(a) @ op(b) + beta * out``, op(x) = x or x.T.

    ``a`` and ``b`` are 2-D float32 or float64 arrays of the same dtype.  With
    ``out`` given, the result is written into it (it must be C-contiguous,
    writable, of the result's shape and dtype) and returned; ``beta`` scales
    what ``out`` held.  Without ``out``, a new array is returned and ``beta``
    must be 0.
    """
    # The usual call (the ops', a benchmark's) goes straight to C: for small matrices each step on the
    # way costs a visible share of the product (a 64 x 64 x 64 product takes about 3 us in C, one
    # attribute lookup or function call 40-100 ns).  Python tests what only it can see -- 2-D arrays of
    # one float dtype whose shapes fit, True/False flags, the default scales, an ``out`` of the result's
    # shape and dtype; the rest is tested where it costs least (c_backend.CONTIGUOUS_SGEMM says how):
    # cffi takes only C-contiguous buffers (and a writable one for out), C refuses misaligned or
    # overlapping arrays.  Anything refused, or any doubt, takes the full checks of _checked_gemm (with
    # their error messages, and copies where they help).
    if (alpha is _ONE and beta is _ZERO and type(a) is ndarray and type(b) is ndarray
            and config.backend is c_backend):
        dtype = a.dtype
        if b.dtype is dtype and (dtype is FLOAT32 or dtype is FLOAT64):
            a_shape, b_shape = a.shape, b.shape
            if len(a_shape) == 2 == len(b_shape):
                if trans_a is False:
                    m, k = a_shape
                elif trans_a is True:
                    k, m = a_shape
                else:  # not a bool: the checked path names the mistake
                    m = 0
                if trans_b is False:
                    k_b, n = b_shape
                elif trans_b is True:
                    n, k_b = b_shape
                else:
                    n = 0
                if out is None:
                    result = np.empty((m, n), dtype)
                elif type(out) is ndarray and out.dtype is dtype and out.shape == (m, n):
                    result = out
                else:
                    m = 0
                if m and n and k == k_b and k:  # (m or n 0: a mistake above, or an empty product)
                    function, pointer = _CONTIGUOUS_SGEMM if dtype is FLOAT32 else _CONTIGUOUS_DGEMM
                    c_backend.kernels_have_run = True
                    try:
                        status = function(trans_a, trans_b, m, n, k, _from_buffer(pointer, a),
                                          _from_buffer(pointer, b), _from_buffer(pointer, result, True))
                    except ValueError:  # a buffer that is not C-contiguous, or an out that is read-only
                        status = TN_ERR_UNSUPPORTED
                    if status == 0:
                        return result
                    if status == TN_ERR_NOMEM:
                        raise MemoryError("gemm: the C kernel could not allocate its scratch memory")
    return _checked_gemm(a, b, trans_a, trans_b, alpha, beta, out)


def _checked_gemm(a, b, trans_a, trans_b, alpha, beta, out):
    """gemm with every argument checked, each mistake named in its error message."""
    a = float_array(a, "a", 2, "(a matrix)")
    b = float_array(b, "b", 2, "(a matrix)")
    same_dtype(("a", a), ("b", b))
    trans_a, trans_b = _flag(trans_a, "trans_a"), _flag(trans_b, "trans_b")
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if k != k_b:
        raise ValueError(
            f"gemm: op(a) has shape {(m, k)} and op(b) has shape {(k_b, n)}; "
            f"their inner dimensions must agree (a {a.shape} trans_a={trans_a}, b {b.shape} trans_b={trans_b})"
        )
    alpha, beta = _scale(alpha, "alpha"), _scale(beta, "beta")
    if out is None:
        if beta != 0:
            raise ValueError(f"gemm: beta={beta} scales out, but no out array was given")
        out = np.empty((m, n), dtype=a.dtype)
    else:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
        if out.shape != (m, n) or out.dtype != a.dtype:
            raise ValueError(f"out must have shape {(m, n)} and dtype {a.dtype}, got {out.shape} {out.dtype}")
        if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
            raise ValueError("out must be C-contiguous, aligned and writable")
        # C reads a and b while it writes out: they must not share memory.
        if np.may_share_memory(out, a):
            a = a.copy()
        if np.may_share_memory(out, b):
            b = b.copy()
    if m == 0 or n == 0:
        return out
    if k == 0:  # an empty sum: op(a) @ op(b) is all zeros
        if beta == 0:
            out.fill(0)
        else:
            out *= beta
        return out
    config.backend.gemm(a, b, trans_a, trans_b, alpha, beta, out)
    return out
