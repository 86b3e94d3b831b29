"""Margin, embedding and likelihood losses, each a composition of existing ops (its gradient follows):

    margin_ranking_loss(x1, x2, y)      max(0, -y (x1 - x2) + margin)           (y = 1: x1 should rank higher)
    hinge_embedding_loss(x, y)          x where y = 1, max(0, margin - x) where y = -1
    soft_margin_loss(x, y)              log(1 + exp(-y x))                       (two-class logistic loss)
    cosine_embedding_loss(x1, x2, y)    1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1
    triplet_margin_loss(a, p, n)        max(0, d(a, p) - d(a, n) + margin)       (d: pairwise p-norm distance)
    gaussian_nll_loss(mu, t, var)       (log var + (mu - t)^2 / var) / 2  (+ log(2 pi) / 2 if full)
    poisson_nll_loss(x, t)              exp(x) - t x  (log_input), or x - t log(x + eps)  (+ Stirling term if full)

Each ends with ``reduction``: "mean" (the default), "sum" or "none".
"""

import math

import numpy as np

from tinynet import checks
from tinynet.ops import elementwise, elementwise_math, piecewise
from tinynet.ops.distances import pairwise_distance
from tinynet.ops.loss import as_target, reduce_composed
from tinynet.ops.operands import as_tensor
from tinynet.ops.shape import unsqueeze

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "gaussian_nll_loss", "poisson_nll_loss"]

add, sub, mul, where = elementwise.add, elementwise.sub, elementwise.mul, elementwise.where


def _same_shapes(owner, **tensors):
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise RuntimeError(f"{owner}: expected inputs of the same shape, got " +
                           ", ".join(f"{name} {list(shape)}" for name, shape in shapes.items()))


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): target 1 asks input1 > input2 by margin, -1 the reverse."""
    input1, input2, target = as_tensor(input1), as_tensor(input2), as_target(target)
    _same_shapes("margin_ranking_loss", input1=input1, input2=input2, target=target)
    losses = piecewise.clamp_min(add(mul(elementwise.neg(target), sub(input1, input2)), margin), 0)
    return reduce_composed(losses, reduction, size_average, reduce, "margin_ranking_loss")


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1 (a distance for similar / dissimilar
    pairs).  (Other target values get both terms, as in PyTorch.)"""
    input, target = as_tensor(input), as_target(target)
    margin_part = where((target != 1)._array, piecewise.clamp_min(elementwise.neg(sub(input, margin)), 0), 0.0)
    input_part = where((target != -1)._array, input, 0.0)
    return reduce_composed(add(margin_part, input_part), reduction, size_average, reduce, "hinge_embedding_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)) for targets 1 / -1, averaged over all elements."""
    input, target = as_tensor(input), as_target(target)
    _same_shapes("soft_margin_loss", input=input, target=target)
    losses = elementwise_math.log1p(elementwise.exp(mul(elementwise.neg(target), input)))
    return reduce_composed(losses, reduction, size_average, reduce, "soft_margin_loss")


_COSINE_EPS = 1e-12  # keeps a zero vector's squared length positive (PyTorch's constant)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1; cosines along the last dim
    of (N, D) (or (D,)) inputs."""
    input1, input2, target = as_tensor(input1), as_tensor(input2), as_target(target)
    if input1.shape != input2.shape or input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss: expected input1 and input2 of one shape, (N, D) or (D,), and a "
                           f"target of shape (N,) or (): got {list(input1.shape)}, {list(input2.shape)} and target "
                           f"{list(target.shape)}")
    dot = mul(input1, input2).sum(-1)
    lengths = mul(add(mul(input1, input1).sum(-1), _COSINE_EPS), add(mul(input2, input2).sum(-1), _COSINE_EPS))
    cosine = elementwise.div(dot, elementwise.sqrt(lengths))
    positive = where((target == 1)._array, sub(1, cosine), 0.0)
    negative = where((target == -1)._array, piecewise.clamp_min(sub(cosine, margin), 0), 0.0)
    return reduce_composed(add(positive, negative), reduction, size_average, reduce, "cosine_embedding_loss")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), d the p-norm distance along the last dim;
    swap=True uses d(positive, negative) instead when it is smaller."""
    anchor, positive, negative = as_tensor(anchor), as_tensor(positive), as_tensor(negative)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"triplet_margin_loss: expected anchor, positive and negative to have the same number "
                           f"of dimensions, got {anchor.ndim}, {positive.ndim} and {negative.ndim}")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = elementwise.minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    losses = piecewise.clamp_min(add(sub(to_positive, to_negative), margin), 0)
    return reduce_composed(losses, reduction, size_average, reduce, "triplet_margin_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The negative log-likelihood of target under N(input, var): (log var + (input - target)^2 / var) / 2.
    var has input's shape, or one fewer dim, or a last dim of 1 (one variance per sample); it is clamped to
    eps for the value only (the gradient passes as if unclamped, as in PyTorch)."""
    input, target, var = as_tensor(input), as_target(target), as_tensor(var)
    checks.reduction(reduction, "gaussian_nll_loss")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = unsqueeze(var, -1)  # one variance per sample, without its trailing 1
        elif not (input.shape[:-1] == var.shape[:-1] and var.ndim and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: {list(var.shape)} for input "
                             f"{list(input.shape)}")
    if (var._array < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    clamped = np.maximum(var._array, eps).astype(var.dtype)
    var = add(var, sub(as_tensor(clamped), var).detach())  # the clamped value, the identity's gradient
    losses = mul(add(elementwise.log(var), elementwise.div(elementwise_math.square(sub(input, target)), var)), 0.5)
    if full:
        losses = add(losses, 0.5 * math.log(2 * math.pi))
    return reduce_composed(losses, reduction, owner="gaussian_nll_loss")


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The Poisson negative log-likelihood of target given rate exp(input) (log_input) or input: exp(x) - t x,
    or x - t log(x + eps); full=True adds Stirling's t log t - t + log(2 pi t) / 2 where t > 1."""
    input, target = as_tensor(input), as_target(target)
    if log_input:
        losses = sub(elementwise.exp(input), mul(target, input))
    else:
        losses = sub(input, mul(target, elementwise.log(add(input, eps))))
    if full:
        t = target
        stirling = add(sub(mul(t, elementwise.log(t)), t), mul(elementwise.log(mul(t, 2 * math.pi)), 0.5))
        losses = add(losses, where((t > 1)._array, stirling, 0.0))
    return reduce_composed(losses, reduction, size_average, reduce, "poisson_nll_loss")
