"""interpolate(mode="nearest-exact") and Upsample with it against PyTorch: the pixel under each output pixel's
centre, for shrinking and growing by factors and to sizes, over 1, 2 and 3 spatial dims; gradients; and the
difference from "nearest"."""

import numpy as np
import pytest

import tinynet


@pytest.mark.parametrize("shape, options", [
    ((1, 2, 7, 9), dict(scale_factor=0.5)),
    ((1, 1, 5, 5), dict(size=(3, 7))),
    ((2, 1, 4, 4), dict(scale_factor=2)),
    ((2, 3, 10), dict(size=4)),
    ((1, 1, 6, 6, 6), dict(scale_factor=(0.5, 1.5, 0.34))),
])
def test_nearest_exact_matches_torch(torch, shape, options):
    values = np.random.default_rng(0).normal(size=shape)
    ours_x, theirs_x = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ours = tinynet.nn.functional.interpolate(ours_x, mode="nearest-exact", **options)
    theirs = torch.nn.functional.interpolate(theirs_x, mode="nearest-exact", **options)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    upstream = np.random.default_rng(1).normal(size=tuple(theirs.shape))
    (ours * tinynet.tensor(upstream)).sum().backward()
    (theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


def test_upsample_layer_and_difference_from_nearest(torch):
    values = np.arange(9.0).reshape(1, 1, 9)
    for lib in (tinynet, torch):
        layer = lib.nn.Upsample(size=4, mode="nearest-exact")
        assert layer(lib.tensor(values)).numpy().ravel().tolist() == [1.0, 3.0, 5.0, 7.0]  # centres 1.125, 3.375, ...
        nearest = lib.nn.functional.interpolate(lib.tensor(values), size=4, mode="nearest")
        assert nearest.numpy().ravel().tolist() == [0.0, 2.0, 4.0, 6.0]
        with pytest.raises(ValueError):
            lib.nn.functional.interpolate(lib.tensor(values), size=4, mode="nearest-exact", align_corners=True)
