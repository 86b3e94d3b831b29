"""Division that rounds: div(rounding_mode="floor" | "trunc"), floor_divide (``a // b``), remainder (``a % b``), fmod.

As in Python and PyTorch, ``a // b`` is floor(a / b) and ``a % b`` = a - (a // b) b takes the sign of b;
``fmod`` rounds toward zero instead, so its remainder takes the sign of a.  Integer operands give integers
(an integer division by zero is an error, as in PyTorch); floats follow IEEE (x // 0 is +-inf or NaN).

A rounded quotient is a step function of a and b, so its gradient is 0 (PyTorch passes 0 too).  For the
remainder r = a - q b with q = floor(a / b) (or trunc for fmod), held constant between its jumps:
dr/da = 1, dr/db = -q.  Plain true division ``a / b`` is ``elementwise.div``.
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops import elementwise
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.out import into
from tinynet.ops.promotion import promote
from tinynet.tensor import Tensor

__all__ = ["div", "divide", "floor_divide", "remainder", "fmod"]

ROUNDING_MODES = (None, "trunc", "floor")


def _check_divisor(a, b):
    """An integer division by zero has no answer (floats give inf or NaN instead)."""
    dtype = a.dtype if isinstance(a, np.ndarray) else np.asarray(b).dtype  # (an array has the common dtype)
    if dtype.kind in "iu" and np.any(np.asarray(b) == 0) and np.broadcast(a, b).size:
        raise RuntimeError("ZeroDivisionError: integer division (or remainder) by zero")


def rounded_quotient(a, b, mode):
    """floor(a / b) or trunc(a / b) elementwise, in the dtype of a and b (numpy arrays or numbers)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            return np.floor_divide(a, b)
        if np.result_type(a, b).kind == "f":
            return np.trunc(np.true_divide(a, b))
        quotient = np.floor_divide(a, b)  # integers: floor and trunc differ where a / b is negative and inexact
        return quotient + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))


class RoundedDiv(Function):
    """floor(a / b) or trunc(a / b).   A step function: d/da = d/db = 0 (flat between the jumps).

    As in PyTorch, ``div(rounding_mode=...)`` passes that 0 back, while ``floor_divide`` (``//``) has no
    derivative: a backward through it is an error.
    """

    @staticmethod
    def forward(ctx, a, b, mode="floor", differentiable=True):
        _check_divisor(a, b)
        ctx.differentiable = differentiable
        return rounded_quotient(a, b, mode)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.differentiable:
            raise RuntimeError("the derivative for floor_divide (//) is not implemented, as in PyTorch; "
                               "div(a, b, rounding_mode='floor') gives the same values with a zero gradient")
        return tuple(np.zeros(ctx.parents[i].shape, grad.dtype) if need else None
                     for i, need in enumerate(ctx.needs_input_grad))


class Remainder(Function):
    """a - q b with q = floor(a / b) (mode "floor", the sign of b) or trunc(a / b) ("trunc", the sign of a).

    dr/da = 1,  dr/db = -q  (q is constant between its jumps).
    """

    @staticmethod
    def forward(ctx, a, b, mode="floor"):
        _check_divisor(a, b)
        ctx.save_for_backward(a, b)
        ctx.mode = mode
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b) if mode == "floor" else np.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad, ctx.parents[0]._array.shape) if need_a else None,
                sum_to_shape(-grad * rounded_quotient(a, b, ctx.mode), ctx.parents[1]._array.shape) if need_b else None)


def _operands(input, other, owner):
    """input and other promoted to their common dtype (PyTorch's rules); bool tensors are refused, as there."""
    input, other = promote(input, other)
    tensor = input if isinstance(input, Tensor) else other
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{owner} needs at least one Tensor, got {type(input).__name__} and {type(other).__name__}")
    if tensor._array.dtype.kind == "b":
        raise NotImplementedError(f"{owner} is not implemented for bool tensors; convert them with .long() first")
    return input, other


def div(input, other, *, rounding_mode=None, out=None):
    """input / other: true division (None), or rounded toward -inf ("floor") or toward zero ("trunc")."""
    if rounding_mode is None:
        result = elementwise.div(input, other)
        return result if out is None else into(out, result, "div")
    if rounding_mode not in ROUNDING_MODES:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"{rounding_mode!r}")
    return into(out, RoundedDiv.apply(*_operands(input, other, "div"), mode=rounding_mode), "div")


divide = div


def floor_divide(input, other):
    """input // other: the quotient rounded toward -inf (integers stay integers)."""
    return RoundedDiv.apply(*_operands(input, other, "floor_divide"), mode="floor", differentiable=False)


def remainder(input, other):
    """input % other = input - floor(input / other) other: Python's modulus, with the sign of other."""
    return Remainder.apply(*_operands(input, other, "remainder"), mode="floor")


def fmod(input, other):
    """C's fmod: input - trunc(input / other) other, with the sign of input."""
    return Remainder.apply(*_operands(input, other, "fmod"), mode="trunc")
