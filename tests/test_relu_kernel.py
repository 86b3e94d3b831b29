"""The ReLU kernel over whole arrays (tinynet.kernels.relu, csrc/elementwise/relu.inc) and the ReLU op on it.

The kernel must give numpy's very numbers (``np.maximum(x, 0)``, ``x > 0``, ``dy * positive``), NaN, inf
and -0 included, on 1 and 2 threads and for sizes around its blocks; the op must give PyTorch's values and
gradients on arrays big enough to take the C path, and pass the float64 gradcheck there.
"""

import numpy as np
import pytest

import tinynet
from tinynet import kernels
from tinynet.kernels import config
from tinynet.kernels import relu as relu_kernel
from tinynet.kernels import reference as reference_backend

SIZES = [relu_kernel.SMALLEST, relu_kernel.SMALLEST + 1, 3 * relu_kernel.SMALLEST - 7, 5 * relu_kernel.SMALLEST + 3]


def awkward(n, dtype, seed=0):
    """n numbers with the values a ReLU may get wrong: NaN, +-inf, +-0, the smallest subnormal."""
    x = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    specials = [np.nan, -np.inf, np.inf, -0.0, 0.0, np.finfo(dtype).smallest_subnormal, -1e-45]
    x[: len(specials)] = specials
    x[-len(specials):] = specials
    return x


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_the_kernel_gives_numpys_numbers(threads, dtype, n):
    x, dy = awkward(n, dtype), awkward(n, dtype, seed=1)[::-1].copy()
    before = kernels.get_num_threads()
    try:
        kernels.set_num_threads(threads)
        y, positive = relu_kernel.relu_forward(x)
        dx = relu_kernel.relu_backward(dy, positive)
    finally:
        kernels.set_num_threads(before)
    assert y.dtype == x.dtype and positive.dtype == np.bool_ and dx.dtype == x.dtype
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert not np.signbit(y[~np.isnan(y)]).any()  # -0 comes out as 0, as from np.maximum
    np.testing.assert_array_equal(positive, x > 0)
    with np.errstate(invalid="ignore"):  # (inf * 0 is NaN: in both)
        expected = dy * (x > 0)
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(np.signbit(dx), np.signbit(expected))  # (-3) * 0 is -0 in both


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_numpy_reference_backend_gives_the_same(dtype, monkeypatch):
    x, dy = awkward(SIZES[2], dtype), awkward(SIZES[2], dtype, seed=2)
    y, positive = relu_kernel.relu_forward(x)
    dx = relu_kernel.relu_backward(dy, positive)
    monkeypatch.setattr(config, "backend", reference_backend)
    y_ref, positive_ref = relu_kernel.relu_forward(x)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(positive, positive_ref)
    np.testing.assert_array_equal(dx, relu_kernel.relu_backward(dy, positive_ref))


def test_arrays_the_kernel_does_not_take_are_refused():
    big = relu_kernel.SMALLEST
    for bad in [np.zeros(big, np.int32), np.zeros(big - 1, np.float32), np.zeros((2, big), np.float32)[:, ::2]]:
        assert not relu_kernel.serves(bad)
        with pytest.raises(ValueError, match="relu_forward"):
            relu_kernel.relu_forward(bad)
    grad = np.zeros(big, np.float32)
    with pytest.raises(ValueError, match="relu_backward"):
        relu_kernel.relu_backward(grad, np.zeros(big, np.uint8))  # not bool
    with pytest.raises(ValueError, match="relu_backward"):
        relu_kernel.relu_backward(grad, np.zeros(big + 1, np.bool_))  # another shape


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_on_the_kernel_path_matches_torch(torch, dtype):
    """A (64, 8, 16, 16) batch: 131072 numbers, past the kernel's threshold."""
    x_np = awkward(64 * 8 * 16 * 16, np.dtype(dtype)).reshape(64, 8, 16, 16)
    x_np[0, 0, 0, :2] = 1.0  # no NaN in the loss: the gradient check below compares numbers
    x_np[np.isnan(x_np)] = -2.0
    x_np[np.isinf(x_np)] = 3.0
    g_np = np.random.default_rng(5).standard_normal(x_np.shape).astype(dtype)
    assert relu_kernel.serves(x_np)
    x, xt = tinynet.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y, yt = tinynet.relu(x), torch.relu(xt)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    assert str(y.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1] and tuple(y.shape) == tuple(yt.shape)
    y.backward(tinynet.tensor(g_np))
    yt.backward(torch.tensor(g_np))
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_relu_on_the_kernel_path_passes_gradcheck(monkeypatch):
    """float64, through the C path (its threshold lowered, so that a small tensor takes it)."""
    monkeypatch.setattr(relu_kernel, "SMALLEST", 8)
    x_np = np.random.default_rng(3).standard_normal((3, 4, 5))
    x_np[np.abs(x_np) < 1e-3] = 0.5  # away from the kink, where central differences would straddle it
    assert relu_kernel.serves(x_np)
    x = tinynet.tensor(x_np, requires_grad=True)
    assert tinynet.gradcheck(lambda t: tinynet.relu(t) * 1.5, (x,))
