"""tinynet.kernels checks its arguments before any C runs: wrong input raises, never crashes."""

import numpy as np
import pytest

from tinynet import kernels

f32 = np.float32
f64 = np.float64


def arr(*shape, dtype=f32):
    return np.ones(shape, dtype=dtype)


# ---- gemm -------------------------------------------------------------------

@pytest.mark.parametrize(
    "a, b, kwargs, error, words",
    [
        (arr(2, 3), arr(4, 5), {}, ValueError, "inner dimensions"),
        (arr(2, 3), arr(3, 4, dtype=f64), {}, TypeError, "dtype"),
        (arr(2, 3).astype(np.int32), arr(3, 4), {}, TypeError, "float32 or float64"),
        ([[1.0]], arr(1, 1), {}, TypeError, "numpy.ndarray"),
        (arr(2, 3, 1), arr(3, 4), {}, ValueError, "2-D"),
        (arr(2, 3), arr(3, 4), {"beta": 1.0}, ValueError, "no out"),
        (arr(2, 3), arr(3, 4), {"out": arr(4, 2)}, ValueError, "shape (2, 4)"),
        (arr(2, 3), arr(3, 4), {"out": arr(2, 8)[:, ::2]}, ValueError, "C-contiguous"),
        (arr(2, 3), arr(3, 4), {"alpha": "2"}, TypeError, "real numbers"),
    ],
)
def test_gemm_rejects_bad_arguments(a, b, kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        kernels.gemm(a, b, **kwargs)


def test_gemm_transposes_and_noncontiguous_inputs():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((7, 5))
    b = rng.standard_normal((9, 5))[:, ::1].T  # non-contiguous view, shape (5, 9)
    assert not b.flags.c_contiguous
    np.testing.assert_allclose(kernels.gemm(a, b), a @ b, rtol=1e-12)
    np.testing.assert_allclose(kernels.gemm(a, a, trans_a=True), a.T @ a, rtol=1e-12)


def test_gemm_out_aliasing_an_input_is_safe():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((6, 6))
    expected = 2.0 * a @ a + 0.5 * a
    result = kernels.gemm(a, a, alpha=2.0, beta=0.5, out=a)
    assert result is a
    np.testing.assert_allclose(a, expected, rtol=1e-12)


def test_gemm_empty_dimensions():
    assert kernels.gemm(arr(0, 3), arr(3, 4)).shape == (0, 4)
    out = np.full((2, 4), 3.0, dtype=f32)
    kernels.gemm(arr(2, 0), arr(0, 4), beta=0.5, out=out)
    np.testing.assert_array_equal(out, 1.5)


# ---- conv2d -------------------------------------------------------------------

@pytest.mark.parametrize(
    "x, w, kwargs, error, words",
    [
        (arr(2, 3, 8, 8), arr(4, 1, 3, 3), {}, ValueError, "expects 1 input channels"),
        (arr(3, 8, 8), arr(4, 3, 3, 3), {}, ValueError, "4-D"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3, dtype=f64), {}, TypeError, "dtype"),
        (arr(2, 3, 2, 2), arr(4, 3, 3, 3), {}, ValueError, "larger than the padded input"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3), {"stride": 0}, RuntimeError, "stride must be >= 1"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3), {"stride": 1.5}, TypeError, "integer"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3), {"padding": -1}, RuntimeError, "padding must be >= 0"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3), {"padding": (1, 2, 3)}, ValueError, "pair"),
        (arr(2, 3, 8, 8), arr(4, 3, 3, 3), {"bias": arr(3)}, ValueError, "bias must have shape"),
        (arr(2, 0, 8, 8), arr(4, 0, 3, 3), {}, ValueError, ">= 1"),
    ],
)
def test_conv2d_rejects_bad_arguments(x, w, kwargs, error, words):
    with pytest.raises(error, match=words):
        kernels.conv2d_forward(x, w, **kwargs)


def test_conv2d_backward_checks_grad_shape():
    with pytest.raises(ValueError, match="grad_out must have the output's shape"):
        kernels.conv2d_backward(arr(2, 3, 8, 8), arr(4, 3, 3, 3), arr(2, 4, 7, 7))


def test_conv2d_empty_batch_gives_empty_result():
    y = kernels.conv2d_forward(arr(0, 3, 8, 8), arr(4, 3, 3, 3), padding=1)
    assert y.shape == (0, 4, 8, 8)
    dx, dw, db = kernels.conv2d_backward(arr(0, 3, 8, 8), arr(4, 3, 3, 3), arr(0, 4, 6, 6))
    assert dx.shape == (0, 3, 8, 8) and not dw.any() and not db.any()


# ---- pooling --------------------------------------------------------------------

@pytest.mark.parametrize(
    "x, kwargs, error, words",
    [
        (arr(1, 1, 4, 4), {"kernel_size": 0}, RuntimeError, "kernel_size must be >= 1"),
        (arr(1, 1, 4, 4), {"kernel_size": 2, "padding": 2}, ValueError, "at most half the kernel"),
        (arr(1, 1, 2, 2), {"kernel_size": 3, "padding": 0}, ValueError, "larger than the padded input"),
        (arr(1, 4, 4), {"kernel_size": 2}, ValueError, "4-D"),
        (arr(1, 1, 4, 4), {"kernel_size": 2, "stride": -1}, RuntimeError, "stride must be >= 1"),
    ],
)
def test_pooling_rejects_bad_arguments(x, kwargs, error, words):
    with pytest.raises(error, match=words):
        kernels.max_pool2d_forward(x, **kwargs)
    with pytest.raises(error, match=words):
        kernels.avg_pool2d_forward(x, **kwargs)


def test_max_pool_backward_rejects_argmax_outside_the_plane():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(f32)
    y, argmax = kernels.max_pool2d_forward(x, 2)
    bad = argmax.copy()
    bad[0, 0, 0, 0] = 16
    with pytest.raises(ValueError, match="outside"):
        kernels.max_pool2d_backward(np.ones_like(y), bad, x.shape, 2)
    with pytest.raises(TypeError, match="int32"):
        kernels.max_pool2d_backward(np.ones_like(y), argmax.astype(np.int64), x.shape, 2)
    with pytest.raises(ValueError, match="grad_out must have shape"):
        kernels.max_pool2d_backward(np.ones((1, 2, 3, 3), f32), argmax, x.shape, 2)
