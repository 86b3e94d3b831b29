"""Activation functions and softmax, each with its derivative and its public function.

Where the derivative is easiest to write in terms of the output (sigmoid,
tanh, softmax) forward saves the output rather than the input.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu", "softplus", "hardlim", "softmax", "log_softmax"]


def stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow: sigmoid(x) = (1 + tanh(x/2)) / 2."""
    return 0.5 * np.tanh(0.5 * x) + 0.5


class Sigmoid(Function):
    """s(x) = 1 / (1 + e^-x).   ds/dx = s (1 - s)."""

    @staticmethod
    def forward(ctx, x):
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


def sigmoid(input):
    """1 / (1 + e^-input)."""
    return Sigmoid.apply(as_tensor(input))


class Tanh(Function):
    """tanh(x).   d tanh(x)/dx = 1 - tanh(x)^2."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


def tanh(input):
    """Hyperbolic tangent."""
    return Tanh.apply(as_tensor(input))


class ReLU(Function):
    """relu(x) = max(x, 0).   d relu/dx = 1 for x > 0, 0 for x <= 0 (0 at the kink, like PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        positive = x > 0
        ctx.save_for_backward(positive)
        return x * positive

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return grad * positive


def relu(input):
    """max(input, 0)."""
    return ReLU.apply(as_tensor(input))


class LeakyReLU(Function):
    """x for x > 0, negative_slope * x otherwise.   Derivative: 1 for x > 0, negative_slope otherwise."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        slope = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        return grad * slope


def leaky_relu(input, negative_slope=0.01):
    """input for input > 0, negative_slope * input otherwise."""
    return LeakyReLU.apply(as_tensor(input), negative_slope=negative_slope)


class ELU(Function):
    """x for x > 0, alpha (e^x - 1) otherwise.   Derivative: 1 for x > 0, alpha e^x (= output + alpha) otherwise."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        positive = x > 0
        out = np.where(positive, x, alpha * np.expm1(np.minimum(x, 0)))
        ctx.save_for_backward(positive, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        positive, out = ctx.saved_tensors
        return grad * np.where(positive, 1, out + ctx.alpha)


def elu(input, alpha=1.0):
    """input for input > 0, alpha (e^input - 1) otherwise."""
    return ELU.apply(as_tensor(input), alpha=alpha)


class SiLU(Function):
    """silu(x) = x s(x) with s the sigmoid.   d silu/dx = s(x) (1 + x (1 - s(x)))."""

    @staticmethod
    def forward(ctx, x):
        s = stable_sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


def silu(input):
    """input * sigmoid(input) (swish)."""
    return SiLU.apply(as_tensor(input))


class Softplus(Function):
    """softplus(x) = ln(1 + e^(beta x)) / beta, and just x where beta x > threshold (as in PyTorch).

    d softplus/dx = sigmoid(beta x)  (1 in the linear region).
    """

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        scaled = beta * x
        linear = scaled > threshold
        ctx.save_for_backward(scaled, linear)
        # logaddexp(0, z) = ln(e^0 + e^z), computed without overflow.
        return np.where(linear, x, np.logaddexp(0, scaled) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        scaled, linear = ctx.saved_tensors
        return grad * np.where(linear, 1, stable_sigmoid(scaled))


def softplus(input, beta=1.0, threshold=20.0):
    """ln(1 + e^(beta input)) / beta (linear above threshold)."""
    return Softplus.apply(as_tensor(input), beta=beta, threshold=threshold)


class Hardlim(Function):
    """Hard limit (step): 1 where x >= 0, else 0.

    Its derivative is 0 everywhere except at 0, where it does not exist; the
    gradient returned is 0 everywhere.  So nothing trains through a hardlim:
    it is here for perceptron demos, not for gradient descent.
    """

    @staticmethod
    def forward(ctx, x):
        return (x >= 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


def hardlim(input):
    """Step: 1 where input >= 0, else 0 (zero gradient)."""
    return Hardlim.apply(as_tensor(input))


class Softmax(Function):
    """softmax(x)_i = e^(x_i) / sum_j e^(x_j) along dim (computed as e^(x_i - max x) for stability).

    With s = softmax(x): ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s)).
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = dim
        shifted = np.exp(x - x.max(axis=dim, keepdims=True))
        out = shifted / shifted.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


def softmax(input, dim=-1):
    """Softmax along dim."""
    input = as_tensor(input)
    return Softmax.apply(input, dim=checks.dim(dim, input.ndim, "softmax"))


class LogSoftmax(Function):
    """log_softmax(x)_i = x_i - log sum_j e^(x_j) along dim (shifted by max x so nothing overflows).

    d/dx_j of log_softmax_i = delta_ij - softmax_j, so dL/dx = g - softmax * sum(g).
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = dim
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)


def log_softmax(input, dim=-1):
    """log(softmax(input)) along dim, computed stably."""
    input = as_tensor(input)
    return LogSoftmax.apply(input, dim=checks.dim(dim, input.ndim, "log_softmax"))
