"""Adam and AdamW: gradient descent with per-parameter step sizes from running moment estimates.

Per parameter p with gradient g, at step t = 1, 2, ... (PyTorch's exact rule):

    g = g + weight_decay * p                 (Adam: L2 penalty, added to the gradient)
    p = p * (1 - lr * weight_decay)          (AdamW instead: "decoupled" decay, outside the moments)
    m = beta1 * m + (1 - beta1) * g          running mean of g        (1st moment)
    v = beta2 * v + (1 - beta2) * g^2        running mean of g^2      (2nd moment)
    v_max = max(v_max, v)                    (amsgrad only: v_max replaces v below)
    m_hat = m / (1 - beta1^t)                m, v start at 0, which biases them toward 0
    v_hat = v / (1 - beta2^t)                early on; dividing corrects that bias
    p = p - lr * m_hat / (sqrt(v_hat) + eps)

Dividing by sqrt(v_hat) normalises each coordinate's step: a parameter with
large, noisy gradients takes steps of about lr, and so does one with tiny
gradients -- so one lr works across layers of very different scales.

Why AdamW: with the L2 penalty inside g, Adam divides the decay by sqrt(v_hat)
too, so weights with large gradients are barely decayed; decoupling makes
every weight shrink by the same factor (Loshchilov & Hutter, 2019).
"""

import numpy as np

from tinynet.kernels import config
from tinynet.optim import fused_steps
from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, flag, pair


def decayed_gradient(p, grad, lr, decay, decoupled):
    """The gradient with weight decay applied, for the Adam family: decoupled (AdamW), p shrinks by
    (1 - lr * decay) and g stays; otherwise g + decay * p (an L2 penalty inside the moments)."""
    if decay != 0:
        if decoupled:
            p._array *= 1 - lr * decay
        else:
            grad = grad + decay * p._array
    return grad


def update_moments(m, v, grad, beta1, beta2):
    """m, v <- the running means of g and g^2, in place; m as PyTorch's lerp, m + (1 - beta1)(g - m), so that
    NAdam and RAdam agree with PyTorch's to rounding."""
    m += (1 - beta1) * (grad - m)
    v *= beta2
    v += (1 - beta2) * grad * grad


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
    maximize=False, decoupled_weight_decay=False)``, PyTorch's arguments in PyTorch's order."""

    # PyTorch's checks (its words after "Invalid"), plus: no NaN or infinity anywhere.
    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "betas": pair(at_least=0, below=1, label="beta parameter"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "amsgrad": flag(),
        "maximize": MAXIMIZE,
        "decoupled_weight_decay": flag(),
    }
    state_names = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def state_names_for(self, group):
        """step and both moments; amsgrad also keeps the largest second moment seen."""
        return self.state_names if group["amsgrad"] else self.state_names[:3]

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph).

        ``closure``: PyTorch's optional function that recomputes the loss (and gradients); its loss
        is returned."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            # Fused kernels on: one kernel call steps the parameters, and this loop only those it leaves.
            pairs = fused_steps.adam(self, group) if config.fused else self._parameters_with_grads(group)
            for p, grad in pairs:
                grad = decayed_gradient(p, grad, lr, decay, group["decoupled_weight_decay"])
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p._array)
                    state["exp_avg_sq"] = np.zeros_like(p._array)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p._array)
                state["step"] += 1
                m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                if group["amsgrad"]:
                    np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
                    v = state["max_exp_avg_sq"]
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                # lr * m_hat / (sqrt(v_hat) + eps), arranged as PyTorch does so results agree to rounding.
                denominator = np.sqrt(v) / np.sqrt(bias_correction2) + eps
                p._array -= ((lr / bias_correction1) * m / denominator).astype(p._array.dtype, copy=False)
        return loss


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
    maximize=False)``: Adam with decoupled weight decay (note the default decay of 0.01, as in PyTorch)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)
