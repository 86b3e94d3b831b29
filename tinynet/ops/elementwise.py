"""Elementwise arithmetic: + - * / **, negation, exp, log, sqrt, abs, clip, maximum, minimum, where.

Binary ops broadcast like numpy; their backward sums each gradient back to
its input's shape (``sum_to_shape``).  An input that is not a Tensor (a Python
number) needs no gradient, and ``ctx.needs_input_grad`` lets backward skip it.
"""

import numpy as np

from tinynet.autograd import Function
from tinynet.ops.broadcasting import sum_to_shape


def _shape_of(ctx, index):
    """Shape of the op's input ``index`` (a Tensor, since only Tensors ask for gradients)."""
    return ctx.parents[index].data.shape


class Add(Function):
    """a + b.   d(a+b)/da = 1,  d(a+b)/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad, _shape_of(ctx, 1)) if need_b else None)


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


class Mul(Function):
    """a * b.   d(ab)/da = b,  d(ab)/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (sum_to_shape(grad * b, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(grad * a, _shape_of(ctx, 1)) if need_b else None)


class Div(Function):
    """a / b.   d(a/b)/da = 1/b,  d(a/b)/db = -a/b^2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (sum_to_shape(grad_over_b, _shape_of(ctx, 0)) if need_a else None,
                sum_to_shape(-grad_over_b * a / b, _shape_of(ctx, 1)) if need_b else None)


class Pow(Function):
    """a ** b.   d(a^b)/da = b * a^(b-1),  d(a^b)/db = a^b * ln(a)."""

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
        if need_a:
            grad_a = sum_to_shape(grad * b * a ** (b - 1), _shape_of(ctx, 0))
        if need_b:
            # ln(a) is undefined for a <= 0; where a == 0 and b > 0, a^b is flat in b (0), so use 0.
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0.0, np.nan))
            grad_b = sum_to_shape(grad * out * log_a, _shape_of(ctx, 1))
        return grad_a, grad_b


class Neg(Function):
    """-x.   d(-x)/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


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


class Log(Function):
    """ln x.   d ln(x)/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """sqrt(x).   d sqrt(x)/dx = 1 / (2 sqrt(x))."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


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


class Clip(Function):
    """clip(x, low, high).   d/dx = 1 where low <= x <= high, else 0 (the clipped parts are flat)."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        if low is None and high is None:
            raise ValueError("clip needs at least one of low (min) and high (max), got neither")
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
