"""The convolution one kernel tap at a time (csrc/conv/taps.c) against the plain C loops
(tn_sconv2d_*_ref), on its own and through the dispatcher.

The dispatcher (csrc/conv/conv2d.c) gives it, of the panel path's float32 convolutions, the stride-1
forward passes with padding up to kernel - 1 and the dL/dx of such convolutions (a forward pass of
dL/dy) that Winograd's F(2x2, 3x3) does not take (3x3 kernels with 64 or more channels in and out):
with AVX-512 those of images of 256 or more outputs and 64 or more channels x kernel width, at the
other SIMD levels all of them.  On its own it computes every such
shape whose shifted copies fit its limit, at every SIMD level the machine has.
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
def stride_one_cases(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    ph, pw = draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))
    return {
        "batch": draw(st.integers(1, 5)),
        "in_channels": draw(st.integers(1, 20)),
        "out_channels": draw(st.integers(1, 40)),
        "size": (draw(st.integers(max(1, kh - 2 * ph), 12)), draw(st.integers(max(1, kw - 2 * pw), 40))),
        "kernel": (kh, kw), "stride": (1, 1), "pad": (ph, pw),
        "bias": draw(st.booleans()), "seed": draw(st.integers(0, 2**32 - 1)),
        "level": draw(st.sampled_from(simd_levels() or [0])),
    }


@settings(max_examples=80, deadline=None)
@given(case=stride_one_cases())
def test_forward_matches_reference(case):
    x, w, b = make_arrays(case, np.float32)
    level = lib.tn_get_simd_level()
    lib.tn_set_simd_level(case["level"])
    try:
        got = forward(lib.tn_sconv2d_taps_forward, x, w, b, case["stride"], case["pad"])
    finally:
        lib.tn_set_simd_level(level)
    expected = forward(lib.tn_sconv2d_forward_ref, x, w, b, case["stride"], case["pad"])
    assert_within(got, expected, tolerance(x, w, expected))


@settings(max_examples=60, deadline=None)
@given(case=stride_one_cases())
def test_input_grad_matches_reference(case):
    x, w, _ = make_arrays(case, np.float32)
    s = shape_struct(x, w, case["stride"], case["pad"])
    dy, dx = random_dy(x, w, s, case["seed"] + 1), np.full_like(x, np.nan)
    level = lib.tn_get_simd_level()
    lib.tn_set_simd_level(case["level"])
    try:
        assert lib.tn_sconv2d_taps_input_grad(s, buf(w), buf(dy), buf(dx)) == 0
    finally:
        lib.tn_set_simd_level(level)
    assert_input_grad_matches_reference(dx, x, w, dy, s)


@pytest.mark.parametrize("stride, pad", [((2, 1), (1, 1)), ((1, 1), (3, 1)), ((1, 1), (1, 3))])
def test_refuses_what_it_cannot_compute(stride, pad):
    """Stride past 1, or padding past kernel - 1 (whose shifted copies would not hold every output's
    taps): TN_ERR_UNSUPPORTED, before any array is read."""
    x, w = np.zeros((2, 3, 9, 9), np.float32), np.zeros((4, 3, 3, 3), np.float32)
    s = shape_struct(x, w, stride, pad)
    assert lib.tn_sconv2d_taps_forward(s, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == TN_ERR_UNSUPPORTED
    assert lib.tn_sconv2d_taps_input_grad(s, ffi.NULL, ffi.NULL, ffi.NULL) == TN_ERR_UNSUPPORTED


def test_refuses_copies_past_its_limit():
    """Shifted copies of more than 64 MiB a thread (4096 channels of a 41 x 41 image, a 3 x 3 kernel:
    3 copies of 43 x 41 pixels a channel, 87 MB): TN_ERR_UNSUPPORTED, before any array is read or
    scratch allocated."""
    s = ffi.new("tn_conv2d_shape *", dict(batch=1, in_channels=4096, in_h=40, in_w=40, out_channels=32, kernel_h=3,
                                          kernel_w=3, stride_h=1, stride_w=1, pad_h=1, pad_w=1, out_h=40, out_w=40))
    s.in_h = s.out_h = 41
    assert lib.tn_sconv2d_taps_forward(s, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL) == TN_ERR_UNSUPPORTED


# A 28x28 image with 32 channels in (ResNet's 28x28 stage with 64 in and out goes to Winograd's
# F(2x2, 3x3): test_conv2d_winograd.py) and a 5x5 kernel, at AVX-512 (where the dispatcher gives them to
# the taps), and a 7x7 image with 48 channels in at AVX2 (where it gives the taps every stride-1 shape
# that Winograd does not take).
@pytest.mark.parametrize("batch, c_in, size, c_out, pad, kernel, level", [
    (3, 32, 28, 64, 1, 3, AVX512),
    (2, 64, 20, 40, 2, 5, AVX512),
    (3, 32, 28, 48, 1, 3, AVX2),
    (4, 48, 7, 96, 1, 3, AVX2),
])
@pytest.mark.parametrize("threads", [1, 2])
def test_dispatched_shapes_match_reference(batch, c_in, size, c_out, pad, kernel, level, threads, at_level):
    if lib.tn_cpu_simd_level() < level:
        pytest.skip("this CPU lacks the SIMD level")
    at_level(level)
    rng = np.random.default_rng(batch + c_in + size)
    x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
    w = rng.standard_normal((c_out, c_in, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    s = shape_struct(x, w, (1, 1), (pad, pad))
    dy = rng.standard_normal((batch, c_out, s.out_h, s.out_w)).astype(np.float32)
    tinynet.set_num_threads(threads)
    y = forward(lib.tn_sconv2d_forward, x, w, b, (1, 1), (pad, pad))
    dx = np.full_like(x, np.nan)
    assert lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), buf(dx), ffi.NULL, ffi.NULL) in (None, 0)
    y_ref = forward(lib.tn_sconv2d_forward_ref, x, w, b, (1, 1), (pad, pad))
    dx_ref = np.full_like(x, np.nan)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), buf(dx_ref), ffi.NULL, ffi.NULL)
    assert_within(y, y_ref, tolerance(x, w, y_ref))
    assert_within(dx, dx_ref, np.sqrt(c_out * kernel * kernel) * 4e-5 * (np.abs(dy).max() * np.abs(w).max() + 1))
    # The dispatcher took the taps: their own entry points give the same numbers bit for bit (their sums
    # run in an order of their own, the same on any number of threads; the panels' differ from it).
    np.testing.assert_array_equal(y, forward(lib.tn_sconv2d_taps_forward, x, w, b, (1, 1), (pad, pad)))
    dx_own = np.full_like(x, np.nan)
    assert lib.tn_sconv2d_taps_input_grad(s, buf(w), buf(dy), buf(dx_own)) == 0
    np.testing.assert_array_equal(dx, dx_own)
