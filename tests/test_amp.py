"""tinynet.amp against torch.amp on the CPU: GradScaler scales the loss, unscales the gradients, skips a step
whose gradients overflow and adjusts its scale as PyTorch's does; disabled, or asked for CUDA, it is a
pass-through (with PyTorch's warning); autocast changes nothing."""

import warnings

import numpy as np
import pytest

import tinynet


def _train(lib, enabled, growth_interval=2):
    lib.manual_seed(0)
    layer = lib.nn.Linear(3, 1, dtype=lib.float64)
    layer.load_state_dict({"weight": lib.tensor([[0.5, -0.25, 1.0]], dtype=lib.float64),
                           "bias": lib.tensor([0.1], dtype=lib.float64)})
    optimizer = lib.optim.SGD(layer.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=growth_interval, enabled=enabled)
    x = lib.tensor(np.arange(12.0).reshape(4, 3) / 10)
    log = []
    for step in range(5):
        optimizer.zero_grad()
        loss = (layer(x) ** 2).mean() * (float("inf") if step == 2 else 1.0)  # (step 2 overflows)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        returned = scaler.step(optimizer)
        scaler.update()
        log.append((scaler.get_scale(), layer.weight.detach().numpy().copy(), returned is None))
    return log, scaler


@pytest.mark.parametrize("enabled", [True, False])
def test_grad_scaler_matches_torch(enabled, torch):
    ours, our_scaler = _train(tinynet, enabled)
    theirs, their_scaler = _train(torch, enabled)
    for (scale, weight, _), (their_scale, their_weight, _) in zip(ours, theirs):
        assert scale == their_scale
        np.testing.assert_allclose(weight, their_weight, rtol=1e-12, equal_nan=True)
    if enabled:
        assert [entry[0] for entry in ours] == [8.0, 16.0, 8.0, 8.0, 16.0]
        theirs_state = their_scaler.state_dict()
        assert our_scaler.state_dict()["scale"] == theirs_state["scale"]


def test_cuda_helpers_turn_themselves_off_and_autocast_changes_nothing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = tinynet.cuda.amp.GradScaler()
        with tinynet.cuda.amp.autocast():
            y = tinynet.ones(2) * 3
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and len(caught) == 2
    loss = tinynet.tensor(2.0, requires_grad=True)
    assert scaler.scale(loss) is loss and y.dtype == tinynet.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tinynet.autocast("cpu", enabled=False):
            pass

        @tinynet.autocast("cpu", enabled=False)
        def double(x):
            return x * 2
        assert double(tinynet.ones(1)).item() == 2


@pytest.mark.parametrize("misuse", [
    lambda lib, scaler, optimizer, loss: lib.amp.GradScaler("cpu", growth_factor=0.5),
    lambda lib, scaler, optimizer, loss: lib.amp.GradScaler("cpu", backoff_factor=1.5),
    lambda lib, scaler, optimizer, loss: scaler.update(),  # (no step to judge the scale by)
    lambda lib, scaler, optimizer, loss: scaler.scale(3.0),
    lambda lib, scaler, optimizer, loss: (scaler.scale(loss).backward(), scaler.step(optimizer),
                                          scaler.step(optimizer)),  # (the same gradients applied twice)
])
def test_grad_scaler_misuse_raises_as_in_torch(misuse, torch):
    for lib in (torch, tinynet):
        weight = lib.nn.Parameter(lib.ones(3))
        optimizer = lib.optim.SGD([weight], lr=0.1)
        with pytest.raises(Exception) as raised:
            misuse(lib, lib.amp.GradScaler("cpu"), optimizer, (weight * 2).sum())
        if lib is torch:
            expected = type(raised.value)
        else:
            assert type(raised.value) is expected
