"""F.affine_grid and F.grid_sample (a spatial transformer's two halves) against PyTorch: grids, sampled values and
the gradients of the input, the grid and theta, for both align_corners, bilinear and nearest modes, zeros and
border padding, in float32 and float64; a float64 gradcheck; the spatial-transformer tutorial's identity start;
and PyTorch's exception types and warning.
"""

import itertools

import numpy as np
import pytest

import tinynet
from tinynet.nn import functional as F

# (values that put no grid point exactly on a pixel centre, where bilinear sampling has a kink)
THETA = np.array([[[0.93, -0.17, 0.11], [0.29, 1.13, -0.21]], [[1.31, 0.37, -0.29], [-0.53, 0.83, 0.23]]])
SETTINGS = list(itertools.product([False, True], ["bilinear", "nearest"], ["zeros", "border"]))


def sample(lib, image, theta, size, align_corners, mode, padding_mode, dtype):
    image = lib.tensor(image.astype(dtype), requires_grad=True)
    theta = lib.tensor(theta.astype(dtype), requires_grad=True)
    grid = lib.nn.functional.affine_grid(theta, size, align_corners=align_corners)
    grid.retain_grad()
    out = lib.nn.functional.grid_sample(image, grid, mode=mode, padding_mode=padding_mode,
                                        align_corners=align_corners)
    upstream = np.random.default_rng(1).normal(size=tuple(out.shape)).astype(dtype)
    (out * lib.tensor(upstream)).sum().backward()
    # (nearest sampling: PyTorch gives the grid and theta gradients of zeros, tinynet none)
    gradients = [np.zeros(tuple(t.shape), dtype) if t.grad is None else t.grad.numpy() for t in (image, grid, theta)]
    return [grid.detach().numpy(), out.detach().numpy()] + gradients


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("align_corners, mode, padding_mode", SETTINGS)
def test_affine_grid_and_grid_sample_match_torch(torch, align_corners, mode, padding_mode, dtype):
    image = np.random.default_rng(0).normal(size=(2, 3, 5, 6))
    size = (2, 3, 4, 7)  # another output size than the input's
    ours = sample(tinynet, image, THETA, size, align_corners, mode, padding_mode, dtype)
    theirs = sample(torch, image, THETA, size, align_corners, mode, padding_mode, dtype)
    tolerance = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for what, mine, reference in zip(["grid", "output", "d input", "d grid", "d theta"], ours, theirs):
        assert mine.shape == reference.shape and mine.dtype == reference.dtype, what
        np.testing.assert_allclose(mine, reference, err_msg=what, **tolerance)


@pytest.mark.parametrize("align_corners, padding_mode", [(False, "zeros"), (True, "border")])
def test_bilinear_sampling_gradcheck(align_corners, padding_mode):  # (points beyond the border: gradient 0)
    image = tinynet.tensor(np.random.default_rng(3).normal(size=(1, 2, 4, 5)), requires_grad=True)
    theta = tinynet.tensor(THETA[:1], requires_grad=True)

    def transform(image, theta):
        grid = F.affine_grid(theta, (1, 2, 3, 3), align_corners=align_corners)
        return F.grid_sample(image, grid, padding_mode=padding_mode, align_corners=align_corners)

    assert tinynet.gradcheck(transform, [image, theta])


def test_identity_theta_returns_the_image_as_in_the_spatial_transformer_tutorial():
    image = tinynet.tensor(np.random.default_rng(4).normal(size=(2, 1, 28, 28)).astype(np.float32))
    theta = tinynet.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).view(1, 2, 3).repeat(2, 1, 1)
    with pytest.warns(UserWarning, match="align_corners=False"):
        grid = F.affine_grid(theta, image.size())
    with pytest.warns(UserWarning, match="align_corners=False"):
        out = F.grid_sample(image, grid)
    np.testing.assert_allclose(out.numpy(), image.numpy(), atol=1e-5)


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False), ValueError),
    (lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 3, dtype=lib.long), (1, 1, 2, 2),
                                               align_corners=False), ValueError),
    (lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), mode="area",
                                               align_corners=False), ValueError),
    (lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), padding_mode="wrap",
                                               align_corners=False), ValueError),
    (lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2, dtype=lib.float64),
                                               align_corners=False), RuntimeError),
])
def test_mistakes_raise_torchs_exception_types(torch, call, error):
    for lib in (tinynet, torch):
        with pytest.raises(error):
            call(lib)


def test_reflection_padding_says_it_is_missing():
    with pytest.raises(NotImplementedError, match="reflection"):
        F.grid_sample(tinynet.zeros(1, 1, 2, 2), tinynet.zeros(1, 2, 2, 2), padding_mode="reflection",
                      align_corners=False)
