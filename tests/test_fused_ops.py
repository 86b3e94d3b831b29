"""The fused forms of a training step's ops (tinynet.set_fused_kernels): the Linear op's kernel path, LinearReLU
(nn.Sequential's Linear + ReLU as one op), the fused cross-entropy and the one-call optimizer steps.

Each is checked against the unfused ops it stands for (the same numbers up to rounding), by float64
gradcheck and against PyTorch; and the switch is checked to choose what runs (what trace_backward shows).
"""

import io

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet.nn import functional as F
from tinynet.ops.matmul import LinearReLU
from op_helpers import OpCase, check_against_torch, check_gradients


@pytest.fixture(params=[True, False], ids=["fused", "unfused"])
def fused(request):
    """Runs the test with fused kernels on, then off; restores the setting."""
    before = tinynet.kernels.fused_kernels_enabled()
    tinynet.kernels.set_fused_kernels(request.param)
    yield request.param
    tinynet.kernels.set_fused_kernels(before)


def torch_F():
    import torch
    return torch.nn.functional


CASES = [
    OpCase("linear_relu", [(7, 5), (3, 5), (3,)], lambda x, w, b: LinearReLU.apply(x, w, b),
           torch_fn=lambda x, w, b: torch_F().relu(torch_F().linear(x, w, b))),
    OpCase("linear_relu_no_bias", [(4, 6), (5, 6)], lambda x, w: LinearReLU.apply(x, w),
           torch_fn=lambda x, w: torch_F().relu(torch_F().linear(x, w))),
    OpCase("linear", [(6, 4), (3, 4), (3,)], lambda x, w, b: F.linear(x, w, b),
           torch_fn=lambda x, w, b: torch_F().linear(x, w, b)),
    OpCase("linear_3d", [(2, 5, 4), (3, 4), (3,)], lambda x, w, b: F.linear(x, w, b),
           torch_fn=lambda x, w, b: torch_F().linear(x, w, b)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradcheck(case, fused):
    check_gradients(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_against_torch(case, torch, fused):
    check_against_torch(case, torch)


def mlp(dtype=np.float64, seed=0):
    tinynet.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 9, dtype=dtype), nn.ReLU(), nn.Linear(9, 7, dtype=dtype), nn.ReLU(),
                         nn.Linear(7, 3, dtype=dtype))


def train_steps(fused_kernels, optimizer_class, steps=3, **options):
    """A few training steps of the MLP with fused kernels on or off: the losses and final weights."""
    tinynet.kernels.set_fused_kernels(fused_kernels)
    try:
        model = mlp()
        optimizer = optimizer_class(model.parameters(), **options)
        rng = np.random.default_rng(0)
        x, labels = rng.standard_normal((16, 12)), rng.integers(0, 3, 16)
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(tinynet.tensor(x)), tinynet.tensor(labels))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, [p.detach().numpy().copy() for p in model.parameters()]
    finally:
        tinynet.kernels.set_fused_kernels(True)


@pytest.mark.parametrize("optimizer_class, options", [
    (tinynet.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=1e-3)),
    (tinynet.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (tinynet.optim.Adam, dict(lr=0.01, amsgrad=True)),
    (tinynet.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
])
def test_training_steps_are_the_same_fused_or_not(optimizer_class, options):
    fused_losses, fused_weights = train_steps(True, optimizer_class, **options)
    plain_losses, plain_weights = train_steps(False, optimizer_class, **options)
    np.testing.assert_allclose(fused_losses, plain_losses, rtol=1e-12)
    for a, b in zip(fused_weights, plain_weights):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_switch_chooses_what_trace_backward_shows():
    model, x = mlp(), tinynet.randn(2, 12, dtype=tinynet.float64)
    shown = {}
    for setting in (True, False):
        tinynet.kernels.set_fused_kernels(setting)
        try:
            out = io.StringIO()
            with tinynet.trace_backward(file=out):
                model(x).sum().backward()
            shown[setting] = out.getvalue()
        finally:
            tinynet.kernels.set_fused_kernels(True)
    assert shown[True].count("LinearReLU(") == 2 and "] ReLU(" not in shown[True]
    assert "LinearReLU" not in shown[False] and shown[False].count("] ReLU(") == 2
    assert shown[False].count("] Linear(") == 3 and shown[True].count("] Linear(") == 1


def test_a_hook_on_either_layer_keeps_the_pair_apart():
    model, x = mlp(), tinynet.randn(2, 12, dtype=tinynet.float64)
    seen = []
    model[1].register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    model[0].register_forward_pre_hook(lambda module, inputs: seen.append("pre"))
    y = model(x)
    assert seen == ["pre", (2, 9)]
    second_pair = y.grad_fn.next_functions[0][0]
    assert second_pair.name() == "LinearReLUBackward"  # (no hooks there)
    assert second_pair.next_functions[0][0].name() == "ReLUBackward"  # the first pair ran apart


def test_a_fused_output_changed_in_place_is_refused_in_backward():
    model, x = mlp(), tinynet.randn(2, 12, dtype=tinynet.float64)
    hidden = model[:2](x)
    assert hidden.grad_fn.name() == "LinearReLUBackward"
    loss = (hidden * hidden).sum()
    hidden.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_sequential_fuses_only_2d_inputs_and_gives_the_same_for_others():
    model, x = mlp(), tinynet.randn(3, 2, 12, dtype=tinynet.float64)
    y = model(x)
    tinynet.kernels.set_fused_kernels(False)
    try:
        np.testing.assert_allclose(y.detach().numpy(), model(x).detach().numpy(), rtol=1e-12)
    finally:
        tinynet.kernels.set_fused_kernels(True)


def test_fused_linear_with_another_bias_dtype_adds_it_as_before(fused):
    x, w = tinynet.randn(3, 4), tinynet.randn(2, 4)
    b = tinynet.tensor(np.array([1.0, 2.0]))  # float64, cast into the float32 result as numpy's += does
    y = F.linear(x, w, b)
    assert y.dtype == tinynet.float32
    np.testing.assert_allclose(y.numpy(), x.numpy() @ w.numpy().T + [1, 2], rtol=1e-6)


def test_a_linear_gradient_kept_as_grad_without_a_copy_still_accumulates_right(fused):
    """Linear's fresh gradients may become .grad without a copy: later backward passes add into .grad, and
    must change nothing else (the other parameters' .grad, the gradient a hook kept)."""
    model, x = mlp(), tinynet.randn(4, 12, dtype=tinynet.float64)
    kept = []
    model[2].bias.register_hook(lambda g: kept.append(g) or g)
    model(x).sum().backward()
    first = [p.grad.numpy().copy() for p in model.parameters()]
    first_kept = kept[0].numpy().copy()
    model(x).sum().backward()
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad.numpy(), 2 * g, rtol=1e-12)
    np.testing.assert_array_equal(kept[0].numpy(), first_kept)
    assert not np.shares_memory(model[2].bias.grad.numpy(), kept[0].numpy())
