"""Binary cross-entropy, from probabilities or (stably) from logits, each one fused op.

For a prediction p = sigmoid(z) of "class 1" and a target t in [0, 1]:
    loss = -(t log p + (1 - t) log(1 - p)),
optionally times a per-element ``weight``; from logits, ``pos_weight`` also
scales the t log p term (one factor per class, to trade recall for precision).
Both differentiate with respect to the target as well, as PyTorch does.
"""

import numpy as np

from tinynet.autograd.function import Function
from tinynet.ops.activations import floating, stable_sigmoid
from tinynet.ops.loss import as_target, constant_weight, grad_per_item, legacy_reduction, reduce_losses

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]


class BinaryCrossEntropy(Function):
    """Binary cross-entropy of probabilities p against targets t in [0, 1], times an optional weight w:
    -w (t log p + (1 - t) log(1 - p)), each log clamped at -100 as in PyTorch so p = 0 or 1 stays finite.

    d/dp = w (p - t) / (p (1 - p))  (denominator kept >= 1e-12);  d/dt = w (log(1 - p) - log p).
    """

    @staticmethod
    def forward(ctx, p, target, weight=None, reduction="mean"):
        if p.size and not (p.min() >= 0 and p.max() <= 1):
            raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 (apply "
                               "sigmoid first, or use binary_cross_entropy_with_logits)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        losses = -(target * log_p + (1 - target) * log_1mp)
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(p, target, weight)
        ctx.reduction = reduction
        return reduce_losses(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        p, target, weight = ctx.saved_tensors
        per_item = grad_per_item(grad, ctx.reduction, p.size)
        if weight is not None:
            per_item = per_item * weight
        need_p, need_target = ctx.needs_input_grad[:2]
        grad_p = grad_target = None
        if need_p:
            grad_p = per_item * (p - target) / np.maximum(p * (1 - p), 1e-12)
        if need_target:
            with np.errstate(divide="ignore"):
                grad_target = per_item * (np.log1p(-p) - np.log(p))
        return grad_p, grad_target


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy of sigmoid(z) against t, from the logits z without overflow, with optional
    weight w and positive-class weight q:  loss = w ((1 - t) z + (1 + (q - 1) t) softplus(-z)).

    d loss/dz = w ((1 - t) - (1 + (q - 1) t) sigmoid(-z))  (= w (sigmoid(z) - t) for q = 1);
    d loss/dt = w ((q - 1) softplus(-z) - z).
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, pos_weight=None, reduction="mean"):
        softplus_neg = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))  # log(1 + e^-z), stably
        coefficient = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
        losses = (1 - target) * logits + coefficient * softplus_neg
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(logits, target, weight, pos_weight)
        ctx.reduction = reduction
        return reduce_losses(losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        logits, target, weight, pos_weight = ctx.saved_tensors
        per_item = grad_per_item(grad, ctx.reduction, logits.size)
        if weight is not None:
            per_item = per_item * weight
        need_logits, need_target = ctx.needs_input_grad[:2]
        grad_logits = grad_target = None
        if need_logits:
            if pos_weight is None:
                grad_logits = per_item * (stable_sigmoid(logits) - target)
            else:
                coefficient = 1 + (pos_weight - 1) * target
                grad_logits = per_item * ((1 - target) - coefficient * stable_sigmoid(-logits))
        if need_target:
            if pos_weight is None:
                grad_target = per_item * -logits
            else:
                softplus_neg = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))
                grad_target = per_item * ((pos_weight - 1) * softplus_neg - logits)
        return grad_logits, grad_target


def _check_binary_shapes(input, target, weight, owner, message):
    if input.shape != target.shape:
        raise ValueError(message)
    if weight is not None:
        try:
            np.broadcast_to(weight, input.shape)
        except ValueError:
            raise RuntimeError(f"{owner}: weight of shape {weight.shape} cannot be broadcast to the input shape "
                               f"{input.shape}") from None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy of probabilities in [0, 1] against targets of the same shape (weight: per element)."""
    owner = "binary_cross_entropy"
    input, target = floating(input, owner), as_target(target)
    weight = constant_weight(weight, "weight", owner, input._array.dtype)
    _check_binary_shapes(input, target, weight, owner,
                         f"{owner}: using a target size {target.shape} that is different to the input size "
                         f"{input.shape} is not supported; please ensure they have the same size")
    reduction = legacy_reduction(size_average, reduce, reduction, owner)
    return BinaryCrossEntropy.apply(input, target, weight, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of sigmoid(input) against targets, computed stably from the logits.

    ``weight`` scales each element's loss; ``pos_weight`` (broadcast along the last dimension, one per class)
    scales the positive (t = 1) term, trading recall against precision.
    """
    owner = "binary_cross_entropy_with_logits"
    input, target = floating(input, owner), as_target(target)
    weight = constant_weight(weight, "weight", owner, input._array.dtype)
    pos_weight = constant_weight(pos_weight, "pos_weight", owner, input._array.dtype)
    _check_binary_shapes(input, target, weight, owner,
                         f"{owner}: target size {target.shape} must be the same as input size {input.shape}")
    if pos_weight is not None:
        _check_binary_shapes(input, input, pos_weight, owner, "")
    reduction = legacy_reduction(size_average, reduce, reduction, owner)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction=reduction)
