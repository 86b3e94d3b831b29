"""2-D convolution kernels (csrc/conv/) against an independent float64 reference.

The reference below is written differently from both the C code (im2col +
GEMM) and tinynet.kernels.reference (im2col + GEMM): it loops
over the kernel taps and adds one shifted, strided slice of the padded input
per tap.  Every comparison is in float64 against it, with a tolerance scaled
to the dtype under test.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinynet
from tinynet import kernels
from kernel_checks import assert_close_to_scale

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # the C extension was not built: the C-only tests skip
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension tinynet._tinynet_c is not built")

TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}  # relative to the size of the result


# ---- the reference ------------------------------------------------------------

def _pad(x, pad_h, pad_w):
    return np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))


def _tap(x_padded, p, q, out_h, out_w, stride_h, stride_w):
    """x_padded[n, c, i*sh + p, j*sw + q] for every output (i, j): what tap (p, q) sees."""
    return x_padded[:, :, p : p + stride_h * (out_h - 1) + 1 : stride_h, q : q + stride_w * (out_w - 1) + 1 : stride_w]


def reference_conv(x, w, b, stride, pad):
    """Forward and a closure for the three gradients, all in float64."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    (sh, sw), (ph, pw) = stride, pad
    n, _, h, wd = x.shape
    co, _, kh, kw = w.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    xp = _pad(x, ph, pw)
    y = np.zeros((n, co, out_h, out_w))
    for p in range(kh):
        for q in range(kw):
            # y[n, o] += sum_c w[o, c, p, q] * x_tap[n, c]
            y += np.einsum("ncij,oc->noij", _tap(xp, p, q, out_h, out_w, sh, sw), w[:, :, p, q])
    if b is not None:
        y += b.astype(np.float64).reshape(1, -1, 1, 1)

    def grads(dy):
        dy = dy.astype(np.float64)
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        for p in range(kh):
            for q in range(kw):
                dw[:, :, p, q] = np.einsum("noij,ncij->oc", dy, _tap(xp, p, q, out_h, out_w, sh, sw))
                dxp[:, :, p : p + sh * (out_h - 1) + 1 : sh, q : q + sw * (out_w - 1) + 1 : sw] += np.einsum(
                    "noij,oc->ncij", dy, w[:, :, p, q])
        dx = dxp[:, :, ph : ph + h, pw : pw + wd]
        return dx, dw, dy.sum(axis=(0, 2, 3))

    return y, grads


def assert_close(actual, expected, dtype):
    assert_close_to_scale(actual, expected, dtype, TOLERANCE[dtype])


# ---- shapes -----------------------------------------------------------------------

@st.composite
def conv_cases(draw):
    """A convolution the wrappers admit: any kernel up to the padded input,
    padding up to kernel - 1, strides also larger than the kernel."""
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    ph, pw = draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))
    h, w = draw(st.integers(1, 13)), draw(st.integers(1, 13))
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    return {
        "batch": draw(st.integers(1, 5)),
        "in_channels": draw(st.integers(1, 4)),
        "out_channels": draw(st.integers(1, 6)),
        "size": (h, w),
        "kernel": (kh, kw),
        "stride": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "pad": (ph, pw),
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def make_arrays(case, dtype):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["batch"], case["in_channels"], *case["size"])).astype(dtype)
    w = rng.standard_normal((case["out_channels"], case["in_channels"], *case["kernel"])).astype(dtype)
    b = rng.standard_normal(case["out_channels"]).astype(dtype) if case["bias"] else None
    return x, w, b


# Named shapes hypothesis might not hit every run.
FIXED_CASES = [
    # name: (batch, c_in, c_out, (h, w), (kh, kw), stride, pad)
    ("1x1 pointwise", (3, 5, 4, (6, 7), (1, 1), (1, 1), (0, 0))),
    ("1x1 strided", (2, 3, 2, (7, 5), (1, 1), (2, 3), (0, 0))),
    ("prime sizes", (1, 3, 5, (13, 11), (3, 5), (1, 1), (1, 2))),
    ("stride > kernel", (2, 2, 3, (11, 9), (2, 2), (3, 4), (0, 1))),
    ("pad = kernel - 1", (2, 2, 3, (5, 4), (3, 4), (1, 1), (2, 3))),
    ("kernel = whole padded input", (2, 2, 2, (3, 2), (5, 4), (1, 1), (1, 1))),
    ("lenet conv2", (8, 6, 16, (12, 12), (5, 5), (1, 1), (0, 0))),
    ("many small images", (70, 3, 5, (7, 7), (3, 3), (1, 1), (1, 1))),
    ("one wide image", (1, 2, 3, (3, 70), (3, 3), (1, 2), (1, 1))),
    ("1x1 strided, ResNet's shortcut", (3, 64, 128, (28, 28), (1, 1), (2, 2), (0, 0))),
    ("1x1 strided 3 x 1, sizes the stride does not divide", (2, 5, 33, (10, 7), (1, 1), (3, 1), (0, 0))),
    # past 256 pixels the forward goes to im2col and the gradients may stay direct (conv2d.c)
    ("direct gradients at 28x28, im2col forward", (3, 4, 4, (28, 28), (3, 3), (1, 1), (1, 1))),
    ("direct dL/dx, im2col dL/dW (2 output channels)", (2, 8, 2, (20, 30), (3, 3), (1, 1), (1, 1))),
]


def fixed_case(spec, seed=7, bias=True):
    batch, cin, cout, size, kernel, stride, pad = spec
    return {"batch": batch, "in_channels": cin, "out_channels": cout, "size": size, "kernel": kernel,
            "stride": stride, "pad": pad, "bias": bias, "seed": seed}


def check_against_reference(case, dtype):
    x, w, b = make_arrays(case, dtype)
    y_ref, grads = reference_conv(x, w, b, case["stride"], case["pad"])
    y = kernels.conv2d_forward(x, w, b, stride=case["stride"], padding=case["pad"])
    assert_close(y, y_ref, dtype)
    dy = np.random.default_rng(case["seed"] + 1).standard_normal(y.shape).astype(dtype)
    dx, dw, db = kernels.conv2d_backward(x, w, dy, stride=case["stride"], padding=case["pad"])
    dx_ref, dw_ref, db_ref = grads(dy)
    assert_close(dx, dx_ref, dtype)
    assert_close(dw, dw_ref, dtype)
    assert_close(db, db_ref, dtype)


# ---- the public wrappers (whatever backend is active) -----------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=conv_cases())
def test_conv2d_matches_reference(case, dtype):
    check_against_reference(case, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", FIXED_CASES, ids=[name for name, _ in FIXED_CASES])
def test_conv2d_named_shapes(name, spec, dtype):
    check_against_reference(fixed_case(spec), dtype)


@pytest.mark.parametrize("input_grad,weight_grad,bias_grad",
                         [(True, False, False), (False, True, False), (False, False, True), (False, True, True)])
def test_conv2d_backward_computes_only_what_is_asked(input_grad, weight_grad, bias_grad):
    case = fixed_case(FIXED_CASES[7][1])
    x, w, _ = make_arrays(case, np.float64)
    y_ref, grads = reference_conv(x, w, None, case["stride"], case["pad"])
    dy = np.random.default_rng(3).standard_normal(y_ref.shape)
    got = kernels.conv2d_backward(x, w, dy, case["stride"], case["pad"], input_grad, weight_grad, bias_grad)
    for asked, value, expected in zip((input_grad, weight_grad, bias_grad), got, grads(dy)):
        if asked:
            assert_close(value, expected, np.float64)
        else:
            assert value is None


# ---- the C kernels directly -----------------------------------------------------

C_TYPES = {np.float32: ("float[]", "s"), np.float64: ("double[]", "d")}


def shape_struct(x, w, stride, pad):
    n, c, h, wd = x.shape
    co, _, kh, kw = w.shape
    return ffi.new("tn_conv2d_shape *", {
        "batch": n, "in_channels": c, "in_h": h, "in_w": wd, "out_channels": co,
        "kernel_h": kh, "kernel_w": kw, "stride_h": stride[0], "stride_w": stride[1],
        "pad_h": pad[0], "pad_w": pad[1],
        "out_h": (h + 2 * pad[0] - kh) // stride[0] + 1, "out_w": (wd + 2 * pad[1] - kw) // stride[1] + 1,
    })


def c_conv(x, w, b, dy, stride, pad, want=(True, True, True), reference=False):
    """Run tn_?conv2d_forward/backward (or the _ref loops) through cffi; returns (y, dx, dw, db)."""
    ctype, prefix = C_TYPES[x.dtype.type]
    suffix = "_ref" if reference else ""
    s = shape_struct(x, w, stride, pad)
    ptr = lambda a: ffi.NULL if a is None else ffi.from_buffer(ctype, a)  # noqa: E731
    y = np.full((x.shape[0], w.shape[0], s.out_h, s.out_w), np.nan, dtype=x.dtype)
    status = getattr(lib, f"tn_{prefix}conv2d_forward{suffix}")(s, ptr(x), ptr(w), ptr(b), ptr(y))
    assert status in (None, 0)
    # Fill the outputs with NaN: "overwritten, not accumulated" means none may survive.
    dx = np.full_like(x, np.nan) if want[0] else None
    dw = np.full_like(w, np.nan) if want[1] else None
    db = np.full(w.shape[0], np.nan, dtype=x.dtype) if want[2] else None
    status = getattr(lib, f"tn_{prefix}conv2d_backward{suffix}")(s, ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db))
    assert status in (None, 0)
    return y, dx, dw, db


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=conv_cases())
def test_c_kernels_match_their_ref_loops(case, dtype):
    """At every SIMD level the CPU has (each its own GEMM micro-kernel, and the direct path
    where the dispatcher chooses it)."""
    x, w, b = make_arrays(case, dtype)
    y_ref, _ = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(case["seed"] + 2).standard_normal(y_ref.shape).astype(dtype)
    slow = c_conv(x, w, b, dy, case["stride"], case["pad"], reference=True)
    level = lib.tn_get_simd_level()
    try:
        for simd in range(lib.tn_cpu_simd_level() + 1):
            lib.tn_set_simd_level(simd)
            fast = c_conv(x, w, b, dy, case["stride"], case["pad"])
            for got, expected in zip(fast, slow):
                assert_close(got, expected.astype(np.float64), dtype)
    finally:
        lib.tn_set_simd_level(level)


@needs_c
@pytest.mark.parametrize("want", [(True, False, False), (False, True, False), (False, False, True),
                                  (True, True, False), (False, False, False)])
def test_c_backward_accepts_null_gradients(want):
    case = fixed_case(FIXED_CASES[7][1])
    x, w, b = make_arrays(case, np.float64)
    y_ref, grads = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(5).standard_normal(y_ref.shape)
    _, *got = c_conv(x, w, b, dy, case["stride"], case["pad"], want=want)
    for asked, value, expected in zip(want, got, grads(dy)):
        if asked:
            assert_close(value, expected, np.float64)
        else:
            assert value is None


def c_simd_levels():
    return list(range(lib.tn_cpu_simd_level() + 1)) if lib is not None else []


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", [FIXED_CASES[i] for i in (0, 1, 3, 6, 7, 9, 10, 11, 12)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_c_every_simd_level_and_thread_count(name, spec, dtype, restore_settings):
    """Each SIMD path the CPU has, on 1 thread and on all of them: right answers,
    and dW, db (batch sums, reduced in a fixed order) bit-identical across thread counts.
    dx and y are per-image results and must be identical too."""
    case = fixed_case(spec)
    x, w, b = make_arrays(case, dtype)
    y_ref, grads = reference_conv(x, w, b, case["stride"], case["pad"])
    dy = np.random.default_rng(9).standard_normal(y_ref.shape).astype(dtype)
    expected = (y_ref, *grads(dy))
    all_threads = max(2, lib.tn_default_num_threads())
    for level in c_simd_levels():
        assert lib.tn_set_simd_level(level) == level
        results = {}
        for threads in (1, all_threads):
            lib.tn_set_num_threads(threads)
            results[threads] = c_conv(x, w, b, dy, case["stride"], case["pad"])
            for got, want in zip(results[threads], expected):
                assert_close(got, want, dtype)
        if lib.tn_has_openmp():
            for one, many in zip(results[1], results[all_threads]):
                np.testing.assert_array_equal(one, many)


def test_conv2d_backward_is_deterministic_across_thread_counts():
    """Through the public API: a batch big enough to be split among threads gives the same bits."""
    case = fixed_case((64, 3, 6, (9, 9), (3, 3), (1, 1), (1, 1)))
    x, w, _ = make_arrays(case, np.float32)
    dy = np.random.default_rng(1).standard_normal((64, 6, 9, 9)).astype(np.float32)
    before = tinynet.get_num_threads()
    try:
        tinynet.set_num_threads(1)
        one = kernels.conv2d_backward(x, w, dy, 1, 1)
        tinynet.set_num_threads(2)
        two = kernels.conv2d_backward(x, w, dy, 1, 1)
    finally:
        tinynet.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# ---- PyTorch, when it is installed ------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", FIXED_CASES, ids=[name for name, _ in FIXED_CASES])
def test_conv2d_matches_torch(name, spec, dtype):
    torch = pytest.importorskip("torch")
    case = fixed_case(spec)
    x, w, b = make_arrays(case, dtype)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=case["stride"], padding=case["pad"])
    dy = np.random.default_rng(11).standard_normal(tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(dy))

    y = kernels.conv2d_forward(x, w, b, stride=case["stride"], padding=case["pad"])
    dx, dw, db = kernels.conv2d_backward(x, w, dy, stride=case["stride"], padding=case["pad"])
    assert_close(y, ty.detach().numpy().astype(np.float64), dtype)
    assert_close(dx, tx.grad.numpy().astype(np.float64), dtype)
    assert_close(dw, tw.grad.numpy().astype(np.float64), dtype)
    assert_close(db, tb.grad.numpy().astype(np.float64), dtype)
