"""Adamax, NAdam, RAdam, Rprop and ASGD against PyTorch's: same starting weights and gradients, the same weights
after every step (both dtypes, every hyperparameter, a parameter without a gradient at one step), the same running
state, parameter groups with their own settings and an lr changed mid-run, a saved state resumed, defaults, and
the settings PyTorch refuses.
"""

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim
from test_optim_vs_torch import TOLERANCE, Pair

torch = pytest.importorskip("torch")

CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.02, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.9), momentum_decay=0.01, weight_decay=0.05)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.7, 0.6), weight_decay=0.1)),  # beta2 = 0.6: the rectified branch from step 2
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.5), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.6, t0=3, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
]
IDS = [f"{name}-{options}" for name, options in CASES]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_trajectory_and_state_match_torch(name, options, dtype):
    pair = Pair(dtype)
    tiny_opt = getattr(optim, name)(pair.tiny, **options)
    torch_opt = getattr(torch.optim, name)(pair.torch, **options)
    rng = np.random.default_rng(1)
    for step in range(10):
        pair.set_grads(rng, skip=1 if step == 3 else None)
        if name == "Rprop" and step in (5, 6):  # repeat a gradient, then flip it: both of Rprop's branches
            for a, b in zip(pair.tiny, pair.torch):
                a.grad, b.grad = a.grad * (1 if step == 5 else -1), b.grad * (1 if step == 5 else -1)
        tiny_opt.step()
        torch_opt.step()
        pair.assert_same(f"after step {step + 1}")
    for a, b in zip(pair.tiny, pair.torch):
        theirs, ours = torch_opt.state[b], tiny_opt.state.get(a, {})
        assert set(ours) == set(theirs), (sorted(ours), sorted(theirs))
        for key, value in theirs.items():
            expected = value.item() if value.ndim == 0 else value.numpy()
            np.testing.assert_allclose(ours[key], expected, **TOLERANCE[dtype], err_msg=key)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Rprop", "ASGD"])
def test_parameter_groups_and_an_lr_changed_mid_run_match_torch(name):
    pair = Pair(np.float64)
    tiny_opt = getattr(optim, name)([{"params": pair.tiny[:1], "lr": 0.3}, {"params": pair.tiny[1:]}], lr=0.02)
    torch_opt = getattr(torch.optim, name)([{"params": pair.torch[:1], "lr": 0.3}, {"params": pair.torch[1:]}],
                                           lr=0.02)
    rng = np.random.default_rng(2)
    for step in range(8):
        if step == 4:
            tiny_opt.param_groups[1]["lr"] = torch_opt.param_groups[1]["lr"] = 0.004
        pair.set_grads(rng)
        tiny_opt.step()
        torch_opt.step()
        pair.assert_same(f"after step {step + 1}")


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Rprop", "ASGD"])
def test_defaults_match_torch(name):
    tiny_opt = getattr(optim, name)([nn.Parameter(np.zeros(2))])
    torch_opt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    for key, value in tiny_opt.defaults.items():
        assert torch_opt.defaults[key] == value, key
    switches = {"foreach", "fused", "capturable", "differentiable"}
    assert set(torch_opt.defaults) - set(tiny_opt.defaults) <= switches


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Rprop", "ASGD"])
def test_a_saved_state_resumes_identically(name, tmp_path):
    def run(opt, params, rng, steps):
        for _ in range(steps):
            for p in params:
                p.grad = tinynet.tensor(rng.standard_normal(p.shape))
            opt.step()
    first = [nn.Parameter(np.ones((2, 3))), nn.Parameter(np.zeros(4))]
    opt = getattr(optim, name)(first, lr=0.05)
    run(opt, first, np.random.default_rng(0), 3)
    tinynet.save({"opt": opt.state_dict(), "params": [p.detach().clone() for p in first]}, tmp_path / "ckpt.pt")
    run(opt, first, np.random.default_rng(1), 4)
    saved = tinynet.load(tmp_path / "ckpt.pt")
    second = [nn.Parameter(p.numpy().copy()) for p in saved["params"]]
    resumed = getattr(optim, name)(second, lr=0.05)
    resumed.load_state_dict(saved["opt"])
    run(resumed, second, np.random.default_rng(1), 4)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


REFUSED = [
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, -0.1))), ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(betas=(-0.1, 0.9))), ("NAdam", dict(momentum_decay=-1)),
    ("NAdam", dict(weight_decay=-1)), ("NAdam", dict(eps=-1)),
    ("RAdam", dict(lr=-1)), ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(weight_decay=-1)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.1, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name, options", REFUSED, ids=[f"{n}-{o}" for n, o in REFUSED])
def test_what_torch_refuses_is_refused_with_its_words(name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([nn.Parameter(np.zeros(2))], **options)
    phrase = str(theirs.value).split(":")[0]
    assert phrase.startswith("Invalid ") and phrase in str(ours.value)


@pytest.mark.parametrize("make", [
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.1),
])
def test_cyclic_lr_refuses_what_torch_refuses(make):
    with pytest.raises(ValueError):
        make(torch.optim.lr_scheduler, torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9))
    with pytest.raises(ValueError):
        make(optim.lr_scheduler, optim.SGD([nn.Parameter(np.zeros(2))], lr=0.1, momentum=0.9))


def test_cyclic_lr_with_momentum_cycling_needs_an_optimizer_with_momentum():
    with pytest.raises(ValueError, match="momentum"):
        optim.lr_scheduler.CyclicLR(optim.Adagrad([nn.Parameter(np.zeros(2))]), 0.01, 0.1)
    with pytest.raises(ValueError, match="momentum"):
        torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([torch.zeros(2, requires_grad=True)]), 0.01, 0.1)
