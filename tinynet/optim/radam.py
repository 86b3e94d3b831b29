"""RAdam: Adam whose adaptive step is switched on gradually, as the variance estimate becomes trustworthy.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                          (or, decoupled: p = p * (1 - lr * weight_decay))
    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  m_hat = m / (1 - beta1^t)
    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                p = p - lr * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
    otherwise:  p = p - lr * m_hat                    (plain momentum while v rests on too few gradients)

Liu et al., 2020.
"""

import math

import numpy as np

from tinynet.optim.adam import decayed_gradient, update_moments
from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, flag, pair


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
    maximize=False)``, PyTorch's arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "betas": pair(at_least=0, below=1, label="beta parameter"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "decoupled_weight_decay": flag(),
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph); returns the closure's
        loss, if a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, grad in self._parameters_with_grads(group):
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, exp_avg=np.zeros_like(p._array), exp_avg_sq=np.zeros_like(p._array))
                state["step"] += 1
                t = state["step"]
                grad = decayed_gradient(p, grad, lr, decay, group["decoupled_weight_decay"])
                m, v = state["exp_avg"], state["exp_avg_sq"]
                update_moments(m, v, grad, beta1, beta2)
                m_hat = m / (1 - beta1 ** t)
                bias_correction2 = 1 - beta2 ** t
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
                if rho_t > 5.0:
                    rectifier = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = math.sqrt(bias_correction2) / (np.sqrt(v) + eps)
                    update = m_hat * lr * adaptive * rectifier
                else:
                    update = m_hat * lr
                p._array -= update.astype(p._array.dtype, copy=False)
        return loss
