"""Adadelta: steps whose size comes from the running sizes of past steps and past gradients.

Per parameter p with gradient g, each step (PyTorch's exact rule):

    g = g + weight_decay * p                           (L2 penalty)
    s = rho * s + (1 - rho) * g^2                      running mean of g^2       (s starts at 0)
    delta = sqrt(u + eps) / sqrt(s + eps) * g          the step, in p's units
    u = rho * u + (1 - rho) * delta^2                  running mean of delta^2   (u starts at 0)
    p = p - lr * delta

The ratio sqrt(u) / sqrt(s) has the units of p / g, so delta has the units of
p and, in Zeiler's paper (2012), needs no learning rate at all: PyTorch's
lr (default 1.0) only scales it.
"""

import numpy as np

from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, real


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False)``,
    PyTorch's arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "rho": real(at_least=0, at_most=1, label="rho value"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph).

        ``closure``: PyTorch's optional function that recomputes the loss (and gradients); its loss
        is returned."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p, grad in self._parameters_with_grads(group):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * p._array
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(p._array)
                    state["acc_delta"] = np.zeros_like(p._array)
                state["step"] += 1
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                p._array -= (lr * delta).astype(p._array.dtype, copy=False)
        return loss
