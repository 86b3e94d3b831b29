"""Kernels called from several Python threads at once give the same results as one at a time.

The cffi calls release the GIL, so these really run concurrently in C (each
call may also start its own OpenMP team).  The C keeps no mutable state
between calls besides the two run-time settings (thread count, SIMD level;
csrc/runtime.c): every scratch buffer is allocated per call.  Each job is
computed once alone first; then all jobs run together, several times over,
and must match bit for bit.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tinynet import kernels


def make_jobs():
    """Kernel calls of different shapes and dtypes, so concurrent calls use different scratch sizes."""
    rng = np.random.default_rng(7)
    jobs = []
    for i, dtype in enumerate([np.float32, np.float64] * 3):
        m, k, n = 40 + 7 * i, 33 + 5 * i, 50 + 3 * i
        a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype)
        jobs.append(lambda a=a, b=b: kernels.gemm(a, b, trans_b=True))
        x = rng.standard_normal((3 + i, 2 + i % 3, 12 + i, 11)).astype(dtype)
        w = rng.standard_normal((4, x.shape[1], 3, 3)).astype(dtype)
        jobs.append(lambda x=x, w=w, i=i: kernels.conv2d_forward(x, w, None, stride=1 + i % 2, padding=1))
        dy = rng.standard_normal(kernels.conv2d_forward(x, w, padding=1).shape).astype(dtype)
        jobs.append(lambda x=x, w=w, dy=dy: kernels.conv2d_backward(x, w, dy, padding=1))
        jobs.append(lambda x=x: kernels.max_pool2d_forward(x, 3, 2, 1))
        jobs.append(lambda x=x: kernels.avg_pool2d_forward(x, 2, 1, 1, count_include_pad=False))
    return jobs


def as_arrays(result):
    return [r for r in (result if isinstance(result, tuple) else (result,)) if r is not None]


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_kernel_calls_match_serial_results(workers):
    jobs = make_jobs()
    expected = [as_arrays(job()) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(3):
            results = list(pool.map(lambda job: job(), jobs * 2))
            for got, want in zip(results, expected * 2):
                got = as_arrays(got)
                assert len(got) == len(want)
                for g, w in zip(got, want):
                    np.testing.assert_array_equal(g, w)


def test_concurrent_gemm_into_separate_outputs():
    """Many threads writing their own ``out`` arrays at once: no thread's result leaks into another's."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((64, 48)).astype(np.float32)
    bs = [rng.standard_normal((48, 32)).astype(np.float32) for _ in range(16)]
    outs = [np.full((64, 32), np.nan, np.float32) for _ in bs]

    def run(i):
        return kernels.gemm(a, bs[i], out=outs[i])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, range(len(bs))))
    for b, out in zip(bs, outs):
        np.testing.assert_array_equal(out, kernels.gemm(a, b))
