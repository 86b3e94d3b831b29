"""GEMM, checked: ``alpha * op(a) @ op(b) + beta * out`` handed to the active backend.

See csrc/gemm/ for the C (packed panels, a SIMD micro-kernel per instruction
set) and ``reference.gemm`` for what it computes.
"""

import math
import numbers

import numpy as np

from tinynet.kernels import config
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


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """Matrix multiply: ``alpha * op(a) @ op(b) + beta * out``, op(x) = x or x.T.

    ``a`` and ``b`` are 2-D float32 or float64 arrays of the same dtype.  With
    ``out`` given, the result is written into it (it must be C-contiguous,
    writable, of the result's shape and dtype) and returned; ``beta`` scales
    what ``out`` held.  Without ``out``, a new array is returned and ``beta``
    must be 0.
    """
    # The usual call (the ops', a benchmark's) is checked here in the fewest tests, inline: for small
    # matrices each test on the way to C costs a visible share of the product (a 64 x 64 x 64 product
    # takes about 4 us in C).  What C needs to stay in bounds is tested directly -- 2-D arrays of one
    # float dtype, C-contiguous and aligned; True/False flags; the default scales; an ``out`` of the
    # right kind that shares no memory with a or b.  Anything else, or any doubt, takes the full checks
    # of _checked_gemm (and their error messages).
    if (type(a) is ndarray and type(b) is ndarray and (trans_a is False or trans_a is True)
            and (trans_b is False or trans_b is True) and type(alpha) is float and type(beta) is float
            and alpha == 1.0 and beta == 0.0):
        dtype, a_shape, b_shape, a_flags, b_flags = a.dtype, a.shape, b.shape, a.flags, b.flags
        if ((dtype is FLOAT32 or dtype is FLOAT64) and b.dtype is dtype and len(a_shape) == 2
                and len(b_shape) == 2 and a_flags.c_contiguous and b_flags.c_contiguous and a_flags.aligned
                and b_flags.aligned):
            m, k = (a_shape[1], a_shape[0]) if trans_a else a_shape
            k_b, n = (b_shape[1], b_shape[0]) if trans_b else b_shape
            if k == k_b and m and n and k:
                if out is None:
                    out = np.empty((m, n), dtype)
                    config.backend.gemm(a, b, trans_a, trans_b, alpha, beta, out)
                    return out
                if type(out) is ndarray and out.dtype is dtype and out.shape == (m, n):
                    out_flags = out.flags
                    # C reads a and b while it writes out.  Distinct arrays that each own their buffer
                    # (numpy allocated it) cannot overlap, which is cheap to see; otherwise numpy looks.
                    own_buffers = (out_flags.owndata and a_flags.owndata and b_flags.owndata
                                   and out is not a and out is not b)
                    if out_flags.carray and (own_buffers or not (np.may_share_memory(out, a)
                                                                 or np.may_share_memory(out, b))):
                        config.backend.gemm(a, b, trans_a, trans_b, alpha, beta, out)
                        return out
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
