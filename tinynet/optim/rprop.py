"""Rprop: resilient backpropagation -- only the sign of each gradient is used, with a step size per weight
that grows while the sign stays the same and shrinks when it flips.

Per parameter p with gradient g and the previous step's gradient g' (PyTorch's exact rule):

    s = s * eta_plus    where g g' > 0   (same direction again: speed up)
    s = s * eta_minus   where g g' < 0   (overshot a minimum: slow down, and skip this step: g = 0)
    s = s               where g g' = 0
    s = clamp(s, step_size_min, step_size_max)        s starts at lr
    p = p - sign(g) * s;   g' = g

A full-batch method: the magnitude of the gradient is ignored, so noisy
mini-batch gradients suit it poorly.  Riedmiller & Braun, 1993.
"""

import numpy as np

from tinynet.optim.optimizer import LEARNING_RATE, MAXIMIZE, Optimizer, check_number, pair


def _etas(value, name, owner):
    """(eta_minus, eta_plus) with 0 < eta_minus < 1 < eta_plus."""
    etas = pair()(value, name, owner)
    if not 0.0 < etas[0] < 1.0 < etas[1]:
        raise ValueError(f"{owner}: Invalid eta values: {etas[0]}, {etas[1]} (need 0 < eta_minus < 1 < eta_plus)")
    return etas


def _step_sizes(value, name, owner):
    sizes = pair(at_least=0)(value, name, owner)
    check_number(sizes[1], f"{name}[1]", owner, minimum=sizes[0])
    return sizes


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False)``, PyTorch's
    arguments in PyTorch's order."""

    hyperparameter_checks = {"lr": LEARNING_RATE, "etas": _etas, "step_sizes": _step_sizes, "maximize": MAXIMIZE}
    state_names = ("step", "prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph); returns the closure's
        loss, if a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            (eta_minus, eta_plus), (smallest, largest) = group["etas"], group["step_sizes"]
            for p, grad in self._parameters_with_grads(group):
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, prev=np.zeros_like(p._array),
                                 step_size=np.full_like(p._array, group["lr"]))
                state["step"] += 1
                agreement = np.sign(grad * state["prev"])
                factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0))
                step_size = state["step_size"]
                np.clip(step_size * factor.astype(p._array.dtype), smallest, largest, out=step_size)
                grad = np.where(agreement < 0, 0, grad).astype(p._array.dtype, copy=False)
                p._array -= np.sign(grad) * step_size
                state["prev"][...] = grad
        return loss
