"""Schedules that follow a cosine (or a line) between two rates: annealing, restarts, one cycle.

    CosineAnnealingLR            lr_t = eta_min + (lr_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2
    CosineAnnealingWarmRestarts  the same over T_i epochs, then back to lr_0: T_0, T_0 * T_mult, ...
    OneCycleLR                   up from max_lr / div_factor to max_lr over the first pct_start of the
                                 steps, then down to max_lr / (div_factor * final_div_factor); momentum
                                 moves the opposite way (Smith & Topin, "Super-convergence", 2018)

Big steps early cover ground; small steps late settle into a minimum.  A
restart kicks the weights out of a narrow minimum to look for a wider one
(Loshchilov & Hutter, "SGDR", 2017).
"""

import math

from tinynet.optim.optimizer import flag
from tinynet.optim.scheduler import (
    LRScheduler, checked_optimizer, current_lrs, number, per_group, whole_number,
)


def _cosine(start, end, fraction):
    """From ``start`` (fraction 0) to ``end`` (fraction 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)


def _linear(start, end, fraction):
    return (end - start) * fraction + start


class CosineAnnealingLR(LRScheduler):
    """``CosineAnnealingLR(optimizer, T_max, eta_min=0.0, last_epoch=-1)``: half a cosine from the initial
    rate down to eta_min over T_max epochs.

    Past T_max the cosine continues (the rate rises again), as in PyTorch; usually you stop at T_max.
    """

    setting_checks = {"T_max": whole_number(at_least=1), "eta_min": number(at_least=0)}

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self._set_settings(T_max=T_max, eta_min=eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The ratio of consecutive cosine values applied to (lr - eta_min), as PyTorch chains it."""
        t, period = self.last_epoch, self.T_max
        if self._is_initial:
            return current_lrs(self.optimizer)
        if self._step_count == 1 and t > 0:  # the first step of a schedule resumed at last_epoch = t
            return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(t * math.pi / period)) / 2
                    for base_lr in self.base_lrs]
        if (t - 1 - period) % (2 * period) == 0:  # leaving the bottom (cos = -1): the ratio would be 0 / 0
            return [group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / period)) / 2
                    for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (group["lr"] - self.eta_min) + self.eta_min for group in self.optimizer.param_groups]

    def _closed_form(self):
        return [_cosine(base_lr, self.eta_min, self.last_epoch / self.T_max) for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """``CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1)``.

    ``step(epoch)`` may be given a fractional epoch (``epoch + batch / batches``) to anneal within an
    epoch, as PyTorch's docs show; that use is not deprecated here.
    """

    setting_checks = {"T_0": whole_number(at_least=1), "T_mult": whole_number(at_least=1),
                      "eta_min": number(at_least=0)}
    counter_checks = {"T_i": number(above=0), "T_cur": number(at_least=-1)}

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self._set_settings(T_0=T_0, T_mult=T_mult, eta_min=eta_min)
        self.T_i = self.T_0  # the length of the current cycle
        self.T_cur = last_epoch  # epochs since the last restart
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2."""
        return [_cosine(base_lr, self.eta_min, self.T_cur / self.T_i) for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch (restarting when the cycle ends), or go to ``epoch`` (may be fractional)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            epoch = number(at_least=0)(epoch, "epoch", type(self).__name__)
            if epoch < self.T_0:
                self.T_i, self.T_cur = self.T_0, epoch
            elif self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # cycles so far: the n with T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        self.last_epoch = math.floor(epoch)
        for group, rate in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = rate
        self._last_lr = current_lrs(self.optimizer)


class OneCycleLR(LRScheduler):
    """``OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
    anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
    final_div_factor=1e4, three_phase=False, last_epoch=-1)``: step it after every batch.

    Stepping past ``total_steps`` raises ValueError, as in PyTorch.  ``anneal_strategy`` is not part of
    ``state_dict()`` (it comes from the constructor).
    """

    setting_checks = {"total_steps": whole_number(at_least=1), "pct_start": number(at_least=0, at_most=1),
                      "three_phase": flag(), "cycle_momentum": flag()}

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        owner = type(self).__name__
        checked_optimizer(optimizer, owner)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(f"{owner}: you must define either total_steps OR (epochs AND steps_per_epoch)")
            total_steps = whole_number(at_least=1)(epochs, "epochs", owner) * \
                whole_number(at_least=1)(steps_per_epoch, "steps_per_epoch", owner)
        self._set_settings(total_steps=total_steps, pct_start=pct_start, three_phase=three_phase,
                           cycle_momentum=cycle_momentum)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{owner}: anneal_strategy must be one of 'cos' or 'linear', got {anneal_strategy!r}")
        self._anneal = _cosine if anneal_strategy == "cos" else _linear
        div_factor = number(above=0)(div_factor, "div_factor", owner)
        final_div_factor = number(above=0)(final_div_factor, "final_div_factor", owner)
        max_lrs = per_group(max_lr, "max_lr", optimizer, number(at_least=0), owner)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{owner}: optimizer must support momentum or beta1 with `cycle_momentum` "
                                 f"option enabled; {type(optimizer).__name__} has neither")
            max_momenta = per_group(max_momentum, "max_momentum", optimizer, number(at_least=0), owner)
            base_momenta = per_group(base_momentum, "base_momentum", optimizer, number(at_least=0), owner)
        self.use_beta1 = "betas" in optimizer.defaults
        if last_epoch == -1:
            for index, group in enumerate(optimizer.param_groups):
                group["initial_lr"] = max_lrs[index] / div_factor
                group["max_lr"] = max_lrs[index]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    self._set_momentum(group, max_momenta[index])
                    group["max_momentum"], group["base_momentum"] = max_momenta[index], base_momenta[index]
        self._phases = self._make_phases()
        super().__init__(optimizer, last_epoch)

    def _make_phases(self):
        """(last step, start and end rate keys, start and end momentum keys) of each phase."""
        warm_end = float(self.pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if self.three_phase:
            return [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    (float(2 * self.pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                     "base_momentum", "max_momentum"),
                    (last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    def _set_momentum(self, group, momentum):
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _commit(self, checked):
        super()._commit(checked)
        self._phases = self._make_phases()

    def get_lr(self):
        """Within the phase holding step t: anneal(start, end, (t - phase start) / (phase end - phase start))."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of total steps is "
                             f"{self.total_steps}")
        rates = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for index, (end, start_lr, end_lr, start_momentum, end_momentum) in enumerate(self._phases):
                if step <= end or index == len(self._phases) - 1:
                    # A phase of no length (pct_start * total_steps = 1): it is already complete.
                    fraction = (step - start) / (end - start) if end != start else 1.0
                    rates.append(self._anneal(group[start_lr], group[end_lr], fraction))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[start_momentum], group[end_momentum],
                                                               fraction))
                    break
                start = end
        return rates
