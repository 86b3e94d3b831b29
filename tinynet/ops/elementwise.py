"""Elementwise arithmetic: + - * / **, negation, exp, log, sqrt, abs, clamp, maximum, minimum, where.

Binary ops broadcast like numpy; their backward sums each gradient back to
its input's shape (``sum_to_shape``).  Their operands first go through
``promote`` (``tinynet/ops/promotion.py``): PyTorch's type promotion, so an
int tensor times 2.5 is float32 and an int tensor divided by an int tensor is
float32 (the default dtype).  An input that is not a Tensor (a Python
number) needs no gradient, and ``ctx.needs_input_grad`` lets backward skip it.
Each op's public function (``add``, ``exp``...) follows its Function; the
Tensor's operators are those functions (``tinynet/ops/tensor_methods.py``).
"""

import numbers

import numpy as np

from tinynet.autograd.function import Function
from tinynet.kernels import add as add_kernel
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.cast import astype
from tinynet.ops.operands import as_tensor, float_input, operand, quiet_at_domain_edges
from tinynet.ops.out import into
from tinynet.ops.promotion import cast_to_common, operands_dtype, promote
from tinynet.tensor import Tensor

__all__ = ["add", "sub", "mul", "pow", "neg", "exp", "log", "sqrt", "abs", "clamp", "clip",
           "maximum", "minimum", "where"]


def _shape_of(ctx, index):
    """Shape of the op's input ``index`` (a Tensor, since only Tensors ask for gradients)."""
    return ctx.parents[index]._array.shape


class Add(Function):
    """a + b.   d(a+b)/da = 1,  d(a+b)/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        # Big float arrays of one shape (a ResNet's residual sums): one threaded C pass, numpy's numbers
        # (kernels/add.py); the rest, broadcasting included, numpy.  (The size first: most calls are small.)
        if type(a) is np.ndarray and type(b) is np.ndarray and a.size >= add_kernel.SMALLEST and \
                add_kernel.serves(a, b):
            return add_kernel.add(a, b)
        return a + b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad, _shape_of(ctx, 1)) if need_b else None)


def _times_alpha(input, other, alpha, owner):
    """(input, alpha * other), both of the dtype input and other promote to: alpha does not change it (PyTorch)."""
    input, other = promote(input, other)
    dtype = (other if isinstance(other, Tensor) else input)._array.dtype
    if dtype.kind != "f" and not isinstance(alpha, numbers.Integral):
        raise RuntimeError(f"{owner}: for integral input tensors, argument alpha must not be a floating point "
                           f"number, got alpha={alpha!r}")
    if not isinstance(other, Tensor):
        return input, other * alpha
    scaled = mul(other, alpha)
    return input, scaled if scaled._array.dtype == dtype else astype(scaled, dtype)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other (broadcasting)."""
    result = Add.apply(*(_times_alpha(input, other, alpha, "add") if alpha != 1 else promote(input, other)))
    return result if out is None else into(out, result, "add")


class Sub(Function):
    """a - b.   d(a-b)/da = 1,  d(a-b)/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(-grad, _shape_of(ctx, 1)) if need_b else None)


def _is_bool(value):
    """A bool tensor or a Python bool (which PyTorch treats alike in sub and pow)."""
    return isinstance(value, bool) or (isinstance(value, Tensor) and value._array.dtype.kind == "b")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (broadcasting); as in PyTorch, not for bool tensors (use ~mask to invert a mask)."""
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; "
                           "to invert a mask use ~mask or logical_not")
    result = Sub.apply(*(_times_alpha(input, other, alpha, "sub") if alpha != 1 else promote(input, other)))
    return result if out is None else into(out, result, "sub")


class Mul(Function):
    """a * b.   d(ab)/da = b,  d(ab)/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # save only what backward reads (as PyTorch): a for d/db, b for d/da
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad * b, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad * a, _shape_of(ctx, 1)) if need_b else None)


def mul(input, other, *, out=None):
    """input * other (broadcasting)."""
    result = Mul.apply(*promote(input, other))
    return result if out is None else into(out, result, "mul")


class Div(Function):
    """a / b.   d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # (a only for d/db, as in PyTorch)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (sum_to_shape(grad_over_b, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(-grad_over_b * a / b, _shape_of(ctx, 1)) if need_b else None)


def div(input, other):
    """input / other (broadcasting); true division, so integers give the default float dtype.

    (The ``/`` operator; ``tinynet.div``, with PyTorch's ``rounding_mode``, is in ``division.py``.)
    """
    return Div.apply(*promote(input, other, true_division=True))


class Pow(Function):
    """a ** b.   d(a^b)/da = b * a^(b-1),  d(a^b)/db = a^b * ln(a).

    At the edges PyTorch's conventions hold: where b = 0, d/da = 0 (a^0 is
    constant, even at a = 0 where b * a^(b-1) would be 0 * inf); where a = 0
    and b >= 0, d/db = 0 (0^b is flat there), while for b < 0 the formula's
    inf * ln(0) = -inf stands; for a < 0, ln(a) is NaN, and so is d/db.
    """

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        a = np.asarray(a, dtype=out.dtype)  # a Python number base (2 ** x): ln(a) in x's dtype, not float64
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                grad_a = sum_to_shape(np.where(b == 0, 0.0, grad * (b * a ** (b - 1))), _shape_of(ctx, 0))
            if need_b:
                flat = (a == 0) & (b >= 0)
                grad_b = sum_to_shape(np.where(flat, 0.0, grad * (out * np.log(a))), _shape_of(ctx, 1))
        return grad_a, grad_b


def pow(input, exponent):
    """input ** exponent (broadcasting)."""
    if _is_bool(input) and isinstance(exponent, Tensor) and _is_bool(exponent):
        raise NotImplementedError("pow is not implemented for bool tensors (convert one operand to int or float)")
    if isinstance(input, Tensor) and _is_bool(input) and isinstance(exponent, bool):
        return Tensor._from_array(input._array | (not exponent), False)  # x ** True is x, x ** False all True
    input, exponent = promote(input, exponent)
    if isinstance(exponent, numbers.Integral) and exponent < 0 and isinstance(input, Tensor) and \
            input._array.dtype.kind in "iub":
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed (a {input.dtype} tensor "
                           f"to the power {exponent}); use a float tensor")
    if isinstance(exponent, Tensor) and exponent._array.dtype.kind in "iu":
        power = _integer_power(np.asarray(_array_of(input)), exponent._array)
        return Tensor._from_array(power.astype(exponent._array.dtype, copy=False), False)  # (the promoted dtype)
    return Pow.apply(input, exponent)


def _array_of(value):
    return value._array if isinstance(value, Tensor) else value


def _integer_power(base, exponent):
    """base ** exponent for integer arrays, a negative exponent giving C's integer answer as PyTorch does:
    1 for base 1, +-1 for base -1, 0 otherwise (numpy refuses negative integer powers)."""
    if not (exponent < 0).any():
        return np.power(base, exponent)
    power = np.power(base, np.maximum(exponent, 0))
    negative = np.where(base == 1, 1, np.where(base == -1, np.where(exponent % 2 == 0, 1, -1), 0))
    return np.where(exponent < 0, negative, power).astype(power.dtype, copy=False)


class Neg(Function):
    """-x.   d(-x)/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


def neg(input):
    """-input (not for bool tensors, as in PyTorch)."""
    input = as_tensor(input)
    if input._array.dtype.kind == "b":
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; "
                           "to invert a mask use ~mask or logical_not")
    return Neg.apply(input)


class Exp(Function):
    """e^x.   d e^x/dx = e^x (the output itself, so forward saves the output)."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


def exp(input):
    """e^input."""
    return Exp.apply(float_input(input))


class Log(Function):
    """ln x.   d ln(x)/dx = 1/x."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


def log(input):
    """Natural logarithm."""
    return Log.apply(float_input(input))


class Sqrt(Function):
    """sqrt(x).   d sqrt(x)/dx = 1 / (2 sqrt(x))."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


def sqrt(input):
    """Square root."""
    return Sqrt.apply(float_input(input))


class Abs(Function):
    """|x|.   d|x|/dx = sign(x) (taken as 0 at x = 0, like PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)


def abs(input):
    """Absolute value (not for bool tensors, as in PyTorch)."""
    input = as_tensor(input)
    if input._array.dtype.kind == "b":
        raise NotImplementedError("abs is not implemented for bool tensors")
    return Abs.apply(input)


class Clip(Function):
    """clip(x, low, high).   d/dx = 1 where low <= x <= high, else 0 (the clipped parts are flat)."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return grad * inside


def clamp(input, min=None, max=None):
    """Limit the values to [min, max] (either bound may be None); an integer tensor with a float bound gives a float."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' and 'max' must not be None, got neither")
    input = as_tensor(input)
    if input._array.dtype.kind != "f":
        input = cast_to_common(input, *(bound for bound in (min, max) if bound is not None))[0]
    return Clip.apply(input, min, max)


clip = clamp


class Maximum(Function):
    """max(a, b) elementwise.   The gradient goes to the larger input; on a tie each gets half (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad * share_a, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad * (1 - share_a), _shape_of(ctx, 1)) if need_b else None)


def maximum(input, other):
    """Elementwise maximum."""
    return Maximum.apply(*promote(input, other))


class Minimum(Function):
    """min(a, b) elementwise.   The gradient goes to the smaller input; on a tie each gets half (as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = (a < b) + 0.5 * (a == b)
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad * share_a, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad * (1 - share_a), _shape_of(ctx, 1)) if need_b else None)


def minimum(input, other):
    """Elementwise minimum."""
    return Minimum.apply(*promote(input, other))


class Where(Function):
    """where(condition, a, b): a where condition holds, else b.

    d/da = condition, d/db = not condition; the boolean condition gets no gradient.
    """

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        return (None,
                sum_to_shape(np.where(condition, grad, 0), _shape_of(ctx, 1)) if need_a else None,
                sum_to_shape(np.where(condition, 0, grad), _shape_of(ctx, 2)) if need_b else None)


def where(condition, input=None, other=None):
    """input where condition is true, else other (broadcasting); no gradient flows to the condition.
    ``where(condition)`` alone: the indices of its nonzero elements, one int64 tensor per dim."""
    condition = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        indices = np.nonzero(np.atleast_1d(condition))
        return tuple(Tensor._from_array(index.astype(np.int64), False) for index in indices)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    if condition.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    input, other = cast_to_common(operand(input), operand(other))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two numbers: a float one means float32
        input = Tensor._from_array(np.asarray(input, dtype=operands_dtype(input, other)), False)
    return Where.apply(condition, input, other)
