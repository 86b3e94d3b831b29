"""LR schedules: bad settings refused where they enter; a failing load_state_dict names the key and
changes nothing.  (Rate sequences are compared with PyTorch's in test_lr_scheduler_vs_torch.py.)"""

import copy
import math

import numpy as np
import pytest

from tinynet import nn, optim
from tinynet.optim import lr_scheduler as ls


def sgd(groups=1, **options):
    return optim.SGD([{"params": [nn.Parameter(np.zeros(2))]} for _ in range(groups)], lr=0.5, **options)


BAD = [
    (lambda o: ls.StepLR(o, step_size=0), ValueError, "step_size must be an integer >= 1"),
    (lambda o: ls.StepLR(o, step_size="3"), TypeError, "step_size must be an integer"),
    (lambda o: ls.StepLR(o, step_size=2, gamma=-0.1), ValueError, "gamma must be >= 0"),
    (lambda o: ls.MultiStepLR(o, milestones=5), TypeError, "milestones must be a list"),
    (lambda o: ls.MultiStepLR(o, milestones=[2, -1]), ValueError, "milestones entry must be an integer >= 0"),
    (lambda o: ls.ExponentialLR(o, gamma=math.nan), ValueError, "gamma must be a finite number"),
    (lambda o: ls.ConstantLR(o, factor=1.5), ValueError, "factor must be <= 1"),
    (lambda o: ls.ConstantLR(o, factor=0), ValueError, "factor must be > 0"),
    (lambda o: ls.LinearLR(o, start_factor=0), ValueError, "start_factor must be > 0"),
    (lambda o: ls.LinearLR(o, end_factor=1.5), ValueError, "end_factor must be <= 1"),
    (lambda o: ls.LinearLR(o, total_iters=0), ValueError, "total_iters must be an integer >= 1"),
    (lambda o: ls.PolynomialLR(o, power=-1), ValueError, "power must be >= 0"),
    (lambda o: ls.LambdaLR(o, lr_lambda=3), TypeError, "lr_lambda should be a function"),
    (lambda o: ls.LambdaLR(o, lr_lambda=[abs, abs]), ValueError, "expected 1 lr_lambdas"),
    (lambda o: ls.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be an integer >= 1"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0 must be an integer >= 1"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "T_mult must be an integer >= 1"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "total_steps must be an integer >= 1"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=9, pct_start=1.5), ValueError, "pct_start must be <= 1"),
    (lambda o: ls.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=9), ValueError, "max_lr must have the same length"),
    (lambda o: ls.OneCycleLR(o, max_lr=1.0, total_steps=9, anneal_strategy="cosine"), ValueError, "'cos' or"),
    (lambda o: ls.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor must be < 1"),
    (lambda o: ls.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode must be 'min' or 'max'"),
    (lambda o: ls.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda o: ls.ReduceLROnPlateau(o, patience=-1), ValueError, "patience must be an integer >= 0"),
    (lambda o: ls.ReduceLROnPlateau(o, min_lr=[0.1, 0.1]), ValueError, "min_lr must have the same length"),
    (lambda o: ls.SequentialLR(o, [ls.ExponentialLR(o, 0.9), ls.StepLR(o, 2)], milestones=[]), ValueError,
     "one milestone fewer than schedulers"),
    (lambda o: ls.SequentialLR(o, [ls.ExponentialLR(o, 0.9), ls.ReduceLROnPlateau(o)], milestones=[3]),
     ValueError, "does not support ReduceLROnPlateau"),
    (lambda o: ls.SequentialLR(o, [ls.ExponentialLR(sgd(), 0.9)], milestones=[]), ValueError,
     "same optimizer"),
    (lambda o: ls.ChainedScheduler([]), ValueError, "at least one scheduler"),
    (lambda o: ls.StepLR("optimizer", step_size=2), TypeError, "expects an Optimizer, got str"),
]


@pytest.mark.parametrize("make, error, words", BAD, ids=[w for _, _, w in BAD])
def test_bad_settings_are_refused_naming_them(make, error, words):
    with pytest.raises(error) as raised:
        make(sgd())
    assert words in str(raised.value)


def test_one_cycle_needs_an_optimizer_with_momentum_to_cycle_it():
    with pytest.raises(ValueError, match="momentum or beta1"):
        ls.OneCycleLR(optim.Adagrad([nn.Parameter(np.zeros(2))]), max_lr=1.0, total_steps=5)
    ls.OneCycleLR(optim.Adagrad([nn.Parameter(np.zeros(2))]), max_lr=1.0, total_steps=5, cycle_momentum=False)


def stepped(make, steps=4):
    opt = sgd(groups=2, momentum=0.9)
    scheduler = make(opt)
    for _ in range(steps):
        scheduler.step() if not isinstance(scheduler, ls.ReduceLROnPlateau) else scheduler.step(1.0)
    return opt, scheduler


def snapshot(scheduler):
    state = scheduler.state_dict()
    return copy.deepcopy(state)


BAD_LOADS = [
    (lambda o: ls.StepLR(o, 3), {"gamma": math.nan}, ValueError, "'gamma'"),
    (lambda o: ls.StepLR(o, 3), {"step_size": 0}, ValueError, "'step_size'"),
    (lambda o: ls.StepLR(o, 3), {"last_epoch": 2.5}, ValueError, "'last_epoch'"),
    (lambda o: ls.StepLR(o, 3), {"base_lrs": [0.1]}, ValueError, "list of 2 numbers"),
    (lambda o: ls.StepLR(o, 3), {"base_lrs": [0.1, -1.0]}, ValueError, "'base_lrs'"),
    (lambda o: ls.StepLR(o, 3), {"bogus": 1}, ValueError, "unexpected key 'bogus'"),
    (lambda o: ls.StepLR(o, 3), {"_last_lr": np.array(["a", "b"])}, TypeError, "'_last_lr'"),
    (lambda o: ls.MultiStepLR(o, [2, 4]), {"milestones": [1, -2]}, ValueError, "'milestones'"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, 3), {"T_i": 0}, ValueError, "'T_i'"),
    (lambda o: ls.OneCycleLR(o, 1.0, total_steps=20), {"pct_start": 2.0}, ValueError, "'pct_start'"),
    (lambda o: ls.ReduceLROnPlateau(o), {"best": math.nan}, ValueError, "'best'"),
    (lambda o: ls.ReduceLROnPlateau(o), {"min_lrs": [0.1]}, ValueError, "'min_lrs'"),
    (lambda o: ls.SequentialLR(o, [ls.ConstantLR(o), ls.ExponentialLR(o, 0.5)], [2]),
     {"_schedulers.1.gamma": -1.0}, ValueError, "scheduler 1"),
    (lambda o: ls.SequentialLR(o, [ls.ConstantLR(o), ls.ExponentialLR(o, 0.5)], [2]),
     {"_schedulers.5.gamma": 0.5}, ValueError, "unexpected key"),
    (lambda o: ls.ChainedScheduler([ls.ConstantLR(o), ls.ExponentialLR(o, 0.5)]),
     {"_schedulers.0.factor": 3.0}, ValueError, "scheduler 0"),
]


@pytest.mark.parametrize("make, change, error, words", BAD_LOADS, ids=[str(c) for _, c, _, _ in BAD_LOADS])
def test_a_failing_load_names_the_key_and_changes_nothing(make, change, error, words):
    opt, scheduler = stepped(make)
    before = snapshot(scheduler)
    lrs = [group["lr"] for group in opt.param_groups]
    state = scheduler.state_dict()
    # A valid change first: a half-done load would keep it.
    first = "_schedulers.0.last_epoch" if "_schedulers.0.last_epoch" in state else "last_epoch"
    state[first] = 1
    state.update(change)
    with pytest.raises(error) as raised:
        scheduler.load_state_dict(state)
    assert words in str(raised.value)
    after = snapshot(scheduler)
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(np.asarray(after[key], dtype=float), np.asarray(before[key], dtype=float))
    assert [group["lr"] for group in opt.param_groups] == lrs


def test_a_valid_load_restores_position_and_settings():
    _, source = stepped(lambda o: ls.StepLR(o, step_size=2, gamma=0.25), steps=5)
    opt = sgd(groups=2)
    target = ls.StepLR(opt, step_size=7, gamma=0.9)
    target.load_state_dict({key: np.asarray(value) for key, value in source.state_dict().items()})
    assert (target.last_epoch, target.step_size, target.gamma) == (5, 2, 0.25)
    assert isinstance(target.last_epoch, int) and isinstance(target.base_lrs[0], float)


def test_a_lambda_returning_nan_is_reported_at_the_step():
    scheduler = ls.LambdaLR(sgd(), lambda epoch: 1.0 if epoch < 2 else math.nan)
    scheduler.step()
    with pytest.raises(ValueError, match=r"lr_lambda\(2\) must be a finite number"):
        scheduler.step()
