"""GEMM: C = alpha * op(A) @ op(B) + beta * C, checked against float64 numpy.

Tolerance.  Summing k products in floating point can be off by about
k * eps * (sum of the magnitudes of the terms).  So each element of the
result is compared with the float64 answer under the bound

    |got - want| <= 2 * (k + 2) * eps * (|alpha| * (|op(A)| @ |op(B)|) + |beta| * |C|)

elementwise: tight where the terms are small, loose where they are large,
and independent of the order in which the kernel sums.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinynet
from tinynet import kernels

DTYPES = [np.float32, np.float64]
# Sizes that hit the edges of every micro-tile (1, primes, multiples of 4, 6,
# 8, 14, 16, 32 and one more) and of the cache blocks.
EDGE_SIZES = [1, 2, 3, 5, 7, 8, 13, 14, 15, 16, 17, 29, 31, 32, 33, 47, 64, 97]


def stored(rng, rows, cols, transposed, dtype):
    """A random matrix op(X) of shape (rows, cols), returned as X as stored."""
    x = rng.uniform(-1, 1, (cols, rows) if transposed else (rows, cols)).astype(dtype)
    return x


def expected_and_bound(a, b, trans_a, trans_b, alpha, beta, c):
    """The float64 answer and the elementwise error bound (see the module docstring)."""
    op_a = (a.T if trans_a else a).astype(np.float64)
    op_b = (b.T if trans_b else b).astype(np.float64)
    c64 = np.zeros(op_a.shape[0:1] + op_b.shape[1:2]) if c is None else c.astype(np.float64)
    want = alpha * (op_a @ op_b) + (beta * c64 if beta != 0 else 0.0)
    k = op_a.shape[1]
    eps = np.finfo(a.dtype).eps
    magnitude = abs(alpha) * (np.abs(op_a) @ np.abs(op_b)) + abs(beta) * np.abs(c64)
    return want, 2 * (k + 2) * eps * magnitude + np.finfo(a.dtype).tiny


def assert_close_to_reference(got, want, bound):
    error = np.abs(got.astype(np.float64) - want)
    worst = np.unravel_index(np.argmax(error - bound), error.shape)
    assert np.all(error <= bound), (
        f"error {error[worst]:.3g} > bound {bound[worst]:.3g} at {worst} (got {got[worst]!r}, want {want[worst]!r})"
    )


# ---- tinynet.kernels.gemm on whatever backend is active ------------------------

@given(
    m=st.sampled_from(EDGE_SIZES) | st.integers(1, 80),
    n=st.sampled_from(EDGE_SIZES) | st.integers(1, 80),
    k=st.sampled_from(EDGE_SIZES) | st.integers(1, 300),
    trans_a=st.booleans(),
    trans_b=st.booleans(),
    alpha=st.sampled_from([1.0, -1.0, 0.5, 2.75, 0.0]),
    beta=st.sampled_from([0.0, 1.0, -0.5, 3.0]),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_gemm_matches_float64_reference(m, n, k, trans_a, trans_b, alpha, beta, dtype, seed):
    rng = np.random.default_rng(seed)
    a = stored(rng, m, k, trans_a, dtype)
    b = stored(rng, k, n, trans_b, dtype)
    c = rng.uniform(-1, 1, (m, n)).astype(dtype)
    want, bound = expected_and_bound(a, b, trans_a, trans_b, alpha, beta, c)
    out = c.copy()
    result = kernels.gemm(a, b, trans_a=trans_a, trans_b=trans_b, alpha=alpha, beta=beta, out=out)
    assert result is out
    assert result.dtype == dtype
    assert_close_to_reference(result, want, bound)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (1, 517, 1), (523, 3, 2), (2, 3, 601), (300, 257, 130)])
def test_gemm_without_out_skinny_and_deep_shapes(dtype, m, k, n):
    rng = np.random.default_rng(m * 7 + k * 3 + n)
    a, b = stored(rng, m, k, False, dtype), stored(rng, k, n, False, dtype)
    want, bound = expected_and_bound(a, b, False, False, 1.0, 0.0, None)
    result = kernels.gemm(a, b)
    assert result.shape == (m, n) and result.dtype == dtype
    assert_close_to_reference(result, want, bound)


@pytest.mark.parametrize("dtype", DTYPES)
def test_beta_zero_does_not_read_out(dtype):
    """With beta == 0, whatever out held (here NaN) must not reach the result."""
    rng = np.random.default_rng(5)
    a, b = stored(rng, 45, 70, False, dtype), stored(rng, 70, 39, True, dtype)
    out = np.full((45, 39), np.nan, dtype=dtype)
    kernels.gemm(a, b, trans_b=True, alpha=1.5, beta=0.0, out=out)
    assert np.all(np.isfinite(out))
    want, bound = expected_and_bound(a, b, False, True, 1.5, 0.0, None)
    assert_close_to_reference(out, want, bound)


# ---- the C kernels themselves, through the raw C API -------------------------------

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # the C extension was not built: the C-only tests skip
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")

SIMD_PATHS = ["portable", "avx2", "avx512"]  # the values 0, 1, 2 of tn_get_simd_level()
C_TYPES = {np.float32: ("float *", "s"), np.float64: ("double *", "d")}


def ptr(x):
    return ffi.cast(C_TYPES[x.dtype.type][0], ffi.from_buffer(x))


def c_gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None, reference=False):
    """Call tn_?gemm (or tn_?gemm_ref) directly, whatever backend tinynet.kernels is using."""
    m = a.shape[1] if trans_a else a.shape[0]
    n = b.shape[0] if trans_b else b.shape[1]
    k = a.shape[0] if trans_a else a.shape[1]
    if out is None:
        out = np.empty((m, n), dtype=a.dtype)
    prefix = C_TYPES[a.dtype.type][1]
    function = getattr(lib, f"tn_{prefix}gemm_ref" if reference else f"tn_{prefix}gemm")
    status = function(int(trans_a), int(trans_b), m, n, k, alpha, ptr(a), a.shape[1], ptr(b), b.shape[1],
                      beta, ptr(out), n)
    assert status in (None, 0)
    return out


def supported_simd_paths():
    return SIMD_PATHS[: lib.tn_cpu_simd_level() + 1] if lib is not None else []


def use_simd_path(path):
    """Switch the C kernels to `path` (skip when this CPU does not have it)."""
    if path not in supported_simd_paths():
        pytest.skip(f"this CPU has no {path}")
    assert SIMD_PATHS[lib.tn_set_simd_level(SIMD_PATHS.index(path))] == path


@needs_c
@pytest.mark.parametrize("path", SIMD_PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_simd_path_matches_reference(path, dtype, restore_settings):
    use_simd_path(path)
    rng = np.random.default_rng(11)
    for m, k, n in [(1, 1, 1), (5, 3, 7), (7, 9, 20), (6, 5, 25), (14, 33, 32), (15, 300, 33),
                    (29, 17, 49), (29, 17, 97), (130, 70, 65)]:
        for trans_a in (False, True):
            for trans_b in (False, True):
                a, b = stored(rng, m, k, trans_a, dtype), stored(rng, k, n, trans_b, dtype)
                c_in = rng.uniform(-1, 1, (m, n)).astype(dtype)
                want, bound = expected_and_bound(a, b, trans_a, trans_b, -0.75, 0.5, c_in)
                got = c_gemm(a, b, trans_a, trans_b, -0.75, 0.5, c_in.copy())
                assert_close_to_reference(got, want, bound)


@needs_c
@pytest.mark.parametrize("path", SIMD_PATHS)
def test_simd_path_chosen_by_environment_variable(path, tmp_path):
    """TINYNET_SIMD picks the path at import, and that path computes correctly."""
    if path not in supported_simd_paths():
        pytest.skip(f"this CPU has no {path}")
    script = (
        "import numpy as np, tinynet\n"
        "from tinynet._tinynet_c import ffi, lib\n"
        "print(tinynet.build_info()['simd'], lib.tn_get_simd_level())\n"
        "rng = np.random.default_rng(0)\n"
        "a = rng.standard_normal((37, 45)).astype(np.float32)\n"
        "b = rng.standard_normal((45, 29)).astype(np.float32)\n"
        "got = np.empty((37, 29), np.float32)\n"
        "p = lambda x: ffi.cast('float *', ffi.from_buffer(x))\n"
        "assert lib.tn_sgemm(0, 0, 37, 29, 45, 1.0, p(a), 45, p(b), 29, 0.0, p(got), 29) == 0\n"
        "print(float(np.abs(got - a.astype(np.float64) @ b).max()))\n"
    )
    env = dict(os.environ, TINYNET_SIMD=path)
    # Run outside the source tree, so the child imports the installed package (with its C extension).
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    chosen, level, error = done.stdout.split()
    assert chosen == path
    assert int(level) == SIMD_PATHS.index(path)
    assert float(error) < 1e-4


STRIDED_CASES = [
    # m, n, k, trans_a, trans_b, alpha, beta
    (1, 1, 1, 0, 0, 1.0, 0.0),
    (13, 17, 5, 0, 1, 2.0, 0.5),
    (31, 33, 29, 1, 0, -1.0, 1.0),
    (14, 32, 64, 1, 1, 0.5, -2.0),
    (70, 45, 300, 0, 0, 1.0, 0.0),
    (6, 70, 25, 0, 0, 1.0, 0.0),     # few rows: B read in place, its narrow last panel packed
    (16, 64, 40, 1, 0, 0.5, 1.0),    # few rows, whole panels only
    (300, 6, 25, 0, 0, 1.0, 0.5),    # few columns: computed as C^T = op(B)^T op(A)^T
    (200, 16, 40, 1, 1, -1.0, 0.0),
    (400, 16, 300, 0, 0, 1.0, 0.5),  # one column panel: A read in place, one vector a row (float, AVX-512),
    (400, 16, 300, 0, 1, -1.0, 0.0),  # several row blocks, k in two slices
    (37, 9, 20, 0, 0, 2.0, 0.0),     # small enough for L1: A read in place, a narrow tile
    (200, 40, 90, 0, 0, 1.0, -1.0),  # A packed; the last column panel narrow enough for one vector
    (90, 3, 70, 1, 0, 1.0, 0.5),     # op(A) = A^T with few columns: computed as C^T
    (64, 120, 300, 0, 0, 1.0, 0.5),  # AVX2: a batch of rows, B and A read in place (B's narrow last panel
                                     # packed), k in two slices
    (60, 250, 40, 0, 1, -1.0, 0.0),  # AVX2: A read in place by 16 column panels, the last one narrow
]


@needs_c
@pytest.mark.parametrize("path", SIMD_PATHS)
@pytest.mark.parametrize("prefix, dtype", [("s", np.float32), ("d", np.float64)])
@pytest.mark.parametrize("m, n, k, trans_a, trans_b, alpha, beta", STRIDED_CASES)
def test_c_gemm_matches_c_reference_with_row_strides(prefix, dtype, m, n, k, trans_a, trans_b, alpha, beta, path,
                                                     restore_settings):
    """tn_?gemm on every SIMD path (its micro-kernel and packings from gemm.c's table) against
    tn_?gemm_ref, on matrices stored inside wider arrays (lda, ldb, ldc larger than a row):
    the padding must stay untouched."""
    use_simd_path(path)
    ctype = "float *" if dtype == np.float32 else "double *"
    rng = np.random.default_rng(m + n + k)
    pad = 3
    a_full = rng.uniform(-1, 1, ((k, m + pad) if trans_a else (m, k + pad))).astype(dtype)
    b_full = rng.uniform(-1, 1, ((n, k + pad) if trans_b else (k, n + pad))).astype(dtype)
    c_start = rng.uniform(-1, 1, (m, n + pad)).astype(dtype)
    c_start[:, n:] = 123.0  # sentinel in the padding columns
    fast, reference = c_start.copy(), c_start.copy()

    def ptr(x):
        return ffi.cast(ctype, ffi.from_buffer(x))

    args = (trans_a, trans_b, m, n, k, alpha, ptr(a_full), a_full.shape[1], ptr(b_full), b_full.shape[1], beta)
    assert getattr(lib, f"tn_{prefix}gemm")(*args, ptr(fast), fast.shape[1]) == 0
    getattr(lib, f"tn_{prefix}gemm_ref")(*args, ptr(reference), reference.shape[1])

    assert np.all(fast[:, n:] == 123.0) and np.all(reference[:, n:] == 123.0)
    a_used = a_full[:, :m] if trans_a else a_full[:, :k]
    b_used = b_full[:, :k] if trans_b else b_full[:, :n]
    want, bound = expected_and_bound(a_used, b_used, trans_a, trans_b, alpha, beta, c_start[:, :n])
    assert_close_to_reference(reference[:, :n], want, bound)
    assert_close_to_reference(fast[:, :n], want, bound)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_c_reference_does_not_read_c_when_beta_is_zero(dtype):
    ctype = "float *" if dtype == np.float32 else "double *"
    ref = lib.tn_sgemm_ref if dtype == np.float32 else lib.tn_dgemm_ref
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    b = np.arange(12, dtype=dtype).reshape(3, 4)
    out = np.full((2, 4), np.nan, dtype=dtype)
    ref(0, 0, 2, 4, 3, 1.0, ffi.cast(ctype, ffi.from_buffer(a)), 3, ffi.cast(ctype, ffi.from_buffer(b)), 4,
        0.0, ffi.cast(ctype, ffi.from_buffer(out)), 4)
    np.testing.assert_array_equal(out, a @ b)


@needs_c
@pytest.mark.parametrize("path", SIMD_PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_c_gemm_with_empty_sum_scales_c(path, dtype, restore_settings):
    """k = 0: C = beta * C on every path, and with beta = 0 the NaNs in C do not survive."""
    use_simd_path(path)
    a, b = np.empty((5, 0), dtype), np.empty((0, 7), dtype)
    c_in = np.random.default_rng(2).uniform(-1, 1, (5, 7)).astype(dtype)
    np.testing.assert_array_equal(c_gemm(a, b, alpha=2.0, beta=0.5, out=c_in.copy()), (0.5 * c_in).astype(dtype))
    zeroed = c_gemm(a, b, alpha=2.0, beta=0.0, out=np.full((5, 7), np.nan, dtype))
    np.testing.assert_array_equal(zeroed, np.zeros((5, 7), dtype))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_same_result_on_one_thread_and_all_threads(dtype, restore_settings):
    """The split of work among threads never changes the order of summation,
    so the results are identical bit for bit (shapes big enough to thread)."""
    rng = np.random.default_rng(3)
    every = lib.tn_default_num_threads()
    # (each over the 16 MFLOP below which gemm.c keeps a product on one thread)
    for m, k, n, trans_a, trans_b in [(300, 257, 130, False, False), (29, 800, 700, True, False),
                                      (1024, 96, 170, False, True), (2000, 300, 16, False, False)]:
        a, b = stored(rng, m, k, trans_a, dtype), stored(rng, k, n, trans_b, dtype)
        c_in = rng.uniform(-1, 1, (m, n)).astype(dtype)
        results = []
        for threads in (1, every):
            tinynet.set_num_threads(threads)
            results.append(c_gemm(a, b, trans_a, trans_b, 1.25, -1.0, c_in.copy()))
        np.testing.assert_array_equal(results[0], results[1])
        want, bound = expected_and_bound(a, b, trans_a, trans_b, 1.25, -1.0, c_in)
        assert_close_to_reference(results[0], want, bound)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_that_is_an_operand_gives_the_product_of_the_old_values(dtype):
    """gemm's quick path for the usual call must still see an out that overlaps a or b (and copy them first)."""
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((6, 6)).astype(dtype), rng.standard_normal((6, 6)).astype(dtype)
    expected = a.astype(np.float64) @ b
    np.testing.assert_allclose(kernels.gemm(a, b, out=a), expected, rtol=1e-5, atol=1e-5)
    a2 = rng.standard_normal((6, 6)).astype(dtype)
    b2 = rng.standard_normal((6, 6)).astype(dtype)
    expected = a2.astype(np.float64) @ b2.T
    np.testing.assert_allclose(kernels.gemm(a2, b2, trans_b=True, out=b2), expected, rtol=1e-5, atol=1e-5)
