"""Schedules made of schedules: one after another (SequentialLR) or all at once (ChainedScheduler).

    SequentialLR([warmup, decay], milestones=[5])   epochs 0-4 follow warmup, then decay starts afresh
    ChainedScheduler([a, b])                         every step steps a then b; their factors multiply

The typical use is a warm-up (LinearLR or ConstantLR) followed by a decay
(CosineAnnealingLR, ExponentialLR, ...).  ReduceLROnPlateau cannot be part
of either: its step needs the monitored value.
"""

from bisect import bisect_right

from tinynet.optim.plateau import ReduceLROnPlateau
from tinynet.optim.scheduler import LRScheduler, current_lrs, plain, rates, whole_number


def _checked_schedulers(schedulers, optimizer, owner):
    """A non-empty list of schedules of one optimizer, none of them ReduceLROnPlateau."""
    if isinstance(schedulers, LRScheduler) or not hasattr(schedulers, "__iter__"):
        raise TypeError(f"{owner} expects a list of schedulers, got {type(schedulers).__name__}")
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{owner} expects at least one scheduler, but got none")
    optimizer = optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None)
    for index, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"{owner}: the scheduler at index {index} is a {type(scheduler).__name__}, "
                            "not an LR scheduler")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support ReduceLROnPlateau (at index {index}): its step needs "
                             "the monitored value")
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but the "
                             f"{type(scheduler).__name__} at index {index} has another one")
    return schedulers, optimizer


class _Combined(LRScheduler):
    """What both combinations share: their state_dict holds each part's, under ``_schedulers.<i>.``."""

    def state_dict(self):
        state = {name: self._saved_value(name) for name in self._own_checks()}
        for index, scheduler in enumerate(self._schedulers):
            for key, value in scheduler.state_dict().items():
                state[f"_schedulers.{index}.{key}"] = value
        return state

    def _own_checks(self):
        return {"_last_lr": rates(len(self.optimizer.param_groups), "learning rate")}

    def _checked_state(self, state_dict):
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a dict (from state_dict()), got {type(state_dict).__name__}")
        owner, checks = type(self).__name__, self._own_checks()
        own, parts = {}, [{} for _ in self._schedulers]
        for key, value in state_dict.items():
            pieces = key.split(".", 2) if isinstance(key, str) else []
            if len(pieces) == 3 and pieces[0] == "_schedulers" and pieces[1].isdecimal() \
                    and int(pieces[1]) < len(parts):
                parts[int(pieces[1])][pieces[2]] = value
            elif key in checks:
                try:
                    own[key] = checks[key](plain(value), key, owner)
                except (TypeError, ValueError) as error:
                    raise type(error)(f"{owner} state_dict key {key!r}: {error}") from None
            else:
                raise ValueError(f"unexpected key {key!r} in {owner} state_dict; expected '_schedulers.<i>.<name>' "
                                 f"(i < {len(parts)}) or some of {sorted(checks)}")
        checked_parts = []
        for index, (scheduler, part) in enumerate(zip(self._schedulers, parts)):
            try:
                checked_parts.append(scheduler._checked_state(part))
            except (TypeError, ValueError) as error:
                raise type(error)(f"{owner} scheduler {index}: {error}") from None
        return own, checked_parts

    def _commit(self, checked):
        own, parts = checked
        for name, value in own.items():
            setattr(self, name, value)
        for scheduler, part in zip(self._schedulers, parts):
            scheduler._commit(part)


def _undo_one_step(scheduler):
    """Take every schedule inside ``scheduler`` back one epoch (SequentialLR restarts them at 0)."""
    if isinstance(scheduler, _Combined):
        for part in scheduler._schedulers:
            _undo_one_step(part)
    else:
        scheduler.last_epoch -= 1


class SequentialLR(_Combined):
    """``SequentialLR(optimizer, schedulers, milestones, last_epoch=-1)``: ``schedulers[i]`` runs from
    ``milestones[i-1]`` on; at each milestone the next one starts from its own epoch 0."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        owner = type(self).__name__
        self._schedulers, self.optimizer = _checked_schedulers(schedulers, optimizer, owner)
        if self.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the optimizer it is given")
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"{owner}: milestones must be a list of epochs, got {milestones!r}")
        self._milestones = [whole_number(at_least=1)(m, "milestone", owner) for m in milestones]
        if len(self._milestones) != len(self._schedulers) - 1:
            raise ValueError(f"{owner} expects one milestone fewer than schedulers, got {len(self._schedulers)} "
                             f"schedulers and {len(self._milestones)} milestones")
        if self._milestones != sorted(self._milestones):
            raise ValueError(f"{owner}: milestones must be in increasing order, got {self._milestones}")
        self.last_epoch = whole_number(at_least=-1)(last_epoch, "last_epoch", owner) + 1
        # Each schedule stepped once when it was made; start again from the initial rates at epoch 0.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            _undo_one_step(scheduler)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _own_checks(self):
        return {**super()._own_checks(), "last_epoch": whole_number(at_least=0)}

    def step(self):
        """Advance one epoch: the schedule in charge steps, or starts at its epoch 0 on a milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Combined):
    """``ChainedScheduler(schedulers, optimizer=None)``: each ``step()`` steps every schedule in order."""

    def __init__(self, schedulers, optimizer=None):
        self._schedulers, self.optimizer = _checked_schedulers(schedulers, optimizer, type(self).__name__)
        self._last_lr = current_lrs(self.optimizer)

    def step(self):
        """Step every schedule; the rates are their combined effect."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = current_lrs(self.optimizer)
