"""The usual GEMM call's short way to C (kernels/gemm.py, tn_?gemm_contiguous in gemm/gemm.c).

Python tests only shapes, dtypes, flags and scales on that way; cffi refuses a
buffer that is not C-contiguous (or a read-only out) and C refuses misaligned
or overlapping arrays.  Each refusal must send the call down the checked path,
which gives the right product (copying where needed) or the checked path's
error -- never a product computed from, or written into, the wrong memory.
"""

import numpy as np
import pytest

from tinynet import kernels
from tinynet.kernels import config

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # the C extension was not built
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")
DTYPES = [np.float32, np.float64]
C_NAMES = {np.float32: ("float[]", "s"), np.float64: ("double[]", "d")}
TN_ERR_UNSUPPORTED = -2


def product(a, b, trans_a=False, trans_b=False):
    return (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b).astype(np.float64)


def misaligned(x):
    """A C-contiguous copy of x whose data starts one byte past an aligned address."""
    raw = np.zeros(x.nbytes + x.itemsize, np.uint8)
    view = np.frombuffer(raw.data, dtype=x.dtype, count=x.size, offset=1).reshape(x.shape)
    view[...] = x
    assert not view.flags.aligned and view.flags.c_contiguous
    return view


def contiguous_c_call(a, b, out, trans_a=False, trans_b=False):
    """Call tn_?gemm_contiguous directly; returns its status."""
    pointer, prefix = C_NAMES[a.dtype.type]
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = b.shape[0] if trans_b else b.shape[1]
    function = getattr(lib, f"tn_{prefix}gemm_contiguous")
    return function(int(trans_a), int(trans_b), m, n, k, ffi.from_buffer(pointer, a), ffi.from_buffer(pointer, b),
                    ffi.from_buffer(pointer, out))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_contiguous_entry_matches_the_reference_loop(dtype, trans_a, trans_b):
    rng = np.random.default_rng(1)
    pointer, prefix = C_NAMES[dtype]
    for m, k, n in [(1, 1, 1), (13, 7, 33), (64, 64, 64), (50, 300, 17)]:
        a = rng.uniform(-1, 1, (k, m) if trans_a else (m, k)).astype(dtype)
        b = rng.uniform(-1, 1, (n, k) if trans_b else (k, n)).astype(dtype)
        got, want = np.full((m, n), np.nan, dtype), np.empty((m, n), dtype)
        assert contiguous_c_call(a, b, got, trans_a, trans_b) == 0
        getattr(lib, f"tn_{prefix}gemm_ref")(int(trans_a), int(trans_b), m, n, k, 1.0, ffi.from_buffer(pointer, a),
                                             a.shape[1], ffi.from_buffer(pointer, b), b.shape[1], 0.0,
                                             ffi.from_buffer(pointer, want), n)
        # (the two sum in different orders: each may be off by about k * eps * the sum of the magnitudes)
        bound = 2 * (k + 2) * np.finfo(dtype).eps * product(np.abs(a), np.abs(b), trans_a, trans_b)
        assert np.all(np.abs(got.astype(np.float64) - want) <= bound)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_contiguous_entry_refuses_misaligned_or_overlapping_arrays_and_writes_nothing(dtype):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((6, 5)).astype(dtype), rng.standard_normal((5, 4)).astype(dtype)
    out = np.full((6, 4), 7, dtype)
    for args in [(misaligned(a), b, out), (a, misaligned(b), out)]:
        assert contiguous_c_call(*args) == TN_ERR_UNSUPPORTED
    assert contiguous_c_call(a, b, misaligned(out)) == TN_ERR_UNSUPPORTED
    np.testing.assert_array_equal(out, 7)
    # C's memory overlapping A's (its last number is A's first) or B's (their middles)
    buffer = np.zeros(6 * 4 + 6 * 5 - 1, dtype)
    c_view, a_view = buffer[:24].reshape(6, 4), buffer[23:].reshape(6, 5)
    a_view[...] = a
    before = buffer.copy()
    assert contiguous_c_call(a_view, b, c_view) == TN_ERR_UNSUPPORTED
    np.testing.assert_array_equal(buffer, before)
    buffer = np.zeros(40, dtype)
    c_view, b_view = buffer[:24].reshape(6, 4), buffer[10:30].reshape(5, 4)
    assert contiguous_c_call(a, b_view, c_view) == TN_ERR_UNSUPPORTED
    # next to each other but not overlapping: taken
    buffer = np.zeros(24 + 30, dtype)
    c_view, a_view = buffer[:24].reshape(6, 4), buffer[24:].reshape(6, 5)
    a_view[...] = a
    assert contiguous_c_call(a_view, b, c_view) == 0
    np.testing.assert_allclose(c_view, product(a, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_arrays_the_short_path_refuses_still_give_the_product(dtype):
    """Misaligned, non-contiguous, Fortran-ordered or overlapping arrays: the checked path's result."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((9, 7)).astype(dtype), rng.standard_normal((7, 5)).astype(dtype)
    want = product(a, b)
    tolerance = dict(rtol=1e-5, atol=1e-5)
    for x, y in [(misaligned(a), b), (a, misaligned(b)), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                 (np.repeat(a, 2, axis=1)[:, ::2], b)]:
        np.testing.assert_allclose(kernels.gemm(x, y), want, **tolerance)
        out = np.full((9, 5), np.nan, dtype)
        assert kernels.gemm(x, y, out=out) is out
        np.testing.assert_allclose(out, want, **tolerance)
    out = misaligned(np.zeros((9, 5), dtype))
    with pytest.raises(ValueError, match="aligned"):
        kernels.gemm(a, b, out=out)
    # an out that shares memory with a, but is not a itself: a's old values are multiplied
    buffer = np.zeros(45 + 63 - 1, dtype)
    out, a_view = buffer[:45].reshape(9, 5), buffer[44:].reshape(9, 7)
    a_view[...] = a
    kernels.gemm(a_view, b, out=out)
    np.testing.assert_allclose(out, want, **tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_or_non_contiguous_out_is_refused_untouched(dtype):
    a, b = np.ones((4, 3), dtype), np.ones((3, 2), dtype)
    out = np.full((4, 2), 5, dtype)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        kernels.gemm(a, b, out=out)
    np.testing.assert_array_equal(out, 5)
    wide = np.full((4, 4), 5, dtype)
    with pytest.raises(ValueError, match="C-contiguous"):
        kernels.gemm(a, b, out=wide[:, :2])
    np.testing.assert_array_equal(wide, 5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_short_path_follows_the_backend_in_use(dtype, monkeypatch):
    """With the numpy reference swapped in, the usual call runs on it, not on C."""
    calls = []
    reference = config.reference_backend

    def counting_gemm(*args):
        calls.append(args)
        return reference.gemm(*args)

    monkeypatch.setattr(config, "backend", type("Counting", (), {"gemm": staticmethod(counting_gemm)}))
    a, b = np.ones((3, 2), dtype), np.ones((2, 4), dtype)
    np.testing.assert_array_equal(kernels.gemm(a, b), np.full((3, 4), 2, dtype))
    assert len(calls) == 1
