"""The fused linear-layer kernel (tinynet.kernels.linear_forward / linear_backward, csrc/linear/):
y = x w^T + b (then the ReLU), and dL/dx, dL/dw, dL/db in one call.

Checked three ways: the C kernels against the numpy reference (reference.py) through the checked API,
the C kernels against their plain C twins (tn_*linear_*_ref, which use the plain GEMM) through the raw
C API, and the checked API's errors for arrays C must not be given.
"""

import numpy as np
import pytest

from tinynet import kernels
from tinynet.kernels import config
from tinynet.kernels import reference as reference_backend
from kernel_checks import assert_close_to_scale

try:
    from tinynet._tinynet_c import ffi, lib
except ImportError:  # no C extension: only the numpy reference runs
    ffi = lib = None

needs_c = pytest.mark.skipif(lib is None, reason="the C extension is not built")

# (m, n, k): one element, odd sizes around the GEMM's block edges, a batch-64 layer of the MLP benchmark
SIZES = [(1, 1, 1), (3, 5, 7), (17, 1, 33), (65, 31, 129), (64, 128, 100)]
TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


def operands(m, n, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((n, k)).astype(dtype)
    b, dy = rng.standard_normal(n).astype(dtype), rng.standard_normal((m, n)).astype(dtype)
    return x, w, b, dy


def plain_forward(x, w, b, relu):
    """The layer in float64 numpy, written the obvious way."""
    y = x.astype(np.float64) @ w.astype(np.float64).T + (0 if b is None else b)
    return np.maximum(y, 0) if relu else y


def plain_backward(x, w, y, dy):
    dz = dy.astype(np.float64) * ((y > 0) if y is not None else 1)
    return dz @ w.astype(np.float64), dz.T @ x.astype(np.float64), dz.sum(axis=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k", SIZES)
@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_forward_and_backward_match_plain_numpy(m, n, k, dtype, relu, with_bias):
    x, w, b, dy = operands(m, n, k, dtype)
    b = b if with_bias else None
    y = kernels.linear_forward(x, w, b, relu=relu)
    assert_close_to_scale(y, plain_forward(x, w, b, relu), dtype, TOLERANCE[dtype] * k)
    dx, dw, db = kernels.linear_backward(x, w, dy, relu_output=y if relu else None)
    for got, want in zip((dx, dw, db), plain_backward(x, w, y if relu else None, dy)):
        assert_close_to_scale(got, want, dtype, TOLERANCE[dtype] * max(m, n))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backend_and_reference_agree(dtype, monkeypatch):
    """The active backend (C when built) and the numpy reference backend, through the same checked API."""
    x, w, b, dy = operands(9, 6, 11, dtype, seed=1)
    results = []
    for backend in (config.backend, reference_backend):
        monkeypatch.setattr(config, "backend", backend)
        y = kernels.linear_forward(x, w, b, relu=True)
        results.append((y, *kernels.linear_backward(x, w, dy, relu_output=y)))
    for got, want in zip(*results):
        assert_close_to_scale(got, want, dtype, TOLERANCE[dtype] * 11)


def test_gradients_not_asked_for_are_none_and_the_others_unchanged():
    x, w, b, dy = operands(5, 4, 3, np.float64)
    full = kernels.linear_backward(x, w, dy)
    for need in [(True, False, False), (False, True, False), (False, False, True), (False, False, False)]:
        part = kernels.linear_backward(x, w, dy, need_x=need[0], need_weight=need[1], need_bias=need[2])
        for wanted, got, reference in zip(need, part, full):
            if wanted:
                np.testing.assert_array_equal(got, reference)
            else:
                assert got is None


def test_relu_is_y_times_the_mask_as_tinynets_relu():
    """NaN stays NaN and a negative becomes -0, as x * (x > 0) gives; the gradient passes only where y > 0."""
    x = np.array([[1.0], [-2.0], [np.nan], [0.0]], dtype=np.float32)
    w = np.ones((1, 1), dtype=np.float32)
    y = kernels.linear_forward(x, w, None, relu=True)
    np.testing.assert_array_equal(y, x * (x > 0))
    assert np.signbit(y[1, 0]) and np.isnan(y[2, 0])
    dx, dw, db = kernels.linear_backward(x, w, np.ones_like(y), relu_output=y)
    np.testing.assert_array_equal(dx[:, 0], [1, 0, 0, 0])
    np.testing.assert_array_equal(db, [1])


def test_empty_sizes_give_the_bias_and_zero_gradients():
    w, b = np.ones((3, 0), dtype=np.float32), np.array([1, -2, 3], dtype=np.float32)
    x = np.ones((2, 0), dtype=np.float32)
    np.testing.assert_array_equal(kernels.linear_forward(x, w, b, relu=True), [[1, 0, 3]] * 2)
    dx, dw, db = kernels.linear_backward(x, w, np.ones((2, 3), dtype=np.float32))
    assert dx.shape == (2, 0) and dw.shape == (3, 0)
    np.testing.assert_array_equal(db, [2, 2, 2])
    y = kernels.linear_forward(np.ones((0, 4)), np.ones((3, 4)), None)
    assert y.shape == (0, 3)
    dx, dw, db = kernels.linear_backward(np.ones((0, 4)), np.ones((3, 4)), np.ones((0, 3)))
    np.testing.assert_array_equal(dw, np.zeros((3, 4)))
    np.testing.assert_array_equal(db, np.zeros(3))


def test_non_contiguous_operands_are_read_correctly():
    x, w, b, dy = operands(6, 5, 8, np.float64, seed=2)
    y = kernels.linear_forward(np.asfortranarray(x), w[:, ::-1].copy()[:, ::-1], b)
    np.testing.assert_allclose(y, plain_forward(x, w, b, False), rtol=1e-12, atol=1e-12)
    dx, dw, db = kernels.linear_backward(x, w, np.asfortranarray(dy))
    np.testing.assert_allclose(dx, dy @ w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call, error, words", [
    (lambda x, w, b, dy: kernels.linear_forward(x.tolist(), w), TypeError, "numpy.ndarray"),
    (lambda x, w, b, dy: kernels.linear_forward(x.astype(np.int64), w), TypeError, "float32 or float64"),
    (lambda x, w, b, dy: kernels.linear_forward(x, w.astype(np.float32)), TypeError, "must match"),
    (lambda x, w, b, dy: kernels.linear_forward(x[:, :-1], w), ValueError, "in_features"),
    (lambda x, w, b, dy: kernels.linear_forward(x[0], w), ValueError, "2-D"),
    (lambda x, w, b, dy: kernels.linear_forward(x, w, b[:-1]), ValueError, "bias must have shape"),
    (lambda x, w, b, dy: kernels.linear_forward(x, w, b.astype(np.float32)), TypeError, "must match"),
    (lambda x, w, b, dy: kernels.linear_backward(x, w, dy[:-1]), ValueError, "grad_out must have"),
    (lambda x, w, b, dy: kernels.linear_backward(x, w, dy, relu_output=dy.T.copy()), ValueError, "relu_output"),
])
def test_arrays_c_must_not_be_given_are_refused(call, error, words):
    x, w, b, dy = operands(4, 3, 5, np.float64)
    with pytest.raises(error, match=words):
        call(x, w, b, dy)


# ---- the C kernels against their plain C twins ------------------------------------------

def raw_c(dtype, reference, x, w, b, relu, dy, need):
    """Forward then backward through the raw C API (``_ref`` twins when ``reference``); NULL for each
    output ``need`` leaves out."""
    prefix, suffix = ("s" if dtype == np.float32 else "d"), ("_ref" if reference else "")
    kind = "float[]" if dtype == np.float32 else "double[]"

    def ptr(a):
        return ffi.NULL if a is None else ffi.from_buffer(kind, a)
    (m, k), n = x.shape, w.shape[0]
    y = np.full((m, n), np.nan, dtype=dtype)
    assert getattr(lib, f"tn_{prefix}linear_forward{suffix}")(m, n, k, ptr(x), ptr(w), ptr(b), int(relu), ptr(y)) == 0
    dx, dw, db = (np.full(shape, np.nan, dtype=dtype) if wanted else None
                  for shape, wanted in zip(((m, k), (n, k), (n,)), need))
    status = getattr(lib, f"tn_{prefix}linear_backward{suffix}")(m, n, k, ptr(x), ptr(w), ptr(y if relu else None),
                                                                 ptr(dy), ptr(dx), ptr(dw), ptr(db))
    assert status == 0
    return y, dx, dw, db


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k", SIZES)
@pytest.mark.parametrize("relu, with_bias, need", [
    (True, True, (True, True, True)), (False, True, (True, False, True)), (True, False, (False, True, False)),
    (False, False, (False, False, False)),
])
def test_c_kernels_match_their_plain_c_twins(m, n, k, dtype, relu, with_bias, need):
    x, w, b, dy = operands(m, n, k, dtype, seed=3)
    b = b if with_bias else None
    fast = raw_c(dtype, False, x, w, b, relu, dy, need)
    plain = raw_c(dtype, True, x, w, b, relu, dy, need)
    for got, want in zip(fast, plain):
        if want is None:
            assert got is None
        else:
            assert_close_to_scale(got, want, dtype, TOLERANCE[dtype] * max(m, n, k))
    assert_close_to_scale(plain[0], plain_forward(x, w, b, relu), dtype, TOLERANCE[dtype] * k)
