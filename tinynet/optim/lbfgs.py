"""L-BFGS: a quasi-Newton method that builds a picture of the loss's curvature from its last few steps.

Each ``step(closure)`` runs up to ``max_iter`` iterations, re-evaluating the loss and gradient through the closure
(so it must zero the gradients, compute the loss and call backward).  With g the gradient (all parameters as one
vector), s_k the last steps and y_k = g_(k+1) - g_k the changes of the gradient they caused:

    direction d = -H g, with H the inverse-Hessian estimate of the "two-loop recursion":
        q = -g;  for k newest to oldest: a_k = rho_k s_k.q,  q -= a_k y_k      (rho_k = 1 / y_k.s_k)
        r = (y.s / y.y of the newest pair) q
        for k oldest to newest: b_k = rho_k y_k.r,  r += (a_k - b_k) s_k;   d = r
    a pair is kept only when y.s > 1e-10 (the curvature is positive), at most ``history_size`` of them;
    parameters += t d, with t = lr (on the very first iteration min(1, 1 / sum |g|) lr, a cautious first step).

It stops early when the gradient's largest entry is at most ``tolerance_grad``, or a step or the change of the
loss falls below ``tolerance_change``, or ``max_eval`` evaluations have been spent; this is PyTorch's algorithm
without a line search (its ``line_search_fn=None``), iteration for iteration.
"""

import collections
import copy

import numpy as np

from tinynet.optim.optimizer import Optimizer, real
from tinynet.tensor import Tensor


def _converted(value, to_tensor):
    """A copy of a piece of L-BFGS's memory with its vectors as Tensors (``to_tensor``) or as numpy arrays."""
    if isinstance(value, list):
        return [_converted(item, to_tensor) for item in value]
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value._array if isinstance(value, Tensor) else value, copy=True)
        return Tensor._from_array(array, False) if to_tensor else array
    return copy.deepcopy(value)


def _positive_int(value, name, owner):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
    history_size=100, line_search_fn=None)``; ``step`` needs a closure.  One parameter group only."""

    hyperparameter_checks = {
        "lr": real(at_least=0, label="learning rate"),
        "max_iter": _positive_int,
        "max_eval": _positive_int,
        "tolerance_grad": real(at_least=0, label="tolerance_grad"),
        "tolerance_change": real(at_least=0, label="tolerance_change"),
        "history_size": _positive_int,
    }

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if line_search_fn is not None:
            raise NotImplementedError(f"LBFGS: tinynet has no line search (line_search_fn={line_search_fn!r}); "
                                      "use line_search_fn=None")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=None))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, group):
        """The one parameter group (L-BFGS keeps one vector of all parameters: a second group is refused)."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(group)

    def state_dict(self):
        """PyTorch's layout, L-BFGS's memory copied: its vectors (alone or in lists) as tensors, counters as numbers."""
        saved = super().state_dict()
        saved["state"] = {index: {name: _converted(value, to_tensor=True) for name, value in memory.items()}
                          for index, memory in saved["state"].items()}
        return saved

    def load_state_dict(self, state_dict):
        """Restore the group's hyperparameters and L-BFGS's memory (directions, steps, counters) from
        ``state_dict()``; the memory is copied.  Checked before anything changes."""
        if not hasattr(state_dict, "keys") or set(state_dict.keys()) != {"state", "param_groups"}:
            raise ValueError("LBFGS.load_state_dict expects the dict state_dict() returns "
                             "({'state': ..., 'param_groups': [...]})")
        groups = state_dict["param_groups"]
        if len(groups) != 1:
            raise ValueError(f"LBFGS has one parameter group, the state_dict has {len(groups)}")
        candidate = dict(self.param_groups[0])
        candidate.update({key: value for key, value in groups[0].items() if key != "params"})
        if candidate.get("line_search_fn") is not None:
            raise NotImplementedError("LBFGS: tinynet has no line search")
        self._check_hyperparameters(candidate)
        memory = dict(state_dict["state"]).get(0, {})
        self.param_groups[0].update(candidate)
        memory = {name: _converted(value, to_tensor=False) for name, value in dict(memory).items()}
        self.state = collections.defaultdict(dict, {self._params[0]: memory} if memory else {})

    def _flat_grad(self):
        """Every parameter's gradient as one vector (zeros for a parameter that got none)."""
        return np.concatenate([np.zeros(p._array.size, p._array.dtype) if p.grad is None else
                               p.grad._array.reshape(-1) for p in self._params])

    def _move(self, step_size, direction):
        """parameters += step_size * direction (the vector cut back into the parameters' shapes)."""
        offset = 0
        for p in self._params:
            size = p._array.size
            p._array += (step_size * direction[offset:offset + size]).reshape(p._array.shape).astype(p.dtype)
            p._bump_version()
            offset += size

    def step(self, closure):
        """Run up to max_iter L-BFGS iterations, evaluating ``closure`` for each new point; returns the first loss."""
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that re-evaluates the model and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        # (all of L-BFGS's memory lives in the state of the first parameter, as in PyTorch)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = self._evaluate(closure)
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already at a minimum
            return first_loss

        direction, step_size = state.get("d"), state.get("t")
        old_dirs, old_steps, rho = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, previous_grad = state.get("H_diag"), state.get("prev_flat_grad")
        iterations = 0
        while iterations < max_iter:
            iterations += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                direction = -flat_grad
                old_dirs, old_steps, rho, h_diag = [], [], [], 1
            else:
                change = flat_grad - previous_grad
                last_step = direction * step_size
                curvature = change.dot(last_step)
                if curvature > 1e-10:  # keep the pair only where the loss curves upwards
                    if len(old_dirs) == group["history_size"]:
                        del old_dirs[0], old_steps[0], rho[0]
                    old_dirs.append(change)
                    old_steps.append(last_step)
                    rho.append(1.0 / curvature)
                    h_diag = curvature / change.dot(change)
                alphas = [None] * len(old_dirs)
                q = -flat_grad
                for k in range(len(old_dirs) - 1, -1, -1):
                    alphas[k] = old_steps[k].dot(q) * rho[k]
                    q = q - alphas[k] * old_dirs[k]
                direction = q * h_diag
                for k in range(len(old_dirs)):
                    beta = old_dirs[k].dot(direction) * rho[k]
                    direction = direction + (alphas[k] - beta) * old_steps[k]
            previous_grad = flat_grad.copy()
            previous_loss = loss
            step_size = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            slope = flat_grad.dot(direction)
            if slope > -tolerance_change:  # not a descent direction any more
                break
            self._move(step_size, direction)
            spent = 0
            if iterations != max_iter:
                loss = float(self._evaluate(closure))
                flat_grad = self._flat_grad()
                spent = 1
            evaluations += spent
            state["func_evals"] += spent
            if iterations == max_iter or evaluations >= max_eval:
                break
            if np.abs(flat_grad).max() <= tolerance_grad:
                break
            if np.abs(direction * step_size).max() <= tolerance_change or abs(loss - previous_loss) < tolerance_change:
                break
        state.update(d=direction, t=step_size, old_dirs=old_dirs, old_stps=old_steps, ro=rho, H_diag=h_diag,
                     prev_flat_grad=previous_grad, prev_loss=previous_loss)
        return first_loss
