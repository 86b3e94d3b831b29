"""Loss functions, each one fused op with its own (short) backward.

``reduction`` is "mean" (average over elements -- or over samples, for the
class losses), "sum", or "none" (the per-element/per-sample losses).
Backward first undoes the reduction (``grad_per_item``), then applies the
derivative of the per-item loss.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


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


def check_same_shape(input, target, who):
    """Raise ValueError naming both shapes if they differ."""
    if input.shape != target.shape:
        raise ValueError(f"{who}: input shape {input.shape} and target shape {target.shape} must be equal")


def check_class_targets(scores, target, who):
    """scores (N, C), target (N,) integers in [0, C): raise a clear error otherwise; returns target as int64."""
    if scores.ndim != 2:
        raise ValueError(f"{who}: expected scores of shape (batch, classes), got shape {scores.shape}")
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{who}: class targets must be integers, got dtype {target.dtype}")
    if target.shape != (scores.shape[0],):
        raise ValueError(
            f"{who}: batch size mismatch: scores have shape {scores.shape} (batch {scores.shape[0]}) "
            f"but targets have shape {target.shape}"
        )
    if target.size:
        lowest, highest = target.min(), target.max()
        if lowest < 0 or highest >= scores.shape[1]:
            raise ValueError(
                f"{who}: class labels must be in [0, {scores.shape[1]}), got labels from {lowest} to {highest}"
            )
    return target.astype(np.int64, copy=False)


class MSELoss(Function):
    """Mean squared error: per element (x - t)^2.   d/dx = 2 (x - t),  d/dt = -2 (x - t)."""

    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        check_same_shape(input, target, "mse_loss")
        difference = input - target
        ctx.save_for_backward(difference)
        ctx.reduction = reduction
        return reduce_losses(difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad):
        (difference,) = ctx.saved_tensors
        grad_difference = 2 * grad_per_item(grad, ctx.reduction, difference.size) * difference
        need_input, need_target = ctx.needs_input_grad
        return (grad_difference if need_input else None), (-grad_difference if need_target else None)


class CrossEntropy(Function):
    """Cross-entropy of logits (N, C) against class labels (N,): -log softmax(logits)[label].

    Fused with a stable log-softmax.  With p = softmax(logits):
    d loss_n / d logits_nc = p_nc - [c == label_n].   Labels get no gradient.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean"):
        target = check_class_targets(logits, target, "cross_entropy")
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(len(target))
        ctx.save_for_backward(log_probs, target)
        ctx.reduction = reduction
        return reduce_losses(-log_probs[rows, target], reduction)

    @staticmethod
    def backward(ctx, grad):
        log_probs, target = ctx.saved_tensors
        per_sample = grad_per_item(grad, ctx.reduction, target.size)
        grad_logits = np.exp(log_probs)
        grad_logits[np.arange(len(target)), target] -= 1
        if per_sample.ndim:  # reduction "none": one gradient per row
            per_sample = per_sample[:, np.newaxis]
        return grad_logits * per_sample, None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities (N, C) and labels (N,): -log_probs[n, label_n].

    d loss_n / d log_probs_nc = -[c == label_n].
    """

    @staticmethod
    def forward(ctx, log_probs, target, reduction="mean"):
        target = check_class_targets(log_probs, target, "nll_loss")
        ctx.save_for_backward(target)
        ctx.reduction = reduction
        return reduce_losses(-log_probs[np.arange(len(target)), target], reduction)

    @staticmethod
    def backward(ctx, grad):
        (target,) = ctx.saved_tensors
        shape = ctx.parents[0].shape
        grad_log_probs = np.zeros(shape, dtype=grad.dtype)
        grad_log_probs[np.arange(len(target)), target] = -grad_per_item(grad, ctx.reduction, target.size)
        return grad_log_probs, None


class BinaryCrossEntropy(Function):
    """Binary cross-entropy of probabilities p against targets t in [0, 1]:
    -(t log p + (1 - t) log(1 - p)), each log clamped at -100 as in PyTorch so p = 0 or 1 stays finite.

    d/dp = (p - t) / (p (1 - p))  (denominator kept >= 1e-12).  The target is treated as a constant.
    """

    @staticmethod
    def forward(ctx, p, target, reduction="mean"):
        check_same_shape(p, target, "binary_cross_entropy")
        if p.size and (p.min() < 0 or p.max() > 1):
            raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1] (apply sigmoid first, "
                             "or use binary_cross_entropy_with_logits)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        ctx.save_for_backward(p, target)
        ctx.reduction = reduction
        return reduce_losses(-(target * log_p + (1 - target) * log_1mp), reduction)

    @staticmethod
    def backward(ctx, grad):
        p, target = ctx.saved_tensors
        per_item = grad_per_item(grad, ctx.reduction, p.size)
        return per_item * (p - target) / np.maximum(p * (1 - p), 1e-12), None


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy of sigmoid(z) against t, computed from the logits z without overflow:
    loss = max(z, 0) - z t + log(1 + e^-|z|).

    d loss/dz = sigmoid(z) - t.   The target is treated as a constant.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean"):
        check_same_shape(logits, target, "binary_cross_entropy_with_logits")
        ctx.save_for_backward(logits, target)
        ctx.reduction = reduction
        losses = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
        return reduce_losses(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        logits, target = ctx.saved_tensors
        per_item = grad_per_item(grad, ctx.reduction, logits.size)
        sigmoid = 0.5 * np.tanh(0.5 * logits) + 0.5
        return per_item * (sigmoid - target), None


def as_target(value):
    """Targets may be Tensors, arrays or lists; they never need gradients unless they are Tensors that ask."""
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (input - target)^2, reduced by "mean", "sum" or "none"."""
    return MSELoss.apply(as_tensor(input), as_target(target), reduction=checks.reduction(reduction))


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy of logits (N, C) against integer class labels (N,), with a fused stable log-softmax."""
    return CrossEntropy.apply(as_tensor(input), as_target(target), reduction=checks.reduction(reduction))


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C) against integer labels (N,)."""
    return NLLLoss.apply(as_tensor(input), as_target(target), reduction=checks.reduction(reduction))


def binary_cross_entropy(input, target, reduction="mean"):
    """Binary cross-entropy of probabilities in [0, 1] against targets of the same shape."""
    return BinaryCrossEntropy.apply(as_tensor(input), as_target(target), reduction=checks.reduction(reduction))


def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """Binary cross-entropy of sigmoid(input) against targets, computed stably from the logits."""
    return BinaryCrossEntropyWithLogits.apply(as_tensor(input), as_target(target),
                                              reduction=checks.reduction(reduction))
