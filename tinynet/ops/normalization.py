"""Batch normalization and layer normalization, each one fused op.

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

Layer normalization (transformers) uses the same formulas with the statistics
taken per sample, over its last dimensions (``normalized_shape``), instead of
per channel over the batch; weight and bias have ``normalized_shape``.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["batch_norm", "layer_norm"]


def _channel_view(shape):
    """Axes reduced per channel, and the shape that broadcasts a (C,) vector against x."""
    if len(shape) == 2:
        return (0,), (1, shape[1])
    return (0, 2, 3), (1, shape[1], 1, 1)


class BatchNorm(Function):
    """Normalize x (N, C) or (N, C, H, W) per channel, then scale by weight and shift by bias.

    dL/dx = (dL/dx_hat - mean(dL/dx_hat) - x_hat mean(dL/dx_hat x_hat)) / sqrt(var + eps) in training,
    dL/dweight = sum(dL/dy x_hat), dL/dbias = sum(dL/dy)  (derived in the module docstring).
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        if x.ndim not in (2, 4):
            raise ValueError(f"batch_norm expects input of shape (N, C) or (N, C, H, W), got {x.shape}")
        channels = x.shape[1]
        for name, value in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                            ("running_var", running_var)):
            if value is not None and np.shape(value) != (channels,):
                raise ValueError(f"batch_norm: {name} must have shape ({channels},) for input {x.shape}, "
                                 f"got {np.shape(value)}")
        axes, vector_shape = _channel_view(x.shape)
        count = x.size // channels
        if training:
            if count < 2:
                raise ValueError(f"batch_norm in training needs more than 1 value per channel, got input {x.shape}")
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += momentum * var * (count / (count - 1))
        else:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm in evaluation mode needs running_mean and running_var")
            mean, var = running_mean, running_var
        inv_std = (1 / np.sqrt(var + eps)).astype(x.dtype).reshape(vector_shape)
        x_hat = (x - mean.astype(x.dtype).reshape(vector_shape)) * inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.vector_shape, ctx.training = axes, vector_shape, training
        out = x_hat
        if weight is not None:
            out = out * weight.reshape(vector_shape)
        if bias is not None:
            out = out + bias.reshape(vector_shape)
        return out

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x_hat = grad * weight.reshape(ctx.vector_shape) if weight is not None else grad
            if ctx.training:
                grad_x = inv_std * (grad_x_hat
                                    - grad_x_hat.mean(axis=ctx.axes, keepdims=True)
                                    - x_hat * (grad_x_hat * x_hat).mean(axis=ctx.axes, keepdims=True))
            else:
                grad_x = grad_x_hat * inv_std
        if need_w:
            grad_w = (grad * x_hat).sum(axis=ctx.axes)
        if need_b:
            grad_b = grad.sum(axis=ctx.axes)
        return grad_x, grad_w, grad_b, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalization of input (N, C), (N, C, L) or (N, C, H, W) per channel (see this module's docstring).

    In training, normalizes with the batch statistics and updates running_mean / running_var (Tensors, or numpy
    arrays) in place (unbiased variance); otherwise normalizes with the running statistics.
    """
    input = as_tensor(input)
    if input.ndim == 3:  # (N, C, L) has the same per-channel statistics as the image (N, C, L, 1)
        image = batch_norm(input.reshape(input.shape + (1,)), running_mean, running_var, weight, bias, training,
                           momentum, eps)
        return image.reshape(input.shape)
    arrays = []
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        if buffer is not None and not isinstance(buffer, (Tensor, np.ndarray)):
            raise TypeError(f"batch_norm: {name} must be a Tensor or None, got {type(buffer).__name__}")
        arrays.append(buffer._array if isinstance(buffer, Tensor) else buffer)
    out = BatchNorm.apply(input, weight, bias, *arrays, training=training, momentum=momentum, eps=eps)
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
    normalized_shape = normalized_shape_tuple(normalized_shape, "layer_norm")
    count = len(normalized_shape)
    if input.shape[input.ndim - count:] != normalized_shape or input.ndim < count:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {list(input.shape)}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} must have shape {normalized_shape} (normalized_shape), "
                               f"got {tuple(value.shape)}")
    eps = checks.real_number(eps, "eps", "layer_norm")
    return LayerNorm.apply(input, weight, bias, normalized_ndim=count, eps=eps)
