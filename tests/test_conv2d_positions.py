"""The convolution by output positions (csrc/conv/positions.c) against the plain C loops
(tn_sconv2d_*_ref), on its own and through the dispatcher.

The dispatcher (csrc/conv/conv2d.c) gives it, of the panel path's float32 convolutions, the forward
passes, dL/dW and dL/db (and dL/dx of stride-1 ones, a forward pass of dL/dy) of batches of 16 or more small images
whose kernel taps read the padding in a quarter or more of im2col's multiply-adds: ResNet's 4x4
stage.  On its own it computes the forward pass, dL/dW and dL/db of any shape, and dL/dx of
stride-1 shapes with padding up to kernel - 1, at every SIMD level the machine has.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinynet
from test_conv2d import make_arrays, shape_struct
from test_conv2d_direct import TN_ERR_UNSUPPORTED, assert_within

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:
    ffi = lib = None

pytestmark = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")



def buf(array):
    return ffi.NULL if array is None else ffi.from_buffer("float[]", array)


def forward(entry, x, w, b, stride, pad):
    """y from tn_sconv2d_<entry> (NaN first: every element must be written)."""
    s = shape_struct(x, w, stride, pad)
    y = np.full((x.shape[0], w.shape[0], s.out_h, s.out_w), np.nan, dtype=np.float32)
    assert entry(s, buf(x), buf(w), buf(b), buf(y)) in (None, 0)
    return y


def tolerance(x, w, expected):
    """float32 sums of up to C*kh*kw products, in another order than the reference's."""
    terms = x.shape[1] * w.shape[2] * w.shape[3]
    return 1e-5 * np.sqrt(terms) * (np.abs(x).max() * np.abs(w).max() + 1) * np.ones_like(expected) * 4


@st.composite
def any_cases(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh + 1)), draw(st.integers(0, kw + 1))
    return {
        "batch": draw(st.integers(1, 40)),
        "in_channels": draw(st.integers(1, 20)),
        "out_channels": draw(st.integers(1, 40)),
        "size": (draw(st.integers(max(1, kh - 2 * ph), 9)), draw(st.integers(max(1, kw - 2 * pw), 9))),
        "kernel": (kh, kw), "stride": (sh, sw), "pad": (ph, pw),
        "bias": draw(st.booleans()), "seed": draw(st.integers(0, 2**32 - 1)),
    }


@settings(max_examples=80, deadline=None)
@given(case=any_cases())
def test_forward_matches_reference(case):
    x, w, b = make_arrays(case, np.float32)
    got = forward(lib.tn_sconv2d_positions_forward, x, w, b, case["stride"], case["pad"])
    expected = forward(lib.tn_sconv2d_forward_ref, x, w, b, case["stride"], case["pad"])
    assert_within(got, expected, tolerance(x, w, expected))


def random_dy(x, w, s, seed):
    """A dL/dy for the convolution of shape s."""
    return np.random.default_rng(seed).standard_normal((x.shape[0], w.shape[0], s.out_h, s.out_w)).astype(np.float32)


def assert_input_grad_matches_reference(dx, x, w, dy, s):
    expected = np.full_like(x, np.nan)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), buf(expected), ffi.NULL, ffi.NULL)
    terms = w.shape[0] * w.shape[2] * w.shape[3]
    assert_within(dx, expected, 4e-5 * np.sqrt(terms) * (np.abs(dy).max() * np.abs(w).max() + 1))


@settings(max_examples=60, deadline=None)
@given(case=any_cases())
def test_input_grad_matches_reference(case):
    x, w, _ = make_arrays(case, np.float32)
    s = shape_struct(x, w, case["stride"], case["pad"])
    dy = random_dy(x, w, s, case["seed"] + 1)
    dx = np.full_like(x, np.nan)
    status = lib.tn_sconv2d_positions_input_grad(s, buf(w), buf(dy), buf(dx))
    if case["stride"] != (1, 1) or case["pad"][0] > w.shape[2] - 1 or case["pad"][1] > w.shape[3] - 1:
        assert status == TN_ERR_UNSUPPORTED
        return
    assert status == 0
    assert_input_grad_matches_reference(dx, x, w, dy, s)


@settings(max_examples=60, deadline=None)
@given(case=any_cases(), want=st.sampled_from([(True, True), (True, False), (False, True)]))
def test_weight_grad_matches_reference(case, want):
    x, w, _ = make_arrays(case, np.float32)
    s = shape_struct(x, w, case["stride"], case["pad"])
    dy = np.random.default_rng(case["seed"] + 2).standard_normal((x.shape[0], w.shape[0], s.out_h, s.out_w))
    dy = dy.astype(np.float32)
    dw = np.full_like(w, np.nan) if want[0] else None
    db = np.full(w.shape[0], np.nan, dtype=np.float32) if want[1] else None
    assert lib.tn_sconv2d_positions_weight_grad(s, buf(x), buf(dy), buf(dw), buf(db)) == 0
    dw_ref, db_ref = np.full_like(w, np.nan), np.full(w.shape[0], np.nan, dtype=np.float32)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), ffi.NULL, buf(dw_ref), buf(db_ref))
    terms = x.shape[0] * s.out_h * s.out_w
    scale = 4e-5 * np.sqrt(terms) * (np.abs(dy).max() * max(np.abs(x).max(), 1) + 1)
    if want[0]:
        assert_within(dw, dw_ref, scale)
    if want[1]:
        assert_within(db, db_ref, scale)


# ResNet's 7x7 stage (18 % of im2col's multiply-adds read the padding): its dL/dW goes by positions at
# every level, its forward pass with AVX-512 does not (from 25 %).
@pytest.mark.parametrize("level", [1, 2])
@pytest.mark.parametrize("threads", [1, 2])
def test_dispatched_weight_grad_of_a_7x7_image_goes_by_positions(level, threads, at_level):
    if lib.tn_cpu_simd_level() < level:
        pytest.skip("this CPU lacks the SIMD level")
    at_level(level)
    rng = np.random.default_rng(level * 10 + threads)
    x = rng.standard_normal((20, 48, 7, 7)).astype(np.float32)
    w = rng.standard_normal((40, 48, 3, 3)).astype(np.float32)
    s = shape_struct(x, w, (1, 1), (1, 1))
    dy = rng.standard_normal((20, 40, 7, 7)).astype(np.float32)
    before = tinynet.get_num_threads()
    tinynet.set_num_threads(threads)
    try:
        dw, db = np.full_like(w, np.nan), np.full(40, np.nan, dtype=np.float32)
        assert lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), ffi.NULL, buf(dw), buf(db)) in (None, 0)
    finally:
        tinynet.set_num_threads(before)
    dw_own, db_own = np.full_like(w, np.nan), np.full(40, np.nan, dtype=np.float32)
    assert lib.tn_sconv2d_positions_weight_grad(s, buf(x), buf(dy), buf(dw_own), buf(db_own)) == 0
    np.testing.assert_array_equal(dw, dw_own)
    np.testing.assert_array_equal(db, db_own)
    dw_ref = np.full_like(w, np.nan)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), ffi.NULL, buf(dw_ref), ffi.NULL)
    assert_within(dw, dw_ref, 4e-5 * np.sqrt(20 * 49) * (np.abs(dy).max() * np.abs(x).max() + 1))


# dL/dW at each SIMD level: the packing of dL/dy into A micro-panels follows the level's micro-tile
# height (14 rows with AVX-512, 6 with AVX2, 4 in plain C), so output channels that leave short and
# uneven panels (33, 7), a batch under one B panel and one past it, and a stride-2 case.
@pytest.mark.parametrize("batch, c_in, size, c_out, stride", [
    (5, 8, 4, 33, 1), (37, 20, 3, 7, 1), (16, 24, 6, 48, 2), (64, 32, 4, 70, 1),
])
@pytest.mark.parametrize("level", [0, 1, 2])
def test_weight_grad_at_every_level(batch, c_in, size, c_out, stride, level, at_level):
    if lib.tn_cpu_simd_level() < level:
        pytest.skip("this CPU lacks the SIMD level")
    at_level(level)
    rng = np.random.default_rng(batch * c_out + level)
    x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
    w = np.zeros((c_out, c_in, 3, 3), dtype=np.float32)
    s = shape_struct(x, w, (stride, stride), (1, 1))
    dy = rng.standard_normal((batch, c_out, s.out_h, s.out_w)).astype(np.float32)
    dw, db = np.full_like(w, np.nan), np.full(c_out, np.nan, dtype=np.float32)
    assert lib.tn_sconv2d_positions_weight_grad(s, buf(x), buf(dy), buf(dw), buf(db)) == 0
    dw_ref, db_ref = np.full_like(w, np.nan), np.full(c_out, np.nan, dtype=np.float32)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), ffi.NULL, buf(dw_ref), buf(db_ref))
    scale = 4e-5 * np.sqrt(batch * s.out_h * s.out_w) * (np.abs(dy).max() * np.abs(x).max() + 1)
    assert_within(dw, dw_ref, scale)
    assert_within(db, db_ref, scale)


# ResNet-10's 4x4 stage and its stride-2 entry (the dispatcher's cases), a batch under one B panel,
# and an output that no tap reaches inside the image (padding past the kernel: only the bias); below
# AVX-512 (level 1, AVX2), also images with 15-25 % padding: ResNet's 7x7 stage, and 6x6 (21 %).  The
# 4x4 stage's forward pass goes by positions with AVX-512 only (level 2): below it, Winograd takes it.
@pytest.mark.parametrize("batch, c_in, size, c_out, stride, pad, kernel, level", [
    (64, 512, 4, 64, 1, 1, 3, 2),
    (40, 64, 7, 48, 2, 1, 3, None),
    (17, 8, 2, 33, 1, 1, 3, None),
    (16, 3, 3, 32, 1, 4, 3, None),
    (20, 48, 7, 40, 1, 1, 3, 1),
    (16, 24, 6, 48, 1, 1, 3, 1),
])
@pytest.mark.parametrize("threads", [1, 2])
def test_dispatched_shapes_match_reference(batch, c_in, size, c_out, stride, pad, kernel, level, threads,
                                           restore_settings):
    if level is not None:
        if lib.tn_cpu_simd_level() < level:
            pytest.skip("this CPU lacks the SIMD level")
        assert lib.tn_set_simd_level(level) == level
    rng = np.random.default_rng(batch + c_in)
    x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
    w = rng.standard_normal((c_out, c_in, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    s = shape_struct(x, w, (stride, stride), (pad, pad))
    dy = rng.standard_normal((batch, c_out, s.out_h, s.out_w)).astype(np.float32)
    before = tinynet.get_num_threads()
    tinynet.set_num_threads(threads)
    try:
        y = forward(lib.tn_sconv2d_forward, x, w, b, (stride, stride), (pad, pad))
        dx = np.full_like(x, np.nan)
        dw = np.full_like(w, np.nan)
        assert lib.tn_sconv2d_backward(s, buf(x), buf(w), buf(dy), buf(dx), buf(dw), ffi.NULL) in (None, 0)
    finally:
        tinynet.set_num_threads(before)
    y_ref = forward(lib.tn_sconv2d_forward_ref, x, w, b, (stride, stride), (pad, pad))
    dx_ref, dw_ref = np.full_like(x, np.nan), np.full_like(w, np.nan)
    lib.tn_sconv2d_backward_ref(s, buf(x), buf(w), buf(dy), buf(dx_ref), buf(dw_ref), ffi.NULL)
    assert_within(y, y_ref, tolerance(x, w, y_ref))
    # The dispatcher took the positions path: its own entry points give the same numbers bit for bit (its
    # sums run in an order of their own, the same on any number of threads; the panels' differ from it).
    np.testing.assert_array_equal(y, forward(lib.tn_sconv2d_positions_forward, x, w, b, (stride, stride), (pad, pad)))
    dw_own = np.full_like(w, np.nan)
    assert lib.tn_sconv2d_positions_weight_grad(s, buf(x), buf(dy), buf(dw_own), ffi.NULL) == 0
    np.testing.assert_array_equal(dw, dw_own)
    if stride == 1 and pad <= kernel - 1:  # dL/dx as a forward pass of dL/dy: positions too
        dx_own = np.full_like(x, np.nan)
        assert lib.tn_sconv2d_positions_input_grad(s, buf(w), buf(dy), buf(dx_own)) == 0
        np.testing.assert_array_equal(dx, dx_own)
    scale = np.sqrt(c_out * kernel * kernel) * 4e-5 * (np.abs(dy).max() * np.abs(w).max() + 1)
    assert_within(dx, dx_ref, scale)
    assert_within(dw, dw_ref, np.sqrt(batch * s.out_h * s.out_w) * 4e-5 * (np.abs(dy).max() * np.abs(x).max() + 1))
