"""ParameterList and ParameterDict: a list or dict of Parameters that the owning Module registers.

A plain Python list of Parameters would hide them from ``parameters()``, the
optimizer and ``state_dict()``; these containers register each one, named
"0", "1", ... (ParameterList) or by its key (ParameterDict), as in PyTorch.
A Tensor that is not yet a Parameter is made into one when it is added.
"""

from tinynet.nn.containers import check_free_key
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.tensor import Tensor


def _as_parameter(value, container):
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{container} holds Parameters (or Tensors, which become Parameters), "
                    f"got {type(value).__name__}")


def _describe(parameter):
    """PyTorch's one-line summary, e.g. "Parameter containing: [tinynet.float32 of size 3x4]"."""
    return f"Parameter containing: [tinynet.{parameter._array.dtype} of size {'x'.join(map(str, parameter.shape))}]"


class ParameterList(Module):
    """A list of Parameters: ``ParameterList([Parameter(...), ...])``, indexable, iterable, ``append``, ``extend``."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, index):
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"ParameterList indices must be integers or slices, got {type(index).__name__}")
        n = len(self._parameters)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for ParameterList of length {n}")
        return index % n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[str(self._index(index))]

    def __setitem__(self, index, value):
        self.register_parameter(str(self._index(index)), _as_parameter(value, "ParameterList"))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        """Add a Parameter at the end; returns self."""
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values):
        """Append each Parameter of an iterable; returns self."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        """One line per Parameter: its index, dtype and size (indented by 4 in all, as PyTorch prints it)."""
        return "\n".join(f"  ({name}): {_describe(p)}" for name, p in self._parameters.items())

    def forward(self, *inputs):
        """ParameterList is a container, not a layer."""
        raise NotImplementedError("ParameterList has no forward(); use its members in the parent module's forward")


class ParameterDict(Module):
    """A dict of Parameters (string keys, insertion order): ``ParameterDict({"scale": Parameter(...)})``."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._parameters:
            raise KeyError(key)
        return self._parameters[key]

    def __setitem__(self, key, value):
        check_free_key(self, key)
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        """The keys, in insertion order."""
        return self._parameters.keys()

    def items(self):
        """(key, Parameter) pairs, in insertion order."""
        return self._parameters.items()

    def values(self):
        """The Parameters, in insertion order."""
        return self._parameters.values()

    def get(self, key, default=None):
        """The Parameter under ``key``, or ``default``."""
        return self._parameters.get(key, default)

    def update(self, parameters):
        """Add (or replace) entries from a mapping or an iterable of (key, Parameter) pairs."""
        pairs = parameters.items() if hasattr(parameters, "items") else parameters
        for entry in pairs:
            if not isinstance(entry, (tuple, list)) or len(entry) != 2:
                raise TypeError(f"ParameterDict.update expects a mapping or (key, Parameter) pairs, "
                                f"got element {entry!r}")
            self[entry[0]] = entry[1]

    def pop(self, key):
        """Remove the entry ``key`` and return its Parameter."""
        value = self[key]
        del self[key]
        return value

    def clear(self):
        """Remove every entry."""
        self._parameters.clear()

    def extra_repr(self):
        """One line per Parameter: its key, dtype and size."""
        return "\n".join(f"({name}): {_describe(p)}" for name, p in self._parameters.items())

    def forward(self, *inputs):
        """ParameterDict is a container, not a layer."""
        raise NotImplementedError("ParameterDict has no forward(); use its members in the parent module's forward")
