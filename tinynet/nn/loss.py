"""Loss Modules: the loss ops of ``tinynet/ops/loss.py``, holding the ``reduction`` setting.

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

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import loss
from tinynet.ops.loss import as_target
from tinynet.ops.operands import as_tensor


class _Loss(Module):
    """Stores and checks ``reduction``."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = checks.reduction(reduction, type(self).__name__)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error between prediction and target (same shape)."""

    def forward(self, prediction, target):
        """(prediction - target)^2, reduced."""
        return loss.MSELoss.apply(as_tensor(prediction), as_target(target), reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from raw logits (N, C) and integer class labels (N,)."""

    def forward(self, logits, target):
        """-log softmax(logits)[n, target[n]], reduced over n."""
        return loss.CrossEntropy.apply(as_tensor(logits), as_target(target), reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood from log-probabilities (N, C) and integer class labels (N,)."""

    def forward(self, log_probs, target):
        """-log_probs[n, target[n]], reduced over n."""
        return loss.NLLLoss.apply(as_tensor(log_probs), as_target(target), reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities in [0, 1] and targets in [0, 1]."""

    def forward(self, probabilities, target):
        """-(t log p + (1 - t) log(1 - p)), reduced."""
        return loss.BinaryCrossEntropy.apply(as_tensor(probabilities), as_target(target), reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid applied inside, stably)."""

    def forward(self, logits, target):
        """BCE(sigmoid(logits), t), computed as max(z, 0) - z t + log(1 + e^-|z|)."""
        return loss.BinaryCrossEntropyWithLogits.apply(as_tensor(logits), as_target(target), reduction=self.reduction)
