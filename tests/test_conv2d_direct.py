"""The direct convolution (csrc/conv/direct_*.c) against the float64 reference of test_conv2d
and against the plain C loops (tn_sconv2d_*_ref).

The dispatcher (csrc/conv/conv2d.c) gives the direct path float32
convolutions with stride 1, small images and 4 or more channels, on CPUs with
AVX2; the shapes of the first tests are drawn so that it does (test_conv2d
draws few channels, which stay on im2col + GEMM).  On other CPUs those tests
check the im2col path, which is then what runs.  The last tests call the
direct path on its own (tn_sconv2d_direct_forward / _backward), on any shape
it can compute, with AVX2 tiles and with plain C ones.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from tinynet import kernels
from test_conv2d import check_against_reference, fixed_case, make_arrays, reference_conv, assert_close, shape_struct

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")


@st.composite
def direct_cases(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return {
        "batch": draw(st.integers(1, 24)),
        "in_channels": draw(st.sampled_from([3, 8, 9, 12, 16, 17, 24, 32])),
        "out_channels": draw(st.sampled_from([4, 8, 10, 12, 16, 20, 32])),
        "size": (draw(st.integers(kh, 15)), draw(st.integers(kw, 15))),
        "kernel": (kh, kw),
        "stride": (1, 1),
        "pad": (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=60, deadline=None)
@given(case=direct_cases())
def test_direct_shapes_match_reference(case):
    check_against_reference(case, np.float32)


# The small-image layers of the benchmarks' networks, with batches that span
# several groups of images (and a last group that is not full).
NAMED = [
    ("cnn6 4->8 14x14", (37, 4, 8, (14, 14), (3, 3), (1, 1), (1, 1))),
    ("cnn6 8->8 14x14", (21, 8, 8, (14, 14), (3, 3), (1, 1), (1, 1))),
    ("cnn6 8->16 7x7", (45, 8, 16, (7, 7), (3, 3), (1, 1), (1, 1))),
    ("cnn6 16->16 7x7", (23, 16, 16, (7, 7), (3, 3), (1, 1), (1, 1))),
    ("lenet conv2", (70, 6, 16, (12, 12), (5, 5), (1, 1), (0, 0))),
    ("non-square, 24 channels", (9, 24, 24, (5, 9), (3, 2), (1, 1), (2, 1))),
    ("1x1 kernel", (13, 16, 32, (6, 6), (1, 1), (1, 1), (0, 0))),
]


@pytest.mark.parametrize("name,spec", NAMED, ids=[name for name, _ in NAMED])
def test_direct_named_shapes(name, spec):
    check_against_reference(fixed_case(spec), np.float32)


@pytest.mark.parametrize("input_grad,weight_grad,bias_grad",
                         [(True, False, False), (False, True, False), (False, False, True), (True, False, True)])
def test_direct_backward_computes_only_what_is_asked(input_grad, weight_grad, bias_grad):
    case = fixed_case(NAMED[2][1])
    x, w, _ = make_arrays(case, np.float32)
    y_ref, grads = reference_conv(x, w, None, case["stride"], case["pad"])
    dy = np.random.default_rng(3).standard_normal(y_ref.shape).astype(np.float32)
    got = kernels.conv2d_backward(x, w, dy, case["stride"], case["pad"], input_grad, weight_grad, bias_grad)
    for asked, value, expected in zip((input_grad, weight_grad, bias_grad), got, grads(dy)):
        if asked:
            assert_close(value, expected, np.float32)
        else:
            assert value is None


@needs_c
def test_direct_gradients_do_not_depend_on_the_thread_count():
    """dW and db are sums over the batch, cut into chunks by the shape alone: bit for bit the same."""
    case = fixed_case((300, 16, 16, (7, 7), (3, 3), (1, 1), (1, 1)))
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(5).standard_normal((300, 16, 7, 7)).astype(np.float32)
    before = tinynet.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            tinynet.set_num_threads(threads)
            results.append((kernels.conv2d_forward(x, w, b, padding=1),
                            *kernels.conv2d_backward(x, w, dy, padding=1)))
    finally:
        tinynet.set_num_threads(before)
    for other in results[1:]:
        for first, second in zip(results[0], other):
            np.testing.assert_array_equal(first, second)


@needs_c
def test_direct_and_im2col_paths_agree():
    """With the SIMD level forced to portable, the same call runs im2col + GEMM: both near the reference."""
    case = fixed_case(NAMED[3][1])
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(9).standard_normal((23, 16, 7, 7)).astype(np.float32)
    level = lib.tn_get_simd_level()
    try:
        outputs = []
        for forced in (level, 0):
            lib.tn_set_simd_level(forced)
            outputs.append((kernels.conv2d_forward(x, w, b, padding=1), *kernels.conv2d_backward(x, w, dy, padding=1)))
    finally:
        lib.tn_set_simd_level(level)
    for direct, im2col in zip(*outputs):
        assert_close(direct, im2col.astype(np.float64), np.float32)


# ---- the direct path on its own, against the plain C loops --------------------------------

TN_ERR_UNSUPPORTED = -2


def direct_and_ref(x, w, b, dy, pad, want=(True, True, True), path="direct"):
    """(y, dx, dw, db) from tn_sconv2d_<path>_* (the direct path, or another stride-1 one such as
    "rows") and from tn_sconv2d_*_ref (stride 1)."""
    s = shape_struct(x, w, (1, 1), pad)
    buf = lambda a: ffi.NULL if a is None else ffi.from_buffer("float[]", a)  # noqa: E731
    results = []
    for forward, backward in ((getattr(lib, f"tn_sconv2d_{path}_forward"), getattr(lib, f"tn_sconv2d_{path}_backward")),
                              (lib.tn_sconv2d_forward_ref, lib.tn_sconv2d_backward_ref)):
        # NaN everywhere first: every element must be written, not accumulated into.
        y = np.full((x.shape[0], w.shape[0], s.out_h, s.out_w), np.nan, dtype=np.float32)
        assert forward(s, buf(x), buf(w), buf(b), buf(y)) in (None, 0)
        dx = np.full_like(x, np.nan) if want[0] else None
        dw = np.full_like(w, np.nan) if want[1] else None
        db = np.full(w.shape[0], np.nan, dtype=np.float32) if want[2] else None
        assert backward(s, buf(x), buf(w), buf(dy), buf(dx), buf(dw), buf(db)) in (None, 0)
        results.append((y, dx, dw, db))
    return results


def assert_within(got, expected, tolerance):
    """Every element of got within its own tolerance of expected's, and no NaN where expected has none."""
    error = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    assert not np.isnan(got).any() and (error <= tolerance).all(), f"largest error over tolerance {np.max(error / tolerance)}"


@st.composite
def any_direct_cases(draw):
    """Any shape the direct path computes: stride 1, padding up to kernel - 1, any channel
    counts (also the 1-3 the dispatcher leaves to im2col) and images larger than it takes."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return {
        "batch": draw(st.integers(1, 20)),
        "in_channels": draw(st.integers(1, 20)),
        "out_channels": draw(st.integers(1, 34)),
        "size": (draw(st.integers(kh, 20)), draw(st.integers(kw, 20))),
        "kernel": (kh, kw),
        "stride": (1, 1),
        "pad": (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def direct_tiles():
    """The SIMD levels at which the direct path's tiles differ, as far as this CPU has them: plain C (0),
    AVX2 (1) and AVX-512 (2: its own tile for 16 channels, AVX2's for 8)."""
    return [0] if lib is None else list(range(lib.tn_cpu_simd_level() + 1))


@needs_c
@pytest.mark.parametrize("level", [0, 1, 2], ids=["plain tiles", "avx2 tiles", "avx512 tiles"])
@settings(max_examples=40, deadline=None)
@given(case=any_direct_cases())
def test_direct_path_on_its_own_matches_the_ref_loops(level, case):
    if level not in direct_tiles():
        pytest.skip("this CPU does not have that SIMD level")
    x, w, b = make_arrays(case, np.float32)
    y_ref, _ = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(case["seed"] + 3).standard_normal(y_ref.shape).astype(np.float32)
    before = lib.tn_get_simd_level()
    try:
        assert lib.tn_set_simd_level(level) == level
        direct, ref = direct_and_ref(x, w, b, dy, case["pad"])
    finally:
        lib.tn_set_simd_level(before)
    # Both sides sum in float32, in different orders, so they may differ by a small multiple of
    # eps * sum|term| -- large next to the result when the terms cancel (db over 2,000 pixels of
    # dy, say).  sum|term| is the same loops run on |x|, |w|, |dy|.
    _, magnitude = direct_and_ref(np.abs(x), np.abs(w), None if b is None else np.abs(b), np.abs(dy), case["pad"])
    for got, expected, bound in zip(direct, ref, magnitude):
        assert got.dtype == np.float32 and got.shape == expected.shape
        assert_within(got, expected, 2e-6 * bound.astype(np.float64) + 1e-6)


@needs_c
@pytest.mark.parametrize("want", [(True, False, False), (False, True, False), (False, False, True),
                                  (False, True, True), (False, False, False)])
def test_direct_path_on_its_own_computes_only_what_is_asked(want):
    case = fixed_case(NAMED[4][1])  # LeNet's second convolution: the dispatcher sends its dx to im2col
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(2).standard_normal((70, 16, 8, 8)).astype(np.float32)
    for level in direct_tiles():
        before = lib.tn_get_simd_level()
        try:
            lib.tn_set_simd_level(level)
            (_, *direct), (_, *ref) = direct_and_ref(x, w, b, dy, case["pad"], want)
        finally:
            lib.tn_set_simd_level(before)
        for asked, got, expected in zip(want, direct, ref):
            if asked:
                assert_close(got, expected.astype(np.float64), np.float32)
            else:
                assert got is None


@needs_c
def test_direct_path_on_its_own_refuses_what_it_cannot_compute():
    """Stride 2; dx with padding > kernel - 1; an empty batch: TN_ERR_UNSUPPORTED, outputs untouched."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    buf = lambda a: ffi.from_buffer("float[]", a)  # noqa: E731
    strided = shape_struct(x, w, (2, 2), (1, 1))
    y = np.full((2, 4, strided.out_h, strided.out_w), 5.0, dtype=np.float32)
    assert lib.tn_sconv2d_direct_forward(strided, buf(x), buf(w), ffi.NULL, buf(y)) == TN_ERR_UNSUPPORTED
    assert (y == 5.0).all()
    wide_pad = shape_struct(x, w, (1, 1), (3, 1))
    dy = np.zeros((2, 4, wide_pad.out_h, wide_pad.out_w), dtype=np.float32)
    dx = np.full_like(x, 5.0)
    dw = np.full_like(w, 5.0)
    assert lib.tn_sconv2d_direct_backward(wide_pad, buf(x), buf(w), buf(dy), buf(dx), ffi.NULL,
                                          ffi.NULL) == TN_ERR_UNSUPPORTED
    assert (dx == 5.0).all()
    # dW alone needs no padded dL/dy: that the direct path does compute
    assert lib.tn_sconv2d_direct_backward(wide_pad, buf(x), buf(w), buf(dy), ffi.NULL, buf(dw), ffi.NULL) == 0
    assert (dw == 0.0).all()
    empty = shape_struct(x[:0], w, (1, 1), (1, 1))
    assert lib.tn_sconv2d_direct_forward(empty, buf(x), buf(w), ffi.NULL, buf(y)) == TN_ERR_UNSUPPORTED
