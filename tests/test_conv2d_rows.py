"""The row convolution (csrc/conv/rows*.c) against the float64 reference of test_conv2d and against
the plain C loops (tn_sconv2d_*_ref).

The dispatcher (csrc/conv/conv2d.c) gives the row path float32 convolutions with stride 1, padding
up to kernel - 1, at most 16 channels and images at least 12 pixels wide, on CPUs with AVX2 or
AVX-512 (the gradients with fewer channels still); the first tests draw such shapes (on other CPUs
they check the path that then runs).  The others call the row path on its own
(tn_sconv2d_rows_forward / _backward), on any shape it computes, with AVX-512, AVX2 and plain C tiles.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from tinynet import kernels
from test_conv2d import check_against_reference, fixed_case, make_arrays, reference_conv, assert_close, shape_struct
from test_conv2d_direct import TN_ERR_UNSUPPORTED, assert_within, direct_and_ref

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")
AVX512 = 2


def rows_and_ref(x, w, b, dy, pad, want=(True, True, True)):
    """(y, dx, dw, db) from tn_sconv2d_rows_* and from the plain loops, every element NaN first."""
    return direct_and_ref(x, w, b, dy, pad, want, path="rows")


@st.composite
def served_cases(draw):
    """Shapes the dispatcher sends down the row path (on AVX-512): 12 or more output columns."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    pw = draw(st.integers(0, kw - 1))
    return {
        "batch": draw(st.integers(1, 12)),
        "in_channels": draw(st.integers(1, 16)),
        "out_channels": draw(st.integers(1, 16)),
        "size": (draw(st.integers(kh, 14)), draw(st.integers(max(kw, 12 + kw - 1 - 2 * pw), 36))),
        "kernel": (kh, kw),
        "stride": (1, 1),
        "pad": (draw(st.integers(0, kh - 1)), pw),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=60, deadline=None)
@given(case=served_cases())
def test_row_shapes_match_reference(case):
    check_against_reference(case, np.float32)


# The wide-image layers of the benchmarks' networks, and shapes that reach every corner of the
# tiles: a last piece of one pixel, channels past one block of 8 (forward) and of 4 (dL/dW),
# a 5-wide kernel, padding on one axis only.
NAMED = [
    ("cnn6 1->4 28x28", (9, 1, 4, (28, 28), (3, 3), (1, 1), (1, 1))),
    ("cnn6 4->4 28x28", (11, 4, 4, (28, 28), (3, 3), (1, 1), (1, 1))),
    ("cnn6 4->8 14x14", (17, 4, 8, (14, 14), (3, 3), (1, 1), (1, 1))),
    ("lenet conv1", (10, 1, 6, (28, 28), (5, 5), (1, 1), (0, 0))),
    ("33 wide, 16->13", (3, 16, 13, (5, 33), (3, 3), (1, 1), (1, 1))),
    ("5x3 kernel, padding (2, 0)", (4, 3, 7, (9, 20), (5, 3), (1, 1), (2, 0))),
    ("1x5 kernel, 9 channels", (5, 9, 9, (6, 17), (1, 5), (1, 1), (0, 2))),
]


@pytest.mark.parametrize("name,spec", NAMED, ids=[name for name, _ in NAMED])
def test_row_named_shapes(name, spec):
    check_against_reference(fixed_case(spec), np.float32)


@needs_c
def test_the_dispatcher_sends_wide_few_channel_images_down_the_row_path():
    """With AVX2 or AVX-512, tn_sconv2d_forward / _backward give the row path's own results, bit for bit."""
    if lib.tn_get_simd_level() < 1:
        pytest.skip("the SIMD level in use (this CPU's, or TINYNET_SIMD's) is below AVX2")
    case = fixed_case(NAMED[1][1])
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(4).standard_normal((11, 4, 28, 28)).astype(np.float32)
    (y, dx, dw, db), _ = rows_and_ref(x, w, b, dy, (1, 1))
    np.testing.assert_array_equal(kernels.conv2d_forward(x, w, b, padding=1), y)
    for got, expected in zip(kernels.conv2d_backward(x, w, dy, padding=1), (dx, dw, db)):
        np.testing.assert_array_equal(got, expected)


@needs_c
def test_row_gradients_do_not_depend_on_the_thread_count():
    """dW and db are sums over the batch, cut into chunks by the shape alone: bit for bit the same."""
    case = fixed_case((37, 4, 6, (14, 14), (3, 3), (1, 1), (1, 1)))
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(5).standard_normal((37, 6, 14, 14)).astype(np.float32)
    before = tinynet.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            tinynet.set_num_threads(threads)
            results.append(rows_and_ref(x, w, b, dy, (1, 1))[0])
    finally:
        tinynet.set_num_threads(before)
    for other in results[1:]:
        for first, second in zip(results[0], other):
            np.testing.assert_array_equal(first, second)


# ---- the row path on its own, against the plain C loops -----------------------------------

def row_tiles():
    """The SIMD levels at which the row path's tiles differ, as far as this CPU has them: plain C (0),
    AVX2 (1) and AVX-512 (2)."""
    return [0] if lib is None else list(range(lib.tn_cpu_simd_level() + 1))


@st.composite
def any_row_cases(draw):
    """Any shape the row path computes: stride 1, padding up to kernel - 1, kernels up to 5 wide (for
    dL/dW), any channel counts and widths, also those the dispatcher sends elsewhere."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return {
        "batch": draw(st.integers(1, 20)),
        "in_channels": draw(st.integers(1, 20)),
        "out_channels": draw(st.integers(1, 20)),
        "size": (draw(st.integers(kh, 12)), draw(st.integers(kw, 40))),
        "kernel": (kh, kw),
        "stride": (1, 1),
        "pad": (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@needs_c
@pytest.mark.parametrize("level", [0, 1, AVX512], ids=["plain tiles", "avx2 tiles", "avx512 tiles"])
@settings(max_examples=40, deadline=None)
@given(case=any_row_cases())
def test_row_path_on_its_own_matches_the_ref_loops(level, case):
    if level not in row_tiles():
        pytest.skip("this CPU does not have that SIMD level")
    x, w, b = make_arrays(case, np.float32)
    y_ref, _ = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(case["seed"] + 3).standard_normal(y_ref.shape).astype(np.float32)
    before = lib.tn_get_simd_level()
    try:
        assert lib.tn_set_simd_level(level) == level
        rows, ref = rows_and_ref(x, w, b, dy, case["pad"])
    finally:
        lib.tn_set_simd_level(before)
    # float32 sums in different orders: within a small multiple of eps * sum|term| (see test_conv2d_direct)
    _, magnitude = rows_and_ref(np.abs(x), np.abs(w), None if b is None else np.abs(b), np.abs(dy), case["pad"])
    for got, expected, bound in zip(rows, ref, magnitude):
        assert got.dtype == np.float32 and got.shape == expected.shape
        assert_within(got, expected, 2e-6 * bound.astype(np.float64) + 1e-6)


@needs_c
@pytest.mark.parametrize("batch, size, kernel", [(8, (1, 8), (1, 5)), (5, (2, 3), (1, 3)), (3, (1, 16), (1, 1))])
def test_row_path_reads_nothing_past_a_batch_of_tiny_images(batch, size, kernel):
    """Images of fewer numbers than a vector: the AVX-512 forward tile's whole-vector reads past an image
    must not run off the batch's end (the sanitizer job catches a read past it; found there by the test
    above: 8 images of 1 x 11 pixels and a 1 x 8 kernel read one number past x)."""
    case = {"batch": batch, "in_channels": 1, "out_channels": 3, "size": size, "kernel": kernel, "stride": (1, 1),
            "pad": (0, 0), "bias": True, "seed": batch}
    x, w, b = make_arrays(case, np.float32)
    y_ref, _ = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.ones(y_ref.shape, dtype=np.float32)
    for level in row_tiles():
        before = lib.tn_get_simd_level()
        try:
            lib.tn_set_simd_level(level)
            rows, ref = rows_and_ref(x, w, b, dy, case["pad"])
        finally:
            lib.tn_set_simd_level(before)
        for got, expected in zip(rows, ref):
            assert_within(got, expected, 1e-4 * (np.abs(expected) + 1))


@needs_c
@pytest.mark.parametrize("want", [(True, False, False), (False, True, False), (False, False, True),
                                  (False, True, True), (False, False, False)])
def test_row_path_on_its_own_computes_only_what_is_asked(want):
    case = fixed_case(NAMED[2][1])
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(2).standard_normal((17, 8, 14, 14)).astype(np.float32)
    for level in row_tiles():
        before = lib.tn_get_simd_level()
        try:
            lib.tn_set_simd_level(level)
            (_, *rows), (_, *ref) = rows_and_ref(x, w, b, dy, case["pad"], want)
        finally:
            lib.tn_set_simd_level(before)
        for asked, got, expected in zip(want, rows, ref):
            if asked:
                assert_close(got, expected.astype(np.float64), np.float32)
            else:
                assert got is None


@needs_c
def test_row_path_on_its_own_refuses_what_it_cannot_compute():
    """Stride 2; padding past kernel - 1; dL/dW of a kernel 6 wide: TN_ERR_UNSUPPORTED, outputs untouched."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 16)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    buf = lambda a: ffi.from_buffer("float[]", a)  # noqa: E731
    strided = shape_struct(x, w, (2, 2), (1, 1))
    y = np.full((2, 4, strided.out_h, strided.out_w), 5.0, dtype=np.float32)
    assert lib.tn_sconv2d_rows_forward(strided, buf(x), buf(w), ffi.NULL, buf(y)) == TN_ERR_UNSUPPORTED
    assert (y == 5.0).all()
    wide_pad = shape_struct(x, w, (1, 1), (3, 1))
    y = np.full((2, 4, wide_pad.out_h, wide_pad.out_w), 5.0, dtype=np.float32)
    assert lib.tn_sconv2d_rows_forward(wide_pad, buf(x), buf(w), ffi.NULL, buf(y)) == TN_ERR_UNSUPPORTED
    assert (y == 5.0).all()
    w6 = rng.standard_normal((4, 3, 3, 6)).astype(np.float32)
    wide_kernel = shape_struct(x, w6, (1, 1), (1, 1))
    dy = rng.standard_normal((2, 4, wide_kernel.out_h, wide_kernel.out_w)).astype(np.float32)
    dx, dw = np.full_like(x, 5.0), np.full_like(w6, 5.0)
    assert lib.tn_sconv2d_rows_backward(wide_kernel, buf(x), buf(w6), buf(dy), buf(dx), buf(dw),
                                        ffi.NULL) == TN_ERR_UNSUPPORTED
    assert (dx == 5.0).all() and (dw == 5.0).all()
    # dL/dx alone has no such limit
    assert lib.tn_sconv2d_rows_backward(wide_kernel, buf(x), buf(w6), buf(dy), buf(dx), ffi.NULL, ffi.NULL) == 0
    _, grads = reference_conv(x, w6, None, (1, 1), (1, 1))
    assert_close(dx, grads(dy)[0], np.float32)
