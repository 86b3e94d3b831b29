"""Loss Modules: wrappers around the loss functions in ``F``, holding the ``reduction`` setting.

``reduction`` is 'mean' (the default: average over elements / examples),
'sum', or 'none' (one loss per element / example).  Each is called as
``loss_fn(prediction, target)`` and returns a Tensor (a scalar unless
reduction='none'):

    MSELoss            mean (prediction - target)^2
    CrossEntropyLoss   -log softmax(logits)[target]  (logits (N, C), integer class targets (N,))
    NLLLoss            -log_probs[target]  (pair with LogSoftmax)
    BCELoss            -(t log p + (1 - t) log(1 - p))  (p already a probability)
    BCEWithLogitsLoss  BCE of sigmoid(logits), computed stably from the logits
"""

from tinynet.nn import functional as F
from tinynet.nn.module import Module

REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """Stores and checks ``reduction``."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error between prediction and target (same shape)."""

    def forward(self, prediction, target):
        """(prediction - target)^2, reduced."""
        return F.mse_loss(prediction, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from raw logits (N, C) and integer class labels (N,)."""

    def forward(self, logits, target):
        """-log softmax(logits)[n, target[n]], reduced over n."""
        return F.cross_entropy(logits, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood from log-probabilities (N, C) and integer class labels (N,)."""

    def forward(self, log_probs, target):
        """-log_probs[n, target[n]], reduced over n."""
        return F.nll_loss(log_probs, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities in [0, 1] and targets in [0, 1]."""

    def forward(self, probabilities, target):
        """-(t log p + (1 - t) log(1 - p)), reduced."""
        return F.binary_cross_entropy(probabilities, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid applied inside, stably)."""

    def forward(self, logits, target):
        """BCE(sigmoid(logits), t), computed as max(z, 0) - z t + log(1 + e^-|z|)."""
        return F.binary_cross_entropy_with_logits(logits, target, reduction=self.reduction)
