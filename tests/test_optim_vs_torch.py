"""Every optimizer against PyTorch's: same starting weights, same gradients, same weights after each step.

Both dtypes; every hyperparameter; parameter groups with their own settings; a learning rate changed
by hand mid-run; a group added mid-run; a parameter without a gradient; maximize; zero_grad; and the
settings PyTorch refuses.  (Closed-form checks are in test_optim.py.)
"""

import math

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim
from tinynet.optim.optimizer import flatten_state_dict

torch = pytest.importorskip("torch")

TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, betas=(0.85, 0.99), weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.7)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, momentum=0.5, centered=True, weight_decay=0.05, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
    ("Adadelta", dict(rho=1.0, maximize=True)),
]
IDS = [f"{name}-{options}" for name, options in CASES]


def starting_values(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(5).astype(dtype),
            np.asarray(rng.standard_normal()).astype(dtype)]  # (a 0-d parameter, such as a learned scale)


class Pair:
    """The same parameters in tinynet and in torch, with a helper to give both the same gradients."""

    def __init__(self, dtype, seed=0):
        self.dtype = dtype
        values = starting_values(dtype, seed)
        self.tiny = [nn.Parameter(v.copy()) for v in values]
        self.torch = [torch.tensor(v.copy(), requires_grad=True) for v in values]

    def set_grads(self, rng, skip=None):
        for index, (a, b) in enumerate(zip(self.tiny, self.torch)):
            if index == skip:
                a.grad, b.grad = None, None
                continue
            g = rng.standard_normal(a.shape).astype(self.dtype)
            a.grad = tinynet.tensor(g.copy())
            b.grad = torch.tensor(g.copy())

    def assert_same(self, what):
        for index, (a, b) in enumerate(zip(self.tiny, self.torch)):
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **TOLERANCE[self.dtype],
                                       err_msg=f"parameter {index} {what}")
            assert a.numpy().dtype == self.dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_trajectory_matches_torch(name, options, dtype):
    pair = Pair(dtype)
    tiny_opt = getattr(optim, name)(pair.tiny, **options)
    torch_opt = getattr(torch.optim, name)(pair.torch, **options)
    rng = np.random.default_rng(1)
    for step in range(8):
        pair.set_grads(rng, skip=1 if step == 3 else None)  # step 4: the second parameter gets no gradient
        tiny_opt.step()
        torch_opt.step()
        pair.assert_same(f"after step {step + 1}")
    # The running state has PyTorch's names and values.
    for a, b in zip(pair.tiny, pair.torch):
        theirs, ours = torch_opt.state[b], tiny_opt.state.get(a, {})
        assert set(ours) == set(theirs), (sorted(ours), sorted(theirs))
        for key, value in theirs.items():
            expected = value.item() if value.ndim == 0 else value.numpy()
            np.testing.assert_allclose(ours[key], expected, **TOLERANCE[dtype], err_msg=key)


@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1)), ("Adadelta", dict()),
])
def test_parameter_groups_and_changes_mid_run_match_torch(name, options):
    """Groups with their own settings; an lr set by hand; a group added after some steps."""
    dtype = np.float64
    pair, extra = Pair(dtype, seed=0), Pair(dtype, seed=1)
    own = dict(lr=0.5) if name != "Adam" else dict(lr=0.2, betas=(0.5, 0.9))
    tiny_opt = getattr(optim, name)([{"params": pair.tiny[:1], **own}, {"params": pair.tiny[1:]}], **options)
    torch_opt = getattr(torch.optim, name)([{"params": pair.torch[:1], **own}, {"params": pair.torch[1:]}],
                                           **options)
    rng = np.random.default_rng(2)
    for step in range(9):
        if step == 3:
            tiny_opt.param_groups[1]["lr"] = torch_opt.param_groups[1]["lr"] = 0.003
        if step == 5:
            tiny_opt.add_param_group({"params": extra.tiny, "lr": 0.07})
            torch_opt.add_param_group({"params": extra.torch, "lr": 0.07})
        pair.set_grads(rng)
        if step >= 5:
            extra.set_grads(rng)
        tiny_opt.step()
        torch_opt.step()
        pair.assert_same(f"after step {step + 1}")
        extra.assert_same(f"(added at step 6) after step {step + 1}")
    for ours, theirs in zip(tiny_opt.param_groups, torch_opt.param_groups):
        for key, value in ours.items():
            if key != "params":
                assert value == theirs[key], key


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_defaults_and_group_keys_match_torch(name):
    tiny_opt = getattr(optim, name)([nn.Parameter(np.zeros(2))])
    torch_opt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    for key, value in tiny_opt.defaults.items():
        assert torch_opt.defaults[key] == value, key
    # PyTorch's groups also hold implementation switches (foreach, fused, ...) that tinynet has no use for.
    switches = {"foreach", "fused", "capturable", "differentiable", "decoupled_weight_decay"}
    assert set(torch_opt.defaults) - set(tiny_opt.defaults) <= switches


def test_a_frozen_parameter_is_accepted_and_left_alone_as_in_torch():
    frozen = nn.Parameter(np.ones(3))
    frozen.requires_grad_(False)
    live = nn.Parameter(np.ones(3))
    opt = optim.SGD([frozen, live], lr=0.1)
    (live * 2).sum().backward()
    opt.step()
    assert frozen.numpy().tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(live.numpy(), 0.8)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_set_to_none(set_to_none):
    p = nn.Parameter(np.ones(3))
    (p * 3).sum().backward()
    grad = p.grad
    optim.Adam([p]).zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad is grad and grad.numpy().tolist() == [0.0, 0.0, 0.0]
        (p * 3).sum().backward()  # accumulates into the zeroed gradient
        assert p.grad.numpy().tolist() == [3.0, 3.0, 3.0]


REFUSED = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(weight_decay=-1)),
    ("Adam", dict(eps=-1)), ("AdamW", dict(lr=-1)), ("AdamW", dict(betas=(1.0, 0.9))),
    ("AdamW", dict(weight_decay=-0.1)),
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(alpha=-0.5)), ("RMSprop", dict(eps=-1)),
    ("RMSprop", dict(momentum=-1)), ("RMSprop", dict(weight_decay=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1)), ("Adadelta", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name, options", REFUSED, ids=[f"{n}-{o}" for n, o in REFUSED])
def test_what_torch_refuses_is_refused_with_its_words(name, options):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([nn.Parameter(np.zeros(2))], **options)
    phrase = str(theirs.value).split(":")[0]  # e.g. "Invalid rho value"
    assert phrase.startswith("Invalid ") and phrase in str(ours.value)


@pytest.mark.parametrize("name, options", [
    ("RMSprop", dict(lr=math.nan)), ("Adagrad", dict(eps=math.inf)), ("Adadelta", dict(rho=math.nan)),
    ("AdamW", dict(weight_decay=math.inf)), ("RMSprop", dict(centered="yes")), ("Adam", dict(amsgrad=1)),
])
def test_nan_infinite_and_non_bool_settings_are_refused(name, options):
    with pytest.raises((TypeError, ValueError)):
        getattr(optim, name)([nn.Parameter(np.zeros(2))], **options)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_state_dict_through_a_file_resumes_identically(name, options, tmp_path):
    rng = np.random.default_rng(3)
    grads = [[rng.standard_normal(v.shape) for v in starting_values(np.float64)] for _ in range(6)]
    params = [nn.Parameter(v) for v in starting_values(np.float64)]
    opt = getattr(optim, name)(params, **options)

    def step(optimizer, ps, gs):
        for p, g in zip(ps, gs):
            p.grad = tinynet.tensor(g.copy())
        optimizer.step()

    for gs in grads[:3]:
        step(opt, params, gs)
    tinynet.save(opt.state_dict(), tmp_path / "opt.npz")
    copies = [nn.Parameter(p.numpy().copy()) for p in params]
    resumed = getattr(optim, name)(copies, lr=0.123)  # settings come back from the file too
    resumed.load_state_dict(tinynet.load(tmp_path / "opt.npz"))
    for gs in grads[3:]:
        step(opt, params, gs)
        step(resumed, copies, gs)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.numpy(), p.numpy())


@pytest.mark.parametrize("make, drop", [
    (lambda ps: optim.RMSprop(ps, momentum=0.9), "momentum_buffer"),
    (lambda ps: optim.RMSprop(ps, centered=True), "grad_avg"),
    (lambda ps: optim.Adam(ps, amsgrad=True), "max_exp_avg_sq"),
    (lambda ps: optim.Adagrad(ps), "sum"),
    (lambda ps: optim.Adadelta(ps), "acc_delta"),
])
def test_a_load_missing_part_of_the_state_is_refused_and_changes_nothing(make, drop):
    p = nn.Parameter(np.ones(2))
    opt = make([p])
    p.grad = tinynet.tensor(np.array([0.5, -1.0]))
    opt.step()
    before = {k: np.array(v, copy=True) for k, v in opt.state[p].items()}
    state = flatten_state_dict(opt.state_dict())
    state["param_groups.0.lr"] = 0.5
    del state[f"state.0.{drop}"]
    with pytest.raises(ValueError, match="all or none"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] != 0.5
    assert set(opt.state[p]) == set(before)
    for key, value in before.items():
        np.testing.assert_array_equal(opt.state[p][key], value)


def test_rmsprop_state_from_a_momentum_group_is_refused_by_a_plain_one():
    p = nn.Parameter(np.ones(2))
    with_momentum = optim.RMSprop([p], momentum=0.9)
    p.grad = tinynet.tensor(np.ones(2))
    with_momentum.step()
    state = flatten_state_dict(with_momentum.state_dict())
    state["param_groups.0.momentum"] = 0.0  # the state then has a buffer this group would never use
    with pytest.raises(ValueError, match="momentum_buffer"):
        optim.RMSprop([nn.Parameter(np.ones(2))]).load_state_dict(state)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_step_with_a_closure_returns_its_loss_and_matches_torch(name):
    """optimizer.step(closure): the closure recomputes loss and gradients; step returns that loss."""
    x = np.random.default_rng(4).standard_normal((6, 3))
    start = np.array([0.5, -1.0, 2.0])
    tiny_w, torch_w = nn.Parameter(start.copy()), torch.tensor(start.copy(), requires_grad=True)
    tiny_opt = getattr(optim, name)([tiny_w], lr=0.05)
    torch_opt = getattr(torch.optim, name)([torch_w], lr=0.05)

    def tiny_closure():
        tiny_opt.zero_grad()
        loss = ((tinynet.tensor(x) @ tiny_w) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        torch_opt.zero_grad()
        loss = ((torch.tensor(x) @ torch_w) ** 2).mean()
        loss.backward()
        return loss

    with tinynet.no_grad():  # the closure runs with gradients on regardless, as in PyTorch
        losses = [tiny_opt.step(tiny_closure).item() for _ in range(5)]
    their_losses = [torch_opt.step(torch_closure).item() for _ in range(5)]
    np.testing.assert_allclose(losses, their_losses, rtol=1e-10)
    np.testing.assert_allclose(tiny_w.numpy(), torch_w.detach().numpy(), rtol=1e-10)
    assert tiny_opt.step() is None
