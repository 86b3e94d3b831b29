"""The numpy reference backend is the oracle for the C kernels, so it is checked itself:
against direct loops written from the definitions, and against PyTorch when it is installed."""

import itertools

import numpy as np
import pytest

from tinynet.kernels import reference
from tinynet.kernels.geometry import ConvGeometry, PoolGeometry, output_size


def conv_geometry(x, w, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    return ConvGeometry(n, c, h, wd, o, kh, kw, stride[0], stride[1], pad[0], pad[1],
                        output_size(h, kh, stride[0], pad[0]), output_size(wd, kw, stride[1], pad[1]))


def conv_by_loops(x, w, b, g):
    """The definition, one multiply-add at a time."""
    y = np.zeros((g.batch, g.out_channels, g.out_h, g.out_w))
    for n, o, i, j in itertools.product(range(g.batch), range(g.out_channels), range(g.out_h), range(g.out_w)):
        total = b[o]
        for c, p, q in itertools.product(range(g.in_channels), range(g.kernel_h), range(g.kernel_w)):
            row, col = i * g.stride_h + p - g.pad_h, j * g.stride_w + q - g.pad_w
            if 0 <= row < g.in_h and 0 <= col < g.in_w:
                total += w[o, c, p, q] * x[n, c, row, col]
        y[n, o, i, j] = total
    return y


CASES = [  # (x shape, w shape, stride, padding)
    ((1, 1, 5, 5), (1, 1, 1, 1), (1, 1), (0, 0)),
    ((2, 3, 7, 5), (4, 3, 3, 2), (2, 1), (1, 0)),
    ((1, 2, 6, 6), (3, 2, 2, 2), (3, 3), (1, 1)),  # stride > kernel
    ((2, 1, 4, 3), (2, 1, 3, 3), (1, 1), (2, 2)),  # padding = kernel - 1
]


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CASES)
def test_conv_forward_and_gradients_match_loops(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    g = conv_geometry(x, w, stride, pad)
    np.testing.assert_allclose(reference.conv2d_forward(g, x, w, b), conv_by_loops(x, w, b, g), rtol=1e-12, atol=1e-12)
    # The loss L = sum(dy * y) is linear in each argument, so a gradient is the
    # change of L along a unit basis vector: check a few entries exactly that way.
    dy = rng.standard_normal((g.batch, g.out_channels, g.out_h, g.out_w))
    dx, dw, db = reference.conv2d_backward(g, x, w, dy, True, True, True)
    loss = lambda x_, w_, b_: np.sum(dy * conv_by_loops(x_, w_, b_, g))
    for array, grad, which in ((x, dx, 0), (w, dw, 1), (b, db, 2)):
        for flat in rng.choice(array.size, size=min(5, array.size), replace=False):
            basis = np.zeros(array.size)
            basis[flat] = 1.0
            args = [x, w, b]
            base = loss(*args)
            args[which] = array + basis.reshape(array.shape)
            assert np.isclose(loss(*args) - base, grad.reshape(-1)[flat], rtol=1e-9, atol=1e-9)


def test_max_pool_ties_go_to_the_first_index_and_padding_is_ignored():
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, -1.0, 0.0], [2.0, 2.0, 2.0]]]])
    g = PoolGeometry(1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 4, 4)
    y, argmax = reference.max_pool2d_forward(g, x)
    assert y[0, 0, 1, 1] == 3.0 and argmax[0, 0, 1, 1] == 1  # window rows 0-1, cols 0-1: 3 at (0,1) before (1,0)
    assert y[0, 0, 0, 0] == 1.0 and argmax[0, 0, 0, 0] == 0  # the -inf padding never wins
    dx = reference.max_pool2d_backward(g, np.ones_like(y), argmax)
    assert dx.sum() == y.size and dx[0, 0, 0, 1] >= 2  # overlapping windows accumulate


def test_avg_pool_divisors():
    x = np.ones((1, 1, 2, 2))
    g = PoolGeometry(1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 3, 3)
    assert reference.avg_pool2d_forward(g, x, True)[0, 0, 0, 0] == 0.25
    assert reference.avg_pool2d_forward(g, x, False)[0, 0, 0, 0] == 1.0


def test_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    for x_shape, w_shape, stride, pad in CASES:
        x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
        g = conv_geometry(x, w, stride, pad)
        xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
        yt = F.conv2d(xt, wt, bt, stride, pad)
        dy = rng.standard_normal(tuple(yt.shape))
        yt.backward(torch.tensor(dy))
        np.testing.assert_allclose(reference.conv2d_forward(g, x, w, b), yt.detach().numpy(), rtol=1e-10)
        for ours, theirs in zip(reference.conv2d_backward(g, x, w, dy, True, True, True), (xt, wt, bt)):
            np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    x = np.round(rng.standard_normal((2, 3, 7, 6)), 1)  # rounding makes ties
    for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 2), (1, 2), (1, 1)), ((3, 3), (2, 1), (1, 0))):
        g = PoolGeometry(2, 3, 7, 6, *k, *s, *p, output_size(7, k[0], s[0], p[0]), output_size(6, k[1], s[1], p[1]))
        xt = torch.tensor(x, requires_grad=True)
        yt = F.max_pool2d(xt, k, s, p)
        dy = rng.standard_normal(tuple(yt.shape))
        yt.backward(torch.tensor(dy))
        y, argmax = reference.max_pool2d_forward(g, x)
        np.testing.assert_array_equal(y, yt.detach().numpy())
        np.testing.assert_allclose(reference.max_pool2d_backward(g, dy, argmax), xt.grad.numpy(), rtol=1e-12)
        for include_pad in (True, False):
            xt = torch.tensor(x, requires_grad=True)
            yt = F.avg_pool2d(xt, k, s, p, count_include_pad=include_pad)
            yt.backward(torch.tensor(dy))
            np.testing.assert_allclose(reference.avg_pool2d_forward(g, x, include_pad), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(reference.avg_pool2d_backward(g, dy, include_pad), xt.grad.numpy(), rtol=1e-12, atol=1e-14)
