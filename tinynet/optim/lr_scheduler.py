"""Learning-rate schedules: change ``group["lr"]`` of an optimizer as training progresses.

Call ``scheduler.step()`` once per epoch, after the optimizer's steps.  The
schedule is a function of the epoch counter ``t`` (``last_epoch``) and each
group's starting rate ``base_lr``:

    StepLR             lr_t = base_lr * gamma ** (t // step_size)
    CosineAnnealingLR  lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

Big steps early cover ground; small steps late settle into a minimum.
"""

import math

from tinynet.optim.optimizer import Optimizer, check_number


class LRScheduler:
    """Base class: remembers each group's base lr and sets ``group["lr"] = lr_at(t)`` on every ``step()``."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} expects an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def lr_at(self, base_lr, epoch):
        """The learning rate at ``epoch`` for a group that started at ``base_lr``."""
        raise NotImplementedError

    def _apply(self):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance one epoch and set the new learning rates."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self):
        """The learning rate of each parameter group as last set."""
        return list(self._last_lr)

    def state_dict(self):
        """The scheduler's position (``last_epoch``) and base rates."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state):
        """Resume from ``state_dict()`` output (also resets the optimizer's lrs to match)."""
        self.last_epoch = int(state["last_epoch"])
        self.base_lrs = [float(lr) for lr in state["base_lrs"]]
        self._apply()


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an integer >= 1, got {step_size!r}")
        self.step_size = step_size
        self.gamma = check_number(gamma, "gamma", "StepLR", minimum=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        """base_lr * gamma ** (epoch // step_size)."""
        return base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the base rate down to ``eta_min`` over ``T_max`` epochs.

    Past ``T_max`` the cosine continues (the rate rises again), as in PyTorch;
    usually you stop at ``T_max``.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be an integer >= 1, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = check_number(eta_min, "eta_min", "CosineAnnealingLR", minimum=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
