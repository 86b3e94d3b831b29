"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

Per parameter p with gradient g, each step (PyTorch's exact rule):

    g = g + weight_decay * p                    (L2 penalty (wd/2)|p|^2 has gradient wd * p)
    if momentum:
        b = g                                    on the first step
        b = momentum * b + (1 - dampening) * g   afterwards
        g = g + momentum * b   if nesterov       (look ahead along the velocity)
        g = b                  otherwise
    p = p - lr * g

Momentum keeps a running "velocity" b, so steps along directions where the
gradient is consistent grow (up to 1/(1 - momentum) times) and steps where it
oscillates cancel.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.optim import fused_steps
from tinynet.optim.optimizer import LEARNING_RATE, MAXIMIZE, WEIGHT_DECAY, Optimizer, flag, real


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``.

    The arguments and their order are PyTorch's.
    """

    # PyTorch's checks (its words after "Invalid"), plus: no NaN or infinity anywhere, nesterov a real bool.
    hyperparameter_checks = {
        "lr": LEARNING_RATE,
        "momentum": real(at_least=0, label="momentum value"),
        "dampening": real(label="dampening value"),
        "nesterov": flag(),
        "weight_decay": WEIGHT_DECAY,
        "maximize": MAXIMIZE,
    }
    state_names = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *,
                 maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)
        self._scratch = {}  # parameter -> array for lr * g (working memory, not state: never saved)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0, "
                             f"got momentum={group['momentum']}, dampening={group['dampening']}")

    def state_names_for(self, group):
        """Plain SGD (momentum 0) keeps no state."""
        return self.state_names if group["momentum"] != 0 else ()

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient (in place, no graph).

        ``closure``: PyTorch's optional function that recomputes the loss (and gradients); its loss
        is returned."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            # Fused kernels on: one kernel call steps the parameters, and this loop only those it leaves.
            pairs = fused_steps.sgd(self, group) if config.fused else self._parameters_with_grads(group)
            for p, grad in pairs:
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * p._array
                if momentum != 0:
                    state = self.state.setdefault(p, {})
                    if "momentum_buffer" not in state:
                        # (np.array: a buffer updated in place, also for a 0-d parameter, where
                        # grad + weight_decay * p is a numpy scalar)
                        state["momentum_buffer"] = np.array(grad, dtype=p._array.dtype)
                    else:
                        buffer = state["momentum_buffer"]
                        buffer *= momentum
                        if dampening == 0:  # (1 - 0) * g is g: add it without a temporary
                            buffer += grad
                        else:
                            buffer += (1 - dampening) * grad
                    buffer = state["momentum_buffer"]
                    grad = grad + momentum * buffer if group["nesterov"] else buffer
                # p -= lr * g through a scratch array kept per parameter: no fresh (page-faulting)
                # temporary each step.  The scratch holds nothing between steps.
                scratch = self._scratch.get(p)
                if scratch is None or scratch.shape != p._array.shape or scratch.dtype != p._array.dtype:
                    scratch = self._scratch[p] = np.empty_like(p._array)
                np.multiply(grad, lr, out=scratch, casting="unsafe")
                p._array -= scratch
        return loss
