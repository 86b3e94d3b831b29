"""2-D max and average pooling kernels (csrc/pool/) against a plain float64 reference.

The reference visits every output window with Python loops -- slow, but
impossible to get subtly wrong -- so the shapes here stay small.  The C
kernels are also compared with their plain C twins (tn_*pool2d_*_ref) at
every SIMD level and thread count, which reaches every loop pool2d.c can
choose: the AVX2 2x2 loop, the plain 2x2 loop, tiled windows, any windows.
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

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-14}


# ---- the reference ------------------------------------------------------------

def windows(in_h, in_w, kernel, stride, pad):
    """Yield (i, j, rows, cols): output position and the in-bounds input rows/cols of its window."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    out_h, out_w = (in_h + 2 * ph - kh) // sh + 1, (in_w + 2 * pw - kw) // sw + 1
    for i in range(out_h):
        for j in range(out_w):
            rows = range(max(i * sh - ph, 0), min(i * sh - ph + kh, in_h))
            cols = range(max(j * sw - pw, 0), min(j * sw - pw + kw, in_w))
            yield i, j, rows, cols


def out_shape(x_shape, kernel, stride, pad):
    n, c, h, w = x_shape
    return n, c, (h + 2 * pad[0] - kernel[0]) // stride[0] + 1, (w + 2 * pad[1] - kernel[1]) // stride[1] + 1


def reference_max(x, kernel, stride, pad):
    """(y, argmax): the largest in-bounds value (padding is -inf) and its first flat index (the last NaN's,
    if the window holds NaNs, as in PyTorch)."""
    y = np.empty(out_shape(x.shape, kernel, stride, pad))
    argmax = np.empty(y.shape, dtype=np.int64)
    for i, j, rows, cols in windows(x.shape[2], x.shape[3], kernel, stride, pad):
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                best, where = None, None
                for r in rows:  # row-major order; strictly greater keeps the first of equals
                    for col in cols:
                        v = float(x[n, c, r, col])
                        if best is None or v > best or np.isnan(v):
                            best, where = v, r * x.shape[3] + col
                y[n, c, i, j], argmax[n, c, i, j] = best, where
    return y, argmax


def reference_max_backward(dy, argmax, x_shape):
    dx = np.zeros((x_shape[0], x_shape[1], x_shape[2] * x_shape[3]))
    for n, c, i, j in np.ndindex(*dy.shape):
        dx[n, c, argmax[n, c, i, j]] += dy[n, c, i, j]
    return dx.reshape(x_shape)


def reference_avg(x, kernel, stride, pad, count_include_pad):
    y = np.empty(out_shape(x.shape, kernel, stride, pad))
    for i, j, rows, cols in windows(x.shape[2], x.shape[3], kernel, stride, pad):
        divisor = kernel[0] * kernel[1] if count_include_pad else len(rows) * len(cols)
        y[:, :, i, j] = x[:, :, rows.start : rows.stop, cols.start : cols.stop].astype(np.float64).sum(axis=(2, 3)) / divisor
    return y


def reference_avg_backward(dy, x_shape, kernel, stride, pad, count_include_pad):
    dx = np.zeros(x_shape)
    for i, j, rows, cols in windows(x_shape[2], x_shape[3], kernel, stride, pad):
        divisor = kernel[0] * kernel[1] if count_include_pad else len(rows) * len(cols)
        dx[:, :, rows.start : rows.stop, cols.start : cols.stop] += dy[:, :, i, j, None, None] / divisor
    return dx


def assert_close(actual, expected, dtype):
    assert_close_to_scale(actual, expected, dtype, TOLERANCE[dtype])


# ---- shapes -------------------------------------------------------------------------

@st.composite
def pool_cases(draw):
    """A pooling the wrappers admit: padding up to half the kernel, strides also
    larger than the kernel, non-square everything, and sometimes many equal values."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    assume(kh <= h + 2 * ph and kw <= w + 2 * pw)
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5))))
    return {
        "shape": (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w),
        "kernel": (kh, kw),
        "stride": stride,
        "pad": (ph, pw),
        "ties": draw(st.booleans()),  # values from {-2, ..., 2}: many equal maxima
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def make_input(case, dtype):
    rng = np.random.default_rng(case["seed"])
    if case["ties"]:
        return rng.integers(-2, 3, size=case["shape"]).astype(dtype)
    return rng.standard_normal(case["shape"]).astype(dtype)


def stride_of(case):
    return case["kernel"] if case["stride"] is None else case["stride"]


def check_max(case, dtype):
    x = make_input(case, dtype)
    y, argmax = kernels.max_pool2d_forward(x, case["kernel"], case["stride"], case["pad"])
    y_ref, argmax_ref = reference_max(x, case["kernel"], stride_of(case), case["pad"])
    assert_close(y, y_ref, dtype)
    assert argmax.dtype == np.int32
    np.testing.assert_array_equal(argmax, argmax_ref)
    dy = np.random.default_rng(case["seed"] + 1).standard_normal(y.shape).astype(dtype)
    dx = kernels.max_pool2d_backward(dy, argmax, x.shape, case["kernel"], case["stride"], case["pad"])
    assert_close(dx, reference_max_backward(dy, argmax_ref, x.shape), dtype)


def check_avg(case, dtype, count_include_pad):
    x = make_input(case, dtype)
    y = kernels.avg_pool2d_forward(x, case["kernel"], case["stride"], case["pad"], count_include_pad)
    assert_close(y, reference_avg(x, case["kernel"], stride_of(case), case["pad"], count_include_pad), dtype)
    dy = np.random.default_rng(case["seed"] + 1).standard_normal(y.shape).astype(dtype)
    dx = kernels.avg_pool2d_backward(dy, x.shape, case["kernel"], case["stride"], case["pad"], count_include_pad)
    expected = reference_avg_backward(dy, x.shape, case["kernel"], stride_of(case), case["pad"], count_include_pad)
    assert_close(dx, expected, dtype)


FIXED_CASES = [
    # name: (shape, kernel, stride, pad)
    ("lenet 2x2", ((2, 6, 24, 24), (2, 2), None, (0, 0))),
    ("odd size floors", ((2, 3, 7, 9), (2, 2), None, (0, 0))),
    ("overlapping 3x3 stride 1 pad 1", ((2, 2, 6, 5), (3, 3), (1, 1), (1, 1))),
    ("overlapping 3x3 stride 2", ((1, 2, 9, 8), (3, 3), (2, 2), (1, 0))),
    ("stride > kernel", ((2, 2, 11, 10), (2, 3), (4, 5), (1, 1))),
    ("1x1", ((2, 3, 4, 5), (1, 1), None, (0, 0))),
    ("kernel = padded input", ((1, 2, 3, 5), (5, 4), None, (1, 2))),
    ("many planes", ((40, 8, 14, 14), (2, 2), None, (0, 0))),
]


def fixed_case(spec, ties=False, seed=3):
    shape, kernel, stride, pad = spec
    return {"shape": shape, "kernel": kernel, "stride": stride, "pad": pad, "ties": ties, "seed": seed}


# ---- the public wrappers (whatever backend is active) -------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=pool_cases())
def test_max_pool_matches_reference(case, dtype):
    check_max(case, dtype)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=pool_cases())
def test_avg_pool_matches_reference(case, dtype, count_include_pad):
    check_avg(case, dtype, count_include_pad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", FIXED_CASES, ids=[name for name, _ in FIXED_CASES])
def test_pool_named_shapes(name, spec, dtype):
    for ties in (False, True):
        case = fixed_case(spec, ties=ties)
        check_max(case, dtype)
        check_avg(case, dtype, True)
        check_avg(case, dtype, False)


def test_max_pool_padding_is_minus_infinity():
    """All-negative input: a window reaching into the padding must still return an input value."""
    x = -1.0 - np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    y, argmax = kernels.max_pool2d_forward(x, 2, stride=2, padding=1)
    assert (y < 0).all()
    np.testing.assert_array_equal(y.ravel(), x.ravel()[argmax.ravel()])


def test_max_pool_ties_go_to_the_first_index():
    x = np.zeros((1, 1, 4, 4), dtype=np.float32)
    _, argmax = kernels.max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(argmax[0, 0], [[0, 2], [8, 10]])


def test_max_pool_nan_wins_like_torch():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    x[0, 0, 1, 0] = np.nan
    y, argmax = kernels.max_pool2d_forward(x, 2)
    assert np.isnan(y[0, 0, 0, 0]) and argmax[0, 0, 0, 0] == 4
    assert not np.isnan(y[0, 0, 1:, :]).any() and not np.isnan(y[0, 0, :, 1]).any()


def test_max_pool_several_nans_in_a_window_route_the_gradient_as_torch(torch):
    """PyTorch's max pooling lets every NaN replace the best so far: the window's last NaN gets the gradient."""
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[0, 0, 0, 2] = x[0, 0, 2, 3] = x[0, 0, 3, 3] = np.nan
    pools = [lambda F, t, kernel=kernel, stride=stride: F.max_pool2d(t, kernel, stride)
             for kernel, stride in [(2, 2), (3, 1), (2, 1)]]
    pools += [lambda F, t, size=size: F.adaptive_max_pool2d(t, size) for size in (2, 3)]  # (unequal windows)
    for pool in pools:
        grads = []
        for lib in (torch, tinynet):
            t = lib.tensor(x, requires_grad=True)
            pool(lib.nn.functional, t).sum().backward()
            grads.append(t.grad.numpy())
        np.testing.assert_array_equal(grads[1], grads[0])


def test_max_pool_backward_accumulates_overlapping_windows():
    """One big value inside four overlapping windows receives all four gradients."""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    y, argmax = kernels.max_pool2d_forward(x, 2, stride=1)
    dy = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = kernels.max_pool2d_backward(dy, argmax, x.shape, 2, stride=1)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)


# ---- the C kernels: thread counts and SIMD levels ---------------------------------------

@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_pooling_same_on_every_thread_count_and_simd_level(dtype):
    """Pooling threads over whole planes, so every setting must give identical bits."""
    # (big enough that pool2d.c shares the planes among threads: over 2^20 window reads)
    x = np.random.default_rng(0).standard_normal((64, 16, 30, 29)).astype(dtype)
    dy_shape = (64, 16, 15, 15)
    dy = np.random.default_rng(1).standard_normal(dy_shape).astype(dtype)
    threads, level = lib.tn_get_num_threads(), lib.tn_get_simd_level()
    results = []
    try:
        for simd in range(lib.tn_cpu_simd_level() + 1):
            lib.tn_set_simd_level(simd)
            for n in (1, max(2, lib.tn_default_num_threads())):
                lib.tn_set_num_threads(n)
                y, argmax = kernels.max_pool2d_forward(x, 3, stride=2, padding=1)
                results.append((
                    y, argmax,
                    kernels.max_pool2d_backward(dy, argmax, x.shape, 3, stride=2, padding=1),
                    kernels.avg_pool2d_forward(x, 3, stride=2, padding=1, count_include_pad=False),
                    kernels.avg_pool2d_backward(dy, x.shape, 3, stride=2, padding=1, count_include_pad=False),
                ))
    finally:
        lib.tn_set_num_threads(threads)
        lib.tn_set_simd_level(level)
    y_ref, argmax_ref = reference_max(x, (3, 3), (2, 2), (1, 1))
    assert_close(results[0][0], y_ref, dtype)
    np.testing.assert_array_equal(results[0][1], argmax_ref)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


# ---- PyTorch, when it is installed -----------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", FIXED_CASES, ids=[name for name, _ in FIXED_CASES])
def test_pooling_matches_torch(name, spec, dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    shape, kernel, stride, pad = spec
    x = np.random.default_rng(4).standard_normal(shape).astype(dtype)

    tx = torch.tensor(x, requires_grad=True)
    ty, t_indices = F.max_pool2d(tx, kernel, stride, pad, return_indices=True)
    dy = np.random.default_rng(5).standard_normal(tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(dy))
    y, argmax = kernels.max_pool2d_forward(x, kernel, stride, pad)
    assert_close(y, ty.detach().numpy().astype(np.float64), dtype)
    np.testing.assert_array_equal(argmax, t_indices.numpy())
    dx = kernels.max_pool2d_backward(dy, argmax, x.shape, kernel, stride, pad)
    assert_close(dx, tx.grad.numpy().astype(np.float64), dtype)

    for count_include_pad in (True, False):
        tx = torch.tensor(x, requires_grad=True)
        ty = F.avg_pool2d(tx, kernel, stride, pad, count_include_pad=count_include_pad)
        ty.backward(torch.tensor(dy))
        y = kernels.avg_pool2d_forward(x, kernel, stride, pad, count_include_pad)
        assert_close(y, ty.detach().numpy().astype(np.float64), dtype)
        dx = kernels.avg_pool2d_backward(dy, x.shape, kernel, stride, pad, count_include_pad)
        assert_close(dx, tx.grad.numpy().astype(np.float64), dtype)


@needs_c
def test_c_2x2_max_pool_same_at_every_simd_level_with_ties_and_nans():
    """LeNet's 2x2 / stride-2 pooling has a SIMD path for float32 (8 windows at a time): same bits as plain C."""
    rng = np.random.default_rng(4)
    x = rng.integers(-2, 3, (3, 5, 12, 37)).astype(np.float32)  # many ties; 18 output columns: 16 SIMD + 2 plain
    x[rng.random(x.shape) < 0.05] = np.nan
    level = lib.tn_get_simd_level()
    results = []
    try:
        for simd in range(lib.tn_cpu_simd_level() + 1):
            lib.tn_set_simd_level(simd)
            results.append(kernels.max_pool2d_forward(x, 2))
    finally:
        lib.tn_set_simd_level(level)
    y_ref, argmax_ref = reference_max(x, (2, 2), (2, 2), (0, 0))
    for y, argmax in results:
        np.testing.assert_array_equal(argmax, argmax_ref)
        np.testing.assert_array_equal(y, y_ref.astype(np.float32))  # NaNs in the same places


# ---- the C kernels against their plain C twins (tn_*pool2d_*_ref) ------------------------

C_TYPES = {np.float32: ("float[]", "s"), np.float64: ("double[]", "d")}


def c_pool(x, kernel, stride, pad, dy, reference=False):
    """Every C pooling kernel (or its _ref twin) through the raw C API:
    (y_max, argmax, dx_max, {count_include_pad: (y_avg, dx_avg)})."""
    ctype, prefix = C_TYPES[x.dtype.type]
    suffix = "_ref" if reference else ""
    n, c, h, w = x.shape
    shape = ffi.new("tn_pool2d_shape *", {
        "batch": n, "channels": c, "in_h": h, "in_w": w, "kernel_h": kernel[0], "kernel_w": kernel[1],
        "stride_h": stride[0], "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1],
        "out_h": dy.shape[2], "out_w": dy.shape[3]})
    buf = lambda a: ffi.from_buffer(ctype, a)  # noqa: E731
    # Outputs start as NaN: every element must be written.
    y = np.full(dy.shape, np.nan, dtype=x.dtype)
    argmax = np.full(dy.shape, -7, dtype=np.int32)
    getattr(lib, f"tn_{prefix}max_pool2d_forward{suffix}")(shape, buf(x), buf(y), ffi.from_buffer("int32_t[]", argmax))
    dx = np.full_like(x, np.nan)
    getattr(lib, f"tn_{prefix}max_pool2d_backward{suffix}")(shape, buf(dy), ffi.from_buffer("int32_t[]", argmax),
                                                            buf(dx))
    average = {}
    for count_include_pad in (1, 0):
        y_avg, dx_avg = np.full(dy.shape, np.nan, dtype=x.dtype), np.full_like(x, np.nan)
        getattr(lib, f"tn_{prefix}avg_pool2d_forward{suffix}")(shape, buf(x), buf(y_avg), count_include_pad)
        getattr(lib, f"tn_{prefix}avg_pool2d_backward{suffix}")(shape, buf(dy), buf(dx_avg), count_include_pad)
        average[count_include_pad] = (y_avg, dx_avg)
    return y, argmax, dx, average


def c_case_arrays(case, dtype, nan_fraction=0.0):
    x = make_input(case, dtype)
    if nan_fraction:
        x[np.random.default_rng(case["seed"] + 2).random(x.shape) < nan_fraction] = np.nan
    shape = out_shape(x.shape, case["kernel"], stride_of(case), case["pad"])
    dy = np.random.default_rng(case["seed"] + 1).standard_normal(shape).astype(dtype)
    return x, dy


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=pool_cases())
def test_c_ref_loops_match_the_python_reference(case, dtype):
    """The plain C twins are themselves right: against the Python loops above."""
    x, dy = c_case_arrays(case, dtype)
    kernel, stride, pad = case["kernel"], stride_of(case), case["pad"]
    y, argmax, dx, average = c_pool(x, kernel, stride, pad, dy, reference=True)
    y_ref, argmax_ref = reference_max(x, kernel, stride, pad)
    assert_close(y, y_ref, dtype)
    np.testing.assert_array_equal(argmax, argmax_ref)
    assert_close(dx, reference_max_backward(dy, argmax_ref, x.shape), dtype)
    for count_include_pad, (y_avg, dx_avg) in average.items():
        assert_close(y_avg, reference_avg(x, kernel, stride, pad, count_include_pad), dtype)
        assert_close(dx_avg, reference_avg_backward(dy, x.shape, kernel, stride, pad, count_include_pad), dtype)


def assert_fast_matches_ref(fast, slow, dtype):
    """Max pooling picks inputs and scatters dy in the same order as its twin: the same bits.
    Average pooling: the same sums up to rounding."""
    (y, argmax, dx, average), (y_ref, argmax_ref, dx_ref, average_ref) = fast, slow
    np.testing.assert_array_equal(y, y_ref)  # (NaNs in the same places)
    np.testing.assert_array_equal(argmax, argmax_ref)
    np.testing.assert_array_equal(dx, dx_ref)
    for count_include_pad in (1, 0):
        for got, want in zip(average[count_include_pad], average_ref[count_include_pad]):
            assert_close(got, want.astype(np.float64), dtype)


C_FIXED_CASES = FIXED_CASES + [
    ("2x2 stride 2, 18 output columns: 16 in SIMD + 2", ((3, 5, 12, 37), (2, 2), None, (0, 0))),
    ("2x2 stride 2, 7 output columns (the CNN's 14x14)", ((2, 3, 14, 14), (2, 2), None, (0, 0))),
    ("2x2 stride 2, 4 output columns, odd sides", ((2, 3, 9, 9), (2, 2), None, (0, 0))),
    ("2x2 stride 2, 2 x 2 outputs", ((3, 2, 4, 5), (2, 2), None, (0, 0))),
    ("2x2 stride 2, one window a plane", ((2, 3, 2, 2), (2, 2), None, (0, 0))),
    ("tiled 3x3", ((2, 4, 9, 10), (3, 3), None, (0, 0))),
    ("2x2 stride 2 with padding", ((2, 3, 8, 8), (2, 2), None, (1, 1))),
    ("2x2 stride 1", ((2, 3, 7, 6), (2, 2), (1, 1), (0, 0))),
]


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,spec", C_FIXED_CASES, ids=[name for name, _ in C_FIXED_CASES])
def test_c_every_pooling_loop_matches_its_ref_twin(name, spec, dtype):
    """Every SIMD level and thread count (so every loop pool2d.c chooses), ties and NaNs included."""
    threads, level = lib.tn_get_num_threads(), lib.tn_get_simd_level()
    try:
        for ties, nan_fraction in ((False, 0.0), (True, 0.05)):
            case = fixed_case(spec, ties=ties)
            x, dy = c_case_arrays(case, dtype, nan_fraction)
            kernel, stride, pad = case["kernel"], stride_of(case), case["pad"]
            slow = c_pool(x, kernel, stride, pad, dy, reference=True)
            for simd in range(lib.tn_cpu_simd_level() + 1):
                lib.tn_set_simd_level(simd)
                for n in (1, max(2, lib.tn_default_num_threads())):
                    lib.tn_set_num_threads(n)
                    assert_fast_matches_ref(c_pool(x, kernel, stride, pad, dy), slow, dtype)
    finally:
        lib.tn_set_num_threads(threads)
        lib.tn_set_simd_level(level)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(case=pool_cases())
def test_c_pooling_matches_its_ref_twin_on_any_shape(case, dtype):
    x, dy = c_case_arrays(case, dtype, nan_fraction=0.05 if case["ties"] else 0.0)
    kernel, stride, pad = case["kernel"], stride_of(case), case["pad"]
    assert_fast_matches_ref(c_pool(x, kernel, stride, pad, dy), c_pool(x, kernel, stride, pad, dy, reference=True),
                            dtype)


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_2x2_max_pool_backward_follows_an_argmax_outside_its_window(dtype):
    """Backward puts each gradient where argmax says, even where that is not in the output's own window (an
    argmax handed to the kernel, not made by the forward pass), and leaves 0 where no window reaches."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 7, 9)).astype(dtype)  # odd sides: a last row and column no window reaches
    argmax = kernels.max_pool2d_forward(x, 2)[1].copy()
    argmax[1, 2, 2, 1] = 0  # a window of the last plane sends its gradient to the plane's first input
    dy = rng.standard_normal(argmax.shape).astype(dtype)
    dx = kernels.max_pool2d_backward(dy, argmax, x.shape, 2)
    np.testing.assert_allclose(dx, reference_max_backward(dy, argmax, x.shape), rtol=1e-6, atol=0)
    assert dx[1, 2, 0, 0] != 0 and not dx[:, :, 6].any() and not dx[:, :, :, 8].any()
