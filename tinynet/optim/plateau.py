"""ReduceLROnPlateau: lower the learning rate when a measured quantity stops improving.

``scheduler.step(validation_loss)`` once per epoch.  A value counts as an
improvement when it beats the best so far by more than ``threshold``:

    mode "min", threshold_mode "rel":  value < best * (1 - threshold)
    mode "min", threshold_mode "abs":  value < best - threshold
    mode "max":                        value > best * (1 + threshold), or > best + threshold

After more than ``patience`` epochs in a row without one, each group's rate
becomes max(lr * factor, min_lr) (a change smaller than ``eps`` is skipped),
and then ``cooldown`` epochs pass before bad epochs are counted again.
"""

import math
import numbers
import warnings

from tinynet.optim.scheduler import (
    EPOCH_DEPRECATION, LRScheduler, checked_optimizer, current_lrs, number, per_group, plain, rates, whole_number,
)


def _best_value(value, name, owner):
    """The best value so far: a real number, infinite before the first step, never NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if math.isnan(value):
        raise ValueError(f"{owner}: {name} must not be NaN")
    return float(value)


class ReduceLROnPlateau(LRScheduler):
    """``ReduceLROnPlateau(optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
    threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8)``.

    ``mode`` and ``threshold_mode`` are not part of ``state_dict()`` (they come from the constructor).
    """

    setting_checks = {"factor": number(at_least=0, below=1), "patience": whole_number(at_least=0),
                      "threshold": number(at_least=0), "cooldown": whole_number(at_least=0),
                      "eps": number(at_least=0)}
    counter_checks = {"best": _best_value, "num_bad_epochs": whole_number(at_least=0),
                      "cooldown_counter": whole_number(at_least=0)}

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        owner = type(self).__name__
        self.optimizer = checked_optimizer(optimizer, owner)
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.mode, self.threshold_mode = mode, threshold_mode
        self._set_settings(factor=factor, patience=patience, threshold=threshold, cooldown=cooldown, eps=eps)
        self.min_lrs = per_group(min_lr, "min_lr", optimizer, number(at_least=0), owner)
        # A single min_lr also serves parameter groups added later; a list must then be updated by hand.
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else self.min_lrs[0]
        self.last_epoch = 0
        self._step_count = 0
        self.base_lrs = current_lrs(optimizer)
        self._last_lr = current_lrs(optimizer)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def state_dict(self):
        """The base entries, the settings, the counters (best, num_bad_epochs, cooldown_counter) and min_lrs."""
        state = super().state_dict()
        state["min_lrs"] = list(self.min_lrs)
        return state

    def _checked_state(self, state_dict):
        state_dict = dict(state_dict)
        min_lrs = state_dict.pop("min_lrs", None)
        checked = super()._checked_state(state_dict)
        if min_lrs is not None:
            checked["min_lrs"] = self._checked_min_lrs(min_lrs)
        return checked

    def _checked_min_lrs(self, value):
        owner = type(self).__name__
        try:
            return rates(len(self.optimizer.param_groups), "min_lr")(plain(value), "min_lrs", owner)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{owner} state_dict key 'min_lrs': {error}") from None

    @property
    def in_cooldown(self):
        """True while the epochs after a reduction are still being waited out."""
        return self.cooldown_counter > 0

    def is_better(self, value, best):
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            return value < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return value > (best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics, epoch=None):
        """Record this epoch's value of the monitored quantity (a number or a one-element Tensor)."""
        current = float(metrics)  # NaN never counts as better: every comparison with it is False
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = whole_number(at_least=0)(epoch, "epoch", type(self).__name__)
        self._step_count += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = current_lrs(self.optimizer)

    def _reduce_lr(self):
        if len(self.min_lrs) != len(self.optimizer.param_groups) and self.default_min_lr is not None:
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(self.optimizer.param_groups)} "
                               f"parameter groups but min_lrs has {len(self.min_lrs)} (a group was added after "
                               "the scheduler was made); set scheduler.min_lrs to one value per group")
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
