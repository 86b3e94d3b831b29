"""LazyLinear against torch.nn.LazyLinear: the repr before and after the first call, the layer becoming a Linear
with in_features read from that call, its initialisation's range, and training afterwards with PyTorch's numbers
(weights copied across)."""

import numpy as np
import pytest

import tinynet


def model(nn):
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(5), nn.ReLU(), nn.LazyLinear(2, bias=False))


def test_lazy_linear_becomes_linear_as_in_torch(torch):
    ours, theirs = model(tinynet.nn), model(torch.nn)
    assert repr(ours) == repr(theirs)
    assert ours[1].has_uninitialized_params() and theirs[1].has_uninitialized_params()
    values = np.random.default_rng(0).normal(size=(4, 2, 3)).astype(np.float32)
    ours(tinynet.tensor(values))
    theirs(torch.tensor(values))
    assert repr(ours) == repr(theirs)
    assert type(ours[1]) is tinynet.nn.Linear and type(ours[3]) is tinynet.nn.Linear
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    bound = 1 / np.sqrt(6)  # Linear's U(-1/sqrt(in), 1/sqrt(in)) with in_features = 2 * 3
    assert np.abs(ours[1].weight.detach().numpy()).max() <= bound
    assert ours[1].weight.detach().numpy().std() > bound / 4  # (drawn, not left at zero)


def test_training_after_the_first_call_matches_torch(torch):
    ours, theirs = model(tinynet.nn), model(torch.nn)
    values = np.random.default_rng(1).normal(size=(8, 2, 3)).astype(np.float32)
    labels = np.random.default_rng(2).integers(0, 2, size=8)
    ours(tinynet.tensor(values))
    theirs(torch.tensor(values))
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    losses = []
    for lib, net in ((tinynet, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(net.parameters(), lr=0.5)
        for _ in range(3):
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(net(lib.tensor(values)), lib.tensor(labels))
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    np.testing.assert_allclose(ours[3].weight.detach().numpy(), theirs[3].weight.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_the_parameters_keep_their_identity():
    layer = tinynet.nn.LazyLinear(3)
    weight, bias = layer.weight, layer.bias
    layer(tinynet.ones(2, 4))
    assert layer.weight is weight and layer.bias is bias and tuple(weight.shape) == (3, 4)
