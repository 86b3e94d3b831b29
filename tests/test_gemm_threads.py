"""GEMM on several threads: C cut into one rectangle per thread (csrc/gemm/loops.inc, run_thread).

Which thread computes which rows or columns changes with the thread count,
but every element is summed in one order, so the result must be the same
bits as on one thread, at every SIMD level, and match the plain reference
loop; C's padding (ldc wider than a row) stays untouched.
"""

import numpy as np
import pytest

import tinynet

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # the C extension was not built
    ffi = lib = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")

SIMD_PATHS = ["portable", "avx2", "avx512"]  # the values 0, 1, 2 of tn_get_simd_level()

# (m, n, k, trans_a, trans_b, beta): each over the 2 MFLOP below which gemm.c uses one thread
CASES = [
    (300, 130, 257, 0, 0, 0.0),    # B packed by every thread, two k slices, a narrow last micro-panel
    (260, 200, 300, 1, 1, 0.5),    # op(A) = A^T, op(B) = B^T packed by columns
    (20, 1500, 300, 0, 0, -1.0),   # few rows: C cut by columns too; B read in place
    (3000, 20, 150, 0, 0, 0.0),    # B small enough to read in place, its narrow last panel packed per thread
    (2000, 16, 300, 0, 0, 0.25),   # one column micro-panel: A read in place
    (36864, 6, 25, 0, 0, 0.0),     # a memory-bound im2col product
    (128, 128, 128, 0, 1, 0.0),    # small enough that it was one thread's until the workers spun
    (150, 100, 2100, 0, 0, 0.5),   # nine k slices of 234 (kc = 256)
    (1200, 460, 1100, 0, 0, 0.5),  # a C over 2 MiB: slices of up to kc_deep = 1024 for floats
    (64, 128, 784, 0, 1, 0.0),     # wider than tall, rows enough to cut: cut by columns (the MLP's first layer)
    (96, 200, 300, 1, 0, 0.5),     # the same with op(A) = A^T and a narrow last column panel
    (64, 128, 784, 0, 0, 0.5),     # AVX2: B's rows (512 bytes apart) and A's read in place, cut by columns
    (200, 250, 300, 0, 0, 0.0),    # AVX2: A read in place by 16 column panels, B packed, cut by rows
]


def call(function, a, b, c, m, n, k, trans_a, trans_b, beta):
    pointer = "float *" if a.dtype == np.float32 else "double *"
    status = function(trans_a, trans_b, m, n, k, 1.25, ffi.cast(pointer, ffi.from_buffer(a)), a.shape[1],
                      ffi.cast(pointer, ffi.from_buffer(b)), b.shape[1], beta, ffi.cast(pointer, ffi.from_buffer(c)),
                      c.shape[1])
    assert status in (None, 0)
    return c


@pytest.mark.parametrize("path", SIMD_PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k, trans_a, trans_b, beta", CASES)
def test_threads_give_the_bits_of_one_thread(m, n, k, trans_a, trans_b, beta, dtype, path, restore_settings):
    if SIMD_PATHS.index(path) > lib.tn_cpu_simd_level():
        pytest.skip(f"this CPU has no {path}")
    lib.tn_set_simd_level(SIMD_PATHS.index(path))
    prefix = "s" if dtype == np.float32 else "d"
    rng = np.random.default_rng(m * n + k)
    a = rng.uniform(-1, 1, (k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, (n, k) if trans_b else (k, n)).astype(dtype)
    c_start = rng.uniform(-1, 1, (m, n + 2)).astype(dtype)
    c_start[:, n:] = 123.0  # C's padding: must stay as it is
    results = {}
    for threads in (1, 2, 3):
        tinynet.set_num_threads(threads)
        results[threads] = call(getattr(lib, f"tn_{prefix}gemm"), a, b, c_start.copy(), m, n, k, trans_a, trans_b,
                                beta)
    reference = call(getattr(lib, f"tn_{prefix}gemm_ref"), a, b, c_start.copy(), m, n, k, trans_a, trans_b, beta)
    for threads in (2, 3):
        np.testing.assert_array_equal(results[threads], results[1])
    assert np.all(results[1][:, n:] == 123.0)
    op_a, op_b = (a.T if trans_a else a), (b.T if trans_b else b)
    bound = 2 * (k + 2) * np.finfo(dtype).eps * (1.25 * (np.abs(op_a) @ np.abs(op_b)) + abs(beta))
    for got in (results[1][:, :n], reference[:, :n]):
        want = 1.25 * (op_a.astype(np.float64) @ op_b) + beta * c_start[:, :n].astype(np.float64)
        assert np.all(np.abs(got - want) <= bound)
