"""Every public function and class of tinynet's API has a docstring, and every op's docstring states its derivative."""

import importlib
import inspect
import pkgutil
import re

import pytest

import tinynet.ops
from tinynet.autograd.function import Function
from tinynet.autograd.trace import docstring_parts

PUBLIC_MODULES = ["tinynet", "tinynet.nn", "tinynet.nn.functional", "tinynet.nn.init", "tinynet.optim",
                  "tinynet.optim.lr_scheduler", "tinynet.kernels", "tinynet.data", "tinynet.utils.data",
                  "tinynet.viz"]


def _has_doc(obj):
    return bool((obj.__doc__ or "").strip())


def public_api():
    """(dotted name, object) for each public function, class and public method reachable from PUBLIC_MODULES."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        found[module_name] = module
        for attr in dir(module):
            obj = getattr(module, attr)
            if attr.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not getattr(obj, "__module__", "").startswith("tinynet"):
                continue  # re-exported numpy/stdlib names are not ours to document
            found[f"{module_name}.{attr}"] = obj
            if inspect.isclass(obj):
                for method_name, member in vars(obj).items():
                    if method_name.startswith("_"):
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    elif isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        found[f"{module_name}.{attr}.{method_name}"] = member
    return found


def op_classes():
    """Every Function subclass defined in a tinynet.ops module."""
    classes = {}
    for info in pkgutil.iter_modules(tinynet.ops.__path__):
        module = importlib.import_module(f"tinynet.ops.{info.name}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == module.__name__:
                classes[f"{module.__name__}.{name}"] = obj
    return classes


def test_the_walk_sees_the_whole_api():
    api = public_api()
    # Not vacuous: the walk reaches the core names of each layer of the package.
    for name in ("tinynet.Tensor", "tinynet.Tensor.backward", "tinynet.nn.Conv2d", "tinynet.nn.functional.relu",
                 "tinynet.optim.Adam", "tinynet.kernels.gemm", "tinynet.data.DataLoader", "tinynet.viz.draw_graph",
                 "tinynet.trace_backward"):
        assert name in api
    assert len(api) > 150


def test_every_public_function_class_and_method_has_a_docstring():
    missing = sorted(name for name, obj in public_api().items() if not _has_doc(obj))
    assert not missing, "no docstring: " + ", ".join(missing)


def test_every_op_states_its_derivative():
    classes = op_classes()
    assert len(classes) > 40 and "tinynet.ops.activations.Sigmoid" in classes
    unstated = []
    for name, op in classes.items():
        _, derivative = docstring_parts(op)
        # A derivative statement: "ds/dx = ...", "d/dx = ...", "Derivative: ...", "the gradient goes to ...".
        if not re.search(r"\bd[^\n]{0,14}?/\s?d|derivative|gradient", derivative, re.IGNORECASE):
            unstated.append(name)
    assert not unstated, "docstring states no derivative: " + ", ".join(unstated)


@pytest.mark.parametrize("op", ["Sigmoid", "Tanh", "ReLU"])
def test_derivative_is_the_formula_not_the_summary(op):
    summary, derivative = docstring_parts(getattr(tinynet.ops.activations, op))
    assert derivative != summary and derivative.startswith("d")
