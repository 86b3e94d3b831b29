"""The panel convolution (csrc/conv/panels.c) on its own, against the plain C loops (tn_?conv2d_*_ref)
and the float64 reference of test_conv2d.

The dispatcher (csrc/conv/conv2d.c) gives the panel path convolutions with many output channels
(ResNet's 64 to 512) and those whose padding is wider than the kernel; the tests here call it
directly (tn_?conv2d_panels_forward / _backward), on every shape it computes: strides, paddings
up to far past the image, 1x1 kernels, batches smaller than the thread count, groups of images
that end inside a GEMM panel, at every SIMD level the CPU has and on 1 and 2 threads.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinynet
from tinynet import kernels
from test_conv2d import C_TYPES, assert_close, fixed_case, make_arrays, reference_conv, shape_struct

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")


def panels_and_ref(x, w, b, dy, stride, pad, want=(True, True, True)):
    """[(y, dx, dw, db) from tn_?conv2d_panels_*, the same from tn_?conv2d_*_ref]."""
    ctype, prefix = C_TYPES[x.dtype.type]
    s = shape_struct(x, w, stride, pad)
    buf = lambda a: ffi.NULL if a is None else ffi.from_buffer(ctype, a)  # noqa: E731
    results = []
    for kind in ("panels_", ""):
        suffix = "" if kind else "_ref"
        forward = getattr(lib, f"tn_{prefix}conv2d_{kind}forward{suffix}")
        backward = getattr(lib, f"tn_{prefix}conv2d_{kind}backward{suffix}")
        # NaN everywhere first: every element must be written, not accumulated into.
        y = np.full((x.shape[0], w.shape[0], s.out_h, s.out_w), np.nan, dtype=x.dtype)
        assert forward(s, buf(x), buf(w), buf(b), buf(y)) in (None, 0)
        dx = np.full_like(x, np.nan) if want[0] else None
        dw = np.full_like(w, np.nan) if want[1] else None
        db = np.full(w.shape[0], np.nan, dtype=x.dtype) if want[2] else None
        assert backward(s, buf(x), buf(w), buf(dy), buf(dx), buf(dw), buf(db)) in (None, 0)
        results.append((y, dx, dw, db))
    return results


@st.composite
def panel_cases(draw):
    """Any convolution: channel counts below, at and past the micro-tiles' heights (14, 16, 32),
    strides past the kernel, padding past kernel - 1 (outputs that see only zeros)."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh + 2)), draw(st.integers(0, kw + 2))
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    return {
        "batch": draw(st.integers(1, 7)),
        "in_channels": draw(st.integers(1, 9)),
        "out_channels": draw(st.sampled_from([1, 5, 14, 17, 32, 33])),
        "size": (h, w),
        "kernel": (kh, kw),
        "stride": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "pad": (ph, pw),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def simd_levels():
    return list(range(lib.tn_cpu_simd_level() + 1)) if lib is not None else []


def check_case(case, dtype, levels, threads):
    x, w, b = make_arrays(case, dtype)
    y_ref, grads = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(case["seed"] + 1).standard_normal(y_ref.shape).astype(dtype)
    expected = (y_ref, *grads(dy))
    level, before = lib.tn_get_simd_level(), lib.tn_get_num_threads()
    try:
        lib.tn_set_num_threads(threads)
        for simd in levels:
            assert lib.tn_set_simd_level(simd) == simd
            panels, ref = panels_and_ref(x, w, b, dy, case["stride"], case["pad"])
            for got, slow, exact in zip(panels, ref, expected):
                assert_close(got, slow.astype(np.float64), dtype)
                assert_close(got, exact, dtype)
    finally:
        lib.tn_set_simd_level(level)
        lib.tn_set_num_threads(before)


@needs_c
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(case=panel_cases())
def test_panels_match_the_ref_loops(case, dtype, threads):
    check_case(case, dtype, simd_levels(), threads)


# ResNet-10's layers (smaller batches), and shapes at the edges of the panel path's cuts.
NAMED = [
    # name: (batch, c_in, c_out, (h, w), (kh, kw), stride, pad)
    ("resnet stem 1->64 28x28", (3, 1, 64, (28, 28), (3, 3), (1, 1), (1, 1))),
    ("resnet 64->128 stride 2", (3, 64, 128, (28, 28), (3, 3), (2, 2), (1, 1))),
    ("resnet 1x1 shortcut stride 2", (5, 64, 128, (28, 28), (1, 1), (2, 2), (0, 0))),
    ("resnet 256->512 4x4", (4, 256, 512, (7, 7), (3, 3), (2, 2), (1, 1))),
    ("512 channels 4x4 (K past one slice)", (2, 512, 40, (4, 4), (3, 3), (1, 1), (1, 1))),
    ("one image, batch < threads", (1, 20, 48, (9, 10), (3, 3), (1, 1), (1, 1))),
    ("wide rows cut at panel edges", (2, 3, 33, (3, 70), (3, 3), (1, 1), (1, 1))),
    ("padding far past the kernel", (3, 4, 36, (5, 6), (3, 2), (3, 5), (7, 9))),
    # stride 1 and out_w == in_w: stretches run on across output rows (panels.h's image_runs)
    ("runs: padding past the kernel in height", (3, 5, 40, (6, 5), (3, 3), (1, 1), (4, 1))),
    ("runs: no padding in height", (2, 6, 33, (8, 9), (3, 3), (1, 1), (0, 1))),
    ("runs: 1x1 kernel, images across panels", (7, 9, 32, (5, 3), (1, 1), (1, 1), (0, 0))),
    ("runs: 5x5 kernel, 2x2 images", (9, 3, 34, (2, 2), (5, 5), (1, 1), (2, 2))),
    # groups of unequal size: scratch must hold the smaller one's deeper dW slices (9 images in 8 dW chunks,
    # groups of 3: a chunk of 2 has slices of 208 columns, one of 3 two of 156) and its wider rows (16 and
    # 17 images of 2x2: 64 columns are stored 80 apart, 68 not at all)
    ("dW: a smaller group with deeper slices", (9, 3, 32, (8, 11), (1, 3), (1, 1), (0, 2))),
    ("a smaller group with wider rows", (33, 3, 32, (2, 2), (1, 1), (1, 1), (0, 0))),
    # dL/dW by shifted images (panels_shifted.inc): stride 1, padding <= kernel - 1, 128 outputs or more,
    # channels in whole B panels (32 floats, 16 doubles) but for 1x1 kernels
    ("shifted dW: ResNet's 64->64 28x28", (3, 64, 64, (28, 28), (3, 3), (1, 1), (1, 1))),
    ("shifted dW: no padding, odd sizes", (2, 32, 33, (14, 13), (3, 3), (1, 1), (0, 0))),
    ("shifted dW: 5x3 kernel, 9 images in 8 chunks", (9, 32, 34, (12, 16), (5, 3), (1, 1), (2, 1))),
    ("shifted dW: 1x1 kernel, a part panel", (3, 33, 32, (16, 16), (1, 1), (1, 1), (0, 0))),
    ("shifted dW: padding in one direction only", (2, 64, 17, (11, 15), (4, 2), (1, 1), (3, 0))),
]


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", NAMED, ids=[name for name, _ in NAMED])
def test_panels_named_shapes(name, spec, dtype):
    check_case(fixed_case(spec), dtype, simd_levels(), 2)


@needs_c
@pytest.mark.parametrize("want", [(True, False, False), (False, True, False), (False, False, True),
                                  (False, True, True), (False, False, False)])
def test_panels_compute_only_what_is_asked(want):
    case = fixed_case(NAMED[5][1])
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(2).standard_normal((1, 48, 9, 10)).astype(np.float32)
    (_, *panels), (_, *ref) = panels_and_ref(x, w, b, dy, case["stride"], case["pad"], want)
    for asked, got, expected in zip(want, panels, ref):
        if asked:
            assert_close(got, expected.astype(np.float64), np.float32)
        else:
            assert got is None


@needs_c
@pytest.mark.parametrize("size,channels", [(7, 16), (16, 32)], ids=["im2col dW", "shifted dW"])
def test_panels_gradients_do_not_depend_on_the_thread_count(size, channels):
    """dW and db are batch sums cut into chunks by the shape alone: bit for bit the same on 1, 2, 3 threads."""
    case = fixed_case((37, channels, 64, (size, size), (3, 3), (1, 1), (1, 1)))
    x, w, b = make_arrays(case, np.float32)
    dy = np.random.default_rng(5).standard_normal((37, 64, size, size)).astype(np.float32)
    before = tinynet.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            tinynet.set_num_threads(threads)
            results.append((kernels.conv2d_forward(x, w, b, padding=1), *kernels.conv2d_backward(x, w, dy, padding=1)))
    finally:
        tinynet.set_num_threads(before)
    for other in results[1:]:
        for first, second in zip(results[0], other):
            np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("big", [100000, 2**28], ids=["1e5", "2^28"])  # 2^28: past the gathers' 32-bit steps
@pytest.mark.parametrize("out_channels", [4, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_enormous_padding_and_stride_with_a_tiny_output(out_channels, dtype, big):
    """stride = padding = 100000 on a 5x5 image: a 3x3 output, of which only the centre sees the image.
    The scratch is sized by the output, not by a zero-bordered copy of 200005 x 200005 pixels."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 5)).astype(dtype)
    w = rng.standard_normal((out_channels, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(out_channels).astype(dtype)
    y = kernels.conv2d_forward(x, w, b, stride=big, padding=big)
    assert y.shape == (2, out_channels, 3, 3)
    # output (i, j) reads x[(i - 1) * big + p, (j - 1) * big + q]: only (1, 1) sees the image, x[:3, :3]
    corner = x[:, :, :3, :3].astype(np.float64)
    expected = np.broadcast_to(b.reshape(1, -1, 1, 1), y.shape).astype(np.float64).copy()
    expected[:, :, 1, 1] += np.einsum("ncpq,ocpq->no", corner, w)
    assert_close(y, expected, dtype)
    dy = rng.standard_normal(y.shape).astype(dtype)
    dx, dw, db = kernels.conv2d_backward(x, w, dy, stride=big, padding=big)
    centre = dy[:, :, 1, 1].astype(np.float64)
    dx_expected = np.zeros(x.shape)
    dx_expected[:, :, :3, :3] = np.einsum("no,ocpq->ncpq", centre, w)
    assert_close(dx, dx_expected, dtype)
    assert_close(dw, np.einsum("no,ncpq->ocpq", centre, corner), dtype)
    assert_close(db, dy.astype(np.float64).sum(axis=(0, 2, 3)), dtype)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shifted_dw_keeps_non_finite_values_where_they_belong(dtype):
    """The shifted products sum exactly the definition's terms: an inf in one corner pixel of x and a NaN
    in dL/dy reach the same elements of dW and db as in the plain loops (no 0 * inf from padding)."""
    case = fixed_case((3, 32, 32, (12, 12), (3, 3), (1, 1), (1, 1)))
    x, w, b = make_arrays(case, dtype)
    x[1, 2, 0, 0] = np.inf
    x[2, 17, 11, 11] = -np.inf
    dy = np.random.default_rng(7).standard_normal((3, 32, 12, 12)).astype(dtype)
    dy[0, 5, 6, 7] = np.nan
    (_, _, dw, db), (_, _, dw_ref, db_ref) = panels_and_ref(x, w, b, dy, case["stride"], case["pad"])
    for got, expected in ((dw, dw_ref), (db, db_ref)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(expected))
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(expected))
        finite = np.isfinite(expected)
        assert finite.any() and not finite.all()
        assert_close(np.where(finite, got, 0), np.where(finite, expected, 0).astype(np.float64), dtype)
