"""Optimizer: the base class that holds parameters and their hyperparameters.

An optimizer changes each parameter's array in place, using the gradient
that ``loss.backward()`` left in ``parameter.grad``.  Parameters are kept
in *parameter groups*, as in PyTorch: a list of dicts, each with a
``"params"`` list and its own hyperparameters (``"lr"``, ...), so one model
can train parts at different rates and LR schedulers have one place to
write the new learning rate (``group["lr"]``).

``Optimizer(model.parameters(), lr=0.1)`` makes a single group;
``Optimizer([{"params": a, "lr": 0.1}, {"params": b}], lr=0.01)`` makes two,
the second taking the default lr.  Per-parameter running state (momentum
buffers, Adam's moments) lives in ``self.state[parameter]``.
"""

import numbers

import numpy as np

from tinynet.tensor import Tensor


class Optimizer:
    """Base class: parameter groups, ``zero_grad()``, and the contract that ``step()`` updates the values in place."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}  # parameter -> dict of running state (keys are the Tensors themselves, by identity)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__} expects an iterable of parameters, got a single Tensor; "
                            "wrap it in a list")
        if hasattr(params, "parameters") and callable(params.parameters):  # a Module, not its parameters
            raise TypeError(f"{type(self).__name__} expects an iterable of parameters, got a "
                            f"{type(params).__name__}; pass model.parameters()")
        if not hasattr(params, "__iter__"):
            raise TypeError(f"{type(self).__name__} expects an iterable of parameters, got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a dict ``{"params": [...], hyperparameter: value, ...}``; missing hyperparameters take the defaults."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"a parameter group must be a dict with a 'params' entry, got {group!r}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for existing in self.param_groups for p in existing["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__} was given a tensor of shape {p.shape} that does not "
                                 "require grad; it would never be updated")
            if id(p) in seen:
                raise ValueError(f"a parameter of shape {p.shape} appears in more than one parameter group "
                                 "(or twice in one)")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"unknown hyperparameters {sorted(unknown)} for {type(self).__name__}; "
                             f"expected some of {sorted(self.defaults)}")
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        self._check_hyperparameters(full)
        self.param_groups.append(full)

    def _check_hyperparameters(self, group):
        """Subclasses validate a group's hyperparameters (raising ValueError/TypeError)."""

    def zero_grad(self):
        """Forget the gradients of every parameter (``.grad = None``) before the next backward."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        """Update every parameter that has a gradient; defined by each optimizer."""
        raise NotImplementedError

    def _parameters_with_grads(self, group):
        """(parameter, gradient array) pairs of a group, skipping parameters that got no gradient.

        The caller updates the values in place, so each parameter's version goes up: a graph that saved
        the old values can no longer backpropagate through them (it raises instead of using the new ones).
        """
        for p in group["params"]:
            if p.grad is not None:
                grad = p.grad._array if isinstance(p.grad, Tensor) else np.asarray(p.grad)
                if grad.shape != p.shape:
                    raise ValueError(f"gradient of shape {grad.shape} for a parameter of shape {p.shape}")
                p._bump_version()
                yield p, grad

    def state_dict(self):
        """A flat dict ``name -> numpy array`` (saveable with ``tinynet.save``).

        Keys: ``"param_groups.<g>.<hyperparameter>"`` and
        ``"state.<i>.<name>"``, where i numbers the parameters in group order.
        """
        result = {}
        index = 0
        for g, group in enumerate(self.param_groups):
            for key, value in group.items():
                if key != "params":
                    result[f"param_groups.{g}.{key}"] = np.array(value)
            for p in group["params"]:
                for name, value in self.state.get(p, {}).items():
                    result[f"state.{index}.{name}"] = np.array(value, copy=True)
                index += 1
        return result

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and running state saved by ``state_dict`` (same parameter layout)."""
        params = [p for group in self.param_groups for p in group["params"]]
        new_state = {}
        group_values = []
        for key, value in state_dict.items():
            parts = key.split(".")
            if len(parts) != 3 or parts[0] not in ("state", "param_groups") or not parts[1].isdigit():
                raise ValueError(f"unexpected key {key!r} in optimizer state_dict")
            index = int(parts[1])
            if parts[0] == "state":
                if index >= len(params):
                    raise ValueError(f"optimizer state_dict has state for parameter {index}, "
                                     f"but this optimizer has {len(params)} parameters")
                value = np.asarray(value)
                if value.ndim > 0 and value.shape != params[index].shape:
                    raise ValueError(f"optimizer state {key!r} has shape {value.shape}, "
                                     f"parameter {index} has shape {params[index].shape}")
                new_state.setdefault(params[index], {})[parts[2]] = value.copy()
            else:
                if index >= len(self.param_groups):
                    raise ValueError(f"optimizer state_dict has parameter group {index}, "
                                     f"but this optimizer has {len(self.param_groups)}")
                value = np.asarray(value)
                group_values.append((index, parts[2], value.tolist() if value.ndim else value.item()))
        for index, name, value in group_values:
            self.param_groups[index][name] = tuple(value) if isinstance(value, list) else value
        for p, entries in new_state.items():
            for name, value in entries.items():
                entries[name] = int(value) if name == "step" else value.astype(p.dtype)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {g}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def check_number(value, name, owner, minimum=None, below=None):
    """Raise unless ``value`` is a real number with minimum <= value (< below)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value}")
    if below is not None and value >= below:
        raise ValueError(f"{owner}: {name} must be < {below}, got {value}")
    return value
