"""Dilated convolution (ops/conv_dilated.py): values, gradients and dtypes against PyTorch, a float64 gradcheck,
and an inf in the input, which must reach only the outputs whose taps meet it."""

import numpy as np
import pytest

import tinynet

CASES = [  # (x shape, weight shape, stride, padding, dilation, groups)
    ((2, 3, 9, 8), (4, 3, 3, 3), 1, 0, 2, 1),
    ((1, 2, 11, 10), (3, 2, 3, 2), 2, 1, (2, 3), 1),
    ((2, 4, 10, 10), (6, 2, 3, 3), (1, 2), (2, 1), 3, 2),
    ((1, 4, 7, 7), (4, 1, 2, 2), 1, 2, 2, 4),  # depthwise
    ((3, 5, 6), (2, 3, 2, 2), 1, 1, 2, 1),  # unbatched
]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dilated_conv2d_matches_torch(torch, x_shape, w_shape, stride, padding, dilation, groups, dtype):
    if len(x_shape) == 3:
        x_shape, w_shape = x_shape, (w_shape[0], x_shape[0] // groups) + w_shape[2:]
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, (w_shape[0],))]
    results = []
    for lib in (torch, tinynet):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy(), str(y.dtype)))
    tolerance = 1e-4 if dtype == "float32" else 1e-10
    for got, expected in zip(results[1][:4], results[0][:4]):
        assert got.shape == expected.shape and got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)
    assert results[1][4].split(".")[-1] == results[0][4].split(".")[-1]


def test_dilated_conv2d_gradcheck():
    rng = np.random.default_rng(6)
    x = tinynet.tensor(rng.standard_normal((2, 4, 7, 6)), requires_grad=True)
    w = tinynet.tensor(rng.standard_normal((2, 2, 2, 3)), requires_grad=True)
    b = tinynet.tensor(rng.standard_normal(2), requires_grad=True)
    assert tinynet.gradcheck(
        lambda x, w, b: tinynet.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(2, 2), groups=2),
        (x, w, b))


def test_an_inf_in_the_input_reaches_only_the_outputs_that_use_it(torch):
    """The taps are d apart: an output whose taps skip the inf pixel stays finite (PyTorch's result),
    which a convolution with a zero-filled big kernel (0 * inf = NaN) would not give."""
    x = np.zeros((1, 1, 6, 6), dtype=np.float32)
    x[0, 0, 1, 1] = np.inf
    w = np.ones((1, 1, 2, 2), dtype=np.float32)
    got = tinynet.nn.functional.conv2d(tinynet.tensor(x), tinynet.tensor(w), dilation=2).numpy()
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), dilation=2).numpy()
    np.testing.assert_array_equal(got, expected)
    assert np.isinf(got).sum() == 1 and not np.isnan(got).any()
