"""Losses over many classes at once, each a composition of existing ops (its gradient follows):

    multilabel_soft_margin_loss(x, y)   for each sample, the mean over classes c of the logistic loss
                                        -(y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c))   (y_c in {0, 1})
    multi_margin_loss(x, y)             for each sample, sum over classes i != y of max(0, margin - x_y + x_i)^p,
                                        divided by the number of classes (the multi-class SVM hinge)

``weight`` (one per class) scales class c's terms (multi_margin_loss: every term of a sample of class y by
weight[y]).  Each ends with ``reduction`` over the samples: "mean" (the default), "sum" or "none".
"""

import numpy as np

from tinynet import checks
from tinynet.ops import elementwise, piecewise, smooth_activations
from tinynet.ops.indexing import gather
from tinynet.ops.loss import as_target, reduce_composed
from tinynet.ops.operands import as_tensor

__all__ = ["multilabel_soft_margin_loss", "multi_margin_loss"]


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Independent yes/no logistic losses, one per class, averaged over the classes (module docstring)."""
    owner = "multilabel_soft_margin_loss"
    input, target = as_tensor(input), as_target(target)
    if tuple(input.shape) != tuple(target.shape) or input.ndim not in (1, 2):
        raise ValueError(f"{owner}: expected input and target of one shape (N, C) or (C,), got "
                         f"{tuple(input.shape)} and {tuple(target.shape)}")
    log_sigmoid = smooth_activations.logsigmoid
    losses = -(target * log_sigmoid(input) + (1 - target) * log_sigmoid(-input))
    if weight is not None:
        losses = losses * as_tensor(weight)
    return reduce_composed(losses.sum(-1) / input.shape[-1], reduction, size_average, reduce, owner)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge: each wrong class's score should stay ``margin`` below the right one's."""
    owner = "multi_margin_loss"
    if p not in (1, 2):
        raise ValueError(f"{owner}: only p == 1 and p == 2 supported, got {p!r}")
    margin = checks.real_number(margin, "margin", owner)
    input = as_tensor(input)
    labels = as_tensor(target)
    if input.ndim not in (1, 2) or labels.dtype.kind not in "iu" or \
            tuple(labels.shape) != (tuple(input.shape[:1]) if input.ndim == 2 else ()):
        raise RuntimeError(f"{owner}: expected input (N, C) with target (N,) of class indices, or (C,) with a 0-d "
                           f"target; got {tuple(input.shape)} and {tuple(labels.shape)} of {labels.dtype}")
    rows = input if input.ndim == 2 else input.unsqueeze(0)
    labels = labels.reshape(-1, 1)
    classes = rows.shape[-1]
    if labels.numel() and not ((labels._array >= 0) & (labels._array < classes)).all():
        raise RuntimeError(f"{owner}: target out of range: class indices must be in [0, {classes - 1}]")
    right = gather(rows, 1, labels)  # x_y, (N, 1)
    terms = piecewise.clamp_min(margin - right + rows, 0.0)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * gather(as_tensor(weight).unsqueeze(0).expand(rows.shape[0], -1), 1, labels)
    others = np.ones(rows.shape, dtype=bool)
    np.put_along_axis(others, labels._array, False, axis=1)  # (the i == y term is left out)
    losses = elementwise.where(others, terms, 0.0).sum(-1) / classes
    return reduce_composed(losses if input.ndim == 2 else losses.squeeze(0), reduction, size_average, reduce, owner)
