"""NAdam: Adam with Nesterov momentum -- the step looks ahead along the momentum it is about to apply.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                          (or, decoupled: p = p * (1 - lr * weight_decay))
    mu_t = beta1 (1 - 0.96^(t psi) / 2)               momentum schedule, psi = momentum_decay
    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
    d = sqrt(v / (1 - beta2^t)) + eps
    p = p - lr (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g / d - lr mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m / d

The running product of the mu's is kept in the default dtype (PyTorch keeps it in a float32 tensor), so the
steps agree with PyTorch's to rounding.  Dozat, 2016.
"""

import numpy as np

from tinynet import dtypes
from tinynet.optim.adam import decayed_gradient, update_moments
from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, flag, pair, real


def scalar_state(value, times=None):
    """A running scalar rounded as PyTorch stores it, in a 0-d tensor of the default dtype -- ``value * times``
    computed in that dtype when ``times`` is given (as PyTorch's in-place ``*=`` on that tensor does)."""
    kind = np.dtype(dtypes.get_default_dtype()).type
    return float(kind(value) if times is None else kind(value) * kind(times))


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, maximize=False)``, PyTorch's arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "betas": pair(at_least=0, below=1, label="beta parameter"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "momentum_decay": real(at_least=0, label="momentum_decay value"),
        "decoupled_weight_decay": flag(),
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "exp_avg", "exp_avg_sq", "mu_product")
    scalar_state_names = ("mu_product",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph); returns the closure's
        loss, if a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, grad in self._parameters_with_grads(group):
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, exp_avg=np.zeros_like(p._array), exp_avg_sq=np.zeros_like(p._array),
                                 mu_product=1.0)
                state["step"] += 1
                t = state["step"]
                grad = decayed_gradient(p, grad, lr, decay, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * group["momentum_decay"]))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * group["momentum_decay"]))
                state["mu_product"] = scalar_state(state["mu_product"], mu)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                update_moments(m, v, grad, beta1, beta2)
                denominator = np.sqrt(v / (1 - beta2 ** t)) + eps
                gradient_part = (-lr * (1.0 - mu) / (1.0 - state["mu_product"])) * grad / denominator
                p._array += gradient_part.astype(p._array.dtype, copy=False)
                momentum_part = (-lr * mu_next / (1.0 - state["mu_product"] * mu_next)) * m / denominator
                p._array += momentum_part.astype(p._array.dtype, copy=False)
        return loss
