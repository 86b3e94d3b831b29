"""The batch-normalization kernels (csrc/norm/batch_norm.c) against their plain C loops (tn_?batch_norm_*_ref).

Every combination the kernels branch on: float32 and float64, training and evaluation, with and without
the fused ReLU, weight and bias given or NULL, each gradient asked for or not, planes shorter and longer
than the kernels' 8 running sums (1, 5, 8, 49: ResNet's 7x7), at every SIMD level the CPU has and on 1 and
2 threads.  The statistics and gradients are sums in a different order than the reference's, so they agree
to a tolerance; every output must be written (the buffers start as NaN).
"""

import numpy as np
import pytest

from kernel_checks import assert_close_to_scale

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")

C_TYPES = {np.float32: ("float[]", "s", 1e-5), np.float64: ("double[]", "d", 1e-12)}


def run(x, dy, weight, bias, running, training, relu, want, reference):
    """tn_?batch_norm_forward then _backward (or the _ref loops); returns every output as arrays."""
    ctype, prefix, _ = C_TYPES[x.dtype.type]
    suffix = "_ref" if reference else ""
    buf = lambda a: ffi.NULL if a is None else ffi.from_buffer(ctype, a)  # noqa: E731
    n, c = x.shape[:2]
    shape = ffi.new("tn_batch_norm_shape *", {"batch": n, "channels": c, "plane": x[0, 0].size})
    if training:
        mean, var = np.full(c, np.nan, dtype=x.dtype), np.full(c, np.nan, dtype=x.dtype)
    else:
        mean, var = (a.copy() for a in running)
    inv_std, y = np.full(c, np.nan, dtype=x.dtype), np.full_like(x, np.nan)
    getattr(lib, f"tn_{prefix}batch_norm_forward{suffix}")(
        shape, buf(x), buf(weight), buf(bias), 1e-5, int(training), int(relu), buf(mean), buf(var),
        buf(inv_std), buf(y))
    dx = np.full_like(x, np.nan) if want[0] else None
    dw = np.full(c, np.nan, dtype=x.dtype) if want[1] else None
    db = np.full(c, np.nan, dtype=x.dtype) if want[2] else None
    getattr(lib, f"tn_{prefix}batch_norm_backward{suffix}")(
        shape, buf(x), buf(dy), buf(mean), buf(inv_std), buf(weight), buf(bias), int(training), int(relu),
        buf(dx), buf(dw), buf(db))
    return [a for a in (y, mean, var, inv_std, dx, dw, db) if a is not None]


def simd_levels():
    return list(range(lib.tn_cpu_simd_level() + 1)) if lib is not None else []


@needs_c
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 3, 1), (3, 2, 5), (2, 3, 8), (4, 5, 7, 7), (1, 3, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("relu", [False, True])
def test_batch_norm_kernels_match_their_plain_loops(threads, dtype, shape, training, relu):
    rng = np.random.default_rng(sum(shape) + 7 * training + 3 * relu)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    c = shape[1]
    parameters = [(rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)), (None, None)]
    running = (rng.standard_normal(c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype))
    tolerance = C_TYPES[np.dtype(dtype).type][2]
    level, before = lib.tn_get_simd_level(), lib.tn_get_num_threads()
    try:
        lib.tn_set_num_threads(threads)
        for simd in simd_levels():
            assert lib.tn_set_simd_level(simd) == simd
            for weight, bias in parameters:
                for want in [(True, True, True), (True, False, False), (False, True, True)]:
                    fast = run(x, dy, weight, bias, running, training, relu, want, reference=False)
                    slow = run(x, dy, weight, bias, running, training, relu, want, reference=True)
                    assert len(fast) == len(slow)
                    for got, expected in zip(fast, slow):
                        assert not np.isnan(got).any()
                        assert_close_to_scale(got, expected.astype(np.float64), dtype, tolerance)
    finally:
        lib.tn_set_simd_level(level)
        lib.tn_set_num_threads(before)


@needs_c
@pytest.mark.parametrize("shape", [(3, 2, 5), (4, 5, 7, 7), (2, 3, 4, 4), (5, 2, 3, 7)])
@pytest.mark.parametrize("relu", [False, True])
def test_every_simd_level_gives_the_same_float32_numbers(shape, relu):
    """The AVX-512 loops of the backward pass (csrc/norm/runs_avx512.c) keep the plain loops' running sums
    and order of operations, so every SIMD level gives the very same bits (planes with and without a tail
    past the 8 running sums; x near the ReLU's kink as often as not)."""
    rng = np.random.default_rng(len(shape) + 11 * relu)
    x = rng.standard_normal(shape).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    c = shape[1]
    weight, bias = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    running = (np.zeros(c, np.float32), np.ones(c, np.float32))
    level = lib.tn_get_simd_level()
    try:
        results = []
        for simd in simd_levels():
            assert lib.tn_set_simd_level(simd) == simd
            results.append(run(x, dy, weight, bias, running, True, relu, (True, True, True), reference=False))
    finally:
        lib.tn_set_simd_level(level)
    for other in results[1:]:
        for got, expected in zip(other, results[0]):
            np.testing.assert_array_equal(got, expected)
