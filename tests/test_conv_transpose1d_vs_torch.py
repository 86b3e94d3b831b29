"""ConvTranspose1d and F.conv_transpose1d against PyTorch: outputs, input, weight and bias gradients (weights
copied) in float32 and float64 for strides, padding, output_padding, dilation and groups, batched and unbatched;
reprs; a float64 gradcheck; and a 1-D decoder's shapes."""

import numpy as np
import pytest

import tinynet
from tinynet.nn import functional as F

SETTINGS = [
    dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1),
    dict(in_channels=3, out_channels=5, kernel_size=3),
    dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, output_padding=1, groups=2, bias=False, dilation=2),
    dict(in_channels=2, out_channels=3, kernel_size=5, stride=3, padding=2, output_padding=2),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("settings", SETTINGS)
def test_conv_transpose1d_matches_torch(torch, settings, batched, dtype):
    theirs = torch.nn.ConvTranspose1d(**settings).to(getattr(torch, np.dtype(dtype).name))
    ours = tinynet.nn.ConvTranspose1d(**settings).to(dtype)
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    shape = (2, settings["in_channels"], 7) if batched else (settings["in_channels"], 7)
    values = np.random.default_rng(0).normal(size=shape).astype(dtype)
    x_ours, x_theirs = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert tuple(y_ours.shape) == tuple(y_theirs.shape)
    tolerance = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), **tolerance)
    upstream = np.random.default_rng(1).normal(size=tuple(y_theirs.shape)).astype(dtype)
    (y_ours * tinynet.tensor(upstream)).sum().backward()
    (y_theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), **tolerance)
    for (name, mine), (_, reference) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), err_msg=name, **tolerance)


def test_gradcheck():
    rng = np.random.default_rng(2)
    x = tinynet.tensor(rng.normal(size=(1, 2, 4)), requires_grad=True)
    w = tinynet.tensor(rng.normal(size=(2, 3, 3)), requires_grad=True)
    b = tinynet.tensor(rng.normal(size=(3,)), requires_grad=True)
    assert tinynet.gradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
                             [x, w, b])


def test_a_one_d_decoder_doubles_the_length_per_layer(torch):
    shapes = []
    for lib in (tinynet, torch):
        nn = lib.nn
        decoder = nn.Sequential(nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1), nn.ReLU(),
                                nn.ConvTranspose1d(4, 1, 4, stride=2, padding=1))
        shapes.append(tuple(decoder(lib.zeros(3, 8, 16)).shape))
    assert shapes[0] == shapes[1] == (3, 1, 64)
