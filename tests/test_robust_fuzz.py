"""Fuzzing the kernels through their Python wrappers (tinynet.kernels).

Hypothesis draws arguments a learner could pass -- any shapes (zero-size
included), strides, paddings and kernel sizes (invalid ones included), both
float dtypes, mixed dtypes, non-contiguous views, NaN and Inf -- and each call
must either

* return what the numpy reference backend returns for the same call, or
* raise ValueError, TypeError or RuntimeError (a stride of 0, a negative padding: PyTorch's type), and
  then the reference raises it too.

Nothing may crash the process; under the sanitizer build (.ci/sanitize) a
read or write out of bounds in C aborts the run.  Values are small integers
(plus NaN/Inf), so sums are exact in float32 and C and numpy agree closely
whatever order they add in.
"""

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinynet import kernels
from tinynet.kernels import config

pytestmark = pytest.mark.skipif(config.backend is config.reference_backend,
                                reason="the C backend is not active: nothing to compare with the reference")

DTYPES = [np.float32, np.float64]
WRONG_DTYPES = [np.float16, np.int32, np.int64, np.bool_, np.complex64]  # each must be a TypeError
TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}
SPECIALS = [np.nan, np.inf, -np.inf]


@contextlib.contextmanager
def reference_backend():
    """Run tinynet.kernels on the numpy reference for the duration of the block."""
    saved = config.backend
    config.backend = config.reference_backend
    try:
        yield
    finally:
        config.backend = saved


def call_both(function, *args, **kwargs):
    """(result on C, result on the reference), or (exception type, same) when both raised."""
    try:
        got = function(*args, **kwargs)
    except (ValueError, TypeError, RuntimeError) as error:
        with reference_backend(), pytest.raises(type(error)):
            function(*args, **kwargs)
        return None, None
    with reference_backend():
        expected = function(*args, **kwargs)
    return got, expected


def assert_same(got, expected):
    """Equal shapes and dtypes; equal values up to rounding; NaN where the reference has NaN."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    if expected is None:
        assert got is None
        return
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=TOLERANCE[got.dtype], atol=TOLERANCE[got.dtype],
                                   equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


@st.composite
def arrays(draw, shape, dtype, specials=True):
    """An array of small integers (exact in float32), maybe with NaN/Inf, maybe a non-contiguous view."""
    size = int(np.prod(shape))
    values = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    array = np.array(values, dtype=dtype).reshape(shape)
    if specials and size and np.dtype(dtype).kind == "f" and draw(st.booleans()):
        flat = array.reshape(-1)
        for _ in range(draw(st.integers(1, 3))):
            flat[draw(st.integers(0, size - 1))] = draw(st.sampled_from(SPECIALS))
    layout = draw(st.sampled_from(["contiguous", "strided", "fortran"]))
    if layout == "strided" and array.ndim:
        # The same values, viewed every other element along the last axis of a bigger buffer.
        wide = np.zeros(shape[:-1] + (2 * shape[-1],), dtype=dtype)
        wide[..., ::2] = array
        array = wide[..., ::2]
    elif layout == "fortran":
        array = np.asfortranarray(array)
    return array


sizes = st.integers(0, 6)
maybe_bad_ints = st.one_of(st.integers(-2, 4), st.sampled_from([2**31, 2**62, 2**70]))
int_or_pair = st.one_of(maybe_bad_ints, st.tuples(maybe_bad_ints, maybe_bad_ints))


@given(data=st.data())
@settings(max_examples=150)
def test_fuzz_gemm(data):
    dtype_a = data.draw(st.sampled_from(DTYPES))
    dtype_b = data.draw(st.sampled_from(DTYPES + WRONG_DTYPES)) if data.draw(st.integers(0, 9)) == 0 else dtype_a
    m, k, n = data.draw(sizes), data.draw(sizes), data.draw(sizes)
    trans_a, trans_b = data.draw(st.booleans()), data.draw(st.booleans())
    k_b = k if data.draw(st.integers(0, 9)) else data.draw(sizes)  # sometimes mismatched
    a = data.draw(arrays((k, m) if trans_a else (m, k), dtype_a))
    b = data.draw(arrays((n, k_b) if trans_b else (k_b, n), dtype_b))
    alpha = data.draw(st.sampled_from([1.0, -2.0, 0.5, 0.0]))
    beta = data.draw(st.sampled_from([0.0, 1.0, -0.5]))
    out = None
    if beta != 0 or data.draw(st.booleans()):
        out = data.draw(arrays((m, n), dtype_a, specials=beta != 0))
        out = np.ascontiguousarray(out) if data.draw(st.integers(0, 9)) else out
    # The reference writes into its own copy; a non-contiguous out is rejected before anything is written.
    out_ref = out.copy() if out is not None and out.flags.c_contiguous else out
    try:
        got = kernels.gemm(a, b, trans_a, trans_b, alpha, beta, out)
    except (ValueError, TypeError) as error:
        with reference_backend(), pytest.raises(type(error)):
            kernels.gemm(a, b, trans_a, trans_b, alpha, beta, out_ref)
        return
    with reference_backend():
        expected = kernels.gemm(a, b, trans_a, trans_b, alpha, beta, out_ref)
    assert_same(got, expected)


@given(data=st.data())
@settings(max_examples=150)
def test_fuzz_conv2d(data):
    dtype = data.draw(st.sampled_from(DTYPES))
    batch, channels, out_channels = data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))
    x_shape = (batch, channels, data.draw(sizes), data.draw(sizes))
    w_channels = channels if data.draw(st.integers(0, 9)) else data.draw(st.integers(0, 3))
    w_shape = (out_channels, w_channels, data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4)))
    if data.draw(st.integers(0, 19)) == 0:  # a wrong rank now and then
        x_shape = x_shape[1:]
    x = data.draw(arrays(x_shape, dtype))
    w = data.draw(arrays(w_shape, dtype if data.draw(st.integers(0, 19)) else data.draw(st.sampled_from(WRONG_DTYPES))))
    bias = data.draw(st.one_of(st.none(), arrays((out_channels,), dtype)))
    stride, padding = data.draw(int_or_pair), data.draw(int_or_pair)
    got, expected = call_both(kernels.conv2d_forward, x, w, bias, stride=stride, padding=padding)
    assert_same(got, expected)
    if got is None:
        return
    grad_out = data.draw(arrays(got.shape, dtype))
    wanted = data.draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    got, expected = call_both(kernels.conv2d_backward, x, w, grad_out, stride, padding, *wanted)
    assert_same(got, expected)


@given(data=st.data())
@settings(max_examples=150)
def test_fuzz_pool2d(data):
    dtype = data.draw(st.sampled_from(DTYPES)) if data.draw(st.integers(0, 19)) else data.draw(st.sampled_from(WRONG_DTYPES))
    x_shape = (data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3)), data.draw(sizes), data.draw(sizes))
    x = data.draw(arrays(x_shape, dtype))
    kernel_size = data.draw(int_or_pair)
    stride = data.draw(st.one_of(st.none(), int_or_pair))
    padding = data.draw(int_or_pair)

    got, expected = call_both(kernels.max_pool2d_forward, x, kernel_size, stride, padding)
    assert_same(got, expected)
    if got is not None:
        y, argmax = got
        grad_out = data.draw(arrays(y.shape, dtype))
        assert_same(*call_both(kernels.max_pool2d_backward, grad_out, argmax, x.shape, kernel_size, stride, padding))

    include_pad = data.draw(st.booleans())
    got, expected = call_both(kernels.avg_pool2d_forward, x, kernel_size, stride, padding, include_pad)
    assert_same(got, expected)
    if got is not None:
        grad_out = data.draw(arrays(got.shape, dtype))
        assert_same(*call_both(kernels.avg_pool2d_backward, grad_out, x.shape, kernel_size, stride, padding,
                               include_pad))


@given(data=st.data())
@settings(max_examples=60)
def test_fuzz_max_pool2d_backward_with_forged_argmax(data):
    """argmax is the one input that C uses as an address: any int32 array must be safe to pass."""
    shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), data.draw(st.integers(1, 5)),
             data.draw(st.integers(1, 5)))
    y, _ = kernels.max_pool2d_forward(np.ones(shape, np.float32), 2, 1, 1)
    forged = data.draw(st.lists(st.integers(-2**31, 2**31 - 1) | st.integers(-2, 30),
                                min_size=y.size, max_size=y.size))
    argmax = np.array(forged, dtype=np.int32).reshape(y.shape)
    got, expected = call_both(kernels.max_pool2d_backward, np.ones_like(y), argmax, shape, 2, 1, 1)
    assert_same(got, expected)
    if got is not None:  # accepted only if every index lies in the plane
        assert argmax.min() >= 0 and argmax.max() < shape[2] * shape[3]


# ---- huge sizes: a clean MemoryError or ValueError, never a crash -----------------

def huge(shape, dtype=np.float32):
    """A read-only view that claims ``shape`` but has one element of storage (zero strides)."""
    return np.broadcast_to(np.ones((), dtype), shape)


@pytest.mark.parametrize("call", [
    lambda: kernels.gemm(huge((2**20, 2**20)), huge((2**20, 2))),
    lambda: kernels.gemm(huge((2**40, 1)), huge((1, 2**40))),
    lambda: kernels.conv2d_forward(huge((2**16, 2**16, 8, 8)), np.ones((1, 2**16, 3, 3), np.float32)),
    lambda: kernels.conv2d_forward(np.ones((1, 1, 1, 1), np.float32), np.ones((1, 1, 1, 1), np.float32),
                                   padding=2**40),
    lambda: kernels.conv2d_forward(np.ones((1, 1, 1, 1), np.float32), np.ones((1, 1, 1, 1), np.float32),
                                   padding=2**62),
    lambda: kernels.max_pool2d_forward(np.ones((1, 1, 1, 1), np.float32), 2**40, padding=2**39),
    lambda: kernels.avg_pool2d_forward(np.ones((1, 1, 1, 1), np.float32), 2**33, padding=2**32),
    lambda: kernels.avg_pool2d_backward(np.ones((1, 1, 1, 1), np.float32), (1, 1, 1, 1), 2**33, padding=2**32),
    lambda: kernels.max_pool2d_backward(np.ones((1, 1, 2, 2), np.float32), np.zeros((1, 1, 2, 2), np.int32),
                                        (1, 1, 2**16, 2**16), 2**15),  # a plane too big for int32 argmax
    lambda: kernels.avg_pool2d_backward(np.ones((1, 1, 1, 1), np.float32), (2**62, 1, 1, 1), 1),
])
def test_huge_sizes_raise_cleanly(call):
    with pytest.raises((MemoryError, ValueError)):
        call()


@pytest.mark.parametrize("shape", [(1, 1, 3, 0), (1, 1, 0, 3), (2, 1, 0, 0)])
def test_pooling_an_empty_plane_is_rejected(shape):
    """Found by the fuzzer: with padding, a window over an empty plane had nothing to pool and C read
    x[0] past the end of the (empty) input.  Pooling now requires at least one row and column."""
    x = np.ones(shape, np.float32)
    with pytest.raises(ValueError, match="at least one channel, row and column"):
        kernels.max_pool2d_forward(x, 2, 1, 1)
    with pytest.raises(ValueError, match="at least one channel, row and column"):
        kernels.avg_pool2d_forward(x, 2, 1, 1)


@pytest.mark.parametrize("kwargs, words", [
    ({"stride": 2**40}, "stride must be <= 2147483647"),
    ({"padding": 2**70}, "padding must be <= 2147483647"),
    ({"stride": 2**31 - 1, "padding": 2**30}, "padded input's side"),
])
def test_conv2d_sizes_beyond_int64_arithmetic_are_rejected(kwargs, words):
    """Found by the fuzzer: huge strides/paddings overflowed the C's size arithmetic (or cffi's int64)."""
    with pytest.raises(ValueError, match=words):
        kernels.conv2d_forward(np.ones((1, 1, 1, 1), np.float32), np.ones((1, 1, 1, 1), np.float32), **kwargs)


def test_avg_pool_divisor_cannot_overflow():
    """Found by the fuzzer: a 2**33 x 2**33 window (padding 2**32 around one pixel) made the C divisor
    kernel_h * kernel_w overflow int64 and the result came back inf."""
    with pytest.raises(ValueError):
        kernels.avg_pool2d_forward(np.ones((1, 1, 1, 1), np.float32), 2**33, padding=2**32)


@pytest.mark.parametrize("backend", ["active", "reference"])
def test_max_pool_argmax_never_points_into_padding(backend):
    """Found by the fuzzer: when every real element of a window was -inf, the numpy reference
    chose a padding cell (also -inf) as the maximum and returned an argmax outside the plane,
    which max_pool2d_backward then (rightly) refused."""
    x = np.zeros((1, 1, 3, 4), np.float32)
    x[0, 0, 0, 0] = -np.inf
    context = reference_backend() if backend == "reference" else contextlib.nullcontext()
    with context:
        y, argmax = kernels.max_pool2d_forward(x, 2, 2, 1)
        assert y[0, 0, 0, 0] == -np.inf and argmax[0, 0, 0, 0] == 0
        dx = kernels.max_pool2d_backward(np.ones_like(y), argmax, x.shape, 2, 2, 1)
    assert dx[0, 0, 0, 0] == 1
