"""Class losses: cross_entropy (from logits) and nll_loss (from log-probabilities), as in PyTorch.

Shapes: the input is (N, C) -- or (C,) for one sample, or (N, C, d1, d2, ...)
for a class per pixel -- and the target holds class indices of shape (N,)
(or (), or (N, d1, d2, ...)).  cross_entropy also takes class
*probabilities*: a float target shaped like the input.

Options (PyTorch's):
  weight           a (C,) rescaling per class: item n counts w[t_n] times;
  ignore_index     items whose target is this class contribute nothing (and are not counted);
  label_smoothing  eps: the target becomes (1 - eps) one_hot + eps / C (uniform);
  reduction        "mean" divides by the total weight of the counted items, sum(w[t_n]) (for probability targets:
                   by the number of items; if every item is ignored, 0/0 = NaN as in PyTorch), "sum" adds,
                   "none" gives one loss per item.  (The mean over an empty batch is an error, as for every
                   tinynet loss.)

Both are written through one picture: each item n has a target distribution
times the weights, q_nc, and its loss is  loss_n = -sum_c q_nc log p_nc.  For
cross_entropy, log p = log_softmax(z) along the class dimension (dim 1), and
d loss_n / d z_nc = p_nc sum_c' q_nc' - q_nc  (softmax minus target, when q sums to 1).
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.loss import as_target, constant_weight, legacy_reduction, reduce_losses
from tinynet.ops.operands import as_tensor

__all__ = ["cross_entropy", "nll_loss"]


def log_softmax_classes(logits):
    """log_softmax along dim 1 (the class dimension), shifted by the max so nothing overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def class_view(weight, ndim):
    """A (C,) weight shaped (1, C, 1, ...) to broadcast along dim 1 of an ndim-dimensional input."""
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def item_weights(target, weight, ignore_index, dtype):
    """(w_n, valid_n, safe target): the weight of each item (0 if ignored), whether it counts, and the target
    with ignored entries replaced by class 0 (so it can index)."""
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    if weight is None:
        return valid.astype(dtype), valid, safe
    return weight[safe] * valid, valid, safe


def mean_denominator(reduction, total_weight):
    """What "mean" divides by: the summed item weights (NaN if every item is ignored, 0/0 as in PyTorch)."""
    return total_weight if reduction == "mean" else 1


def _reduce(losses, reduction, denominator):
    if reduction == "none" or not losses.size:
        return reduce_losses(losses, reduction)  # (the mean of an empty batch is an error there)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(losses.sum() / denominator, dtype=losses.dtype)


class CrossEntropy(Function):
    """Cross-entropy of logits z (N, C, ...) against class indices or probabilities: -sum_c q_nc log softmax(z)_nc,
    q the target distribution times the class weights (see the module docstring).

    d loss_n / d z_nc = softmax(z)_nc sum_c' q_nc' - q_nc;  for probability targets t,
    d loss_n / d t_nc = -(1 - eps) w_c log softmax(z)_nc.  Class indices get no gradient.
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
        log_probs = log_softmax_classes(logits)
        classes = logits.shape[1]
        eps = label_smoothing
        ctx.save_for_backward(log_probs, target, weight)
        ctx.reduction, ctx.eps, ctx.ignore_index = reduction, eps, ignore_index
        if target.dtype.kind == "f":  # class probabilities, shaped like the logits
            q = target if eps == 0 else target * (1 - eps) + eps / classes
            if weight is not None:
                q = q * class_view(weight, logits.ndim)
            losses = -(q * log_probs).sum(axis=1)
            ctx.denominator = mean_denominator(reduction, losses.size)
            return _reduce(losses, reduction, ctx.denominator)
        w, valid, safe = item_weights(target, weight, ignore_index, logits.dtype)
        picked = np.take_along_axis(log_probs, safe[:, np.newaxis], axis=1)[:, 0]
        losses = -w * picked
        if eps > 0:
            weighted = log_probs if weight is None else log_probs * class_view(weight, logits.ndim)
            losses = (1 - eps) * losses - (eps / classes) * weighted.sum(axis=1) * valid
        ctx.denominator = mean_denominator(reduction, w.sum())
        return _reduce(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        log_probs, target, weight = ctx.saved_tensors
        ndim, classes, eps = log_probs.ndim, log_probs.shape[1], ctx.eps
        per_item = grad / ctx.denominator if ctx.reduction == "mean" else grad
        if np.ndim(per_item):  # reduction "none": one gradient per item, broadcast over the classes
            per_item = np.expand_dims(per_item, 1)
        probabilities = np.exp(log_probs)
        grad_target = None
        if target.dtype.kind == "f":
            class_weight = 1 if weight is None else class_view(weight, ndim)
            q = (target if eps == 0 else target * (1 - eps) + eps / classes) * class_weight
            grad_logits = (probabilities * q.sum(axis=1, keepdims=True) - q) * per_item
            if ctx.needs_input_grad[1]:
                grad_target = -(1 - eps) * class_weight * log_probs * per_item
            return grad_logits, grad_target
        w, valid, safe = item_weights(target, weight, ignore_index=ctx.ignore_index, dtype=log_probs.dtype)
        w, valid, safe = w[:, np.newaxis], valid[:, np.newaxis], safe[:, np.newaxis]
        # q = (1 - eps) w_n one_hot(t_n) + (eps / C) w_c valid_n, whose sum over c is:
        total = (1 - eps) * w
        if eps > 0:
            total = total + (eps / classes) * (classes if weight is None else weight.sum()) * valid
        grad_logits = probabilities * total
        np.put_along_axis(grad_logits, safe, np.take_along_axis(grad_logits, safe, axis=1) - (1 - eps) * w, axis=1)
        if eps > 0:
            grad_logits -= (eps / classes) * (1 if weight is None else class_view(weight, ndim)) * valid
        return grad_logits * per_item, None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x (N, C, ...) and class indices: -w[t_n] x[n, t_n].

    d loss_n / d x_nc = -w[t_n] where c = t_n, else 0.   Class indices get no gradient.
    """

    @staticmethod
    def forward(ctx, log_probs, target, weight=None, reduction="mean", ignore_index=-100):
        w, valid, safe = item_weights(target, weight, ignore_index, log_probs.dtype)
        losses = -w * np.take_along_axis(log_probs, safe[:, np.newaxis], axis=1)[:, 0]
        ctx.save_for_backward(w, safe)
        ctx.reduction, ctx.denominator = reduction, mean_denominator(reduction, w.sum())
        return _reduce(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        w, safe = ctx.saved_tensors
        per_item = grad / ctx.denominator if ctx.reduction == "mean" else grad
        grad_log_probs = np.zeros(ctx.parents[0].shape, dtype=w.dtype)
        np.put_along_axis(grad_log_probs, safe[:, np.newaxis], (-w * per_item)[:, np.newaxis], axis=1)
        return grad_log_probs, None


def class_targets(input, target, weight, ignore_index, owner, allow_probabilities=False):
    """Check input (N, C, ...) / (C,) against its target; returns (input, target, weight) with (C,)-inputs
    given a batch dimension of 1 and the target as int64 indices (or a float probability tensor)."""
    if input.ndim == 0:
        raise ValueError(f"{owner}: input must have a class dimension, got a 0-d tensor")
    classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(f"{owner}: weight must hold one value for each of the {classes} classes, "
                           f"got a weight of shape {weight.shape}")
    kind = target._array.dtype.kind
    if kind == "f" and allow_probabilities and target.shape == input.shape:
        if ignore_index >= 0:
            raise RuntimeError(f"{owner}: ignore_index is not supported for class-probability targets")
        return input, target, weight
    if kind not in "iu":
        raise RuntimeError(f"{owner}: expected class-index targets of an integer dtype (int64), got dtype "
                           f"{target._array.dtype} with shape {target.shape}"
                           + (f"; class probabilities must have the input's shape {input.shape}"
                              if allow_probabilities and kind == "f" else ""))
    if input.ndim == 1:
        if target.shape not in ((), (1,)):
            raise ValueError(f"{owner}: a single sample's scores (C,) = {input.shape} need one class index (a 0-d "
                             f"target, or 1-D of size 1), got target shape {target.shape}")
    elif target.ndim == 0 or target.shape[0] != input.shape[0]:
        raise ValueError(f"{owner}: expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 'a 0-d target'}); input shape {input.shape}, "
                         f"target shape {target.shape}")
    elif target.shape[1:] != input.shape[2:]:
        raise RuntimeError(f"{owner}: expected target size {[input.shape[0], *input.shape[2:]]}, "
                           f"got {list(target.shape)} (input shape {list(input.shape)})")
    labels = target._array
    if labels.size:
        outside = (labels != ignore_index) & ((labels < 0) | (labels >= classes))
        if outside.any():
            raise IndexError(f"{owner}: target {labels[outside].flat[0]} is out of bounds: class labels must be in "
                             f"[0, {classes})" + ("" if ignore_index == -100 else f" or {ignore_index} (ignore_index)"))
    return input, target, weight


def _class_options(input, weight, ignore_index, size_average, reduce, reduction, owner):
    weight = constant_weight(weight, "weight", owner, input._array.dtype)
    ignore_index = checks.integer(ignore_index, "ignore_index", owner)
    reduction = legacy_reduction(size_average, reduce, reduction, owner)
    return weight, ignore_index, reduction


def _batch_of_one(input, target):
    """(C,) scores with one class index -> (1, C) and (1,); reduction 'none' then gives a 0-d loss, as in PyTorch."""
    return input.reshape(1, -1), target.reshape(1)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits (N, C, ...) against class indices (N, ...) or class probabilities (N, C, ...),
    with a fused stable log-softmax; options as in PyTorch (see this module's docstring)."""
    owner = "cross_entropy"
    input, target = as_tensor(input), as_target(target)
    weight, ignore_index, reduction = _class_options(input, weight, ignore_index, size_average, reduce, reduction,
                                                     owner)
    label_smoothing = checks.real_number(label_smoothing, "label_smoothing", owner)
    if not 0 <= label_smoothing <= 1:
        raise RuntimeError(f"{owner}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    input, target, weight = class_targets(input, target, weight, ignore_index, owner, allow_probabilities=True)
    if input.ndim == 1:
        if target._array.dtype.kind == "f":
            input, target = input.reshape(1, -1), target.reshape(1, -1)
        else:
            input, target = _batch_of_one(input, target)
        loss = CrossEntropy.apply(input, target, weight, reduction=reduction, ignore_index=ignore_index,
                                  label_smoothing=label_smoothing)
        return loss.reshape(()) if reduction == "none" else loss
    return CrossEntropy.apply(input, target, weight, reduction=reduction, ignore_index=ignore_index,
                              label_smoothing=label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C, ...) against class indices (N, ...)."""
    owner = "nll_loss"
    input, target = as_tensor(input), as_target(target)
    weight, ignore_index, reduction = _class_options(input, weight, ignore_index, size_average, reduce, reduction,
                                                     owner)
    input, target, weight = class_targets(input, target, weight, ignore_index, owner)
    if input.ndim == 1:
        if target.ndim != 0:  # (PyTorch's nll_loss, unlike its cross_entropy, wants a 0-d target here)
            raise RuntimeError(f"{owner}: size mismatch: a single sample's log-probabilities {input.shape} need a "
                               f"0-d class index, got target shape {target.shape}")
        input, target = _batch_of_one(input, target)
        loss = NLLLoss.apply(input, target, weight, reduction=reduction, ignore_index=ignore_index)
        return loss.reshape(()) if reduction == "none" else loss
    return NLLLoss.apply(input, target, weight, reduction=reduction, ignore_index=ignore_index)
