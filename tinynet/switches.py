"""Calls PyTorch scripts make for speed or reproducibility that have nothing to change in tinynet.

``torch.compile(model)`` returns a compiled model that computes the same numbers; tinynet has no
compiler, so it returns the model (or function) itself -- same numbers, no speed-up.
``torch.use_deterministic_algorithms(True)`` asks for repeatable results; tinynet's kernels are
deterministic already (with a fixed seed a run repeats bit for bit; see docs/determinism.md).
"""

__all__ = ["compile", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled"]

_deterministic = {"mode": False}


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """``model`` itself (tinynet does not compile); used as ``@tinynet.compile`` or ``@tinynet.compile(...)``
    too."""
    if model is None:
        return lambda function: function
    if not callable(model):
        raise RuntimeError(f"compile expects a Module or a function, got {type(model).__name__}")
    return model


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record the request; tinynet's results are deterministic either way."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, got {type(mode).__name__}")
    _deterministic["mode"] = mode


def are_deterministic_algorithms_enabled():
    """What ``use_deterministic_algorithms`` was last given (False at first, as in PyTorch)."""
    return _deterministic["mode"]
