"""Module backward hooks against PyTorch: register_full_backward_hook and register_full_backward_pre_hook see the
same gradients in the same order, a returned gradient replaces grad_input as in PyTorch, a data input gives None,
a Linear + ReLU pair with a hook is not fused (the hook sees both), and handles remove hooks."""

import warnings

import numpy as np
import pytest

import tinynet


def _run(framework, replace=False):
    framework.manual_seed(0)
    nn = framework.nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 6), nn.ReLU(),
                          nn.Linear(6, 3))
    log = []

    def hook(module, grad_input, grad_output):
        log.append((type(module).__name__, [None if g is None else g.detach().numpy().copy() for g in grad_input],
                    [g.detach().numpy().copy() for g in grad_output]))
        if replace and isinstance(module, nn.ReLU):
            return (grad_input[0] * 2,)

    def pre_hook(module, grad_output):
        log.append(("before " + type(module).__name__, [g.detach().numpy().copy() for g in grad_output]))
    for layer in model:
        layer.register_full_backward_hook(hook)
    model[5].register_full_backward_pre_hook(pre_hook)
    return model, log


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("with_grad", [True, False])
def test_backward_hooks_see_torch_gradients(replace, with_grad, torch):
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    theirs, their_log = _run(torch, replace)
    ours, our_log = _run(tinynet, replace)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    x_theirs, x_ours = torch.tensor(x, requires_grad=with_grad), tinynet.tensor(x, requires_grad=with_grad)
    with warnings.catch_warnings(record=True) as their_warnings:
        warnings.simplefilter("always")
        theirs(x_theirs).sum().backward()
    with warnings.catch_warnings(record=True) as our_warnings:
        warnings.simplefilter("always")
        ours(x_ours).sum().backward()
    assert len(our_warnings) == len(their_warnings)  # (no input needing a gradient: both warn, once)
    assert [entry[0] for entry in our_log] == [entry[0] for entry in their_log]
    for mine, reference in zip(our_log, their_log):
        for my_grads, their_grads in zip(mine[1:], reference[1:]):
            for a, b in zip(my_grads, their_grads):
                assert (a is None) == (b is None)
                if b is not None:
                    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    if with_grad:
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_backward_hook_handles_and_limits():
    layer = tinynet.nn.Linear(3, 2)
    calls = []
    handle = layer.register_full_backward_hook(lambda module, grad_input, grad_output: calls.append(1))
    x = tinynet.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    handle.remove()
    layer(x).sum().backward()
    assert calls == [1]
    with pytest.raises(TypeError, match="callable"):
        layer.register_full_backward_hook("not a function")

    class Pair(tinynet.nn.Module):
        def forward(self, a, b):
            return a * b
    pair = Pair()
    pair.register_full_backward_hook(lambda module, grad_input, grad_output: grad_input)
    a, b = tinynet.randn(2, requires_grad=True), tinynet.randn(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="one input"):
        pair(a, b).sum().backward()
