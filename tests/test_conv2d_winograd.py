"""The convolution by Winograd's F(2x2, 3x3) (csrc/conv/winograd.c) against the plain C loops
(tn_sconv2d_*_ref), on its own and through the dispatcher.

The dispatcher (csrc/conv/conv2d.c) gives it the float32 3x3 stride-1 forward passes and dL/dx (a
forward pass of dL/dy) with 64 or more channels in and out: ResNet's 28x28, 14x14 and 7x7 stages, and
without AVX-512 (AVX2 or plain C) its 4x4 too.  On its own it computes every 3x3 stride-1 shape with
padding up to 2, at every SIMD level the machine has (its transforms are compiled once per level).

Its sums run in another order than the reference's, and the transforms add and subtract neighbouring
pixels (and halve sums of weights) before multiplying: the tolerance is that of a sum of C x 9
products in another order, with room for the transforms' few extra roundings.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from test_conv2d import make_arrays, shape_struct
from test_conv2d_direct import TN_ERR_UNSUPPORTED, assert_within
from test_conv2d_panels import simd_levels
from test_conv2d_positions import assert_input_grad_matches_reference, buf, forward, random_dy, tolerance

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")

AVX2, AVX512 = 1, 2  # csrc/common/simd.h's TN_SIMD_AVX2, TN_SIMD_AVX512


@st.composite
def winograd_cases(draw):
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    return {
        "batch": draw(st.integers(1, 5)),
        "in_channels": draw(st.integers(1, 20)),
        "out_channels": draw(st.integers(1, 40)),
        # images down to a single pixel, and widths that end inside a vector of tiles
        "size": (draw(st.integers(max(1, 3 - 2 * ph), 12)), draw(st.integers(max(1, 3 - 2 * pw), 40))),
        "kernel": (3, 3), "stride": (1, 1), "pad": (ph, pw),
        "bias": draw(st.booleans()), "seed": draw(st.integers(0, 2**32 - 1)),
        "level": draw(st.sampled_from(simd_levels() or [0])),
    }


def at_case_level(case, call):
    level = lib.tn_get_simd_level()
    lib.tn_set_simd_level(case["level"])
    try:
        return call()
    finally:
        lib.tn_set_simd_level(level)


@settings(max_examples=80, deadline=None)
@given(case=winograd_cases())
def test_forward_matches_reference(case):
    x, w, b = make_arrays(case, np.float32)
    got = at_case_level(case, lambda: forward(lib.tn_sconv2d_winograd_forward, x, w, b, case["stride"], case["pad"]))
    expected = forward(lib.tn_sconv2d_forward_ref, x, w, b, case["stride"], case["pad"])
    assert_within(got, expected, tolerance(x, w, expected))


@settings(max_examples=60, deadline=None)
@given(case=winograd_cases())
def test_input_grad_matches_reference(case):
    x, w, _ = make_arrays(case, np.float32)
    s = shape_struct(x, w, case["stride"], case["pad"])
    dy, dx = random_dy(x, w, s, case["seed"] + 1), np.full_like(x, np.nan)
    assert at_case_level(case, lambda: lib.tn_sconv2d_winograd_input_grad(s, buf(w), buf(dy), buf(dx))) == 0
    assert_input_grad_matches_reference(dx, x, w, dy, s)


@pytest.mark.parametrize("kernel, stride, pad", [
    ((3, 3), (2, 1), (1, 1)),   # stride past 1
    ((3, 3), (1, 2), (1, 1)),
    ((3, 3), (1, 1), (3, 1)),   # padding past kernel - 1
    ((3, 3), (1, 1), (1, 3)),
    ((5, 5), (1, 1), (2, 2)),   # not 3x3
    ((3, 1), (1, 1), (1, 0)),
])
def test_refuses_what_it_cannot_compute(kernel, stride, pad):
    """TN_ERR_UNSUPPORTED, before any array is read (the pointers are NULL)."""
    x, w = np.zeros((2, 3, 9, 9), np.float32), np.zeros((4, 3) + kernel, np.float32)
    s = shape_struct(x, w, stride, pad)
    assert lib.tn_sconv2d_winograd_forward(s, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == TN_ERR_UNSUPPORTED
    assert lib.tn_sconv2d_winograd_input_grad(s, ffi.NULL, ffi.NULL, ffi.NULL) == TN_ERR_UNSUPPORTED


def check_against_reference(x, w, b, pad, entry_forward, entry_input_grad):
    """The forward pass and dL/dx by the given entry points against the reference loops; returns them."""
    s = shape_struct(x, w, (1, 1), (pad, pad))
    dy = np.random.default_rng(7).standard_normal((x.shape[0], w.shape[0], s.out_h, s.out_w)).astype(np.float32)
    y = forward(entry_forward, x, w, b, (1, 1), (pad, pad))
    dx = np.full_like(x, np.nan)
    assert entry_input_grad(s, dy, dx) in (None, 0)
    assert_within(y, forward(lib.tn_sconv2d_forward_ref, x, w, b, (1, 1), (pad, pad)), tolerance(x, w, y))
    assert_input_grad_matches_reference(dx, x, w, dy, s)
    return y, dx


# ResNet-10's stride-1 layers (batch cut down): 28x28 with 64 channels, 14x14 with 128, 7x7 with 256
# (2 tiles of 4 columns, the last tile's second row and column outside the image), and 4x4 with 512
# (2 slices of 256 channels: the products' second slice adds to the first) at AVX2, where the
# dispatcher gives that stage to Winograd too; channel counts that do not fill a micro-tile; plain C.
@pytest.mark.parametrize("batch, c_in, size, c_out, level", [
    (2, 64, 28, 64, AVX512),
    (3, 128, 14, 128, AVX512),
    (5, 256, 7, 256, AVX512),
    (3, 128, 14, 128, AVX2),
    (4, 512, 4, 512, AVX2),
    (3, 70, 9, 100, AVX2),
    (2, 64, 14, 64, 0),
])
@pytest.mark.parametrize("threads", [1, 2])
def test_dispatched_shapes_match_reference(batch, c_in, size, c_out, level, threads, at_level):
    if lib.tn_cpu_simd_level() < level:
        pytest.skip("this CPU lacks the SIMD level")
    at_level(level)
    tinynet.set_num_threads(threads)
    rng = np.random.default_rng(batch + c_in + size)
    x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
    w = (rng.standard_normal((c_out, c_in, 3, 3)) / np.sqrt(9 * c_in)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    y, dx = check_against_reference(
        x, w, b, 1, lib.tn_sconv2d_forward,
        lambda s, dy, dx: lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), buf(dx), ffi.NULL, ffi.NULL))
    # The dispatcher took Winograd's path: its own entry points give the same numbers bit for bit (its
    # chunks of tiles do not depend on the number of threads, and each is summed by one thread).
    s = shape_struct(x, w, (1, 1), (1, 1))
    np.testing.assert_array_equal(y, forward(lib.tn_sconv2d_winograd_forward, x, w, b, (1, 1), (1, 1)))
    dy = np.random.default_rng(7).standard_normal(y.shape).astype(np.float32)
    dx_own = np.full_like(x, np.nan)
    assert lib.tn_sconv2d_winograd_input_grad(s, buf(w), buf(dy), buf(dx_own)) == 0
    np.testing.assert_array_equal(dx, dx_own)


@pytest.mark.parametrize("level", [0, AVX2, AVX512])
@pytest.mark.parametrize("pad", [0, 1, 2])
def test_odd_and_tiny_images_at_every_level(level, pad, at_level):
    """Images whose last tile reaches past the output (odd sizes), images smaller than a tile, and many
    channels (slices of the products), on its own at each SIMD level's transforms."""
    if lib.tn_cpu_simd_level() < level:
        pytest.skip("this CPU lacks the SIMD level")
    at_level(level)
    rng = np.random.default_rng(pad)
    for batch, c_in, (h, w_), c_out in [(2, 300, (5, 7), 9), (3, 4, (1, 1), 5), (1, 6, (2, 13), 3), (4, 33, (11, 3), 40)]:
        if h + 2 * pad < 3 or w_ + 2 * pad < 3:
            continue
        x = rng.standard_normal((batch, c_in, h, w_)).astype(np.float32)
        w = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
        b = rng.standard_normal(c_out).astype(np.float32)
        check_against_reference(
            x, w, b, pad, lib.tn_sconv2d_winograd_forward,
            lambda s, dy, dx: lib.tn_sconv2d_winograd_input_grad(s, buf(w), buf(dy), buf(dx)))


def assert_same_as_reference(got, expected):
    """The same infinities and NaNs in the same places, and the finite numbers close."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(expected))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(expected))
    finite = np.isfinite(expected)
    scale = np.abs(expected[finite]).max() if finite.any() else 1.0
    np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("threads", [1, 2])
def test_overflow_in_the_transforms_is_computed_again_exactly(threads, at_level):
    """One pixel of 2e38 under all-ones weights: every output that sees it is 2e38, but Winograd's
    products reach 2.25 times that (an infinity) before the output transform would bring them back.  Its
    own entry point says so (TN_ERR_UNSUPPORTED), and the dispatcher's answer is the convolution's."""
    at_level(lib.tn_cpu_simd_level())  # (the dispatcher gives these shapes to Winograd at every level)
    tinynet.set_num_threads(threads)
    x = np.zeros((2, 64, 8, 8), np.float32)
    x[1, 0, 3, 4] = 2e38
    w, b = np.ones((64, 64, 3, 3), np.float32), np.zeros(64, np.float32)
    s = shape_struct(x, w, (1, 1), (1, 1))
    y_own = np.full((2, 64, 8, 8), np.nan, np.float32)
    assert lib.tn_sconv2d_winograd_forward(s, buf(x), buf(w), buf(b), buf(y_own)) == TN_ERR_UNSUPPORTED
    expected = forward(lib.tn_sconv2d_forward_ref, x, w, b, (1, 1), (1, 1))
    assert np.isfinite(expected).all() and expected.max() == np.float32(2e38)
    assert_same_as_reference(forward(lib.tn_sconv2d_forward, x, w, b, (1, 1), (1, 1)), expected)
    # dL/dx the same way: one dL/dy of 2e38
    dy = np.zeros((2, 64, 8, 8), np.float32)
    dy[0, 5, 2, 2] = 2e38
    dx, dx_ref = np.full_like(x, np.nan), np.full_like(x, np.nan)
    assert lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), buf(dx), ffi.NULL, ffi.NULL) in (None, 0)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), buf(dx_ref), ffi.NULL, ffi.NULL)
    assert np.isfinite(dx_ref).all()
    assert_same_as_reference(dx, dx_ref)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_infinite_and_nan_pixels_give_the_convolutions_infinities(value, at_level):
    """An infinite pixel meets weights of both signs in Winograd's sums (inf - inf = NaN where the
    convolution gives +-inf): the dispatcher's outputs are the reference's, infinities, NaN and all."""
    at_level(lib.tn_cpu_simd_level())  # (the dispatcher gives these shapes to Winograd at every level)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 64, 7, 7)).astype(np.float32)
    x[0, 3, 2, 5] = value
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    got = forward(lib.tn_sconv2d_forward, x, w, b, (1, 1), (1, 1))
    expected = forward(lib.tn_sconv2d_forward_ref, x, w, b, (1, 1), (1, 1))
    assert not np.isfinite(expected).all()
    assert_same_as_reference(got, expected)
    s = shape_struct(x, w, (1, 1), (1, 1))
    dy = rng.standard_normal((2, 64, 7, 7)).astype(np.float32)
    dy[1, 7, 0, 6] = value
    dx, dx_ref = np.full_like(x, np.nan), np.full_like(x, np.nan)
    assert lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), buf(dx), ffi.NULL, ffi.NULL) in (None, 0)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), buf(dx_ref), ffi.NULL, ffi.NULL)
    assert_same_as_reference(dx, dx_ref)
