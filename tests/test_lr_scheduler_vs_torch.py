"""Every learning-rate schedule against PyTorch's: the same rates (and momenta) at every step.

Two parameter groups with different rates; runs well past the interesting epochs; a rate changed by
hand mid-run; two schedules on one optimizer; resuming through state_dict and a file; the deprecated
step(epoch); ReduceLROnPlateau on a sequence of losses.
"""

import math
import warnings

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim
from tinynet.optim import lr_scheduler

torch = pytest.importorskip("torch")
TS = torch.optim.lr_scheduler
STEPS = 45


def optimizers(kind="SGD", **options):
    """A tinynet and a torch optimizer with two groups (lr 0.5 and 0.1)."""
    tiny_groups = [{"params": [nn.Parameter(np.zeros(2))]}, {"params": [nn.Parameter(np.zeros(2))], "lr": 0.1}]
    torch_groups = [{"params": [torch.zeros(2, requires_grad=True)]},
                    {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.1}]
    return getattr(optim, kind)(tiny_groups, lr=0.5, **options), getattr(torch.optim, kind)(torch_groups, lr=0.5,
                                                                                             **options)


def halve(epoch):
    return 0.5 ** (epoch // 4)


def decay(epoch):
    return 0.97


SCHEDULES = {
    "StepLR": (lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), "SGD"),
    "MultiStepLR": (lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), "SGD"),
    "ExponentialLR": (lambda m, o: m.ExponentialLR(o, gamma=0.9), "SGD"),
    "CosineAnnealingLR": (lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01), "SGD"),
    "LambdaLR": (lambda m, o: m.LambdaLR(o, lr_lambda=halve), "SGD"),
    "LambdaLR-per-group": (lambda m, o: m.LambdaLR(o, lr_lambda=[halve, lambda e: 1 / (e + 1)]), "SGD"),
    "MultiplicativeLR": (lambda m, o: m.MultiplicativeLR(o, lr_lambda=decay), "SGD"),
    "ConstantLR": (lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4), "SGD"),
    "LinearLR-warmup": (lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=6), "SGD"),
    "LinearLR-decay": (lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10), "SGD"),
    "PolynomialLR": (lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0), "SGD"),
    "CosineAnnealingWarmRestarts": (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-3),
                                    "SGD"),
    "CosineAnnealingWarmRestarts-T_mult-1": (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5), "SGD"),
    "OneCycleLR-sgd": (lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.2], total_steps=STEPS), "SGD"),
    "OneCycleLR-adam-linear-3phase": (lambda m, o: m.OneCycleLR(o, max_lr=0.3, epochs=5, steps_per_epoch=9,
                                                                anneal_strategy="linear", three_phase=True),
                                      "Adam"),
    "OneCycleLR-no-momentum": (lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=STEPS, pct_start=0.5,
                                                         cycle_momentum=False, div_factor=10), "Adagrad"),
    "SequentialLR": (lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=4),
                                                     m.ExponentialLR(o, gamma=0.9)], milestones=[5]), "SGD"),
    "SequentialLR-three": (lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.2, total_iters=3),
                                                           m.CosineAnnealingLR(o, T_max=10),
                                                           m.StepLR(o, step_size=4)], milestones=[3, 13]), "SGD"),
    "ChainedScheduler": (lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=3),
                                                          m.ExponentialLR(o, gamma=0.9)]), "SGD"),
    "CyclicLR-sgd": (lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[1.0, 0.2], step_size_up=4, step_size_down=6),
                     "SGD"),
    "CyclicLR-triangular2-adam": (lambda m, o: m.CyclicLR(o, 0.001, 0.1, step_size_up=3, mode="triangular2"), "Adam"),
    "CyclicLR-exp_range-no-momentum": (lambda m, o: m.CyclicLR(o, [0.01, 0.02], 0.3, step_size_up=5, mode="exp_range",
                                                               gamma=0.97, cycle_momentum=False), "Adagrad"),
    "CyclicLR-scale_fn-iterations": (lambda m, o: m.CyclicLR(o, 0.05, 0.5, step_size_up=2, scale_fn=halve,
                                                             scale_mode="iterations", base_momentum=[0.7, 0.6],
                                                             max_momentum=0.95), "SGD"),
}


def momenta(optimizer):
    return [group["betas"][0] if "betas" in group else group.get("momentum", -1.0) for group in optimizer.param_groups]


def assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, when):
    np.testing.assert_allclose(tiny_sched.get_last_lr(), torch_sched.get_last_lr(), rtol=1e-12, atol=1e-15,
                               err_msg=when)
    np.testing.assert_allclose([g["lr"] for g in tiny_opt.param_groups], [g["lr"] for g in torch_opt.param_groups],
                               rtol=1e-12, atol=1e-15, err_msg=when)
    np.testing.assert_allclose(momenta(tiny_opt), momenta(torch_opt), rtol=1e-12, err_msg=f"momentum {when}")


def run_both(name, steps=STEPS, before_step=None):
    make, kind = SCHEDULES[name]
    options = dict(momentum=0.9) if kind == "SGD" else {}
    tiny_opt, torch_opt = optimizers(kind, **options)
    tiny_sched, torch_sched = make(lr_scheduler, tiny_opt), make(TS, torch_opt)
    assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, "at the start")
    for step in range(steps):
        if before_step:
            before_step(step, tiny_opt, torch_opt)
        torch_opt.step()
        tiny_sched.step()
        torch_sched.step()
        assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, f"after step {step + 1}")
    return tiny_sched, torch_sched


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_rates_match_torch(name):
    steps = STEPS if not name.startswith("OneCycleLR") else STEPS - 1  # one cycle ends at total_steps
    tiny_sched, torch_sched = run_both(name, steps)
    assert getattr(tiny_sched, "last_epoch", None) == getattr(torch_sched, "last_epoch", None)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ConstantLR",
                                  "LinearLR-warmup", "PolynomialLR", "MultiplicativeLR", "SequentialLR"])
def test_a_rate_set_by_hand_is_honoured_as_in_torch(name):
    def change(step, tiny_opt, torch_opt):
        if step in (4, 11):
            for opt in (tiny_opt, torch_opt):
                opt.param_groups[0]["lr"] *= 0.3
    run_both(name, before_step=change)


def test_two_schedules_on_one_optimizer_compose_as_in_torch():
    tiny_opt, torch_opt = optimizers()
    tiny = [optim.StepLR(tiny_opt, step_size=5, gamma=0.5), optim.LinearLR(tiny_opt, start_factor=0.2)]
    ref = [TS.StepLR(torch_opt, step_size=5, gamma=0.5), TS.LinearLR(torch_opt, start_factor=0.2)]
    for step in range(20):
        torch_opt.step()
        for a, b in zip(tiny, ref):
            a.step()
            b.step()
        assert_same_rates(tiny[1], ref[1], tiny_opt, torch_opt, f"after step {step + 1}")


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_through_a_file_resumes_as_torch_continues(name, tmp_path):
    make, kind = SCHEDULES[name]
    options = dict(momentum=0.9) if kind == "SGD" else {}
    tiny_opt, torch_opt = optimizers(kind, **options)
    tiny_sched, torch_sched = make(lr_scheduler, tiny_opt), make(TS, torch_opt)
    for _ in range(7):
        torch_opt.step()
        tiny_sched.step()
        torch_sched.step()
    tinynet.save(tiny_opt.state_dict(), tmp_path / "optimizer.npz")
    tinynet.save(tiny_sched.state_dict(), tmp_path / "scheduler.npz")
    # A fresh run, resumed from the files.
    resumed_opt, _ = optimizers(kind, **options)
    resumed = make(lr_scheduler, resumed_opt)
    resumed_opt.load_state_dict(tinynet.load(tmp_path / "optimizer.npz"))
    resumed.load_state_dict(tinynet.load(tmp_path / "scheduler.npz"))
    assert getattr(resumed, "last_epoch", None) == getattr(torch_sched, "last_epoch", None)
    assert_same_rates(resumed, torch_sched, resumed_opt, torch_opt, "after loading")
    for step in range(STEPS - 8):
        torch_opt.step()
        resumed.step()
        torch_sched.step()
        assert_same_rates(resumed, torch_sched, resumed_opt, torch_opt, f"after resumed step {step + 1}")


@pytest.mark.parametrize("make", [
    lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), lambda m, o: m.MultiStepLR(o, [3, 6]),
    lambda m, o: m.ExponentialLR(o, 0.8), lambda m, o: m.CosineAnnealingLR(o, 10, 0.05),
    lambda m, o: m.ConstantLR(o, 0.5, 4), lambda m, o: m.LinearLR(o, 0.2, 0.9, 6),
    lambda m, o: m.PolynomialLR(o, 6, 1.5), lambda m, o: m.LambdaLR(o, halve),
])
def test_deprecated_step_with_an_epoch_uses_the_closed_form_as_torch(make):
    tiny_opt, torch_opt = optimizers()
    tiny_sched, torch_sched = make(lr_scheduler, tiny_opt), make(TS, torch_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 4, 9, 2, 12, 0, 7]:
            torch_opt.step()
            with pytest.warns(UserWarning, match="deprecated"):
                tiny_sched.step(epoch)
            torch_sched.step(epoch)
            assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, f"at epoch {epoch}")


def test_warm_restarts_with_fractional_epochs_as_in_torch_docs():
    tiny_opt, torch_opt = optimizers()
    tiny_sched = optim.CosineAnnealingWarmRestarts(tiny_opt, T_0=2, T_mult=3)
    torch_sched = TS.CosineAnnealingWarmRestarts(torch_opt, T_0=2, T_mult=3)
    for epoch in range(12):
        for batch in range(5):
            torch_opt.step()
            tiny_sched.step(epoch + batch / 5)
            torch_sched.step(epoch + batch / 5)
            assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, f"at {epoch + batch / 5}")


def test_resuming_with_last_epoch_as_torch():
    tiny_opt, torch_opt = optimizers()
    for opt in (tiny_opt, torch_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    tiny_sched = optim.StepLR(tiny_opt, step_size=3, gamma=0.5, last_epoch=5)
    torch_sched = TS.StepLR(torch_opt, step_size=3, gamma=0.5, last_epoch=5)
    for step in range(10):
        assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, f"after step {step}")
        torch_opt.step()
        tiny_sched.step()
        torch_sched.step()
    with pytest.raises(KeyError, match="initial_lr"):
        optim.StepLR(optimizers()[0], step_size=3, last_epoch=5)


def test_one_cycle_refuses_to_step_past_its_end_as_torch():
    tiny_opt, torch_opt = optimizers()
    tiny_sched = optim.OneCycleLR(tiny_opt, max_lr=1.0, total_steps=4)
    torch_sched = TS.OneCycleLR(torch_opt, max_lr=1.0, total_steps=4)
    for _ in range(4):
        torch_opt.step()
        tiny_sched.step()
        torch_sched.step()
    with pytest.raises(ValueError) as theirs:
        torch_sched.step()
    with pytest.raises(ValueError, match="total steps is 4") as ours:
        tiny_sched.step()
    assert "Tried to step 5 times" in str(theirs.value) and "tried to step 5 times" in str(ours.value)


LOSSES = [1.0, 0.9, 0.85, 0.86, 0.85, 0.851, 0.849, 0.9, 0.95, 0.7, 0.7, 0.7, 0.71, 0.72, 0.69, 0.69, 0.69,
          0.7, 0.8, 0.9, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, math.nan, 0.3, 0.3]


@pytest.mark.parametrize("options", [
    dict(patience=2), dict(patience=1, factor=0.5, cooldown=2),
    dict(mode="max", patience=1, threshold=0.01), dict(threshold_mode="abs", threshold=0.05, patience=0),
    dict(mode="max", threshold_mode="abs", threshold=0.02, patience=2, min_lr=[0.05, 0.02]),
    dict(patience=0, factor=0.5, min_lr=0.04, eps=1e-3),
], ids=str)
def test_reduce_on_plateau_matches_torch(options):
    tiny_opt, torch_opt = optimizers()
    tiny_sched = optim.ReduceLROnPlateau(tiny_opt, **options)
    torch_sched = TS.ReduceLROnPlateau(torch_opt, **options)
    for step, loss in enumerate(LOSSES):
        torch_opt.step()
        metric = tinynet.tensor(loss) if step % 2 else loss  # a 0-d Tensor works as the value too
        tiny_sched.step(metric)
        torch_sched.step(torch.tensor(loss) if step % 2 else loss)
        assert_same_rates(tiny_sched, torch_sched, tiny_opt, torch_opt, f"after loss {step}: {loss}")
        assert (tiny_sched.num_bad_epochs, tiny_sched.cooldown_counter) == \
            (torch_sched.num_bad_epochs, torch_sched.cooldown_counter)
        assert tiny_sched.best == torch_sched.best
