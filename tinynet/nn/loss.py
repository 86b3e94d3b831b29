"""Loss Modules: the loss functions of ``tinynet/ops/loss*.py``, holding their settings (as in PyTorch).

``reduction`` is 'mean' (the default: average over elements / examples),
'sum', or 'none' (one loss per element / example).  Each is called as
``loss_fn(prediction, target)`` and returns a Tensor (a scalar unless
reduction='none'):

    MSELoss            (prediction - target)^2
    L1Loss             |prediction - target|
    SmoothL1Loss       squared below |difference| = beta, absolute above (beta)
    HuberLoss          squared below |difference| = delta, delta * absolute above (delta)
    KLDivLoss          target (log target - input), input as log-probabilities (log_target, 'batchmean')
    CrossEntropyLoss   -log softmax(logits)[target]  (weight, ignore_index, label_smoothing, probability targets)
    NLLLoss            -log_probs[target]  (pair with LogSoftmax; weight, ignore_index)
    BCELoss            -(t log p + (1 - t) log(1 - p))  (p already a probability; weight)
    BCEWithLogitsLoss  BCE of sigmoid(logits), computed stably from the logits (weight, pos_weight)

A ``weight`` / ``pos_weight`` given to the constructor is kept as a buffer
(so it appears in ``state_dict`` and follows ``.to(dtype)``), as in PyTorch.
"""

import numpy as np

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import loss, loss_binary, loss_classification
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor


class _Loss(Module):
    """Stores and checks ``reduction`` (or works it out from the deprecated size_average/reduce)."""

    _reductions = checks.REDUCTIONS

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        owner = type(self).__name__
        if size_average is not None or reduce is not None:
            reduction = loss.legacy_reduction(size_average, reduce, reduction, owner)
        if reduction not in self._reductions:
            raise ValueError(f"{owner}: reduction must be one of {self._reductions}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _optional_buffer(module, name, value):
    """Register ``value`` (a Tensor, array, list or None) as a buffer named ``name``."""
    if isinstance(value, Tensor):
        value = value._array
    module.register_buffer(name, None if value is None else Tensor._from_array(np.array(value), requires_grad=False))


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight`` buffer."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        _optional_buffer(self, "weight", weight)

    def _weight_for(self, input):
        """The weight buffer in the input's dtype (None if there is none)."""
        weight = self.weight
        if weight is None or weight.dtype == input._array.dtype:
            return weight
        return weight.to(input._array.dtype)


class MSELoss(_Loss):
    """Mean squared error between prediction and target (same shape)."""

    def forward(self, input, target):
        """(input - target)^2, reduced."""
        return loss.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error between prediction and target (same shape)."""

    def forward(self, input, target):
        """|input - target|, reduced."""
        return loss.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error (divided by 2 beta) where |input - target| < beta, absolute error minus beta/2 elsewhere."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = checks.real_number(beta, "beta", "SmoothL1Loss")

    def forward(self, input, target):
        """smooth_l1(input - target), reduced."""
        return loss.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Half the squared error where |input - target| <= delta, delta (|input - target| - delta/2) elsewhere."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = checks.real_number(delta, "delta", "HuberLoss")

    def forward(self, input, target):
        """huber(input - target), reduced."""
        return loss.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """KL divergence of the target distribution from the input's; the input is log-probabilities.

    reduction='batchmean' gives the KL divergence per sample (PyTorch's default 'mean' divides by every element).
    """

    _reductions = loss.KL_REDUCTIONS

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = bool(log_target)

    def forward(self, input, target):
        """target (log target - input) (or e^target (target - input) with log_target), reduced."""
        return loss.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from raw logits (N, C, ...) and class indices (N, ...) or class probabilities.

    ``weight`` (C,) rescales each class, targets equal to ``ignore_index`` are skipped, ``label_smoothing``
    mixes the target with the uniform distribution.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = checks.integer(ignore_index, "ignore_index", "CrossEntropyLoss")
        self.label_smoothing = loss_classification.check_label_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input, target):
        """-sum_c q_c log softmax(input)_c per item, reduced (q the weighted, smoothed target distribution)."""
        input = as_tensor(input)
        return loss_classification.checked_cross_entropy(input, loss.as_target(target), self._weight_for(input),
                                                         self.ignore_index, self.reduction, self.label_smoothing,
                                                         "CrossEntropyLoss")


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood from log-probabilities (N, C, ...) and class indices (N, ...)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = checks.integer(ignore_index, "ignore_index", "NLLLoss")

    def forward(self, input, target):
        """-weight[target] * input[n, target[n]], reduced."""
        input = as_tensor(input)
        return loss_classification.checked_nll_loss(input, loss.as_target(target), self._weight_for(input),
                                                    self.ignore_index, self.reduction, "NLLLoss")


class BCELoss(_WeightedLoss):
    """Binary cross-entropy from probabilities in [0, 1] and targets in [0, 1]."""

    def forward(self, input, target):
        """-weight (t log p + (1 - t) log(1 - p)), reduced."""
        return loss_binary.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy from logits (sigmoid applied inside, stably); ``pos_weight`` weights the positives."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        _optional_buffer(self, "pos_weight", pos_weight)

    def forward(self, input, target):
        """BCE(sigmoid(input), target), computed from the logits."""
        return loss_binary.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                            pos_weight=self.pos_weight)
