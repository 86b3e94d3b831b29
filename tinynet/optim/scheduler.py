"""LRScheduler: the base class of the learning-rate schedules.

A schedule changes ``group["lr"]`` of an optimizer as training goes on.  Call
``scheduler.step()`` once per epoch (or per batch, for OneCycleLR), after the
optimizer's step; ``last_epoch`` counts the calls and ``get_last_lr()`` gives
the rates just set.

As in PyTorch, the schedules are *chainable*: ``get_lr()`` computes the next
rate from the rate the group has now (``group["lr"]``), multiplying by a
factor, rather than from a formula of the epoch alone.  So a rate you set
yourself (``optimizer.param_groups[0]["lr"] = 0.01``) is honoured and
scaled from there, and two schedules on one optimizer compose (their factors
multiply).  Each group's starting rate is kept in ``group["initial_lr"]``
and ``base_lrs``.  ``step(epoch)`` with an explicit epoch is deprecated in
PyTorch; it jumps there using the schedule's closed form where one exists.

``state_dict()`` is a flat dict of numbers and lists of numbers, which
``tinynet.save`` can write; ``load_state_dict`` checks every entry against
the schedule's table of settings (``setting_checks``) and running counters
(``counter_checks``) before changing anything.  Functions (LambdaLR's
``lr_lambda``) and text settings (ReduceLROnPlateau's ``mode``) are not
saved: they come from the constructor.
"""

import math
import numbers
import warnings

import numpy as np

from tinynet.optim.optimizer import Optimizer, check_number

EPOCH_DEPRECATION = ("scheduler.step(epoch) is deprecated (as in PyTorch): call scheduler.step() once per "
                     "epoch; with an epoch given, the schedule's closed form is used where it has one")


class LRScheduler:
    """Base class: ``LRScheduler(optimizer, last_epoch=-1)``; subclasses define ``get_lr()``."""

    # Setting name -> check(value, name, owner) returning the value to keep (see the checks at the end).
    setting_checks = {}
    # Running counters beyond last_epoch, _step_count, base_lrs and _last_lr, with their checks.
    counter_checks = {}

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = checked_optimizer(optimizer, type(self).__name__)
        last_epoch = whole_number(at_least=-1)(last_epoch, "last_epoch", type(self).__name__)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] when resuming "
                                   f"a scheduler with last_epoch={last_epoch}: load the optimizer's state_dict "
                                   "first, or start with last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _set_settings(self, **values):
        """Check each constructor setting with ``setting_checks`` and keep it as an attribute."""
        for name, value in values.items():
            setattr(self, name, self.setting_checks[name](value, name, type(self).__name__))

    def _initial_step(self):
        """The step the constructor takes: to epoch 0 (the starting rates), counted as step 1."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The rate of each group at ``last_epoch``, computed from the rates the groups have now.

        Called by ``step()`` once ``last_epoch`` has advanced; to read the current rates use ``get_last_lr()``.
        """
        raise NotImplementedError

    def step(self, epoch=None):
        """Advance one epoch and set the new rates (``epoch`` given: jump there; deprecated, as in PyTorch)."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            rates = self.get_lr()
        else:
            self.last_epoch = whole_number(at_least=0)(epoch, "epoch", type(self).__name__)
            rates = self._closed_form() if hasattr(self, "_closed_form") else self.get_lr()
        for group, rate in zip(self.optimizer.param_groups, rates):
            group["lr"] = rate
        self._last_lr = current_lrs(self.optimizer)

    def get_last_lr(self):
        """The rate of each parameter group as this scheduler last set it."""
        return list(self._last_lr)

    # ---- saving and resuming ----

    def state_dict(self):
        """``{"last_epoch", "_step_count", "base_lrs", "_last_lr", <settings>, <counters>}``: numbers and lists."""
        state = {"last_epoch": self.last_epoch, "_step_count": self._step_count,
                 "base_lrs": list(self.base_lrs), "_last_lr": list(self._last_lr)}
        for name in list(self.setting_checks) + list(self.counter_checks):
            state[name] = self._saved_value(name)
        return state

    def _saved_value(self, name):
        """The value of a setting or counter as state_dict stores it (a subclass may convert it)."""
        value = getattr(self, name)
        return list(value) if isinstance(value, (list, tuple)) else value

    def load_state_dict(self, state_dict):
        """Resume from ``state_dict()``: every entry is checked first; if any is wrong, nothing changes.

        Raises ValueError (TypeError for a value of the wrong type) naming the key.  Keys missing from
        ``state_dict`` keep their value; the optimizer's rates are left alone (load its own state_dict).
        """
        self._commit(self._checked_state(state_dict))

    def _checked_state(self, state_dict):
        """The attributes ``state_dict`` would set, all checked, as a dict; raises without changing anything."""
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a dict (from state_dict()), got {type(state_dict).__name__}")
        owner, groups = type(self).__name__, len(self.optimizer.param_groups)
        checks = {"last_epoch": whole_number(at_least=-1), "_step_count": whole_number(at_least=0),
                  "base_lrs": rates(groups, "learning rate"), "_last_lr": rates(groups, "learning rate"),
                  **self.setting_checks, **self.counter_checks}
        checked = {}
        for key, value in state_dict.items():
            if key not in checks:
                raise ValueError(f"unexpected key {key!r} in {owner} state_dict; expected some of {sorted(checks)}")
            try:
                checked[key] = checks[key](plain(value), key, owner)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{owner} state_dict key {key!r}: {error}") from None
        return checked

    def _commit(self, checked):
        for name, value in checked.items():
            setattr(self, name, value)


# ---- helpers shared by the schedules ---------------------------------------------------------------

def checked_optimizer(optimizer, owner):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner} expects an Optimizer, got {type(optimizer).__name__}")
    return optimizer


def current_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def per_group(values, name, optimizer, check, owner):
    """One value per parameter group: a single value is repeated; a list must have one per group."""
    count = len(optimizer.param_groups)
    if isinstance(values, (list, tuple)):
        if len(values) != count:
            raise ValueError(f"{owner}: {name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(values)} values, param_groups has {count}.")
        return [check(value, name, owner) for value in values]
    return [check(values, name, owner)] * count


def plain(value):
    """A value read back from a file (a numpy array or scalar) as the Python number or list it was saved as."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"expected numbers, got dtype {value.dtype}")
        return value.item() if value.ndim == 0 else value.tolist()
    return value


# ---- checks for setting_checks and counter_checks: each is check(value, name, owner) -> value to keep ----

def whole_number(at_least=None):
    """An integer >= at_least (a float or numpy value with a whole value is accepted and made an int)."""
    def check(value, name, owner):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{owner}: {name} must be an integer, got {value!r}")
        if isinstance(value, numbers.Integral):
            value = int(value)
        elif not (math.isfinite(value) and value == int(value)):
            raise ValueError(f"{owner}: {name} must be a whole number, got {value}")
        else:
            value = int(value)
        if at_least is not None and value < at_least:
            raise ValueError(f"{owner}: {name} must be an integer >= {at_least}, got {value}")
        return value
    return check


def number(at_least=None, at_most=None, below=None, above=None):
    """A finite real number in the given bounds (``above``: strictly greater)."""
    def check(value, name, owner):
        value = check_number(value, name, owner, minimum=at_least, maximum=at_most, below=below)
        if above is not None and value <= above:
            raise ValueError(f"{owner}: {name} must be > {above}, got {value}")
        return value
    return check


def rates(count, what):
    """A list of ``count`` finite non-negative numbers (one learning rate or bound per group)."""
    def check(value, name, owner):
        if not isinstance(value, (list, tuple)) or len(value) != count:
            raise ValueError(f"{owner}: {name} must be a list of {count} numbers (one per parameter group), "
                             f"got {value!r}")
        return [check_number(v, f"{name}[{i}]", owner, minimum=0, label=what) for i, v in enumerate(value)]
    return check
