"""Adam: gradient descent with per-parameter step sizes from running moment estimates.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                 (L2 penalty, added to the gradient)
    m = beta1 * m + (1 - beta1) * g          running mean of g        (1st moment)
    v = beta2 * v + (1 - beta2) * g^2        running mean of g^2      (2nd moment)
    m_hat = m / (1 - beta1^t)                m, v start at 0, which biases them toward 0
    v_hat = v / (1 - beta2^t)                early on; dividing corrects that bias
    p = p - lr * m_hat / (sqrt(v_hat) + eps)

Dividing by sqrt(v_hat) normalises each coordinate's step: a parameter with
large, noisy gradients takes steps of about lr, and so does one with tiny
gradients -- so one lr works across layers of very different scales.
"""

import numpy as np

from tinynet.optim.optimizer import LEARNING_RATE, WEIGHT_DECAY, Optimizer, pair, real


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``."""

    # PyTorch's checks (its words after "Invalid"), plus: no NaN or infinity anywhere.
    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "betas": pair(at_least=0, below=1, label="beta parameter"),
        "eps": real(at_least=0, label="epsilon value"),
        "weight_decay": WEIGHT_DECAY,
    }
    state_names = ("step", "exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def step(self):
        """Apply one update to every parameter that has a gradient (in place, no graph)."""
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p, grad in self._parameters_with_grads(group):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * p._array
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p._array)
                    state["exp_avg_sq"] = np.zeros_like(p._array)
                state["step"] += 1
                m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                # lr * m_hat / (sqrt(v_hat) + eps), arranged as PyTorch does so results agree to rounding.
                denominator = np.sqrt(v) / np.sqrt(bias_correction2) + eps
                p._array -= ((lr / bias_correction1) * m / denominator).astype(p._array.dtype, copy=False)
