"""Smooth elementwise math beyond + - * /: powers, trigonometry, exponentials and logarithms in other bases, blends.

Each op that needs a derivative of its own is a small Function whose
docstring states it; the ones that are a line of existing ops (square,
lerp, addcmul, addcdiv) are compositions, and their gradients follow from
the ops they are made of.  As in PyTorch, an integer or bool input becomes
the default dtype (sin of an int64 tensor is a float32 tensor).  Rounding, sign,
one-sided clamps and nan/inf tests are in ``piecewise.py``.
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops import elementwise
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.operands import as_tensor, float_input, operand, quiet_at_domain_edges
from tinynet.ops.promotion import cast_to_common
from tinynet.tensor import Tensor

__all__ = ["square", "rsqrt", "reciprocal", "sin", "cos", "tan", "atan2", "arctan2", "log2", "log10", "log1p",
           "expm1", "exp2", "lerp", "addcmul", "addcdiv"]

# ---- powers and reciprocals ---------------------------------------------------------------------

def square(input):
    """input * input (an integer or bool tensor gives an int64 square, as in PyTorch)."""
    input = as_tensor(input)
    if input.dtype == np.bool_:
        input = Tensor._from_array(input._array.astype(np.int64), False)
    return elementwise.mul(input, input)


class Rsqrt(Function):
    """1 / sqrt(x).   d/dx x^(-1/2) = -x^(-3/2) / 2 = -out^3 / 2."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (-0.5 * out * out * out)


def rsqrt(input):
    """1 / sqrt(input), elementwise."""
    return Rsqrt.apply(float_input(input))


class Reciprocal(Function):
    """1 / x.   d(1/x)/dx = -1/x^2 = -out^2."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        out = 1 / x
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * -(out * out)


def reciprocal(input):
    """1 / input, elementwise."""
    return Reciprocal.apply(float_input(input))


# ---- trigonometry ---------------------------------------------------------------------------------

class Sin(Function):
    """sin x.   d sin(x)/dx = cos x."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


def sin(input):
    """Sine (radians)."""
    return Sin.apply(float_input(input))


class Cos(Function):
    """cos x.   d cos(x)/dx = -sin x."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -np.sin(x)


def cos(input):
    """Cosine (radians)."""
    return Cos.apply(float_input(input))


class Tan(Function):
    """tan x.   d tan(x)/dx = 1 / cos^2 x = 1 + tan^2 x = 1 + out^2."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


def tan(input):
    """Tangent (radians)."""
    return Tan.apply(float_input(input))


class Atan2(Function):
    """atan2(y, x), the angle of the point (x, y) in (-pi, pi].

    d/dy = x / (x^2 + y^2),  d/dx = -y / (x^2 + y^2)  (both taken as 0 at the origin, as in PyTorch).
    """

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        need_y, need_x = ctx.needs_input_grad
        r2 = x * x + y * y
        scale = grad / np.where(r2 == 0, 1, r2)  # at the origin x = y = 0, so both gradients come out 0
        return (sum_to_shape(scale * x, ctx.parents[0]._array.shape) if need_y else None,
                sum_to_shape(scale * -y, ctx.parents[1]._array.shape) if need_x else None)


def atan2(input, other):
    """The angle of the point (other, input): atan(input / other) in the right quadrant, in (-pi, pi]."""
    input, other = cast_to_common(operand(input), operand(other), true_division=True)  # (PyTorch's result dtype)
    return Atan2.apply(float_input(input), float_input(other))


arctan2 = atan2


# ---- exponentials and logarithms in other bases ------------------------------------------------------

class Log2(Function):
    """log2 x.   d log2(x)/dx = 1 / (x ln 2)."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * np.log(2.0))


def log2(input):
    """Logarithm to base 2."""
    return Log2.apply(float_input(input))


class Log10(Function):
    """log10 x.   d log10(x)/dx = 1 / (x ln 10)."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * np.log(10.0))


def log10(input):
    """Logarithm to base 10."""
    return Log10.apply(float_input(input))


class Log1p(Function):
    """ln(1 + x), accurate for tiny x.   d ln(1+x)/dx = 1 / (1 + x)."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x)


def log1p(input):
    """ln(1 + input), accurate when input is near 0."""
    return Log1p.apply(float_input(input))


class Expm1(Function):
    """e^x - 1, accurate for tiny x.   d(e^x - 1)/dx = e^x = out + 1."""

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


def expm1(input):
    """e^input - 1, accurate when input is near 0."""
    return Expm1.apply(float_input(input))


class Exp2(Function):
    """2^x.   d 2^x/dx = 2^x ln 2 = out ln 2."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * np.log(2.0)


def exp2(input):
    """2 ** input, elementwise."""
    return Exp2.apply(float_input(input))


# ---- blends: compositions -------------------------------------------------------------------------------------

def lerp(input, end, weight):
    """input + weight * (end - input): linear interpolation from input (weight 0) to end (weight 1)."""
    input, end = as_tensor(input), as_tensor(end)
    if input.dtype != end.dtype:
        raise RuntimeError(f"lerp: expected end to have dtype {input.dtype}, got {end.dtype}")
    return elementwise.add(input, elementwise.mul(operand(weight), elementwise.sub(end, input)))


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (broadcasting)."""
    product = elementwise.mul(as_tensor(tensor1), as_tensor(tensor2))
    return elementwise.add(input, product if value == 1 else elementwise.mul(product, value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (broadcasting); integer tensor1 and tensor2 are refused, as in PyTorch."""
    tensor1, tensor2 = as_tensor(tensor1), as_tensor(tensor2)
    if tensor1.dtype.kind in "iub" and tensor2.dtype.kind in "iub":
        raise RuntimeError("addcdiv does not divide integer tensors; convert them to float first")
    quotient = elementwise.div(tensor1, tensor2)
    return elementwise.add(input, quotient if value == 1 else elementwise.mul(quotient, value))
