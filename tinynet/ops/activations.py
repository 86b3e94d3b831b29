"""Activation functions and softmax, each with its derivative and its public function.

Where the derivative is easiest to write in terms of the output (sigmoid,
tanh, softmax) forward saves the output rather than the input.  The
piecewise-linear family (relu, leaky_relu, hardtanh, relu6, prelu) lives
here too; the smooth newer ones (gelu, mish, selu, logsigmoid) are in
``smooth_activations.py``.

``inplace=True`` (as in PyTorch) writes the result into the input tensor and
returns it, with the version counting and autograd rules of ``inplace.py``.
"""

import warnings

import numpy as np

from tinynet import checks, dtypes
from tinynet.autograd.function import Function
from tinynet.kernels import relu as relu_kernel
from tinynet.kernels import tanh as tanh_kernel
from tinynet.ops.cast import astype
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor, quiet_at_domain_edges
from tinynet.tensor import Tensor

__all__ = ["sigmoid", "tanh", "relu", "relu_", "leaky_relu", "elu", "silu", "softplus", "hardlim", "softmax",
           "log_softmax", "hardtanh", "relu6", "prelu"]


def maybe_inplace(input, inplace, function, **options):
    """``function(input, **options)``, written into ``input`` itself when ``inplace`` is true.

    (``input`` comes from the caller's check of the user's argument, e.g. ``floating``: a Tensor.)
    """
    if inplace:
        return apply_inplace(input, function, **options)
    return function(input, **options)


def floating(input, owner):
    """``input`` as a Tensor that must hold floats: PyTorch has no integer version of this op either."""
    input = as_tensor(input)
    if input._array.dtype not in dtypes.FLOAT_DTYPES:
        raise NotImplementedError(f"{owner} is not implemented for {input._array.dtype} tensors; "
                                  "convert the input with .float() first")
    return input


def as_float(input):
    """``input`` as a float Tensor: integers and bools become the default float dtype (PyTorch's rule for ops
    such as sigmoid, whose results are not integers)."""
    if not isinstance(input, Tensor):
        input = as_tensor(input)
    if input._array.dtype in dtypes.FLOAT_DTYPES:
        return input
    return astype(input, dtypes.get_default_dtype())


def _in_each_float_dtype(value):
    """``value`` as a read-only 0-d array of each float dtype.  numpy combines an array with one of these faster
    than with a Python number, which it converts again on every call (about half a microsecond: a third of a
    small op's time)."""
    constants = {}
    for dtype in dtypes.FLOAT_DTYPES:
        constants[dtype] = constant = np.array(value, dtype)
        constant.flags.writeable = False
    return constants


_ZERO = _in_each_float_dtype(0)
_HALF = _in_each_float_dtype(0.5)


def stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow: sigmoid(x) = (1 + tanh(x/2)) / 2."""
    half = _HALF.get(x.dtype, 0.5)
    return half * np.tanh(half * x) + half


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
        return grad * (out - out * out)  # = grad out (1 - out), without the Python number 1


def sigmoid(input):
    """1 / (1 + e^-input)."""
    return Sigmoid.apply(as_float(input))


class Tanh(Function):
    """tanh(x).   d tanh(x)/dx = 1 - tanh(x)^2."""

    @staticmethod
    def forward(ctx, x):
        out = tanh_kernel.tanh_forward(x) if tanh_kernel.forward_pays(x) else np.tanh(x)  # (C: one threaded pass)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if grad.size >= tanh_kernel.SMALLEST and tanh_kernel.serves(out, grad):  # big arrays: one threaded C pass
            return tanh_kernel.tanh_backward(out, grad)
        return grad - grad * out * out  # = grad (1 - out^2), without the Python number 1 (numpy converts it each call)


def tanh(input):
    """Hyperbolic tangent."""
    return Tanh.apply(as_float(input))


class ReLU(Function):
    """relu(x) = max(x, 0).   d relu/dx = 1 for x > 0, 0 for x <= 0 (0 at the kink, like PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        # Big float arrays: one threaded C pass.  (The size test first, so that a small array -- most calls
        # in a small network -- does not pay for the call to serves.)
        if x.size >= relu_kernel.SMALLEST and relu_kernel.serves(x):
            y, positive = relu_kernel.relu_forward(x)
        else:
            zero = _ZERO.get(x.dtype, 0)
            positive, y = x > zero, np.maximum(x, zero)  # not x * positive: that makes -0.0 of negatives ("-0.")
        ctx.save_for_backward(positive)
        return y

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        if grad.size >= relu_kernel.SMALLEST and relu_kernel.serves(grad) and positive.shape == grad.shape and \
                positive.flags.c_contiguous:
            return relu_kernel.relu_backward(grad, positive)
        return grad * positive


def _refuse_bool(input, owner):
    """PyTorch has no bool version of these clamps (max(True, 0) is not a truth value)."""
    if not isinstance(input, Tensor):
        input = as_tensor(input)
    dtype = input._array.dtype
    if dtype not in dtypes.FLOAT_DTYPES and dtype.kind == "b":
        raise RuntimeError(f"Boolean inputs not supported for {owner}")
    return input


def relu(input, inplace=False):
    """max(input, 0)."""
    input = _refuse_bool(input, "relu")
    return apply_inplace(input, ReLU.apply) if inplace else ReLU.apply(input)


def relu_(input):
    """max(input, 0), in place."""
    return apply_inplace(input, ReLU.apply)


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


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input for input > 0, negative_slope * input otherwise."""
    negative_slope = checks.real_number(negative_slope, "negative_slope", "leaky_relu")
    return maybe_inplace(floating(input, "leaky_relu"), inplace, LeakyReLU.apply, negative_slope=negative_slope)


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


def elu(input, alpha=1.0, inplace=False):
    """input for input > 0, alpha (e^input - 1) otherwise."""
    alpha = checks.real_number(alpha, "alpha", "elu")
    return maybe_inplace(floating(input, "elu"), inplace, ELU.apply, alpha=alpha)


class SiLU(Function):
    """silu(x) = x s(x) with s the sigmoid.   d silu/dx = s(x) (1 + x (1 - s(x)))."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        s = stable_sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


def silu(input, inplace=False):
    """input * sigmoid(input) (swish)."""
    return maybe_inplace(floating(input, "silu"), inplace, SiLU.apply)


class Softplus(Function):
    """softplus(x) = ln(1 + e^(beta x)) / beta, and just x where beta x > threshold (as in PyTorch).

    d softplus/dx = sigmoid(beta x)  (1 in the linear region).
    """

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x, beta=1.0, threshold=20.0):
        scaled = beta * x
        linear = scaled > threshold
        ctx.save_for_backward(scaled, linear)
        # logaddexp(0, z) = ln(e^0 + e^z), computed without overflow.
        return np.where(linear, x, np.logaddexp(0, scaled) / beta).astype(x.dtype, copy=False)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        scaled, linear = ctx.saved_tensors
        return grad * np.where(linear, 1, stable_sigmoid(scaled))


def softplus(input, beta=1.0, threshold=20.0):
    """ln(1 + e^(beta input)) / beta (linear above threshold)."""
    beta = checks.real_number(beta, "beta", "softplus")
    threshold = checks.real_number(threshold, "threshold", "softplus")
    return Softplus.apply(floating(input, "softplus"), beta=beta, threshold=threshold)


class Hardtanh(Function):
    """hardtanh(x) = min_val for x < min_val, max_val for x > max_val, x in between.

    d hardtanh/dx = 1 for min_val < x < max_val, else 0 (0 at the two corners too, like PyTorch).
    """

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        inside = (x > min_val) & (x < max_val)
        ctx.save_for_backward(inside)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp input to [min_val, max_val] (gradient 1 strictly inside, 0 outside)."""
    min_val = checks.real_number(min_val, "min_val", "hardtanh")
    max_val = checks.real_number(max_val, "max_val", "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, max_val={max_val}")
    return maybe_inplace(_refuse_bool(input, "hardtanh"), inplace, Hardtanh.apply, min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    """min(max(input, 0), 6): hardtanh(input, 0, 6)."""
    return maybe_inplace(_refuse_bool(input, "relu6"), inplace, Hardtanh.apply, min_val=0.0, max_val=6.0)


class PReLU(Function):
    """prelu(x) = x for x > 0, a_c x otherwise, with a learned slope a_c per channel (dim 1) or one for all.

    dy/dx = 1 for x > 0, a_c otherwise;  dy/da_c = sum over channel c of x where x <= 0 (else 0).
    """

    @staticmethod
    def forward(ctx, x, weight):
        slope = weight.reshape(slope_shape(x.ndim, weight.size))
        negative = x <= 0
        ctx.save_for_backward(x, negative, slope)
        return np.where(negative, slope * x, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, negative, slope = ctx.saved_tensors
        need_x, need_weight = ctx.needs_input_grad
        grad_x = np.where(negative, grad * slope, grad) if need_x else None
        grad_weight = None
        if need_weight:
            per_element = np.where(negative, grad * x, 0)
            axes = tuple(axis for axis in range(x.ndim) if axis != 1 or slope.size == 1)
            grad_weight = per_element.sum(axis=axes).reshape(ctx.parents[1]._array.shape)
        return grad_x, grad_weight


def slope_shape(ndim, count):
    """The shape that lines PReLU's ``count`` slopes up with dim 1 (the channels) of an ndim-dimensional input."""
    if count == 1:
        return (1,) * ndim
    return (1, count) + (1,) * (ndim - 2)


def prelu(input, weight):
    """x for x > 0, weight * x otherwise; weight holds one slope, or one per channel (dim 1 of input)."""
    input, weight = as_tensor(input), as_tensor(weight)
    if input._array.dtype.kind != "f" or weight._array.dtype.kind != "f":
        raise RuntimeError(f"prelu: input and weight must be floating-point tensors, got {input._array.dtype} and "
                           f"{weight._array.dtype}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.ndim > 1 or weight.shape[0:1] not in ((), (1,), (channels,)):
        raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: found {weight.numel()} "
                           f"parameters (weight shape {weight.shape}) and {channels} channels (input shape "
                           f"{input.shape}, channels are dim 1)")
    return PReLU.apply(input, weight)


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
        with np.errstate(invalid="ignore"):  # (a row of -inf only: -inf - -inf is NaN, PyTorch's answer, unwarned)
            shifted = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))  # (initial: a dim of size 0)
            out = shifted / shifted.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


def implicit_softmax_dim(input, owner):
    """PyTorch's deprecated choice when no dim is given: 0 for a 0-, 1- or 3-D input, else 1 (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {owner} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", UserWarning, stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    """Softmax along dim."""
    input = floating(input, "softmax")
    if dim is None:
        dim = implicit_softmax_dim(input, "softmax")
    return Softmax.apply(input, dim=checks.dim(dim, input.ndim, "softmax"))


class LogSoftmax(Function):
    """log_softmax(x)_i = x_i - log sum_j e^(x_j) along dim (shifted by max x so nothing overflows).

    d/dx_j of log_softmax_i = delta_ij - softmax_j, so dL/dx = g - softmax * sum(g).
    """

    @staticmethod
    def forward(ctx, x, dim=-1):
        ctx.dim = dim
        shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # (initial: a dim of size 0)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.dim, keepdims=True)


def log_softmax(input, dim=None):
    """log(softmax(input)) along dim, computed stably."""
    input = floating(input, "log_softmax")
    if dim is None:
        dim = implicit_softmax_dim(input, "log_softmax")
    return LogSoftmax.apply(input, dim=checks.dim(dim, input.ndim, "log_softmax"))
