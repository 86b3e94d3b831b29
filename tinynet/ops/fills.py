"""Filling a tensor with random numbers in place: ``w.data.normal_(0, 0.02)``, ``b.data.uniform_(-k, k)``.

Learners' initialisation code (DCGAN's ``weights_init``, older tutorials) writes random values
straight into a layer's tensors this way.  The numbers come from tinynet's generator, so
``tinynet.manual_seed`` makes them reproducible.  As with every in-place change, a leaf that
requires grad may only be filled under ``no_grad`` (or through ``.data``); a filled tensor takes
no part in a gradient, so filling one that is part of a graph is refused too.
"""

from tinynet import checks
from tinynet.ops.inplace import _recording
from tinynet.random import default_generator
from tinynet.tensor import Tensor

__all__ = []  # Tensor methods only, as in PyTorch


def _fill(tensor, values, owner):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{owner} expects a Tensor, got {type(tensor).__name__}")
    if tensor._array.dtype.kind != "f":
        raise TypeError(f"{owner} fills floating-point tensors, got dtype {tensor.dtype}")
    if _recording(tensor, ()):
        raise RuntimeError(f"{owner} on a tensor that is part of a graph: its gradient would be lost; fill a "
                           "leaf under tinynet.no_grad() or through .data")
    tensor._array[...] = values(tensor.shape)
    tensor._bump_version()
    return tensor


def normal_(input, mean=0.0, std=1.0):
    """Fill ``input`` with samples from N(mean, std^2), in place."""
    mean = checks.real_number(mean, "mean", "normal_")
    std = checks.real_number(std, "std", "normal_")
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    return _fill(input, lambda shape: default_generator().normal(mean, std, size=shape), "normal_")


def uniform_(input, a=0.0, b=1.0):
    """Fill ``input`` with samples from U(a, b) (PyTorch's ``from`` and ``to``), in place."""
    a = checks.real_number(a, "from", "uniform_")
    b = checks.real_number(b, "to", "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(input, lambda shape: default_generator().uniform(a, b, size=shape), "uniform_")
