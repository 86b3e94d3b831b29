"""Regression losses and the KL divergence, each one fused op with its own (short) backward.

``reduction`` is "mean" (average over elements), "sum", or "none" (the
per-element losses).  Backward first undoes the reduction (``grad_per_item``),
then applies the derivative of the per-element loss -- with respect to the
input AND the target, as in PyTorch (a target computed by the network, e.g. a
distillation target, gets its gradient too).

    mse_loss         (x - t)^2
    l1_loss          |x - t|
    smooth_l1_loss   (x - t)^2 / (2 beta) where |x - t| < beta, else |x - t| - beta / 2
    huber_loss       (x - t)^2 / 2 where |x - t| <= delta, else delta (|x - t| - delta / 2)
    kl_div           t (log t - x): the KL divergence of t from the distribution whose log is x

Binary cross-entropy is in ``loss_binary.py``, the class losses (cross_entropy,
nll_loss) in ``loss_classification.py``; the helpers here serve all of them.
"""

import warnings

import numpy as np

from tinynet import checks
from tinynet.autograd import grad_mode
from tinynet.autograd.function import Function
from tinynet.ops.activations import floating
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.cast import astype
from tinynet.ops.promotion import cast_to_common
from tinynet.tensor import Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]


def reduce_losses(losses, reduction):
    """Per-item losses -> the requested reduction."""
    if reduction == "mean":
        if not losses.size:
            # The mean of nothing is 0/0; a NaN loss would only surface later, far from its cause.
            raise ValueError(f"the mean loss of an empty batch (shape {losses.shape}) is undefined; "
                             "skip empty batches, or use reduction='sum' or 'none'")
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def grad_per_item(grad, reduction, count):
    """dL/d(per-item loss) for ``count`` items: the output gradient itself for "none" (one per item), else one
    number that applies to every item -- the output gradient, divided by count for "mean"."""
    if reduction == "mean":
        return grad / count
    return grad


def reduce_composed(losses, reduction, size_average=None, reduce=None, owner=None):
    """The reduction of a loss composed of tensor ops (a Tensor of per-item losses): its mean, sum or itself."""
    reduction = checks.reduction(legacy_reduction(size_average, reduce, reduction, owner), owner)
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def legacy_reduction(size_average, reduce, reduction, owner):
    """The reduction, from PyTorch's deprecated ``size_average``/``reduce`` flags when either is given."""
    if size_average is None and reduce is None:
        return checks.reduction(reduction, owner)
    warnings.warn(f"{owner}: size_average and reduce are deprecated; use reduction='mean', 'sum' or 'none'",
                  UserWarning, stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def as_target(value):
    """Targets may be Tensors, arrays or lists; they never need gradients unless they are Tensors that ask."""
    return value if isinstance(value, Tensor) else Tensor._from_data(np.asarray(value))


def constant_weight(weight, name, owner, dtype):
    """A loss's weight as an array of the input's ``dtype``; it gets no gradient (PyTorch refuses one that asks)."""
    if weight is None:
        return None
    if isinstance(weight, Tensor):
        if weight.requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(f"{owner} is not differentiable with respect to {name}; "
                               f"pass {name}.detach() (it cannot have requires_grad=True)")
        weight = weight._array
    return np.asarray(weight, dtype=dtype)


def broadcast_pair(input, target, owner):
    """input and target, which should have the same shape; a broadcastable mismatch warns (as PyTorch does)."""
    if input.shape != target.shape:
        try:
            shape = np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(f"{owner}: the input shape {input.shape} and target shape {target.shape} "
                               "cannot be broadcast together") from None
        warnings.warn(f"{owner}: using a target size {target.shape} that is different to the input size "
                      f"{input.shape}; both are broadcast to {shape}, which is likely not what you want. "
                      "Make sure they have the same size", UserWarning, stacklevel=3)


class DifferenceLoss(Function):
    """Base of the losses that are a function f of the difference d = input - target (broadcast).

    loss = f(d), so d loss/d input = f'(d) and d loss/d target = -f'(d); subclasses give f and f'.
    """

    @staticmethod
    def value(d, parameter):
        """f(d)."""
        raise NotImplementedError

    @staticmethod
    def slope(d, parameter):
        """f'(d)."""
        raise NotImplementedError

    @staticmethod
    def forward(ctx, input, target, reduction="mean", parameter=None):
        d = input - target
        ctx.save_for_backward(d)
        ctx.reduction, ctx.parameter = reduction, parameter
        return reduce_losses(ctx.function.value(d, parameter), reduction)

    @staticmethod
    def backward(ctx, grad):
        (d,) = ctx.saved_tensors
        grad_d = grad_per_item(grad, ctx.reduction, d.size) * ctx.function.slope(d, ctx.parameter)
        need_input, need_target = ctx.needs_input_grad
        return (sum_to_shape(grad_d, ctx.parents[0]._array.shape) if need_input else None,
                sum_to_shape(-grad_d, ctx.parents[1]._array.shape) if need_target else None)


class MSELoss(DifferenceLoss):
    """Mean squared error: per element (x - t)^2.   d/dx = 2 (x - t),  d/dt = -2 (x - t)."""

    value = staticmethod(lambda d, _: d * d)
    slope = staticmethod(lambda d, _: 2 * d)


class L1Loss(DifferenceLoss):
    """Mean absolute error: per element |x - t|.   d/dx = sign(x - t) (0 at 0),  d/dt = -sign(x - t)."""

    value = staticmethod(lambda d, _: np.abs(d))
    slope = staticmethod(lambda d, _: np.sign(d))


class SmoothL1Loss(DifferenceLoss):
    """d^2 / (2 beta) where |d| < beta, |d| - beta/2 elsewhere (beta = 0: |d|).

    d/dx = d / beta inside, sign(d) outside;  d/dt = the negative.
    """

    @staticmethod
    def value(d, beta):
        if beta == 0:
            return np.abs(d)
        return np.where(np.abs(d) < beta, d * d / (2 * beta), np.abs(d) - beta / 2).astype(d.dtype, copy=False)

    @staticmethod
    def slope(d, beta):
        if beta == 0:
            return np.sign(d)
        return np.clip(d / beta, -1, 1)


class HuberLoss(DifferenceLoss):
    """d^2 / 2 where |d| <= delta, delta (|d| - delta/2) elsewhere (smooth_l1 times delta, with beta = delta).

    d/dx = d inside, delta sign(d) outside;  d/dt = the negative.
    """

    @staticmethod
    def value(d, delta):
        return np.where(np.abs(d) < delta, d * d / 2, delta * (np.abs(d) - delta / 2)).astype(d.dtype, copy=False)

    @staticmethod
    def slope(d, delta):
        return np.clip(d, -delta, delta)


def _difference_loss(function, input, target, size_average, reduce, reduction, owner, parameter=None,
                     in_input_dtype=False):
    """``in_input_dtype``: the loss takes the input's dtype (PyTorch's huber_loss), not the promoted one."""
    input, target = floating(input, owner), as_target(target)
    reduction = legacy_reduction(size_average, reduce, reduction, owner)
    broadcast_pair(input, target, owner)
    if target._array.dtype != input._array.dtype:  # (an int64 target with a float32 input: float32, as in PyTorch)
        input, target = (input, astype(target, input.dtype)) if in_input_dtype else cast_to_common(input, target)
    return function.apply(input, target, reduction=reduction, parameter=parameter)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error (input - target)^2, reduced by "mean", "sum" or "none"."""
    return _difference_loss(MSELoss, input, target, size_average, reduce, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error |input - target|, reduced by "mean", "sum" or "none"."""
    return _difference_loss(L1Loss, input, target, size_average, reduce, reduction, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Squared error below |input - target| = beta (divided by 2 beta), absolute error above it."""
    beta = checks.real_number(beta, "beta", "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    return _difference_loss(SmoothL1Loss, input, target, size_average, reduce, reduction, "smooth_l1_loss", beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Half the squared error below |input - target| = delta, delta times (absolute error - delta/2) above."""
    delta = checks.real_number(delta, "delta", "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    return _difference_loss(HuberLoss, input, target, None, None, reduction, "huber_loss", delta,
                            in_input_dtype=True)


class KLDivergence(Function):
    """Pointwise KL divergence of the target distribution from the input's, the input given as log-probabilities x:
    t (log t - x) (0 where t = 0), or with log_target (t given as log-probabilities): e^t (t - x).

    d/dx = -t (or -e^t);  d/dt = log t + 1 - x (or e^t (t - x + 1)); at t = 0 PyTorch's d/dt is 0/0 = NaN, here too.
    """

    @staticmethod
    def forward(ctx, x, t, reduction="mean", log_target=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                losses = np.exp(t) * (t - x)
            else:
                losses = np.where(t == 0, 0, t * np.log(np.where(t == 0, 1, t))) - t * x
        ctx.save_for_backward(x, t)
        ctx.reduction, ctx.log_target = reduction, log_target
        ctx.batch = x.shape[0] if x.ndim else 1
        if reduction == "batchmean":
            return losses.sum() / ctx.batch
        return reduce_losses(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        shape = np.broadcast_shapes(x.shape, t.shape)
        if ctx.reduction == "batchmean":
            per_item = grad / ctx.batch
        else:
            per_item = grad_per_item(grad, ctx.reduction, int(np.prod(shape)))
        need_x, need_t = ctx.needs_input_grad
        grad_x = grad_t = None
        if need_x:
            grad_x = sum_to_shape(np.broadcast_to(-per_item * (np.exp(t) if ctx.log_target else t), shape), x.shape)
        if need_t:
            with np.errstate(divide="ignore", invalid="ignore"):
                if ctx.log_target:
                    slope = np.exp(t) * (t - x + 1)
                else:
                    slope = np.where(t == 0, 0, np.log(np.where(t == 0, 1, t))) + t / t - x
            grad_t = sum_to_shape(np.broadcast_to(per_item * slope, shape), t.shape)
        return grad_x, grad_t


KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence D(target || input) with input given as log-probabilities (e.g. log_softmax output).

    reduction "batchmean" (sum / batch size) gives the true KL divergence per sample; "mean" divides by the
    number of elements instead (PyTorch's default, kept for compatibility -- it warns, as PyTorch does).
    """
    input, target = floating(input, "kl_div"), as_target(target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, "mean", "kl_div")
    elif reduction not in KL_REDUCTIONS:
        raise ValueError(f"kl_div: reduction must be one of {KL_REDUCTIONS}, got {reduction!r}")
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support size; "
                      "'batchmean' divides only by the batch size, which is the KL divergence's definition",
                      UserWarning, stacklevel=2)
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise RuntimeError(f"kl_div: the input shape {input.shape} and target shape {target.shape} cannot be "
                           "broadcast together") from None
    return KLDivergence.apply(input, target, reduction=reduction, log_target=bool(log_target))
