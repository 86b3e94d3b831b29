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

Hyperparameters are checked in one place.  Each optimizer lists what its
hyperparameters accept in ``hyperparameter_checks`` (built from ``real``,
``flag`` and ``pair`` at the end of this file); the constructor (through
``add_param_group``) and ``load_state_dict`` both apply that table, so a new
optimizer that declares its table gets the same checks and messages.  The
running state it keeps per parameter is declared the same way
(``state_names``), so ``load_state_dict`` can refuse a state it would not
know how to use.

Every optimizer takes ``maximize=False`` as PyTorch's do: with True it
climbs the objective (the gradient's sign is flipped, in one place:
``_parameters_with_grads``).
"""

import collections
import math
import numbers

import numpy as np

from tinynet.autograd import enable_grad
from tinynet.tensor import Tensor


class Optimizer:
    """Base class: parameter groups, ``zero_grad()``, and the contract that ``step()`` updates the values in place."""

    # Hyperparameter name -> check(value, name, owner) returning the value to keep; see real/flag/pair below.
    hyperparameter_checks = {}
    # Every running state a step may keep per parameter (e.g. Adam's step and two moments); the ones a
    # group really keeps are ``state_names_for(group)`` -- all of them or none, per parameter.
    # load_state_dict refuses other names and partial sets.  Empty: accept any names.
    state_names = ()
    # Running states that are one number per parameter rather than an array of its shape (besides "step").
    scalar_state_names = ()

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        # parameter -> dict of running state (keys are the Tensors themselves, by identity); as in PyTorch a
        # defaultdict, so optimizer.state[p] of a parameter not yet stepped is an empty dict.
        self.state = collections.defaultdict(dict)
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
            # A tensor that does not require grad is accepted, as in PyTorch (a frozen layer's weights):
            # it never gets a gradient, so a step leaves it alone.  A non-leaf never gets .grad at all.
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} can't optimize a non-leaf Tensor (shape {p.shape}, "
                                 f"made by {p.grad_fn.op_name}); pass the leaf tensors it was computed from")
            if id(p) in seen:
                raise ValueError(f"a parameter of shape {p.shape} appears in more than one parameter group "
                                 "(or twice in one)")
            seen.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params"} - set(SCHEDULE_KEYS)
        if unknown:
            raise ValueError(f"unknown hyperparameters {sorted(unknown)} for {type(self).__name__}; "
                             f"expected some of {sorted(self.defaults)}")
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        self._check_hyperparameters(full)
        self.param_groups.append(full)

    def _check_hyperparameters(self, group):
        """Check a group's hyperparameters against ``hyperparameter_checks``, normalising them in place.

        Raises TypeError (not a number / bool) or ValueError (out of range, NaN, infinite), as PyTorch's
        optimizers do.  Subclasses with a rule that links two hyperparameters extend this (see SGD).
        """
        owner = type(self).__name__
        for name, check in list(self.hyperparameter_checks.items()) + list(SCHEDULE_KEYS.items()):
            if name in group:
                group[name] = check(group[name], name, owner)

    def state_names_for(self, group):
        """The running state this optimizer keeps for each parameter of ``group`` (default: all of
        ``state_names``; an optimizer whose state depends on a hyperparameter, say momentum, narrows it)."""
        return self.state_names

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter before the next backward.

        ``set_to_none=True`` (the default, as in PyTorch) sets ``.grad = None``: the next backward
        allocates a fresh gradient, and a step skips parameters that got none.  ``False`` fills the
        existing gradient tensors with zeros in place instead.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad  # (a Tensor of p's shape and dtype, or None: the .grad setter sees to it)
                if set_to_none or grad is None:
                    p._grad = None
                elif grad._array.flags.writeable:
                    grad._array[...] = 0
                    grad._bump_version()
                else:  # a read-only gradient array: replace it by zeros of the same shape and dtype
                    p._grad = Tensor._from_array(np.zeros_like(grad._array), False)

    def step(self, closure=None):
        """Update every parameter that has a gradient; defined by each optimizer."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """Call ``step``'s closure (with gradients on, as PyTorch does) and return its loss; None without one."""
        if closure is None:
            return None
        if not callable(closure):
            raise TypeError(f"step expects a closure (a function returning the loss) or None, got "
                            f"{type(closure).__name__}")
        with enable_grad():
            return closure()

    def _parameters_with_grads(self, group):
        """(parameter, gradient array) pairs of a group, skipping parameters that got no gradient.

        With ``maximize`` the gradient comes negated (a new array: ``.grad`` itself is left alone).
        """
        maximize = group.get("maximize")
        for p, grad in self._gradients(group):
            yield p, (-grad if maximize else grad)

    @staticmethod
    def _gradients(group):
        """(parameter, gradient array as it is) pairs of a group, skipping parameters that got no gradient."""
        for p in group["params"]:
            grad = p._grad  # (a Tensor of p's shape and dtype, or None: the .grad setter sees to it)
            if grad is not None:
                # The caller updates the values in place: a graph that saved the old ones must not use them.
                p._bump_version()
                yield p, grad._array

    def state_dict(self):
        """PyTorch's layout: ``{"state": {i: {name: value}}, "param_groups": [{hyperparameters..., "params": [i, ...]}]}``,
        parameters numbered 0, 1, ... in group order; the running state is copied (tensors, and ``step`` an int).
        ``tinynet.save`` writes it and ``load_state_dict`` reads it back (the flat form of ``flatten_state_dict``
        is accepted too)."""
        state, groups, index = {}, [], 0
        for group in self.param_groups:
            numbers_of_group = []
            for p in group["params"]:
                if self.state.get(p):
                    state[index] = {name: Tensor._from_array(np.array(value, copy=True), False)
                                    if isinstance(value, np.ndarray) else value
                                    for name, value in self.state[p].items()}
                numbers_of_group.append(index)
                index += 1
            groups.append({**{key: value for key, value in group.items() if key != "params"},
                           "params": numbers_of_group})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and running state saved by ``state_dict`` (same parameter layout).

        Everything is checked before anything changes: an unknown key, a state for a parameter or group
        this optimizer does not have, a shape that differs from the parameter's, a NaN or infinite value,
        a hyperparameter out of range (a negative lr, say) raises ValueError (TypeError for a value of
        the wrong type) naming the key, and the optimizer is left exactly as it was.  As in PyTorch, the
        loaded state replaces the old one; hyperparameters missing from ``state_dict`` keep their value.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a dict (from state_dict()), got {type(state_dict).__name__}")
        if set(state_dict.keys()) == {"state", "param_groups"}:
            state_dict = flatten_state_dict(state_dict, [len(group["params"]) for group in self.param_groups])
        params = [p for group in self.param_groups for p in group["params"]]
        groups = [dict(group) for group in self.param_groups]  # candidates, committed only if all is well
        loaded_state = {}  # parameter index -> {name: array}
        for key, value in state_dict.items():
            where, index, name = self._parse_state_key(key, len(groups), len(params))
            try:
                if where == "param_groups":
                    groups[index][name] = self._checked_group_value(name, value)
                else:
                    loaded_state.setdefault(index, {})[name] = self._checked_state_value(
                        name, value, params[index], name in self.scalar_state_names)
            except (TypeError, ValueError) as error:
                raise type(error)(f"optimizer state_dict key {key!r}: {error}") from None
        for g, group in enumerate(groups):
            try:
                self._check_hyperparameters(group)  # the rules that link hyperparameters (SGD's nesterov)
            except (TypeError, ValueError) as error:
                raise type(error)(f"optimizer state_dict keys 'param_groups.{g}.*': {error}") from None
        group_of = [g for g, group in enumerate(self.param_groups) for _ in group["params"]]
        for index, entries in loaded_state.items():
            expected = self.state_names_for(groups[group_of[index]])
            if self.state_names and set(entries) != set(expected):
                raise ValueError(f"optimizer state_dict keys 'state.{index}.*': {type(self).__name__} keeps "
                                 f"{list(expected)} for a parameter of this group (all or none), "
                                 f"got {sorted(entries)}")
        for group, checked in zip(self.param_groups, groups):
            group.update(checked)
        self.state = collections.defaultdict(dict, {params[index]: entries for index, entries in loaded_state.items()})

    def _parse_state_key(self, key, group_count, param_count):
        """Split ``"state.<i>.<name>"`` or ``"param_groups.<g>.<name>"`` into (where, index, name), checked."""
        parts = key.split(".") if isinstance(key, str) else []
        if len(parts) != 3 or parts[0] not in ("state", "param_groups") or not parts[1].isdecimal():
            raise ValueError(f"unexpected key {key!r} in optimizer state_dict; expected 'state.<i>.<name>' "
                             "or 'param_groups.<g>.<name>'")
        where, index, name = parts[0], int(parts[1]), parts[2]
        if where == "state" and index >= param_count:
            raise ValueError(f"optimizer state_dict key {key!r}: state for parameter {index}, "
                             f"but this optimizer has {param_count} parameters")
        if where == "param_groups":
            if index >= group_count:
                raise ValueError(f"optimizer state_dict key {key!r}: parameter group {index}, "
                                 f"but this optimizer has {group_count}")
            if name not in self.defaults and name not in SCHEDULE_KEYS:
                raise ValueError(f"unexpected key {key!r} in optimizer state_dict: {type(self).__name__} has no "
                                 f"hyperparameter {name!r}; expected some of {sorted(self.defaults)}")
        if where == "state" and self.state_names and name not in self.state_names:
            raise ValueError(f"unexpected key {key!r} in optimizer state_dict: {type(self).__name__} keeps "
                             f"no state {name!r}; expected {list(self.state_names)}")
        return where, index, name

    def _checked_group_value(self, name, value):
        """A saved hyperparameter as the Python value a group holds (float, int, bool or tuple), range-checked."""
        array = np.asarray(value)
        if array.dtype.kind not in "biuf" or array.ndim > 1:
            raise TypeError(f"expected a number, a bool or a pair of numbers, got dtype {array.dtype} "
                            f"and shape {array.shape}")
        python_value = array.item() if array.ndim == 0 else tuple(array.tolist())
        check = self.hyperparameter_checks.get(name) or SCHEDULE_KEYS.get(name)
        return check(python_value, name, type(self).__name__) if check else python_value

    @staticmethod
    def _checked_state_value(name, value, parameter, scalar=False):
        """A saved running state as this optimizer keeps it: ``step`` a whole count, a ``scalar`` state one
        finite float, the rest finite arrays of the parameter's shape, cast to its dtype."""
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":
            raise TypeError(f"expected real numbers, got dtype {array.dtype}")
        if scalar:
            if array.ndim != 0 or not np.isfinite(array):
                raise ValueError(f"{name} must be a single finite number, got {array!r}")
            return float(array)
        if name == "step":
            if array.ndim != 0:
                raise ValueError(f"the step count must be a single number, got shape {array.shape}")
            step = array.item()
            if not (math.isfinite(step) and step == int(step) and 0 <= step < 2**63):
                raise ValueError(f"the step count must be a whole number in [0, 2**63), got {step}")
            return int(step)
        if array.shape != parameter.shape:
            raise ValueError(f"shape {array.shape}, but the parameter has shape {parameter.shape}")
        with np.errstate(over="ignore"):
            cast = array.astype(parameter.dtype)  # a new array: the caller's stays untouched
        if not np.isfinite(cast).all():
            problem = "NaN or infinite values" if not np.isfinite(array).all() else \
                f"values too large for the parameter's dtype {parameter.dtype}"
            raise ValueError(f"contains {problem}; every later step would turn the parameter into NaN")
        return cast

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {g}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def flatten_state_dict(state_dict, group_sizes=None):
    """An optimizer's ``state_dict()`` as one flat dict: ``"param_groups.<g>.<name>"`` and ``"state.<i>.<name>"``
    keys (the form ``load_state_dict`` checks entry by entry).  With ``group_sizes`` (parameters per group of the
    optimizer that loads it), the groups' ``"params"`` numbering must match it, as in PyTorch."""
    groups, state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g for g in groups):
        raise ValueError("optimizer state_dict: 'param_groups' must be a list of dicts, each with 'params'")
    if not isinstance(state, dict) or not all(isinstance(entries, dict) for entries in state.values()):
        raise ValueError("optimizer state_dict: 'state' must be a dict of parameter number -> dict")
    if group_sizes is not None:
        if len(groups) != len(group_sizes):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, but the optimizer has "
                             f"{len(group_sizes)}")
        if [len(g["params"]) for g in groups] != list(group_sizes):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
    flat = {}
    for g, group in enumerate(groups):
        flat.update({f"param_groups.{g}.{key}": value for key, value in group.items() if key != "params"})
    for index, entries in state.items():
        flat.update({f"state.{index}.{name}": value for name, value in entries.items()})
    return flat


def check_number(value, name, owner, minimum=None, below=None, label=None, maximum=None):
    """Return ``value`` if it is a finite real number with minimum <= value (< below, <= maximum); raise otherwise.

    TypeError for a non-number (bools included), ValueError for NaN, infinity or a value out of range.
    ``label`` is PyTorch's word for the setting ("learning rate"), so messages read as PyTorch's do:
    "SGD: Invalid learning rate: lr must be >= 0, got -1".
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    prefix = f"{owner}: Invalid {label}: " if label else f"{owner}: "
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond float range: no arithmetic with it would stay finite
        raise ValueError(f"{prefix}{name} must be a finite number, got an integer too large for a float") from None
    if not finite:
        raise ValueError(f"{prefix}{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{prefix}{name} must be >= {minimum}, got {value}")
    if below is not None and value >= below:
        raise ValueError(f"{prefix}{name} must be < {below}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{prefix}{name} must be <= {maximum}, got {value}")
    return value


# ---- checks for ``hyperparameter_checks``: each is check(value, name, owner) -> the value to keep ----

def real(at_least=None, below=None, label=None, at_most=None):
    """A finite real number in [at_least, below) or [at_least, at_most] (bounds optional); ``label`` as in
    ``check_number``."""
    def check(value, name, owner):
        return check_number(value, name, owner, minimum=at_least, below=below, label=label, maximum=at_most)
    return check


def flag():
    """A bool (numpy's bool too), kept as a Python bool: a string like 'False' is refused, not taken as True."""
    def check(value, name, owner):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
        return bool(value)
    return check


def pair(at_least=None, below=None, label=None):
    """Two finite reals, each in [at_least, below); kept as a tuple (Adam's betas).  ``label`` names one element."""
    def check(value, name, owner):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"{owner}: {name} must be a pair of numbers, got {value!r}")
        return tuple(check_number(item, f"{name}[{i}]", owner, minimum=at_least, below=below,
                                  label=f"{label} at index {i}" if label else None)
                     for i, item in enumerate(value))
    return check


LEARNING_RATE = real(at_least=0, label="learning rate")
WEIGHT_DECAY = real(at_least=0, label="weight_decay value")
EPSILON = real(at_least=0, label="epsilon value")
MAXIMIZE = flag()

# Entries LR schedulers write into a parameter group (the lr a schedule started from, OneCycleLR's
# bounds): accepted in any optimizer's groups and state_dict, and checked like its own settings.
SCHEDULE_KEYS = {
    "initial_lr": LEARNING_RATE, "max_lr": LEARNING_RATE, "min_lr": LEARNING_RATE,
    "max_momentum": real(at_least=0, label="momentum value"), "base_momentum": real(at_least=0, label="momentum value"),
}
