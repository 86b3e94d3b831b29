"""Schedules that multiply the learning rate by a factor at chosen epochs.

With t = ``last_epoch`` and lr_0 each group's starting rate (closed forms; the
code applies them as one factor per step, from the group's current rate):

    LambdaLR           lr_t = lr_0 * f(t)                      (your function f; not chained)
    MultiplicativeLR   lr_t = lr_{t-1} * f(t)                  (your function f), for t >= 1
    StepLR             lr_t = lr_0 * gamma ** (t // step_size)
    MultiStepLR        lr_t = lr_0 * gamma ** (number of milestones <= t)
    ExponentialLR      lr_t = lr_0 * gamma ** t
    ConstantLR         lr_t = lr_0 * factor for t < total_iters, then lr_0
    LinearLR           lr_t = lr_0 * (start + (end - start) * min(t, total_iters) / total_iters)
    PolynomialLR       lr_t = lr_0 * (1 - min(t, total_iters) / total_iters) ** power

ConstantLR and LinearLR are warm-ups: start small while the weights are
random and the gradients large, then train at the full rate.
"""

from bisect import bisect_right
from collections import Counter

from tinynet.optim.optimizer import check_number
from tinynet.optim.scheduler import LRScheduler, checked_optimizer, current_lrs, number, whole_number


def _checked_lambdas(lr_lambda, optimizer, owner):
    """One function per parameter group (a single function serves them all)."""
    checked_optimizer(optimizer, owner)
    count = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != count:
            raise ValueError(f"{owner}: expected {count} lr_lambdas (one per parameter group), "
                             f"but got {len(lr_lambda)}")
        functions = list(lr_lambda)
    else:
        functions = [lr_lambda] * count
    for function in functions:
        if not callable(function):
            raise TypeError(f"{owner}: lr_lambda should be a function, but got {type(function).__name__}")
    return functions


def _factor(function, epoch, owner):
    """``function(epoch)``, which must be a finite number."""
    return check_number(function(epoch), f"lr_lambda({epoch})", owner)


class LambdaLR(LRScheduler):
    """``LambdaLR(optimizer, lr_lambda, last_epoch=-1)``: lr = initial lr * lr_lambda(epoch).

    ``lr_lambda`` is a function of the epoch, or a list with one per parameter group.  The functions
    are not part of ``state_dict()`` (PyTorch saves only the attributes of callable objects).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _checked_lambdas(lr_lambda, optimizer, type(self).__name__)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """base_lr * lr_lambda(last_epoch) for each group."""
        return [base_lr * _factor(function, self.last_epoch, type(self).__name__)
                for function, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LambdaLR):
    """``MultiplicativeLR(optimizer, lr_lambda, last_epoch=-1)``: each step multiplies the rate by
    lr_lambda(epoch)."""

    def get_lr(self):
        """lr * lr_lambda(last_epoch), from epoch 1 on."""
        if self._is_initial:
            return current_lrs(self.optimizer)
        return [group["lr"] * _factor(function, self.last_epoch, type(self).__name__)
                for function, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(LRScheduler):
    """``StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1)``: multiply by gamma every step_size epochs."""

    setting_checks = {"step_size": whole_number(at_least=1), "gamma": number(at_least=0)}

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self._set_settings(step_size=step_size, gamma=gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """lr * gamma when last_epoch is a positive multiple of step_size, else lr."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


def _milestones(value, name, owner):
    """Epochs (non-negative integers, repeats allowed: each one multiplies by gamma again), as a Counter."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{owner}: {name} must be a list of epochs, got {value!r}")
    return Counter(whole_number(at_least=0)(epoch, f"{name} entry", owner) for epoch in value)


class MultiStepLR(LRScheduler):
    """``MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1)``: multiply by gamma at each milestone."""

    setting_checks = {"milestones": _milestones, "gamma": number(at_least=0)}

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self._set_settings(milestones=milestones, gamma=gamma)
        super().__init__(optimizer, last_epoch)

    def _saved_value(self, name):
        return sorted(self.milestones.elements()) if name == "milestones" else super()._saved_value(name)

    def get_lr(self):
        """lr * gamma ** (times last_epoch appears in milestones)."""
        if self.last_epoch not in self.milestones:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in self.optimizer.param_groups]

    def _closed_form(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base_lr * self.gamma ** passed for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``ExponentialLR(optimizer, gamma, last_epoch=-1)``: multiply by gamma every epoch."""

    setting_checks = {"gamma": number(at_least=0)}

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self._set_settings(gamma=gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """lr * gamma."""
        if self._is_initial:
            return current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """``ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1)``: the rate times factor until
    epoch total_iters, then the rate itself.

    PyTorch accepts factor = 0 and then divides by it at total_iters; here factor must be in (0, 1].
    """

    setting_checks = {"factor": number(above=0, at_most=1), "total_iters": whole_number(at_least=0)}

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        self._set_settings(factor=factor, total_iters=total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """lr * factor at epoch 0, lr / factor at total_iters, else lr."""
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return current_lrs(self.optimizer)
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _closed_form(self):
        done = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + done * (1 - self.factor)) for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """``LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1)``: the factor
    goes linearly from start_factor to end_factor over total_iters epochs, then stays."""

    setting_checks = {"start_factor": number(above=0, at_most=1), "end_factor": number(at_least=0, at_most=1),
                      "total_iters": whole_number(at_least=1)}

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self._set_settings(start_factor=start_factor, end_factor=end_factor, total_iters=total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The ratio of consecutive factors: f_t / f_{t-1} with f_t = start + (end - start) t / total_iters."""
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return current_lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _closed_form(self):
        fraction = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * fraction
        return [base_lr * factor for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """``PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1)``: decay to 0 at total_iters
    along (1 - t / total_iters) ** power."""

    setting_checks = {"total_iters": whole_number(at_least=1), "power": number(at_least=0)}

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self._set_settings(total_iters=total_iters, power=power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """lr * ((1 - t / T) / (1 - (t - 1) / T)) ** power, up to T."""
        if self._is_initial or self.last_epoch > self.total_iters:
            return current_lrs(self.optimizer)
        ratio = ((1.0 - self.last_epoch / self.total_iters)
                 / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _closed_form(self):
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * remaining ** self.power for base_lr in self.base_lrs]
