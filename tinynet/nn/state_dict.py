"""Saving and restoring a model's state: ``state_dict()`` and ``load_state_dict()``.

A state_dict maps dotted names to tensors -- every parameter and every
persistent buffer, named as in PyTorch ("0.weight", "block.bn1.running_mean"),
so weights move between tinynet and PyTorch with numpy alone.  As in PyTorch the
tensors are detached and share memory with the model (``copy.deepcopy`` or
``{k: v.clone() ...}`` keeps a snapshot).  Loading checks
every value before it changes anything: a failing load leaves the model as it was.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from tinynet.tensor import Tensor

class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the model's keys the state_dict lacked, and its keys the model lacks.

    Printed as PyTorch prints it, so a notebook cell ending in ``model.load_state_dict(...)`` shows the same line.
    """

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


class StateDictError(ValueError, RuntimeError):
    """A state_dict ``load_state_dict`` will not take, with every reason.  A ValueError, as tinynet reports bad
    values, and a RuntimeError, which is what PyTorch raises, so code written for either catches it."""


def collect(model):
    """An ordered dict ``name -> Tensor`` of every parameter and persistent buffer of ``model``.

    Each tensor is detached (no gradient) and shares memory with the model, as PyTorch's do: later
    training changes a state_dict already taken, so a snapshot needs ``copy.deepcopy``.
    """
    state = OrderedDict()
    for module_name, module in model.named_modules():
        prefix = module_name + "." if module_name else ""
        for name, parameter in module._parameters.items():
            if parameter is not None:
                state[prefix + name] = Tensor._from_array(parameter._array, requires_grad=False)
        for name, buffer in module._buffers.items():
            if buffer is not None and name not in module._non_persistent_buffers:
                state[prefix + name] = Tensor._from_array(buffer._array, requires_grad=False)
    return state


def _integer_problem(key, value, dtype):
    """Why ``value`` cannot be stored in an integer array of ``dtype`` without changing it, or None.

    A cast would silently truncate 2.5 to 2 and wrap 1e20 to -9223372036854775808.
    """
    if value.size == 0 or value.dtype.kind == "b":
        return None
    if value.dtype.kind == "f" and not np.all(np.mod(value, 1) == 0):
        return f"'{key}' holds fractional values, but the model's '{key}' is {dtype}"
    info = np.iinfo(dtype)
    # (compared as Python numbers: a float64 comparison against int64's max would round it)
    low, high = value.min().item(), value.max().item()
    if low < info.min or high > info.max:
        return f"'{key}' holds values from {low} to {high}, outside the range of the model's {dtype} '{key}'"
    return None


def load(model, state_dict, strict=True):
    """Copy arrays from ``state_dict`` into ``model``'s parameters and buffers, in place (see Module.load_state_dict).

    Values may be numpy arrays or anything ``np.asarray`` accepts (a
    Tensor, PyTorch's ``tensor.numpy()``); each is cast to the
    dtype of the array it replaces.  Shapes must match exactly.  With
    ``strict``, keys missing from ``state_dict`` and keys the model does not
    have are errors too; otherwise they are returned as ``(missing_keys,
    unexpected_keys)``.  On any error nothing is changed.  Parameters are
    updated in place, so an optimizer built on ``model.parameters()`` keeps working.
    """
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
        raise TypeError(f"load_state_dict expects a dict of name -> array, got {type(state_dict).__name__}")
    targets = OrderedDict()  # name -> (module, registry, local name)
    for module_name, module in model.named_modules():
        prefix = module_name + "." if module_name else ""
        for name, parameter in module._parameters.items():
            if parameter is not None:
                targets[prefix + name] = (module, "parameter", name)
        for name, buffer in module._buffers.items():
            if buffer is not None and name not in module._non_persistent_buffers:
                targets[prefix + name] = (module, "buffer", name)

    missing = [key for key in targets if key not in state_dict]
    unexpected = [key for key in state_dict.keys() if key not in targets]
    problems = []
    converted = {}
    for key, (module, kind, name) in targets.items():
        if key not in state_dict:
            continue
        current = (module._parameters[name] if kind == "parameter" else module._buffers[name])._array
        value = state_dict[key]
        value = value._array if isinstance(value, Tensor) else value
        try:
            value = np.asarray(value)
        except Exception as error:  # e.g. a torch tensor that requires grad
            problems.append(f"'{key}' could not be converted to a numpy array ({error})")
            continue
        if value.dtype == object:
            problems.append(f"'{key}' has dtype object; expected a numeric array")
        elif value.dtype.kind not in "biuf":  # strings, bytes, complex: casting would garble or drop data
            problems.append(f"'{key}' has dtype {value.dtype}; expected real numbers for the model's "
                            f"{current.dtype} array")
        elif current.dtype.kind in "iu" and (problem := _integer_problem(key, value, current.dtype)):
            problems.append(problem)
        elif value.shape != current.shape:
            problems.append(f"'{key}' has shape {value.shape} in the state_dict but {current.shape} in the model")
        else:
            converted[key] = value
    if strict:
        if unexpected:
            problems.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{key}"' for key in unexpected) + ".")
        if missing:
            problems.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{key}"' for key in missing) + ".")
    if problems:
        # PyTorch's message layout, one tab-indented line per problem (a StateDictError: PyTorch's RuntimeError,
        # and the ValueError tinynet raised before).
        raise StateDictError(f"Error(s) in loading state_dict for {type(model).__name__}:\n\t" + "\n\t".join(problems))

    for key, value in converted.items():
        module, kind, name = targets[key]
        target = module._parameters[name] if kind == "parameter" else module._buffers[name]
        if not target._array.flags.writeable:  # (a buffer registered as a broadcast view: give it its own memory)
            target._array = target._array.copy()
        target._array[...] = value.astype(target.dtype, copy=False)
        target._bump_version()
    return IncompatibleKeys(missing, unexpected)
