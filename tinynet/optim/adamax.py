"""Adamax: Adam with the infinity norm -- the step is scaled by the largest recent |gradient| instead of the
root mean square.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                     (L2 penalty)
    m = beta1 * m + (1 - beta1) * g              running mean of g
    u = max(beta2 * u, |g| + eps)                exponentially weighted infinity norm
    p = p - lr / (1 - beta1^t) * m / u

u needs no bias correction (a max is not pulled toward its zero start the
way a mean is).  Kingma & Ba, 2015, section 7.1.
"""

import numpy as np

from tinynet.optim.adam import decayed_gradient
from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, pair


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False)``, PyTorch's
    arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "betas": pair(at_least=0, below=1, label="beta parameter"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph); returns the closure's
        loss, if a closure is given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, grad in self._parameters_with_grads(group):
                grad = decayed_gradient(p, grad, lr, decay, decoupled=False)
                state = self.state.setdefault(p, {})
                if not state:
                    state.update(step=0, exp_avg=np.zeros_like(p._array), exp_inf=np.zeros_like(p._array))
                state["step"] += 1
                m, u = state["exp_avg"], state["exp_inf"]
                m += (1 - beta1) * (grad - m)
                u *= beta2
                np.maximum(u, np.abs(grad) + eps, out=u)
                p._array -= ((lr / (1 - beta1 ** state["step"])) * m / u).astype(p._array.dtype, copy=False)
        return loss
