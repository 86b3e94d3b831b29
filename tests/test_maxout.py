"""Maxout: F.maxout (max over groups of pieces along a dim) and nn.Maxout (Linear then F.maxout).

PyTorch has no maxout, so the comparison with torch is against the same composition written with
torch's own ops: linear, view, max.
"""

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet import gradcheck
from tinynet.nn import functional as F


@pytest.fixture
def rng():
    tinynet.manual_seed(0)
    return np.random.default_rng(0)


def test_maxout_keeps_the_largest_of_each_group(rng):
    x = np.array([[1.0, -2.0, 3.0, 0.5, 4.0, -1.0]])
    np.testing.assert_array_equal(F.maxout(tinynet.tensor(x), 2).detach().numpy(), [[1.0, 3.0, 4.0]])
    np.testing.assert_array_equal(F.maxout(tinynet.tensor(x), 3).detach().numpy(), [[3.0, 4.0]])
    np.testing.assert_array_equal(F.maxout(tinynet.tensor(x), 1).detach().numpy(), x)


def test_maxout_along_the_channel_dim_of_an_image_batch(rng):
    x = rng.standard_normal((2, 6, 3, 4))
    y = F.maxout(tinynet.tensor(x), 3, dim=1)
    assert y.shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(y.detach().numpy(), x.reshape(2, 2, 3, 3, 4).max(axis=2))
    np.testing.assert_array_equal(F.maxout(tinynet.tensor(x), 2, dim=-3).detach().numpy(), x.reshape(2, 3, 2, 3, 4).max(axis=2))


def test_maxout_gradient_goes_to_each_groups_winner_only():
    x = tinynet.tensor(np.array([[1.0, -2.0, 3.0, 0.5]]), requires_grad=True)
    F.maxout(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 1.0, 0.0]])


def test_maxout_gradcheck_float64(rng):
    x = tinynet.tensor(rng.standard_normal((3, 4, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.maxout(t, 3, dim=-1), [x])
    assert gradcheck(lambda t: F.maxout(t, 2, dim=1), [x])


def test_maxout_layer_gradcheck_through_input_weight_and_bias(rng):
    layer = nn.Maxout(5, 3, 4, dtype=np.float64)
    x = tinynet.tensor(rng.standard_normal((7, 5)), requires_grad=True)
    weight = tinynet.tensor(layer.linear.weight.detach().numpy().copy(), requires_grad=True)
    bias = tinynet.tensor(layer.linear.bias.detach().numpy().copy(), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.maxout(F.linear(x, w, b), 4), [x, weight, bias])
    np.testing.assert_allclose(layer(x).detach().numpy(), F.maxout(F.linear(x, weight, bias), 4).detach().numpy())


def test_maxout_layer_is_the_max_of_its_linear_pieces(rng):
    layer = nn.Maxout(5, 3, 4)
    assert layer.linear.weight.shape == (12, 5) and layer.linear.bias.shape == (12,)
    assert sum(p.numel() for p in layer.parameters()) == 12 * 5 + 12
    x = rng.standard_normal((2, 7, 5)).astype(np.float32)
    pieces = x @ layer.linear.weight.detach().numpy().T + layer.linear.bias.detach().numpy()  # (2, 7, 12): row j * 4 + k is piece k of j
    y = layer(tinynet.tensor(x))
    assert y.shape == (2, 7, 3) and y.dtype == np.float32
    # (float32 sums of 5 products, in numpy's order and in the kernel's: a few units in the last place apart,
    # more where the products cancel -- relative to the products, not to their sum)
    np.testing.assert_allclose(y.detach().numpy(), pieces.reshape(2, 7, 3, 4).max(axis=-1), rtol=1e-5, atol=1e-6)
    assert "pieces=4" in repr(layer)


def test_two_pieces_make_a_relu_and_an_absolute_value():
    layer = nn.Maxout(1, 2, 2, dtype=np.float64)
    layer.linear.weight.data[:] = [[0.0], [1.0], [-1.0], [1.0]]  # unit 0: max(0, x); unit 1: max(-x, x)
    layer.linear.bias.data[:] = 0.0
    x = np.linspace(-2, 2, 9).reshape(-1, 1)
    y = layer(tinynet.tensor(x)).detach().numpy()
    np.testing.assert_array_equal(y[:, 0], np.maximum(x[:, 0], 0))
    np.testing.assert_array_equal(y[:, 1], np.abs(x[:, 0]))


def test_maxout_matches_the_same_composition_in_torch(rng):
    torch = pytest.importorskip("torch")
    layer = nn.Maxout(6, 4, 3)
    x = rng.standard_normal((5, 6)).astype(np.float32)
    xt = tinynet.tensor(x, requires_grad=True)
    y = layer(xt)
    y.backward(tinynet.tensor(np.arange(20, dtype=np.float32).reshape(5, 4) / 10))

    x_torch = torch.tensor(x, requires_grad=True)
    w_torch = torch.tensor(layer.linear.weight.detach().numpy(), requires_grad=True)
    b_torch = torch.tensor(layer.linear.bias.detach().numpy(), requires_grad=True)
    y_torch = torch.nn.functional.linear(x_torch, w_torch, b_torch).view(5, 4, 3).max(dim=-1).values
    y_torch.backward(torch.arange(20, dtype=torch.float32).reshape(5, 4) / 10)

    assert y.shape == tuple(y_torch.shape) and y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), y_torch.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xt.grad.numpy(), x_torch.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.linear.weight.grad.numpy(), w_torch.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.linear.bias.grad.numpy(), b_torch.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pieces, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError)])
def test_maxout_rejects_a_bad_number_of_pieces(pieces, error):
    with pytest.raises(error, match="pieces"):
        F.maxout(tinynet.zeros(2, 6), pieces)


def test_maxout_rejects_a_size_that_is_not_a_multiple_of_pieces_and_a_bad_dim():
    with pytest.raises(ValueError, match="size 5, which is not a multiple of pieces=2"):
        F.maxout(tinynet.zeros(3, 5), 2)
    with pytest.raises(IndexError, match="out of range"):
        F.maxout(tinynet.zeros(3, 4), 2, dim=2)
    with pytest.raises(TypeError, match="dim must be an integer"):
        F.maxout(tinynet.zeros(3, 4), 2, dim=1.0)


def test_maxout_layer_validates_its_sizes_and_its_input():
    with pytest.raises(ValueError, match="Maxout: pieces must be >= 1"):
        nn.Maxout(3, 2, 0)
    with pytest.raises(TypeError, match="Maxout: out_features must be an integer"):
        nn.Maxout(3, 2.0, 2)
    with pytest.raises(RuntimeError, match="last dimension 3"):
        nn.Maxout(3, 2, 2)(tinynet.zeros(4, 5))
