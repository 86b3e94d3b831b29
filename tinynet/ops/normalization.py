"""Batch normalization as one fused op.

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
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["batch_norm"]


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
    """Batch normalization of input (N, C) or (N, C, H, W) per channel (see this module's docstring).

    In training, normalizes with the batch statistics and updates the numpy
    arrays running_mean / running_var in place (unbiased variance); otherwise
    normalizes with the running statistics.
    """
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        if buffer is not None and not isinstance(buffer, np.ndarray):
            raise TypeError(f"batch_norm: {name} must be a numpy array or None, got {type(buffer).__name__}")
    return BatchNorm.apply(as_tensor(input), weight, bias, running_mean, running_var,
                           training=training, momentum=momentum, eps=eps)
