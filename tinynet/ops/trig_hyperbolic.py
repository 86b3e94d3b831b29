"""Inverse trigonometric and hyperbolic functions, and the error function, elementwise.

Each is one line of a table-driven Function: numpy's function and its derivative, written in x and the output
y (so backward reuses what forward computed).  As in PyTorch, an integer or bool input becomes the default
float dtype, and outside an inverse function's domain the value is NaN (asin(2)) -- never an error.

    asin x   d/dx = 1 / sqrt(1 - x^2)        asinh x  d/dx = 1 / sqrt(x^2 + 1)
    acos x   d/dx = -1 / sqrt(1 - x^2)       acosh x  d/dx = 1 / sqrt(x^2 - 1)
    atan x   d/dx = 1 / (1 + x^2)            atanh x  d/dx = 1 / (1 - x^2)
    sinh x   d/dx = cosh x                   cosh x   d/dx = sinh x
    erf x    d/dx = 2 / sqrt(pi) e^(-x^2)
"""

import math

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.operands import float_input
from tinynet.ops.special import erfc_nonnegative

__all__ = ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf",
           "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"]


class Elementwise(Function):
    """y = f(x) elementwise; each subclass names f (``function``) and f' in x and y (``derivative``).

    dL/dx = dL/dy f'(x).
    """

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore", divide="ignore"):  # (outside the domain: NaN, as in PyTorch)
            y = ctx.function.function(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return grad * ctx.function.derivative(x, y)


def _erf(x):
    """erf x = sign(x) (1 - erfc |x|)."""
    return np.sign(x) * (1 - erfc_nonnegative(np.abs(x)))


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _elementwise(name, function, derivative):
    """A Function class for y = function(x) with dy/dx = derivative(x, y), and its public function."""
    op = type(name.capitalize(), (Elementwise,), {
        "function": staticmethod(function), "derivative": staticmethod(derivative),
        "__doc__": f"{name}, elementwise (its derivative is in this module's docstring).   d/dx: see the table."})

    def public(input):
        return op.apply(float_input(input))
    public.__name__ = name
    public.__doc__ = f"{name} of each element (see this module's docstring for its derivative)."
    return op, public


Asin, asin = _elementwise("asin", np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x))
Acos, acos = _elementwise("acos", np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x))
Atan, atan = _elementwise("atan", np.arctan, lambda x, y: 1 / (1 + x * x))
Sinh, sinh = _elementwise("sinh", np.sinh, lambda x, y: np.cosh(x))
Cosh, cosh = _elementwise("cosh", np.cosh, lambda x, y: np.sinh(x))
Asinh, asinh = _elementwise("asinh", np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1))
Acosh, acosh = _elementwise("acosh", np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1))
Atanh, atanh = _elementwise("atanh", np.arctanh, lambda x, y: 1 / (1 - x * x))
Erf, erf = _elementwise("erf", _erf, lambda x, y: _TWO_OVER_SQRT_PI * np.exp(-x * x))

arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
