"""Activation functions and softmax, each with its derivative.

Where the derivative is easiest to write in terms of the output (sigmoid,
tanh, softmax) forward saves the output rather than the input.
"""

import numpy as np

from tinynet.autograd import Function


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


def _check_dim(dim, ndim, who):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an integer, got {dim!r}")
    if not -ndim <= dim < max(ndim, 1):
        raise ValueError(f"{who}: dim {dim} is out of range for a tensor with {ndim} dimensions")
    return dim


class Softmax(Function):
    """softmax(x)_i = e^(x_i) / sum_j e^(x_j) along dim (computed as e^(x_i - max x) for stability).

    With s = softmax(x): ds_i/dx_j = s_i (delta_ij - s_j), so dL/dx = s * (g - sum(g * s)).
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = _check_dim(dim, x.ndim, "softmax")
        shifted = np.exp(x - x.max(axis=dim, keepdims=True))
        out = shifted / shifted.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """log_softmax(x)_i = x_i - log sum_j e^(x_j) along dim (shifted by max x so nothing overflows).

    d/dx_j of log_softmax_i = delta_ij - softmax_j, so dL/dx = g - softmax * sum(g).
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = _check_dim(dim, x.ndim, "log_softmax")
        shifted = x - x.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)
