"""Piecewise elementwise functions: rounding (floor, ceil, round, trunc, frac), sign, one-sided clamps, nan/inf tests.

Rounding and sign are step functions: flat between their jumps, so their
gradient is 0 -- PyTorch records them in the graph all the same, and so
does tinynet.  Rounding an integer tensor gives it back unchanged (it is
already whole); bool tensors are refused (NotImplementedError), as PyTorch refuses them.
clamp_min and clamp_max are clamp with one bound, or a ``where`` when the
bound is a tensor.  isnan/isinf/isfinite answer with bool tensors and record
nothing.
"""

import numbers

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops import compare, elementwise
from tinynet.ops.operands import as_tensor, float_input
from tinynet.tensor import Tensor

__all__ = ["floor", "ceil", "round", "trunc", "fix", "frac", "sign", "isnan", "isinf", "isfinite",
           "clamp_min", "clamp_max"]


# ---- rounding and sign: step functions ------------------------------------------------------------------

class Step(Function):
    """A piecewise-constant function applied elementwise (each subclass names its numpy function).

    d/dx = 0: the function is flat between its jumps, and PyTorch passes 0 at the jumps too.
    """

    @staticmethod
    def forward(ctx, x):
        return ctx.function.numpy_function(x)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Floor(Step):
    """floor x, the largest whole number <= x.   d/dx = 0 (a step function)."""
    numpy_function = staticmethod(np.floor)


class Ceil(Step):
    """ceil x, the smallest whole number >= x.   d/dx = 0 (a step function)."""
    numpy_function = staticmethod(np.ceil)


class Trunc(Step):
    """x rounded toward zero.   d/dx = 0 (a step function)."""
    numpy_function = staticmethod(np.trunc)


class Round(Step):
    """x rounded to the nearest whole number, halves to even.   d/dx = 0 (a step function)."""
    numpy_function = staticmethod(np.rint)


class Sign(Step):
    """-1, 0 or 1 by the sign of x, and 0 for NaN (as in PyTorch).   d/dx = 0 (a step function)."""

    @staticmethod
    def numpy_function(x):
        return np.where(np.isnan(x), 0, np.sign(x))


def _step(input, step, name):
    """Apply a Step; an integer tensor is already whole, so it comes back unchanged (as a copy)."""
    input = as_tensor(input)
    if input.dtype.kind == "b":
        raise NotImplementedError(f"{name} is not implemented for bool tensors (as in PyTorch)")
    if input.dtype.kind in "iu":
        return Tensor._from_array(input._array.copy(), False)
    return step.apply(input)


def floor(input):
    """The largest whole number <= input, elementwise (gradient 0)."""
    return _step(input, Floor, "floor")


def ceil(input):
    """The smallest whole number >= input, elementwise (gradient 0)."""
    return _step(input, Ceil, "ceil")


def trunc(input):
    """input rounded toward zero, elementwise (gradient 0)."""
    return _step(input, Trunc, "trunc")


fix = trunc


def round(input, *, decimals=0):
    """input rounded to the nearest whole number, halves to even (0.5 -> 0, 1.5 -> 2), or to ``decimals`` places.

    Gradient 0.  With ``decimals``, input * 10^decimals is rounded and scaled back, as PyTorch does.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r}")
    if decimals == 0:
        return _step(input, Round, "round")
    input = as_tensor(input)
    if input.dtype.kind != "f":
        raise NotImplementedError(f"round with decimals is not implemented for {input.dtype} tensors (as in PyTorch)")
    scale = 10.0 ** abs(decimals)
    if decimals > 0:
        return elementwise.div(Round.apply(elementwise.mul(input, scale)), scale)
    return elementwise.mul(Round.apply(elementwise.div(input, scale)), scale)


def sign(input):
    """-1, 0 or 1 by the sign of input (0 for NaN, as in PyTorch; gradient 0); a bool tensor stays as it is."""
    input = as_tensor(input)
    if input.dtype.kind in "iub":
        return Tensor._from_array(input._array.copy() if input.dtype.kind == "b" else np.sign(input._array), False)
    return Sign.apply(input)


def frac(input):
    """The fractional part, input - trunc(input), with input's sign (gradient 1)."""
    input = as_tensor(input)
    if input.dtype.kind != "f":
        raise NotImplementedError(f"frac is not implemented for {input.dtype} tensors (as in PyTorch)")
    return elementwise.sub(input, trunc(input))


# ---- tests for special values: bool results, no graph ------------------------------------------------------

def isnan(input):
    """True where input is NaN (a bool tensor)."""
    array = as_tensor(input)._array
    return Tensor._from_array(np.isnan(array) if array.dtype.kind == "f" else np.zeros(array.shape, bool), False)


def isinf(input):
    """True where input is +inf or -inf (a bool tensor)."""
    array = as_tensor(input)._array
    return Tensor._from_array(np.isinf(array) if array.dtype.kind == "f" else np.zeros(array.shape, bool), False)


def isfinite(input):
    """True where input is neither NaN nor infinite (a bool tensor)."""
    array = as_tensor(input)._array
    return Tensor._from_array(np.isfinite(array) if array.dtype.kind == "f" else np.ones(array.shape, bool), False)


# ---- one-sided clamps: compositions ---------------------------------------------------------------

def clamp_min(input, min):
    """max(input, min) elementwise; ``min`` is a number or a tensor (broadcast).

    With a tensor bound the gradient goes to input where input >= min and to ``min`` elsewhere, as in PyTorch;
    a NaN on either side gives NaN.
    """
    input = as_tensor(input)
    if isinstance(min, Tensor):
        return elementwise.where(compare.ge(input, min)._array | np.isnan(input._array), input, min)
    if input.dtype.kind in "iu" and isinstance(min, float):
        input = float_input(input)
    return elementwise.clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max) elementwise; ``max`` is a number or a tensor (broadcast).

    With a tensor bound the gradient goes to input where input <= max and to ``max`` elsewhere, as in PyTorch;
    a NaN on either side gives NaN.
    """
    input = as_tensor(input)
    if isinstance(max, Tensor):
        return elementwise.where(compare.le(input, max)._array | np.isnan(input._array), input, max)
    if input.dtype.kind in "iu" and isinstance(max, float):
        input = float_input(input)
    return elementwise.clamp(input, max=max)
