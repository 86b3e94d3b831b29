"""Containers: Sequential (a pipeline of modules), ModuleList (a list of modules), ModuleDict (a dict of them).

Sequential and ModuleList register their members as children named "0", "1",
..., so a Sequential's parameters are called "0.weight", "0.bias",
"2.weight", ..., exactly as in PyTorch; a ModuleDict names them by its keys.
(Lists and dicts of Parameters are in ``parameter_containers.py``.)
"""

from collections import OrderedDict

from tinynet.nn.linear import Linear
from tinynet.nn.module import Module


def _check_module(value, container):
    if not isinstance(value, Module):
        raise TypeError(f"{container} holds Modules, got {type(value).__name__}")
    return value


def check_free_key(container, key):
    """A dict container's key must not be the name of one of its own attributes (``training``, ``keys``...)."""
    if isinstance(key, str) and (hasattr(type(container), key) or key in container.__dict__):
        raise KeyError(f"attribute '{key}' already exists: {type(container).__name__} keys cannot be the names of "
                       "its own attributes or methods")


class _IndexedModules(Module):
    """Shared indexing for containers whose children are named by position."""

    def _index(self, index):
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(index).__name__}")
        n = len(self._modules)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of length {n}")
        return index % n

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules):
        """Replace the children by ``modules`` named "0", "1", ..."""
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def _insert(self, index, module):
        """Put ``module`` before position ``index`` (``len(self)``: at the end), renumbering the rest."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{type(self).__name__}.insert: index must be an int, got {type(index).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        members = list(self._modules.values())
        members.insert(index, _check_module(module, type(self).__name__))  # (-1: before the last, as list.insert)
        self._renumber(members)
        return self

    def pop(self, index):
        """Remove the child(ren) at ``index`` (an int or a slice) and return it (them, as a container)."""
        removed = self[index]
        del self[index]
        return removed

    def __add__(self, other):
        """A new container of this one's modules followed by ``other``'s (the modules are shared, not copied)."""
        if not isinstance(other, type(self)):
            raise ValueError(f"add operator supports only objects of {type(self).__name__} class, but "
                             f"{type(other)} is given.")
        return self._joined(list(self) + list(other))


class Sequential(_IndexedModules):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Also accepts a dict (e.g. OrderedDict) ``name -> module`` to choose the children's
    names.  Indexable (``model[0]``, ``model[-1]``, ``model[1:]`` gives a new
    Sequential sharing the same layers), ``len(model)``, iterable.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def forward(self, x):
        """Feed ``x`` through each module in order.

        A Linear followed by a ReLU runs as one op (``LinearReLU``) when fused kernels are on: the same
        numbers, one node in the graph instead of two (``Linear.fuses_with`` says when).
        """
        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            module = modules[i]
            if type(module) is Linear and i + 1 < len(modules) and module.fuses_with(modules[i + 1]):
                x = module.forward_with_relu(x)
                i += 2
            else:
                x = module(x)
                i += 1
        return x

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index, module):
        """Replace the child at ``index`` (it keeps its name): ``model.classifier[6] = nn.Linear(4096, 10)``."""
        self._modules[list(self._modules)[self._index(index)]] = _check_module(module, "Sequential")

    def __delitem__(self, index):
        """Remove the child(ren) at ``index`` (an int or a slice); the rest are numbered again from "0"."""
        names = list(self._modules)
        for name in (names[index] if isinstance(index, slice) else [names[self._index(index)]]):
            del self._modules[name]
        self._renumber(list(self._modules.values()))

    def append(self, module):
        """Add a module at the end (named by its position); returns self."""
        self.add_module(str(len(self)), _check_module(module, "Sequential"))
        return self

    def extend(self, modules):
        """Append each module of an iterable (another Sequential, a list); returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert a module before position ``index``; the children are numbered again from "0"; returns self."""
        return self._insert(index, module)

    @staticmethod
    def _joined(modules):
        return Sequential(*modules)


class ModuleList(_IndexedModules):
    """A Python list of Modules whose parameters the parent model can see.

    A plain ``list`` attribute would hide its modules from ``parameters()``
    and ``state_dict()``; a ModuleList registers them.  It has no forward:
    the parent decides how to use its members.
    """

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(self._index(index))]

    def __setitem__(self, index, module):
        self._modules[str(self._index(index))] = _check_module(module, "ModuleList")

    def __delitem__(self, index):
        members = list(self._modules.values())
        if isinstance(index, slice):
            del members[index]
        else:
            del members[self._index(index)]
        self._renumber(members)

    def append(self, module):
        """Add a module at the end; returns self."""
        self.add_module(str(len(self)), _check_module(module, "ModuleList"))
        return self

    def extend(self, modules):
        """Append each module of an iterable; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert a module before position ``index`` (renumbering the rest)."""
        self._insert(index, module)

    @staticmethod
    def _joined(modules):
        return ModuleList(modules)

    def __repr__(self):
        """PyTorch's form: a run of members that print alike is one line, ``(1-3): 3 x Linear(...)``."""
        if not self._modules:
            return "ModuleList()"
        runs = []  # [first index, last index, text] of each run of equal reprs
        for i, module in enumerate(self._modules.values()):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [f"({first}): {text}" if first == last else f"({first}-{last}): {last - first + 1} x {text}"
                 for first, last, text in runs]
        return "ModuleList(\n  " + "\n  ".join(line.replace("\n", "\n  ") for line in lines) + "\n)"

    def forward(self, *inputs):
        """ModuleList is a container, not a layer: iterate over it in the parent's forward."""
        raise NotImplementedError("ModuleList has no forward(); iterate over it in the parent module's forward")


class ModuleDict(Module):
    """A Python dict of Modules (string keys, insertion order) whose parameters the parent model can see.

    ``ModuleDict({"conv": Conv2d(1, 8, 3), "act": ReLU()})``; index it like a dict (``layers["conv"]``),
    iterate over its keys, ``keys() items() values() update() pop() clear()``.  It has no forward.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key, module):
        check_free_key(self, key)
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self):
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules):
        """Add (or replace) entries from a mapping or an iterable of (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for entry in pairs:
            if not isinstance(entry, (tuple, list)) or len(entry) != 2:
                raise TypeError(f"ModuleDict.update expects a mapping or (key, module) pairs, got element {entry!r}")
            self[entry[0]] = entry[1]

    def pop(self, key):
        """Remove the entry ``key`` and return its module."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        """Remove every entry."""
        self._modules.clear()

    def forward(self, *inputs):
        """ModuleDict is a container, not a layer: pick its members in the parent's forward."""
        raise NotImplementedError("ModuleDict has no forward(); use its members in the parent module's forward")
