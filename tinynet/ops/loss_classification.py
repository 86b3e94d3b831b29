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

The commonest case -- (N, C) logits, class indices, no weights, no smoothing, a mean or a sum -- has a
fused form when fused kernels are on (``tinynet.set_fused_kernels``, the default): ``SoftmaxCrossEntropy``,
whose one kernel pass gives the loss and its gradient.  ``CrossEntropy`` is the general op, in numpy.
"""

import numpy as np

from tinynet import checks, kernels
from tinynet.autograd import grad_mode
from tinynet.autograd.function import Function
from tinynet.kernels import config
from tinynet.kernels.arrays import FLOAT_DTYPES
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


def pick_index(target):
    """The index that picks x[n, target[n, ...], ...] out of an (N, C, ...) array x, for each item."""
    if target.ndim == 1:
        return np.arange(target.shape[0]), target
    grids = np.ogrid[tuple(slice(size) for size in target.shape)]
    return (grids[0], target) + tuple(grids[1:])


def class_items(target, weight, ignore_index, dtype):
    """(index, w, valid): the index picking each item's target class (class 0 for ignored items), each item's
    weight w[t_n] (0 if ignored; None when every item counts once; of ``dtype``), which items count (None: all).
    ``ignore_index`` None means that no target equals it."""
    valid = None if ignore_index is None else target != ignore_index
    if valid is not None and valid.all():
        valid = None
    if valid is not None:
        target = np.where(valid, target, 0)
    if weight is None:
        w = None if valid is None else valid.astype(dtype)
    else:
        w = weight[target] if valid is None else weight[target] * valid
    return pick_index(target), w, valid


def _reduce(losses, reduction, denominator):
    if reduction == "none" or not losses.size:
        return reduce_losses(losses, reduction)  # (the mean of an empty batch is an error there)
    if reduction == "sum":
        return losses.sum()
    if denominator == 0:  # every item ignored: 0/0, NaN as in PyTorch
        return np.asarray(np.nan, dtype=losses.dtype)
    return np.asarray(losses.sum() / denominator, dtype=losses.dtype)


def _mean_share(grad, denominator):
    """grad / denominator for a mean; when every item is ignored (denominator 0) no input counts: 0, as in PyTorch."""
    return grad / denominator if denominator else np.zeros_like(grad)


def _per_item(grad, ctx):
    """dL/d(loss_n), shaped (N, 1, ...) to broadcast over the classes (or one number for mean/sum)."""
    if ctx.reduction == "mean":
        return _mean_share(grad, ctx.denominator)
    return np.expand_dims(grad, 1) if grad.ndim else grad


class CrossEntropy(Function):
    """Cross-entropy of logits z (N, C, ...) against class indices or probabilities: -sum_c q_nc log softmax(z)_nc,
    q the target distribution times the class weights (see the module docstring).

    d loss_n / d z_nc = softmax(z)_nc sum_c' q_nc' - q_nc;  for probability targets t,
    d loss_n / d t_nc = -(1 - eps) w_c log softmax(z)_nc.  Class indices get no gradient.
    """

    @staticmethod
    def forward(ctx, logits, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
        log_probs = log_softmax_classes(logits)
        classes, eps = logits.shape[1], label_smoothing
        ctx.save_for_backward(log_probs, target, weight)
        ctx.reduction, ctx.eps = reduction, eps
        if target.dtype.kind == "f":  # class probabilities, shaped like the logits
            q = target if eps == 0 else target * (1 - eps) + eps / classes
            if weight is not None:
                q = q * class_view(weight, logits.ndim)
            losses = -(q * log_probs).sum(axis=1)
            ctx.denominator = losses.size
            return _reduce(losses, reduction, ctx.denominator)
        index, w, valid = class_items(target, weight, ignore_index, logits.dtype)
        ctx.index, ctx.w, ctx.valid = index, w, valid
        losses = -log_probs[index] if w is None else -w * log_probs[index]
        if eps > 0:
            weighted = log_probs if weight is None else log_probs * class_view(weight, logits.ndim)
            smooth = weighted.sum(axis=1) if valid is None else weighted.sum(axis=1) * valid
            losses = (1 - eps) * losses - (eps / classes) * smooth
        ctx.denominator = target.size if w is None else w.sum()
        return _reduce(losses.astype(logits.dtype, copy=False), reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        log_probs, target, weight = ctx.saved_tensors
        classes, eps = log_probs.shape[1], ctx.eps
        per_item = _per_item(grad, ctx)
        probabilities = np.exp(log_probs)
        if target.dtype.kind == "f":
            class_weight = 1 if weight is None else class_view(weight, log_probs.ndim)
            q = (target if eps == 0 else target * (1 - eps) + eps / classes) * class_weight
            grad_logits = (probabilities * q.sum(axis=1, keepdims=True) - q) * per_item
            grad_target = -(1 - eps) * class_weight * log_probs * per_item if ctx.needs_input_grad[1] else None
            return grad_logits, grad_target
        # q_nc = (1 - eps) w_n [c = t_n] + (eps / C) w_c valid_n;  d loss_n / d z_nc = p_nc sum_c q_nc - q_nc.
        w = 1 if ctx.w is None else ctx.w  # w_n, per item
        valid = 1 if ctx.valid is None else ctx.valid  # valid_n, per item
        row_sum = (1 - eps) * w
        if eps > 0:
            row_sum = row_sum + (eps / classes) * (classes if weight is None else weight.sum()) * valid
        grad_logits = probabilities  # (a fresh array: changed in place below)
        if np.ndim(row_sum):
            grad_logits *= np.expand_dims(row_sum, 1)
        elif row_sum != 1:
            grad_logits *= row_sum
        grad_logits[ctx.index] -= (1 - eps) * w
        if eps > 0:
            class_weight = 1 if weight is None else class_view(weight, log_probs.ndim)
            grad_logits -= (eps / classes) * class_weight * (np.expand_dims(valid, 1) if np.ndim(valid) else 1)
        grad_logits *= per_item
        return grad_logits, None


class SoftmaxCrossEntropy(Function):
    """Cross-entropy of logits z (N, C) against class indices t (N,), fused: the loss is
    (1/N) sum_n (log sum_c exp(z_nc) - z_n,t_n) for reduction "mean" (the plain sum for "sum").

    d loss / d z_nc = (softmax(z)_nc - [c = t_n]) / N  (without the 1/N for "sum"), computed by the same
    kernel pass as the loss (tinynet.kernels.cross_entropy); backward only scales it.  Class indices get no
    gradient.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean"):
        scale = 1.0 / logits.shape[0] if reduction == "mean" else 1.0
        want_grad = ctx.needs_input_grad[0] and grad_mode.state.enabled
        result = kernels.cross_entropy(logits, target, scale, want_grad)
        if result is None:
            raise _NotEveryLabelIsAClass
        loss_sum, ctx.grad_logits = result
        return np.asarray(loss_sum * scale, dtype=logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        return ctx.grad_logits * grad, None


class _NotEveryLabelIsAClass(Exception):
    """Raised by SoftmaxCrossEntropy for a label outside [0, C): an item to ignore, or a mistake that the
    general path reports."""


def _fusable(input, target, weight, ignore_index, reduction, label_smoothing):
    """Whether SoftmaxCrossEntropy computes this cross-entropy (the module docstring says when)."""
    logits, labels = input._array, target._array
    return (config.fused and weight is None and label_smoothing == 0 and reduction != "none"
            and logits.ndim == 2 and logits.shape[0] > 0 and logits.dtype in FLOAT_DTYPES
            and labels.dtype == np.int64 and labels.shape == logits.shape[:1]
            and not 0 <= ignore_index < logits.shape[1])


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x (N, C, ...) and class indices: -w[t_n] x[n, t_n].

    d loss_n / d x_nc = -w[t_n] where c = t_n, else 0.   Class indices get no gradient.
    """

    @staticmethod
    def forward(ctx, log_probs, target, weight=None, reduction="mean", ignore_index=-100):
        index, w, _ = class_items(target, weight, ignore_index, log_probs.dtype)
        ctx.index, ctx.w = index, w
        losses = -log_probs[index] if w is None else -w * log_probs[index]
        ctx.reduction, ctx.denominator = reduction, target.size if w is None else w.sum()
        return _reduce(losses.astype(log_probs.dtype, copy=False), reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        per_item = _mean_share(grad, ctx.denominator) if ctx.reduction == "mean" else grad
        grad_log_probs = np.zeros(ctx.parents[0]._array.shape, dtype=grad.dtype)
        grad_log_probs[ctx.index] = -per_item if ctx.w is None else -ctx.w * per_item
        return grad_log_probs, None


def class_targets(input, target, weight, ignore_index, owner, allow_probabilities=False):
    """Check input (N, C, ...) / (C,) against its class-index (or probability) target; returns (input, target,
    weight, ignore_index), the latter None when no label can equal it (which spares looking for it)."""
    if input._array.dtype.kind != "f":
        raise NotImplementedError(f"{owner} is not implemented for {input._array.dtype} scores; convert them with "
                                  ".float() first")
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
        return input, target, weight, None
    if kind not in "iu":
        raise RuntimeError(f"{owner}: expected class-index targets of an integer dtype (int64), got dtype "
                           f"{target._array.dtype} with shape {target.shape}"
                           + (f"; class probabilities must have the input's shape {input.shape}"
                              if allow_probabilities and kind == "f" else ""))
    if input.ndim == 1:
        if target.shape not in ((), (1,)):
            raise ValueError(f"{owner}: a single sample's scores (C,) = ({input.shape[0]},) need one class index (a 0-d "
                             f"target, or 1-D of size 1), got target shape {target.shape}")
    elif target.ndim == 0 or target.shape[0] != input.shape[0]:
        raise ValueError(f"{owner}: expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 'a 0-d target'}); input shape {input.shape}, "
                         f"target shape {target.shape}")
    elif target.shape[1:] != input.shape[2:]:
        raise RuntimeError(f"{owner}: expected target size {[input.shape[0], *input.shape[2:]]}, "
                           f"got {list(target.shape)} (input shape {list(input.shape)})")
    labels = target._array
    if not labels.size:
        return input, target, weight, None
    if labels.min() < 0 or labels.max() >= classes:
        outside = (labels != ignore_index) & ((labels < 0) | (labels >= classes))
        if outside.any():
            raise IndexError(f"{owner}: target {labels[outside].flat[0]} is out of bounds: class labels must be in "
                             f"[0, {classes})" + ("" if ignore_index == -100 else f" or {ignore_index} (ignore_index)"))
        return input, target, weight, ignore_index  # (the labels outside [0, C) are ignore_index)
    # Every label is a class: only an ignore_index inside [0, C) can match any.
    return input, target, weight, ignore_index if 0 <= ignore_index < classes else None


def _class_options(input, weight, ignore_index, size_average, reduce, reduction, owner):
    weight = constant_weight(weight, "weight", owner, input._array.dtype)
    if type(ignore_index) is not int:  # (the common case, a plain int, needs no further look)
        ignore_index = checks.integer(ignore_index, "ignore_index", owner)
    reduction = legacy_reduction(size_average, reduce, reduction, owner)
    return weight, ignore_index, reduction


def check_label_smoothing(label_smoothing, owner):
    if type(label_smoothing) is float and 0 <= label_smoothing <= 1:
        return label_smoothing
    label_smoothing = checks.real_number(label_smoothing, "label_smoothing", owner)
    if not 0 <= label_smoothing <= 1:
        raise RuntimeError(f"{owner}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return label_smoothing


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits (N, C, ...) against class indices (N, ...) or class probabilities (N, C, ...),
    with a fused stable log-softmax; options as in PyTorch (see this module's docstring)."""
    owner = "cross_entropy"
    input = as_tensor(input)
    weight, ignore_index, reduction = _class_options(input, weight, ignore_index, size_average, reduce, reduction,
                                                     owner)
    label_smoothing = check_label_smoothing(label_smoothing, owner)
    return checked_cross_entropy(input, as_target(target), weight, ignore_index, reduction, label_smoothing)


def checked_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, owner="cross_entropy"):
    """cross_entropy of checked options (CrossEntropyLoss checks its own once): checks the target, then applies."""
    if _fusable(input, target, weight, ignore_index, reduction, label_smoothing):
        try:
            return SoftmaxCrossEntropy.apply(input, target, reduction=reduction)
        except _NotEveryLabelIsAClass:
            pass  # an item to ignore, or a label out of range: the general path handles it, or says what is wrong
    input, target, weight, ignore_index = class_targets(input, target, weight, ignore_index, owner,
                                                        allow_probabilities=True)
    options = dict(reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)
    if input.ndim > 1:
        return CrossEntropy.apply(input, target, weight, **options)
    # One sample's scores (C,): a batch of one, and a 0-d loss for reduction 'none', as in PyTorch.
    target = target.reshape(1, -1) if target._array.dtype.kind == "f" else target.reshape(1)
    loss = CrossEntropy.apply(input.reshape(1, -1), target, weight, **options)
    return loss.reshape(()) if reduction == "none" else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C, ...) against class indices (N, ...)."""
    owner = "nll_loss"
    input = as_tensor(input)
    weight, ignore_index, reduction = _class_options(input, weight, ignore_index, size_average, reduce, reduction,
                                                     owner)
    return checked_nll_loss(input, as_target(target), weight, ignore_index, reduction)


def checked_nll_loss(input, target, weight, ignore_index, reduction, owner="nll_loss"):
    """nll_loss of checked options (NLLLoss checks its own once): checks the target, then applies."""
    input, target, weight, ignore_index = class_targets(input, target, weight, ignore_index, owner)
    if input.ndim > 1:
        return NLLLoss.apply(input, target, weight, reduction=reduction, ignore_index=ignore_index)
    if target.ndim != 0:  # (PyTorch's nll_loss, unlike its cross_entropy, wants a 0-d target here)
        raise RuntimeError(f"{owner}: size mismatch: a single sample's log-probabilities {input.shape} need a "
                           f"0-d class index, got target shape {target.shape}")
    loss = NLLLoss.apply(input.reshape(1, -1), target.reshape(1), weight, reduction=reduction,
                         ignore_index=ignore_index)
    return loss.reshape(()) if reduction == "none" else loss
