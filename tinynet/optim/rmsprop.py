"""RMSprop: divide each gradient by a running root-mean-square of its recent values.

Per parameter p with gradient g, each step (PyTorch's exact rule):

    g = g + weight_decay * p               (L2 penalty)
    s = alpha * s + (1 - alpha) * g^2      running mean of g^2, s starts at 0
    centered:  a = alpha * a + (1 - alpha) * g,   d = sqrt(s - a^2) + eps   (the running std of g)
    otherwise:                                    d = sqrt(s) + eps         (the running RMS of g)
    with momentum:  b = momentum * b + g / d,   p = p - lr * b              (b starts at 0)
    without:                                    p = p - lr * g / d

Like Adam without the first moment and without bias correction: a
coordinate whose gradients are large takes smaller steps, one whose
gradients are small takes larger ones (Hinton's lecture 6e, 2012).
"""

import numpy as np

from tinynet.optim.optimizer import EPSILON, LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, flag, real


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
    maximize=False)``, PyTorch's arguments in PyTorch's order."""

    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "alpha": real(at_least=0, label="alpha value"),
        "eps": EPSILON,
        "weight_decay": WEIGHT_DECAY,
        "momentum": real(at_least=0, label="momentum value"),
        "centered": flag(),
        "maximize": MAXIMIZE,
    }
    state_names = ("step", "square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
                 maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def state_names_for(self, group):
        """step and the mean of g^2; a momentum buffer with momentum > 0; the mean of g if centered."""
        return ("step", "square_avg") + (("momentum_buffer",) if group["momentum"] > 0 else ()) \
            + (("grad_avg",) if group["centered"] else ())

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph).

        ``closure``: PyTorch's optional function that recomputes the loss (and gradients); its loss
        is returned."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for p, grad in self._parameters_with_grads(group):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * p._array
                state = self.state.setdefault(p, {})
                if not state:
                    state.update((name, np.zeros_like(p._array)) for name in self.state_names_for(group))
                    state["step"] = 0
                state["step"] += 1
                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if group["centered"]:
                    grad_avg = state["grad_avg"]
                    grad_avg += (1 - alpha) * (grad - grad_avg)  # alpha a + (1 - alpha) g, as PyTorch's lerp
                    denominator = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    denominator = np.sqrt(square_avg)
                denominator += eps
                if momentum > 0:
                    buffer = state["momentum_buffer"]
                    buffer *= momentum
                    buffer += grad / denominator
                    p._array -= (lr * buffer).astype(p._array.dtype, copy=False)
                else:
                    p._array -= (lr * grad / denominator).astype(p._array.dtype, copy=False)
        return loss
