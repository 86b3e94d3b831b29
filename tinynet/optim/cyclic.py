"""CyclicLR: the learning rate goes back and forth between base_lr and max_lr (Smith, 2017); step it after
every batch.

With c = floor(1 + t / (up + down)) the cycle number and x = 1 + t / (up + down) - c the position in it
(0 at the start, up / (up + down) at the peak):

    f = x / r             while rising (x <= r, r = up / (up + down)),   (x - 1) / (r - 1) while falling
    lr = base_lr + (max_lr - base_lr) * f * scale

scale is 1 ("triangular"), 1 / 2^(c - 1) ("triangular2": each cycle half as high), gamma^t ("exp_range"),
or a function of your own (``scale_fn``, of the cycle or of the iteration: ``scale_mode``).  With
``cycle_momentum`` the momentum (or Adam's beta1) moves the opposite way, from max_momentum down to
base_momentum at the peak of the rate.
"""

import math

from tinynet.optim.optimizer import check_number, flag
from tinynet.optim.scheduler import LRScheduler, checked_optimizer, number, per_group, whole_number

MODES = ("triangular", "triangular2", "exp_range")


def _numbers(value, name, owner):
    """A list of finite non-negative numbers (per-group bounds, as state_dict stores them)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{owner}: {name} must be a list of numbers, got {value!r}")
    return [check_number(v, f"{name}[{i}]", owner, minimum=0) for i, v in enumerate(value)]


class CyclicLR(LRScheduler):
    """``CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
    gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8, max_momentum=0.9,
    last_epoch=-1)``, PyTorch's arguments in PyTorch's order.  ``scale_fn`` and the modes are not part of
    ``state_dict()`` (they come from the constructor)."""

    setting_checks = {"total_size": number(above=0), "step_ratio": number(above=0, at_most=1),
                      "gamma": number(), "cycle_momentum": flag()}
    counter_checks = {"max_lrs": _numbers, "base_momentums": _numbers, "max_momentums": _numbers}

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        owner = type(self).__name__
        checked_optimizer(optimizer, owner)
        base_lrs = per_group(base_lr, "base_lr", optimizer, number(at_least=0), owner)
        if last_epoch == -1:
            for rate, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = rate
        self.max_lrs = per_group(max_lr, "max_lr", optimizer, number(at_least=0), owner)
        up = float(whole_number(at_least=1)(step_size_up, "step_size_up", owner))
        down = up if step_size_down is None else float(whole_number(at_least=0)(step_size_down, "step_size_down",
                                                                                   owner))
        if mode not in MODES and scale_fn is None:
            raise ValueError(f"{owner}: mode is invalid and scale_fn is None (mode must be one of {MODES}, got "
                             f"{mode!r})")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{owner}: scale_fn must be a function of one number, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"{owner}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self._set_settings(total_size=up + down, step_ratio=up / (up + down), gamma=gamma,
                           cycle_momentum=cycle_momentum)
        self.mode, self._scale_fn = mode, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.base_momentums, self.max_momentums = [], []
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{owner}: optimizer must support momentum or beta1 with `cycle_momentum` option "
                                 f"enabled; {type(optimizer).__name__} has neither")
            self.base_momentums = per_group(base_momentum, "base_momentum", optimizer, number(at_least=0), owner)
            self.max_momentums = per_group(max_momentum, "max_momentum", optimizer, number(at_least=0), owner)
            if last_epoch == -1:
                for top, bottom, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group, momentum):
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def scale(self, x):
        """The height of the cycle at x (the cycle number, or the iteration for scale_mode="iterations")."""
        if self._scale_fn is not None:
            return self._scale_fn(x)
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x if self.mode == "exp_range" else 1.0

    def get_lr(self):
        """base + (max - base) * the position in the cycle * scale, for each group; momentum the other way."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        fraction = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale(cycle if self.scale_mode == "cycle" else self.last_epoch)
        rates = [low + (high - low) * fraction * scale for low, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, high - (high - low) * fraction * scale)
        return rates
