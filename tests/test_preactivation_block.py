"""nn.PreActivationBlock, the ResNet v2 unit: shapes, the clean identity path, float64 gradchecks through
the input and every parameter, and the same unit written with torch.nn."""

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet import gradcheck


@pytest.fixture
def rng():
    tinynet.manual_seed(0)
    return np.random.default_rng(0)


def test_shapes_and_shortcut_kind(rng):
    same, projecting = nn.PreActivationBlock(4, 4), nn.PreActivationBlock(4, 8, stride=2)
    assert same.shortcut is None
    assert isinstance(projecting.shortcut, nn.Conv2d) and projecting.shortcut.weight.shape == (8, 4, 1, 1)
    x = tinynet.tensor(rng.standard_normal((2, 4, 6, 6)).astype(np.float32))
    assert same(x).shape == (2, 4, 6, 6)
    assert projecting(x).shape == (2, 8, 3, 3)
    assert np.any(same(x).detach().numpy() < 0)  # no ReLU after the addition


def test_the_identity_path_is_clean(rng):
    """With conv2's weights zero the residual branch is 0 and the unit is exactly the identity."""
    block = nn.PreActivationBlock(3, 3)
    block.conv2.weight.data[...] = 0
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(block(tinynet.tensor(x)).detach().numpy(), x)


def _gradcheck_block(block, x):
    """gradcheck the block as a function of its input and of every parameter (float64 copies swapped in)."""
    block.double()
    named = list(block.named_parameters())

    def run(x, *values):
        for (name, _), value in zip(named, values):
            *path, leaf = name.split(".")
            owner = block
            for part in path:
                owner = owner._modules[part]
            owner._parameters[leaf] = value
        return block(x)

    originals = [p for _, p in named]
    inputs = [tinynet.tensor(x, requires_grad=True)] + [tinynet.tensor(p.detach().numpy(), requires_grad=True) for p in originals]
    try:
        assert gradcheck(run, inputs, atol=1e-5, rtol=1e-3)
    finally:
        run(inputs[0], *originals)


def test_gradcheck_float64(rng):
    _gradcheck_block(nn.PreActivationBlock(2, 2), rng.standard_normal((3, 2, 3, 3)))
    _gradcheck_block(nn.PreActivationBlock(2, 3, stride=2), rng.standard_normal((3, 2, 4, 4)))


def test_bad_sizes_name_the_block():
    with pytest.raises(ValueError, match="PreActivationBlock: stride must be >= 1"):
        nn.PreActivationBlock(2, 2, stride=0)
    with pytest.raises(TypeError, match="PreActivationBlock: out_channels must be an integer"):
        nn.PreActivationBlock(2, "4")


@pytest.mark.parametrize("in_channels, out_channels, stride", [(4, 4, 1), (4, 6, 2)])
def test_matches_the_same_unit_written_with_torch(rng, in_channels, out_channels, stride):
    torch = pytest.importorskip("torch")

    class TorchPreActivationBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bn1 = torch.nn.BatchNorm2d(in_channels, dtype=torch.float64)
            self.conv1 = torch.nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False, dtype=torch.float64)
            self.bn2 = torch.nn.BatchNorm2d(out_channels, dtype=torch.float64)
            self.conv2 = torch.nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False, dtype=torch.float64)
            self.shortcut = (torch.nn.Conv2d(in_channels, out_channels, 1, stride, bias=False, dtype=torch.float64)
                             if stride != 1 or in_channels != out_channels else None)

        def forward(self, x):
            activated = torch.relu(self.bn1(x))
            shortcut = x if self.shortcut is None else self.shortcut(activated)
            return self.conv2(torch.relu(self.bn2(self.conv1(activated)))) + shortcut

    block = nn.PreActivationBlock(in_channels, out_channels, stride, dtype=np.float64)
    reference = TorchPreActivationBlock()
    with torch.no_grad():
        for name, parameter in reference.named_parameters():
            parameter.copy_(torch.from_numpy(dict(block.named_parameters())[name].detach().numpy()))
    x = rng.standard_normal((4, in_channels, 6, 6))
    upstream = rng.standard_normal((4, out_channels, 6 // stride, 6 // stride))

    xt = tinynet.tensor(x, requires_grad=True)
    y = block(xt)
    y.backward(tinynet.tensor(upstream))
    x_torch = torch.tensor(x, requires_grad=True)
    y_torch = reference(x_torch)
    y_torch.backward(torch.from_numpy(upstream))

    np.testing.assert_allclose(y.detach().numpy(), y_torch.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(xt.grad.numpy(), x_torch.grad.numpy(), rtol=1e-9, atol=1e-10)
    for name, parameter in reference.named_parameters():
        np.testing.assert_allclose(dict(block.named_parameters())[name].grad.numpy(), parameter.grad.numpy(),
                                   rtol=1e-9, atol=1e-10, err_msg=name)
    for name in ("bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"):
        np.testing.assert_allclose(block.state_dict()[name], reference.state_dict()[name].numpy(), rtol=1e-10)
