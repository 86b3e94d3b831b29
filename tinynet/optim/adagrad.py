"""Adagrad: each coordinate's step shrinks with the sum of all its squared gradients so far.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                     (L2 penalty)
    lr_t = lr / (1 + (t - 1) * lr_decay)
    s = s + g^2                                  s starts at initial_accumulator_value
    p = p - lr_t * g / (sqrt(s) + eps)

Rarely-seen features (small accumulated s) keep large steps while frequent
ones slow down, which suits sparse data; but s only grows, so in long runs
every step eventually becomes tiny (RMSprop and Adadelta forget old
gradients instead).  Duchi, Hazan & Singer, 2011.
"""

import numpy as np

from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, real


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
    maximize=False)``, PyTorch's arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "lr_decay": real(at_least=0, label="lr_decay value"),
        "weight_decay": WEIGHT_DECAY,
        "initial_accumulator_value": real(at_least=0, label="initial_accumulator_value value"),
        "eps": EPSILON,
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "sum")

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph).

        ``closure``: PyTorch's optional function that recomputes the loss (and gradients); its loss
        is returned."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p, grad in self._parameters_with_grads(group):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * p._array
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["sum"] = np.full_like(p._array, group["initial_accumulator_value"])
                state["step"] += 1
                decayed_lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                state["sum"] += grad * grad
                denominator = np.sqrt(state["sum"]) + group["eps"]
                p._array -= (decayed_lr * grad / denominator).astype(p._array.dtype, copy=False)
        return loss
