"""Optimizer settings that cannot work are refused where they enter (constructor, add_param_group,
load_state_dict), as PyTorch refuses them and also for NaN and infinity; a failing load_state_dict
names the key and leaves the optimizer exactly as it was."""

import copy
import math

import numpy as np
import pytest

import tinynet
from tinynet import Tensor, nn, optim
from tinynet.optim.optimizer import LEARNING_RATE, Optimizer, flatten_state_dict, real

NAN, INF = math.nan, math.inf


def parameters(dtype=np.float64):
    return [nn.Parameter(np.array([1.0, -2.0], dtype=dtype))]


BAD_SETTINGS = [
    # (optimizer, keyword arguments, error type, words in the message)
    (optim.SGD, dict(lr=NAN), ValueError, "Invalid learning rate: lr must be a finite number, got nan"),
    (optim.SGD, dict(lr=INF), ValueError, "Invalid learning rate"),
    (optim.SGD, dict(lr=-1), ValueError, "Invalid learning rate: lr must be >= 0, got -1"),
    (optim.SGD, dict(lr=10**400), ValueError, "an integer too large for a float"),
    (optim.SGD, dict(lr=np.float32(NAN)), ValueError, "Invalid learning rate"),
    (optim.SGD, dict(lr=0.1, momentum=NAN), ValueError, "Invalid momentum value"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value"),
    (optim.SGD, dict(lr=0.1, dampening=INF), ValueError, "Invalid dampening value"),
    (optim.SGD, dict(lr=0.1, weight_decay=NAN), ValueError, "Invalid weight_decay value"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1e-4), ValueError, "Invalid weight_decay value"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov="N"), TypeError, "nesterov must be True or False, got 'N'"),
    (optim.Adam, dict(lr=NAN), ValueError, "Invalid learning rate"),
    (optim.Adam, dict(betas=(NAN, 0.999)), ValueError, "Invalid beta parameter at index 0: betas[0] must be a finite"),
    (optim.Adam, dict(betas=(0.9, INF)), ValueError, "Invalid beta parameter at index 1"),
    (optim.Adam, dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: betas[1] must be < 1"),
    (optim.Adam, dict(betas=(-0.1, 0.9)), ValueError, "Invalid beta parameter at index 0"),
    (optim.Adam, dict(betas=(0.9,)), ValueError, "betas must be a pair"),
    (optim.Adam, dict(betas=("0.9", 0.999)), TypeError, "betas[0] must be a number, got '0.9'"),
    (optim.Adam, dict(eps=NAN), ValueError, "Invalid epsilon value"),
    (optim.Adam, dict(eps=INF), ValueError, "Invalid epsilon value"),
    (optim.Adam, dict(eps=-1e-8), ValueError, "Invalid epsilon value"),
    (optim.Adam, dict(weight_decay=NAN), ValueError, "Invalid weight_decay value"),
]


@pytest.mark.parametrize("make, options, error, words", BAD_SETTINGS,
                         ids=[f"{m.__name__}-{o}" for m, o, _, _ in BAD_SETTINGS])
def test_bad_settings_are_refused_naming_the_setting(make, options, error, words):
    with pytest.raises(error) as raised:
        make(parameters(), **options)
    assert words in str(raised.value)
    assert str(raised.value).startswith(make.__name__ + ":")


@pytest.mark.parametrize("make, options", [
    ("SGD", dict(lr=-1)), ("SGD", dict(lr=0.1, momentum=-1)), ("SGD", dict(lr=0.1, weight_decay=-1)),
    ("Adam", dict(lr=NAN)), ("Adam", dict(lr=-1)), ("Adam", dict(betas=(NAN, 0.999))),
    ("Adam", dict(betas=(0.9, 1.0))), ("Adam", dict(eps=NAN)), ("Adam", dict(weight_decay=NAN)),
])
def test_what_pytorch_refuses_is_refused_with_its_type_and_words(make, options):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, make)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, make)(parameters(), **options)
    phrase = str(theirs.value).split(":")[0]  # e.g. "Invalid beta parameter at index 0"
    assert phrase.startswith("Invalid ") and phrase in str(ours.value)


def test_a_bad_group_added_later_is_refused_and_not_added():
    opt = optim.SGD(parameters(), lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": parameters(), "lr": NAN})
    assert len(opt.param_groups) == 1


def test_a_new_optimizer_gets_the_checks_by_declaring_them():
    class HalfStep(Optimizer):
        hyperparameter_checks = {"lr": LEARNING_RATE, "shrink": real(at_least=0, below=1, label="shrink factor")}

        def __init__(self, params, lr, shrink=0.5):
            super().__init__(params, dict(lr=lr, shrink=shrink))

    with pytest.raises(ValueError, match="HalfStep: Invalid shrink factor: shrink must be < 1, got 2"):
        HalfStep(parameters(), lr=0.1, shrink=2)
    opt = HalfStep(parameters(), lr=0.1)
    with pytest.raises(ValueError, match="'param_groups.0.lr'.*Invalid learning rate"):
        opt.load_state_dict({"param_groups.0.lr": np.array(NAN)})
    assert opt.param_groups[0]["lr"] == 0.1


# ---- load_state_dict: all checked before anything changes ----------------------------------------


def trained(make, dtype=np.float64):
    """An optimizer after two steps, so it has running state."""
    params = parameters(dtype)
    opt = make(params)
    for g in ([0.5, -1.0], [0.25, 2.0]):
        params[0].grad = tinynet.tensor(np.array(g, dtype=dtype))
        opt.step()
    return opt, params


def snapshot(opt):
    groups = [{k: v for k, v in group.items() if k != "params"} for group in opt.param_groups]
    return copy.deepcopy(groups), {id(p): copy.deepcopy(state) for p, state in opt.state.items()}


def adam(params):
    return optim.Adam(params, lr=0.01)


def sgd(params):
    return optim.SGD(params, lr=0.01, momentum=0.9)


BAD_LOADS = [
    # (optimizer, change to its state_dict, error type, words in the message)
    (adam, {"param_groups.0.lr": -1.0}, ValueError, "'param_groups.0.lr': Adam: Invalid learning rate"),
    (adam, {"state.0.step": NAN}, ValueError, "'state.0.step': the step count must be a whole number"),
    (adam, {"state.0.step": 2.5}, ValueError, "'state.0.step'"),
    (adam, {"state.0.step": 1e20}, ValueError, "in [0, 2**63), got 1e+20"),
    (adam, {"state.0.step": np.array([1, 2])}, ValueError, "single number"),
    (adam, {"state.0.exp_avg": np.zeros(3)}, ValueError, "'state.0.exp_avg': shape (3,), but the parameter"),
    (adam, {"state.0.exp_avg": np.array([NAN, 0.0])}, ValueError, "'state.0.exp_avg': contains NaN or infinite"),
    (adam, {"state.0.exp_avg_sq": np.array(["a", "b"])}, TypeError, "'state.0.exp_avg_sq': expected real numbers"),
    (adam, {"state.0.momentum_buffer": np.zeros(2)}, ValueError, "Adam keeps no state 'momentum_buffer'"),
    (adam, {"state.1.step": 3}, ValueError, "state for parameter 1, but this optimizer has 1 parameters"),
    (adam, {"param_groups.1.lr": 0.1}, ValueError, "parameter group 1, but this optimizer has 1"),
    (adam, {"param_groups.0.betas": np.array([0.9, NAN])}, ValueError, "Invalid beta parameter at index 1"),
    (adam, {"param_groups.0.momentum": 0.9}, ValueError, "Adam has no hyperparameter 'momentum'"),
    (adam, {"param_groups.0.eps": "tiny"}, TypeError, "'param_groups.0.eps'"),
    (adam, {"state.0.exp_avg_sq": None}, ValueError, "keeps ['step', 'exp_avg', 'exp_avg_sq'] for a parameter"),
    (adam, {"param_groups.0.lr.x": 0.1}, ValueError, "unexpected key 'param_groups.0.lr.x'"),
    (sgd, {"param_groups.0.nesterov": True, "param_groups.0.dampening": 0.5}, ValueError,
     "'param_groups.0.*': SGD: nesterov momentum needs momentum > 0 and dampening = 0"),
    (sgd, {"param_groups.0.nesterov": np.array("yes")}, TypeError, "'param_groups.0.nesterov'"),
    (sgd, {"state.0.momentum_buffer": np.array([1e300, 0.0])}, ValueError, "too large for the parameter's dtype"),
]


@pytest.mark.parametrize("make, change, error, words", BAD_LOADS, ids=[str(c) for _, c, _, _ in BAD_LOADS])
def test_a_failing_load_names_the_key_and_changes_nothing(make, change, error, words):
    dtype = np.float32 if "momentum_buffer" in str(change) else np.float64
    opt, params = trained(make, dtype)
    twin, twin_params = trained(make, dtype)
    before = snapshot(opt)
    state = flatten_state_dict(opt.state_dict())  # key by key: "state.0.exp_avg", ...
    state["param_groups.0.lr"] = 0.5  # a valid change first: a half-done load would keep it
    for key, value in change.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    with pytest.raises(error) as raised:
        opt.load_state_dict(state)
    assert words in str(raised.value)
    assert snapshot(opt)[0] == before[0]
    after_states = snapshot(opt)[1]
    assert after_states.keys() == before[1].keys()
    for key, entries in before[1].items():
        for name, value in entries.items():
            np.testing.assert_array_equal(after_states[key][name], value)
    # ... and it steps on exactly as an optimizer that never saw the bad state.
    for p in (params[0], twin_params[0]):
        p.grad = tinynet.tensor(np.array([1.0, 1.0], dtype=dtype))
    opt.step()
    twin.step()
    np.testing.assert_array_equal(params[0].numpy(), twin_params[0].numpy())


def test_a_valid_load_replaces_settings_and_state_and_casts_to_the_parameter_dtype():
    source, _ = trained(adam)
    state = flatten_state_dict(source.state_dict())
    state["param_groups.0.lr"] = np.array(0.25)
    target, params = trained(adam, np.float32)
    target.load_state_dict(state)
    assert target.param_groups[0]["lr"] == 0.25 and isinstance(target.param_groups[0]["lr"], float)
    assert target.param_groups[0]["betas"] == (0.9, 0.999)
    entry = target.state[params[0]]
    assert entry["step"] == 2 and isinstance(entry["step"], int)
    assert entry["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(entry["exp_avg"], state["state.0.exp_avg"], rtol=1e-6)


def test_schedules_refuse_nan_settings_too():
    opt = optim.SGD(parameters(), lr=0.1)
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        optim.StepLR(opt, step_size=2, gamma=NAN)
    with pytest.raises(ValueError, match="eta_min must be a finite number"):
        optim.CosineAnnealingLR(opt, T_max=5, eta_min=INF)
