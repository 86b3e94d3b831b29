"""MaxPool2d(return_indices=True) and MaxUnpool2d against PyTorch: the same indices (int64, row * W + col of
each plane, ceil_mode's partial windows and padding included), the same unpooled maps and gradients."""

import numpy as np
import pytest

import tinynet

CASES = [((2, 3, 6, 6), 2, 2, 0, False), ((1, 2, 7, 5), 3, 2, 1, False), ((2, 1, 7, 7), 2, 2, 0, True),
         ((3, 5, 5), 3, 1, 1, False), ((1, 1, 9, 8), (3, 2), (2, 3), (1, 0), True)]


@pytest.mark.parametrize("shape, kernel, stride, padding, ceil_mode", CASES)
def test_pooling_indices_and_unpooling_match_torch(shape, kernel, stride, padding, ceil_mode, torch):
    x = np.random.default_rng(0).standard_normal(shape)
    results = {}
    for lib in (tinynet, torch):
        inputs = lib.tensor(x, requires_grad=True)
        values, indices = lib.nn.MaxPool2d(kernel, stride, padding, return_indices=True, ceil_mode=ceil_mode)(inputs)
        restored = lib.nn.MaxUnpool2d(kernel, stride, padding)(values, indices, output_size=inputs.shape[-2:])
        weights = lib.tensor(np.arange(restored.numel(), dtype=np.float64).reshape(tuple(restored.shape)))
        (restored * weights).sum().backward()
        again = lib.nn.functional.max_unpool2d(*lib.nn.functional.max_pool2d(
            inputs, kernel, stride, padding, ceil_mode=ceil_mode, return_indices=True), kernel, stride, padding)
        results[lib] = [values.detach().numpy(), indices.numpy(), restored.detach().numpy(), inputs.grad.numpy(),
                        again.detach().numpy()]
        assert str(indices.dtype).endswith("int64")
    for mine, reference in zip(results[tinynet], results[torch]):
        np.testing.assert_array_equal(mine, reference)


def test_unpool_refuses_bad_indices():
    values = tinynet.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="invalid max index"):
        tinynet.nn.functional.max_unpool2d(values, tinynet.tensor([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(RuntimeError, match="int64"):
        tinynet.nn.functional.max_unpool2d(values, tinynet.zeros(1, 1, 2, 2), 2)


@pytest.mark.parametrize("output_size", [(7, 7), (2, 2), (1, 1, 5), (1, 2, 9, 9)])
def test_unpool_refuses_an_output_size_the_pooling_could_not_have_had(output_size, torch):
    """A width other than the pooled input's moves every index row * W + col to another place: silently wrong."""
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
    for lib in (tinynet, torch):
        values, indices = lib.nn.functional.max_pool2d(lib.tensor(x), 2, return_indices=True)
        with pytest.raises(ValueError, match="output_size"):
            lib.nn.functional.max_unpool2d(values, indices, 2, output_size=output_size)
        assert tuple(lib.nn.MaxUnpool2d(2)(values, indices, output_size=(1, 2, 5, 5)).shape) == (1, 2, 5, 5)


@pytest.mark.parametrize("shape, kernel, stride, padding, ceil_mode", [((2, 3, 7), 2, None, 0, False),
                                                                        ((3, 8), 3, 2, 1, True)])
def test_max_pool1d_returns_indices_along_the_signal_as_torch_does(shape, kernel, stride, padding, ceil_mode, torch):
    """return_indices=True crashed (the (values, indices) pair was squeezed as one tensor)."""
    x = np.random.default_rng(1).standard_normal(shape)
    results = []
    for lib in (tinynet, torch):
        inputs = lib.tensor(x, requires_grad=True)
        values, indices = lib.nn.MaxPool1d(kernel, stride, padding, return_indices=True, ceil_mode=ceil_mode)(inputs)
        (values * values).sum().backward()
        results.append([values.detach().numpy(), indices.numpy(), inputs.grad.numpy()])
    for mine, reference in zip(*results):
        np.testing.assert_array_equal(mine, reference)
