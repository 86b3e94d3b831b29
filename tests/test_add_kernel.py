"""a + b over whole arrays (tinynet.kernels.add, csrc/elementwise/add.inc) and the + op on it.

The kernel must give numpy's very numbers -- NaN, inf and -0 included -- on 1 and 2 threads, for sizes
around its blocks, into a new array or into a itself; it must refuse arrays it cannot take, and an out
that b overlaps.  The op must give PyTorch's values and gradients on arrays big enough for the C path.
"""

import numpy as np
import pytest

import tinynet
from tinynet import kernels
from tinynet.kernels import add as add_kernel
from tinynet.kernels import config
from tinynet.kernels import reference as reference_backend
from test_tanh_kernel import awkward, pairs_the_kernels_refuse  # (awkward: NaN, +-inf, +-0, subnormals, the largest)

SIZES = [add_kernel.SMALLEST, add_kernel.SMALLEST + 1, 3 * add_kernel.SMALLEST - 7, 5 * add_kernel.SMALLEST + 3]


def on_threads(threads, function):
    before = kernels.get_num_threads()
    try:
        kernels.set_num_threads(threads)
        return function()
    finally:
        kernels.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_the_kernel_gives_numpys_numbers(threads, dtype, n):
    a, b = awkward(n, dtype), awkward(n, dtype, seed=1)[::-1].copy()  # (inf + -inf, max + max, -0 + 0 ...)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = a + b
    out = on_threads(threads, lambda: add_kernel.add(a, b))
    assert out.dtype == a.dtype and out.shape == a.shape and out is not a and out is not b
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))
    in_place = a.copy()
    assert on_threads(threads, lambda: add_kernel.add(in_place, b, out=in_place)) is in_place
    np.testing.assert_array_equal(in_place, expected)
    twice = a.copy()  # b is out itself: a + a
    add_kernel.add(twice, twice, out=twice)
    with np.errstate(invalid="ignore", over="ignore"):
        np.testing.assert_array_equal(twice, a + a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_numpy_reference_backend_gives_the_same(dtype, monkeypatch):
    a, b = awkward(SIZES[2], dtype), awkward(SIZES[2], dtype, seed=2)
    out = add_kernel.add(a, b)
    monkeypatch.setattr(config, "backend", reference_backend)
    np.testing.assert_array_equal(out, add_kernel.add(a, b))


def test_arrays_the_kernel_does_not_take_are_refused():
    big = add_kernel.SMALLEST
    good = np.zeros(big, np.float32)
    for a, b in pairs_the_kernels_refuse(big):
        with pytest.raises(ValueError, match="add: expected"):
            add_kernel.add(a, b)
    with pytest.raises(ValueError, match="out must be"):  # an out that is not a
        add_kernel.add(good, good.copy(), out=np.zeros(big, np.float32))
    read_only = np.zeros(big, np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="out must be"):
        add_kernel.add(read_only, good, out=read_only)


def test_b_overlapping_out_is_refused():
    """b a shifted view of out: C would read numbers it had already written (numpy buffers; C does not)."""
    n = add_kernel.SMALLEST
    whole = np.arange(n + 8, dtype=np.float32)
    out, b = whole[:n], whole[8:]
    with pytest.raises(ValueError, match="shares memory"):
        add_kernel.add(out, b, out=out)
    np.testing.assert_array_equal(whole, np.arange(n + 8, dtype=np.float32))  # nothing written


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_plus_on_the_kernel_path_matches_torch(torch, dtype):
    """A residual sum of a (64, 16, 14, 14) batch: 200,704 numbers, past the kernel's threshold; 1 and 2 threads."""
    a_np = np.random.default_rng(4).standard_normal((64, 16, 14, 14)).astype(dtype)
    b_np = np.random.default_rng(5).standard_normal(a_np.shape).astype(dtype)
    g_np = np.random.default_rng(6).standard_normal(a_np.shape).astype(dtype)
    assert add_kernel.serves(a_np, b_np)
    at, bt = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    (at + bt).backward(torch.tensor(g_np))
    for threads in (1, 2):
        a, b = tinynet.tensor(a_np, requires_grad=True), tinynet.tensor(b_np, requires_grad=True)
        y = on_threads(threads, lambda: a + b)
        assert y.dtype == getattr(tinynet, dtype) and y.shape == a.shape
        np.testing.assert_array_equal(y.detach().numpy(), (at + bt).detach().numpy())
        y.backward(tinynet.tensor(g_np))
        np.testing.assert_array_equal(a.grad.numpy(), at.grad.numpy())
        np.testing.assert_array_equal(b.grad.numpy(), bt.grad.numpy())

