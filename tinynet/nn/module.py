"""Module: the base class of every layer and every model.

A Module is a function with state.  Its state is of three kinds, each kept in
its own ordered dict so that models can be walked, saved and loaded by name:

- ``_parameters``: learnable Tensors (``Parameter``), trained by an optimizer;
- ``_buffers``: Tensors that are part of the model but not learned by
  gradient descent (e.g. BatchNorm's running mean, a fixed positional encoding);
- ``_modules``: child Modules, which gives a model its tree structure.

Assigning an attribute files it automatically (``self.fc = Linear(2, 3)``
registers a child, ``self.weight = Parameter(...)`` a parameter), which is
what ``__setattr__`` below is for.  Names follow PyTorch -- a child's
parameters are prefixed with the child's name and a dot ("0.weight",
"block.bn1.running_mean") -- so a ``state_dict`` can be moved between
tinynet and PyTorch with numpy alone.

Calling a module (``module(x)``) runs ``forward(x)`` and then every forward
hook, ``hook(module, inputs, output)``; because each child is itself called,
hooks fire for every module of a nested model -- visualisations use that.
"""

from collections import OrderedDict

import numpy as np

from tinynet.nn import backward_hooks
from tinynet.nn import state_dict as state
from tinynet.nn.hooks import RemovableHandle
from tinynet.nn.parameter import Parameter
from tinynet.ops.cast import to_arguments
from tinynet.tensor import Tensor

class Module:
    """Base class for layers and models: subclass it, create state in ``__init__``, compute in ``forward``.

    Example::

        class TwoLayer(Module):
            def __init__(self):
                super().__init__()
                self.hidden = Linear(784, 100)
                self.out = Linear(100, 10)

            def forward(self, x):
                return self.out(F.relu(self.hidden(x)))
    """

    def __init__(self):
        # object.__setattr__ because our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())

    # ---- computing --------------------------------------------------------

    def forward(self, *inputs):
        """Compute the module's output; every subclass must define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **kwargs):
        """Run pre-hooks, ``forward``, then forward hooks; a hook that returns a value replaces the output.
        With backward hooks, the inputs and outputs are watched for their gradients (backward_hooks.py)."""
        self._check_initialised()
        if not self._has_hooks():
            return self.forward(*inputs, **kwargs)  # (the usual call: no hooks to run)
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, inputs)
            if replaced is not None:
                inputs = replaced if isinstance(replaced, tuple) else (replaced,)
        watcher = None
        if self._backward_hooks or self._backward_pre_hooks:
            inputs, watcher = backward_hooks.watch(self, inputs)
        output = self.forward(*inputs, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, inputs, output)
            if replaced is not None:
                output = replaced
        return output if watcher is None else watcher.watch_outputs(output)

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with ``remove()``.

        ``inputs`` is the tuple of positional arguments the module was called
        with.  If the hook returns something other than None, that becomes
        the module's output.
        """
        if not callable(hook):
            raise TypeError(f"register_forward_hook expects a callable, got {type(hook).__name__}")
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, inputs)`` before every forward; returns a handle with ``remove()``.

        If the hook returns something other than None, that replaces the
        inputs (a tuple, or a single value).
        """
        if not callable(hook):
            raise TypeError(f"register_forward_pre_hook expects a callable, got {type(hook).__name__}")
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook):
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to the module's inputs
        are computed; a tuple it returns replaces grad_input (backward_hooks.py)."""
        return self._add_hook(self._backward_hooks, hook, "register_full_backward_hook")

    def register_full_backward_pre_hook(self, hook):
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's outputs are
        computed; a tuple it returns replaces grad_output."""
        return self._add_hook(self._backward_pre_hooks, hook, "register_full_backward_pre_hook")

    def _has_hooks(self):
        """Whether any forward or backward hook is registered on this module (not its children)."""
        return bool(self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks)

    def _add_hook(self, hooks, hook, owner):
        if not callable(hook):
            raise TypeError(f"{owner} expects a callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # ---- registering state ------------------------------------------------

    def _check_initialised(self):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before assigning attributes or calling it"
            )

    def __setattr__(self, name, value):
        """File Parameters, Modules and existing buffers in their dicts; everything else is a plain attribute."""
        if isinstance(value, (Parameter, Module)):
            self._check_initialised()
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}': expected a Parameter or None"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to child module '{name}': expected a Module or None")
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            self._buffers[name] = _as_buffer(value, name)
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Remove ``name`` from every registry and the instance dict (before re-registering it elsewhere)."""
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        # Only called when normal lookup fails, i.e. for registered state.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name, parameter):
        """Register a Parameter (or None, e.g. ``bias=False``) under ``name``."""
        self._check_initialised()
        _check_name(name)
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"register_parameter expects a Parameter or None, got {type(parameter).__name__}")
        self._forget(name)
        self._parameters[name] = parameter

    def register_buffer(self, name, tensor, persistent=True):
        """Register a Tensor (or None) that is model state but not a learned parameter.

        Persistent buffers appear in ``state_dict`` (BatchNorm's running
        statistics); non-persistent ones are scratch state that is not saved.
        """
        self._check_initialised()
        _check_name(name)
        self._forget(name)
        self._buffers[name] = _as_buffer(tensor, name)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register a child Module (or None) under ``name``; same as ``setattr(self, name, module)``."""
        self._check_initialised()
        _check_name(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module expects a Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    # ---- walking the tree -------------------------------------------------

    def register_module(self, name, module):
        """The same as ``add_module``."""
        self.add_module(name, module)

    def named_modules(self, prefix=""):
        """Yield ``(dotted_name, module)`` for this module (name ``prefix``) and every descendant, depth first."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(name + "." + child_name if name else child_name, child)
                        for child_name, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        """Yield this module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, child)`` for the direct children."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        """Yield the direct children."""
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix="", recurse=True):
        """Yield ``(dotted_name, parameter)``; a parameter shared by two modules is yielded once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, parameter in module._parameters.items():
                if parameter is None or id(parameter) in seen:
                    continue
                seen.add(id(parameter))
                yield (module_name + "." + name if module_name else name), parameter

    def parameters(self, recurse=True):
        """Yield every learnable Parameter (what you hand to an optimizer)."""
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix="", recurse=True):
        """Yield ``(dotted_name, tensor)`` for every buffer."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (module_name + "." + name if module_name else name), buffer

    def buffers(self, recurse=True):
        """Yield every buffer tensor."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def num_parameters(self):
        """Total number of learnable scalars."""
        return sum(parameter.numel() for parameter in self.parameters())

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant and then on self (e.g. custom initialisation); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ---------------------------------------------

    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) on self and all descendants."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``): deterministic layers, running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget accumulated gradients: set every parameter's ``.grad`` to None (or, with
        ``set_to_none=False``, fill it with zeros)."""
        for parameter in self.parameters():
            if set_to_none or parameter.grad is None:
                parameter.grad = None
            else:
                parameter.grad._array[...] = 0
                parameter.grad._bump_version()

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` of every parameter (``model.requires_grad_(False)`` freezes it); returns self."""
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def get_submodule(self, target):
        """The descendant at the dotted path ``target`` ("layer1.0.conv1"; "" is this module)."""
        module = self
        for name in target.split(".") if target else []:
            if name not in module._modules or module._modules[name] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{name}` (looking for '{target}')")
            module = module._modules[name]
        return module

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` ("layer1.0.conv1.weight")."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}` (looking for '{target}')")
        return module._parameters[name]

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """Convert every parameter and floating-point buffer to ``dtype`` (float32 or float64), in place; returns self.

        Called as PyTorch's is: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``.
        The device can only be the CPU ("cuda" is a RuntimeError: tinynet runs on the CPU).
        """
        _, dtype = to_arguments(args, dtype, device, "Module.to")
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating-point dtypes (float32, float64), got {dtype}")
        for module in self.modules():
            for parameter in module._parameters.values():
                if parameter is not None and parameter.dtype != dtype:
                    parameter.data = parameter._array.astype(dtype)
                    parameter.grad = None
            for name, buffer in module._buffers.items():
                if buffer is not None and buffer.dtype.kind == "f" and buffer.dtype != dtype:
                    module._buffers[name] = Tensor._from_array(buffer._array.astype(dtype),
                                                               requires_grad=buffer.requires_grad)
        return self

    def cpu(self):
        """The model on the CPU: itself (tinynet has no other device); returns self."""
        return self

    def cuda(self, device=None):
        """Not available: tinynet runs on the CPU only (a RuntimeError that says so)."""
        return self.to("cuda")

    def double(self):
        """Convert parameters and floating buffers to float64 (what gradient checks need); returns self."""
        return self.to(np.float64)

    def float(self):
        """Convert parameters and floating buffers to float32; returns self."""
        return self.to(np.float32)

    def type(self, dst_type):
        """Convert parameters and floating buffers to ``dst_type`` (float32 or float64); returns self."""
        return self.to(dst_type)

    def half(self):
        """Not available: tinynet has no 16-bit floats (a TypeError that says so)."""
        raise TypeError("tinynet has no 16-bit floats (float16, bfloat16): models train in float32 or float64")

    bfloat16 = half

    # ---- saving and loading -----------------------------------------------

    def state_dict(self):
        """An ordered dict ``name -> numpy array`` of every parameter and persistent buffer (copies: a snapshot)."""
        return state.collect(self)

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into this model's parameters and buffers, in place.

        Values may be numpy arrays or anything ``np.asarray`` accepts; each is
        cast to the dtype of the array it replaces, and shapes must match.
        With ``strict`` (the default) missing and unexpected keys are errors
        too; otherwise they are returned as ``(missing_keys, unexpected_keys)``.
        On any error nothing is changed (see ``nn/state_dict.py``).
        """
        return state.load(self, state_dict, strict)

    # ---- printing ----------------------------------------------------------

    def extra_repr(self):
        """The text inside the parentheses of this module's repr, e.g. ``in_features=2, out_features=3``."""
        return ""

    def __repr__(self):
        """PyTorch-style: ``Name(extra)`` for a leaf, one indented ``(child): ...`` line per child otherwise."""
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not self._modules:
            return f"{type(self).__name__}({', '.join(lines)})" if len(lines) <= 1 else (
                f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)")
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"attribute names must be strings, got {type(name).__name__}")
    if name == "" or "." in name:
        raise ValueError(f"names of parameters, buffers and modules must be non-empty and contain no '.', got {name!r}")


def _as_buffer(value, name):
    """Buffers are Tensors (or None), kept as given, as in PyTorch: the module sees later in-place changes.

    A numpy array is wrapped in a Tensor sharing its memory (tinynet's own layers register their
    statistics that way).
    """
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):  # arithmetic on a 0-d array gives a numpy scalar
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
    return Tensor._from_array(value, requires_grad=False)
