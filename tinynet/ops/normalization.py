"""Batch normalization (optionally fused with the ReLU after it) and layer normalization.

For each channel c, over the M = N (x H x W) values of the batch:
    mean = sum(x) / M,  var = sum((x - mean)^2) / M,  x_hat = (x - mean) / sqrt(var + eps),
    y = weight * x_hat + bias.
In training the batch statistics are used (and folded into running_mean /
running_var, the latter with the unbiased M/(M-1) variance, as PyTorch does);
in evaluation the running statistics are used instead.

Backward in training (mean and var depend on every x of the channel):
    dL/dx_hat = dL/dy * weight
    dL/dx = (1 / sqrt(var + eps)) * (dL/dx_hat - mean(dL/dx_hat) - x_hat * mean(dL/dx_hat * x_hat))
    dL/dweight = sum(dL/dy * x_hat),   dL/dbias = sum(dL/dy)
In evaluation the statistics are constants, so dL/dx = dL/dy * weight / sqrt(running_var + eps).

Two ways to compute it, chosen by ``set_fused_batch_norm``:
- fused (the default): ``BatchNorm``, one op whose forward and backward are
  kernels (tinynet/kernels/norm.py, csrc/norm/): per channel, one pass for
  each statistic and one for y; backward one pass for the two sums and one
  for dL/dx.  ``batch_norm_relu`` fuses the ReLU that usually follows too
  (y = max(0, ...), and dL/dy masked by y > 0 inside the same passes).
- composed: the formulas above as elementary ops (mean, subtract, multiply,
  rsqrt, ...), each its own node in the graph, so ``tinynet.trace_backward``
  shows the chain rule run through every one of them.  Slower, same values.

Layer normalization (transformers) uses the same formulas with the statistics
taken per sample, over its last dimensions (``normalized_shape``), instead of
per channel over the batch; weight and bias have ``normalized_shape``.
"""

import numpy as np

from tinynet import checks, kernels
from tinynet.autograd.function import Function
from tinynet.ops.activations import relu as relu_op
from tinynet.ops.elementwise_math import rsqrt
from tinynet.ops.operands import as_tensor
from tinynet.ops.reduce import mean as mean_op
from tinynet.tensor import Tensor

__all__ = ["batch_norm", "batch_norm_relu", "layer_norm", "rms_norm", "set_fused_batch_norm"]

_fused = True  # which way batch_norm runs: see set_fused_batch_norm


def set_fused_batch_norm(enabled):
    """Run batch normalization as one fused op (True, the default: C kernels) or as the elementary ops it is
    made of (False: mean, subtract, multiply, rsqrt, ... -- each a node that ``tinynet.trace_backward`` shows).
    ``tinynet.set_fused_kernels(False)`` composes it too, with the other fused kernels.  Returns the previous
    setting."""
    global _fused
    previous, _fused = _fused, bool(enabled)
    return previous


def _check_channel_vectors(x_shape, **vectors):
    channels = x_shape[1]
    for name, value in vectors.items():
        if value is not None and np.shape(value) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input {x_shape}, "
                             f"got {np.shape(value)}")


def _update_running(running_mean, running_var, mean, var, count, momentum):
    """running = (1 - momentum) running + momentum batch, with the unbiased variance var M / (M - 1)."""
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean
    if running_var is not None:
        running_var *= 1 - momentum
        running_var += momentum * var * (count / (count - 1))


class BatchNorm(Function):
    """Normalize x (N, C, *) per channel, scale by weight, shift by bias; with relu, also max(0, .) (one pass).

    dL/dx = weight inv_std (g - mean(g) - x_hat mean(g x_hat)) in training (weight inv_std g in evaluation),
    dL/dweight = sum(g x_hat), dL/dbias = sum(g), g = dL/dy (times [y > 0] with relu); see the module docstring.
    """

    fresh_gradients = True  # (the kernels return a new array for each gradient)

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5, relu=False):
        if x.ndim < 2:
            raise ValueError(f"batch_norm expects input of shape (N, C, *), got {x.shape}")
        _check_channel_vectors(x.shape, weight=weight, bias=bias, running_mean=running_mean,
                               running_var=running_var)
        count = x.size // x.shape[1]
        ctx.parameter_dtypes = [None if v is None else v.dtype for v in (weight, bias)]
        weight, bias = (None if v is None else v.astype(x.dtype, copy=False) for v in (weight, bias))
        if training:
            if count < 2:
                raise ValueError(f"batch_norm in training needs more than 1 value per channel, got input {x.shape}")
            y, mean, var, inv_std = kernels.batch_norm_forward(x, weight, bias, training=True, eps=eps, relu=relu)
            _update_running(running_mean, running_var, mean, var, count, momentum)
        else:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm in evaluation mode needs running_mean and running_var")
            y, mean, _, inv_std = kernels.batch_norm_forward(
                x, weight, bias, running_mean.astype(x.dtype), running_var.astype(x.dtype), training=False,
                eps=eps, relu=relu)
        ctx.save_for_backward(x, mean, inv_std, weight, bias)
        ctx.training, ctx.relu = training, relu
        return y

    @staticmethod
    def backward(ctx, grad):
        x, mean, inv_std, weight, bias = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grads = kernels.batch_norm_backward(x, grad, mean, inv_std, weight, bias, ctx.training, ctx.relu,
                                            input_grad=need_x, weight_grad=need_w, bias_grad=need_b)
        grad_x, grad_w, grad_b = (g if g is None or dtype is None else g.astype(dtype, copy=False)
                                  for g, dtype in zip(grads, [None] + ctx.parameter_dtypes))
        return grad_x, grad_w, grad_b, None, None


def _batch_norm_composed(x, weight, bias, running_mean, running_var, training, momentum, eps, relu):
    """The module docstring's formulas as elementary ops (set_fused_batch_norm(False))."""
    _check_channel_vectors(x.shape, weight=weight, bias=bias, running_mean=running_mean, running_var=running_var)
    axes = (0,) + tuple(range(2, x.ndim))
    vector = (1, -1) + (1,) * (x.ndim - 2)  # a (C,) vector, shaped to broadcast against x
    if training:
        count = x._array.size // x.shape[1]
        if count < 2:
            raise ValueError(f"batch_norm in training needs more than 1 value per channel, got input {x.shape}")
        mean = mean_op(x, axes, keepdim=True)
        centered = x - mean
        var = mean_op(centered * centered, axes, keepdim=True)
        _update_running(running_mean, running_var, mean._array.reshape(-1), var._array.reshape(-1), count, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in evaluation mode needs running_mean and running_var")
        centered = x - as_tensor(running_mean.astype(x.dtype).reshape(vector))
        var = as_tensor(running_var.astype(x.dtype).reshape(vector))
    y = centered * rsqrt(var + eps)
    if weight is not None:
        y = y * as_tensor(weight).reshape(vector)
    if bias is not None:
        y = y + as_tensor(bias).reshape(vector)
    return relu_op(y) if relu else y


def normalize(x, weight, bias, running_mean, running_var, training, momentum, eps, relu=False):
    """Batch normalization of the tensor x (N, C, *) (then max(0, .) with relu), fused or composed
    (set_fused_batch_norm); ``running_mean`` / ``running_var`` are numpy arrays, updated in place in training."""
    if _fused and kernels.fused_kernels_enabled():
        return BatchNorm.apply(x, weight, bias, running_mean, running_var, training=training, momentum=momentum,
                               eps=eps, relu=relu)
    return _batch_norm_composed(x, weight, bias, running_mean, running_var, training, momentum, eps, relu)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalization of input (N, C), (N, C, L) or (N, C, H, W) per channel (see this module's docstring).

    In training, normalizes with the batch statistics and updates running_mean / running_var (Tensors, or numpy
    arrays) in place (unbiased variance); otherwise normalizes with the running statistics.
    """
    return _batch_norm_entry(input, running_mean, running_var, weight, bias, training, momentum, eps, False,
                             "batch_norm")


def batch_norm_relu(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                    eps=1e-5):
    """max(0, batch_norm(...)), the pair of a ResNet layer, in one op: one pass over memory fewer each way.

    Same arguments as batch_norm; the same values as relu(batch_norm(...)).
    """
    return _batch_norm_entry(input, running_mean, running_var, weight, bias, training, momentum, eps, True,
                             "batch_norm_relu")


def _batch_norm_entry(input, running_mean, running_var, weight, bias, training, momentum, eps, relu, who):
    """Where a user's batch_norm call enters: running statistics may be Tensors (their version is bumped when
    training changes them) or numpy arrays; an (N, C, L) input is normalized as the image (N, C, L, 1)."""
    input = as_tensor(input)
    if input.ndim == 3:
        image = _batch_norm_entry(input.reshape(input.shape + (1,)), running_mean, running_var, weight, bias,
                                  training, momentum, eps, relu, who)
        return image.reshape(input.shape)
    arrays = []
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        if buffer is not None and not isinstance(buffer, (Tensor, np.ndarray)):
            raise TypeError(f"{who}: {name} must be a Tensor or None, got {type(buffer).__name__}")
        arrays.append(buffer._array if isinstance(buffer, Tensor) else buffer)
    out = normalize(input, weight, bias, *arrays, training, momentum, eps, relu)
    for buffer in (running_mean, running_var):
        if training and isinstance(buffer, Tensor):
            buffer._bump_version()  # (its values changed in place)
    return out


class LayerNorm(Function):
    """Normalize each sample over its last dims: x_hat = (x - mean) / sqrt(var + eps), y = weight x_hat + bias.

    dL/dx = (dL/dx_hat - mean(dL/dx_hat) - x_hat mean(dL/dx_hat x_hat)) / sqrt(var + eps), means over the
    normalized dims; dL/dweight = sum over the leading dims of dL/dy x_hat, dL/dbias = sum of dL/dy.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_ndim=1, eps=1e-5):
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        inv_std = 1 / np.sqrt((centered * centered).mean(axis=axes, keepdims=True) + x.dtype.type(eps))
        x_hat = centered * inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.leading = axes, tuple(range(x.ndim - normalized_ndim))
        out = x_hat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x_hat = grad * weight if weight is not None else grad
            grad_x = inv_std * (grad_x_hat - grad_x_hat.mean(axis=ctx.axes, keepdims=True)
                                - x_hat * (grad_x_hat * x_hat).mean(axis=ctx.axes, keepdims=True))
        if need_w:
            grad_w = (grad * x_hat).sum(axis=ctx.leading)
        if need_b:
            grad_b = grad.sum(axis=ctx.leading)
        return grad_x, grad_w, grad_b


def normalized_shape_tuple(normalized_shape, owner):
    """``normalized_shape`` (an int or a sequence of ints >= 0) as a tuple."""
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)) or not normalized_shape:
        raise TypeError(f"{owner}: normalized_shape must be an int or a non-empty tuple of ints, "
                        f"got {normalized_shape!r}")
    return tuple(checks.integer(n, "normalized_shape", owner, minimum=0) for n in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last ``len(normalized_shape)`` dims of input, then scale by weight and shift by bias."""
    input = as_tensor(input)
    if input._array.dtype.kind != "f":
        raise NotImplementedError(f"layer_norm is not implemented for {input._array.dtype} tensors; convert the "
                                  "input with .float() first")
    count = _normalized_dims(input, normalized_shape, (("weight", weight), ("bias", bias)), "layer_norm")
    eps = checks.real_number(eps, "eps", "layer_norm")
    return LayerNorm.apply(input, weight, bias, normalized_ndim=count, eps=eps)


def _normalized_dims(input, normalized_shape, parameters, owner):
    """How many trailing dims of input a layer or RMS norm normalizes over (``normalized_shape``, which they must
    have), each (name, tensor or None) of ``parameters`` of that shape too."""
    normalized_shape = normalized_shape_tuple(normalized_shape, owner)
    count = len(normalized_shape)
    if input.ndim < count or input.shape[input.ndim - count:] != normalized_shape:
        raise RuntimeError(f"{owner}: given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {list(input.shape)}")
    for name, value in parameters:
        if value is not None and tuple(value.shape) != normalized_shape:
            raise RuntimeError(f"{owner}: {name} must have shape {normalized_shape} (normalized_shape), "
                               f"got {tuple(value.shape)}")
    return count


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the last ``len(normalized_shape)`` dims (no centring):
    y = x / sqrt(mean(x^2) + eps) * weight, with eps the dtype's machine epsilon when None (as PyTorch's).
    Composed of tinynet's ops, so autograd differentiates it."""
    input = as_tensor(input)
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"rms_norm: expected a floating-point input, got {input._array.dtype}")
    count = _normalized_dims(input, normalized_shape, (("weight", weight),), "rms_norm")
    eps = float(np.finfo(input.dtype).eps) if eps is None else checks.real_number(eps, "eps", "rms_norm")
    dims = tuple(range(input.ndim - count, input.ndim))
    out = input * rsqrt(mean_op(input * input, dims, keepdim=True) + eps)
    return out if weight is None else out * weight
