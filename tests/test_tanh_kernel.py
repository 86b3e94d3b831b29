"""The tanh's backward over whole arrays (tinynet.kernels.tanh, csrc/elementwise/tanh.inc) and the tanh op on it.

The kernel must give numpy's very numbers for ``grad - grad * y * y`` -- NaN, inf and -0 included -- on 1
and 2 threads and for sizes around its blocks; the op must give PyTorch's values and gradients on arrays
big enough to take the C path, and pass the float64 gradcheck there.
"""

import numpy as np
import pytest

import tinynet
from tinynet import kernels
from tinynet.kernels import config
from tinynet.kernels import reference as reference_backend
from tinynet.kernels import relu as relu_kernel
from tinynet.kernels import tanh as tanh_kernel

SIZES = [tanh_kernel.SMALLEST, tanh_kernel.SMALLEST + 1, 3 * tanh_kernel.SMALLEST - 7, 5 * tanh_kernel.SMALLEST + 3]


def awkward(n, dtype, seed=0):
    """n numbers with the values a multiply-subtract may get wrong: NaN, +-inf, +-0, subnormals, big ones."""
    x = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    specials = [np.nan, -np.inf, np.inf, -0.0, 0.0, np.finfo(dtype).smallest_subnormal, 1.0, -1.0,
                np.finfo(dtype).max, 3e-30]
    x[: len(specials)] = specials
    x[-len(specials):] = specials[::-1]
    return x


def numpys(y, grad):
    with np.errstate(invalid="ignore", over="ignore"):
        return grad - grad * y * y


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_the_kernel_gives_numpys_numbers(threads, dtype, n):
    y, grad = np.tanh(awkward(n, dtype)), awkward(n, dtype, seed=1)[::-1].copy()
    y[3] = np.inf  # not a tanh, but the kernel must not care
    before = kernels.get_num_threads()
    try:
        kernels.set_num_threads(threads)
        dx = tanh_kernel.tanh_backward(y, grad)
    finally:
        kernels.set_num_threads(before)
    expected = numpys(y, grad)
    assert dx.dtype == grad.dtype and dx.shape == grad.shape
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(np.signbit(dx), np.signbit(expected))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_numpy_reference_backend_gives_the_same(dtype, monkeypatch):
    y, grad = np.tanh(awkward(SIZES[2], dtype)), awkward(SIZES[2], dtype, seed=2)
    dx = tanh_kernel.tanh_backward(y, grad)
    monkeypatch.setattr(config, "backend", reference_backend)
    np.testing.assert_array_equal(dx, tanh_kernel.tanh_backward(y, grad))


def pairs_the_kernels_refuse(big):
    """Two arrays the two-array element-wise kernels refuse (``big`` numbers is their smallest): ints, one
    number too few, two dtypes, two sizes, an array not contiguous."""
    good = np.zeros(big, np.float32)
    return [(np.zeros(big, np.int32), np.zeros(big, np.int32)), (good[:-1], good[:-1]),
            (good, np.zeros(big, np.float64)), (good, np.zeros(big + 1, np.float32)),
            (np.zeros((2, big), np.float32)[:, ::2], good)]


def test_arrays_the_kernel_does_not_take_are_refused():
    for y, grad in pairs_the_kernels_refuse(tanh_kernel.SMALLEST):
        with pytest.raises(ValueError, match="tanh_backward"):
            tanh_kernel.tanh_backward(y, grad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tanh_on_the_kernel_path_matches_torch(torch, dtype):
    """A (64, 8, 16, 16) batch: 131072 numbers, past the kernel's threshold."""
    x_np = np.random.default_rng(4).standard_normal((64, 8, 16, 16)).astype(dtype) * 2
    g_np = np.random.default_rng(5).standard_normal(x_np.shape).astype(dtype)
    assert tanh_kernel.serves(x_np, g_np)
    x, xt = tinynet.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y, yt = tinynet.tanh(x), torch.tanh(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6 if dtype == "float32" else 1e-14,
                               atol=1e-7 if dtype == "float32" else 1e-15)
    assert str(y.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1] and tuple(y.shape) == tuple(yt.shape)
    y.backward(tinynet.tensor(g_np))
    yt.backward(torch.tensor(g_np))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5 if dtype == "float32" else 1e-12,
                               atol=1e-6 if dtype == "float32" else 1e-14)
    assert x.grad.numpy().dtype == np.dtype(dtype)


def test_the_op_takes_the_kernel_and_gives_numpys_numbers(monkeypatch):
    x_np = np.random.default_rng(6).standard_normal((4, 32768)).astype(np.float32)
    g_np = np.random.default_rng(7).standard_normal(x_np.shape).astype(np.float32)
    calls = []
    real = tanh_kernel.tanh_backward
    monkeypatch.setattr(tanh_kernel, "tanh_backward", lambda y, g: calls.append(1) or real(y, g))
    x = tinynet.tensor(x_np, requires_grad=True)
    y = tinynet.tanh(x)
    y.backward(tinynet.tensor(g_np))
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.numpy(), numpys(y.detach().numpy(), g_np))


def test_tanh_on_the_kernel_path_passes_gradcheck(monkeypatch):
    """float64, through the C path (its threshold lowered, so that a small tensor takes it)."""
    monkeypatch.setattr(relu_kernel, "SMALLEST", 8)
    monkeypatch.setattr(tanh_kernel, "SMALLEST", 8)
    x = tinynet.tensor(np.random.default_rng(3).standard_normal((3, 4, 5)), requires_grad=True)
    assert tanh_kernel.serves(x.detach().numpy(), x.detach().numpy())
    assert tinynet.gradcheck(lambda t: tinynet.tanh(t) * 1.5, (x,))
