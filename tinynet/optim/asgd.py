"""ASGD: averaged stochastic gradient descent -- SGD with a slowly decaying step, which also keeps the running
average of the weights it visits (the average converges faster than the last iterate).

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p
    p = p * (1 - lambd * eta) - eta * g                 eta starts at lr
    ax = ax + mu * (p - ax)      (ax = p while mu = 1)  the average of the iterates since step t0
    eta = lr / (1 + lambd * lr * t)^alpha
    mu = 1 / max(1, t - t0)

The average is kept in ``optimizer.state[p]["ax"]``; PyTorch does not copy
it into the parameters either.  eta and mu are rounded to the default dtype
as PyTorch stores them.  Polyak & Juditsky, 1992.
"""

import numpy as np

from tinynet.optim.nadam import scalar_state
from tinynet.optim.optimizer import LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, real


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *, maximize=False)``, PyTorch's
    arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "lambd": real(),
        "alpha": real(),
        "t0": real(),
        "weight_decay": WEIGHT_DECAY,
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "eta", "mu", "ax")
    scalar_state_names = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, foreach=None,
                 maximize=False):
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph); returns the closure's
        loss, if a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, decay = group["lr"], group["lambd"], group["weight_decay"]
            for p, grad in self._parameters_with_grads(group):
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, eta=scalar_state(lr), mu=1.0, ax=np.zeros_like(p._array))
                state["step"] += 1
                t, eta = state["step"], state["eta"]
                if decay != 0:
                    grad = grad + decay * p._array
                p._array *= 1 - lambd * eta
                p._array -= (eta * grad).astype(p._array.dtype, copy=False)
                if state["mu"] != 1:
                    state["ax"] += ((p._array - state["ax"]) * np.asarray(state["mu"], p._array.dtype))
                else:
                    state["ax"][...] = p._array
                state["eta"] = scalar_state(lr / (1 + lambd * lr * t) ** group["alpha"])
                state["mu"] = scalar_state(1 / max(1, t - group["t0"]))
        return loss
