"""Loss Modules for margins, embeddings and likelihoods: the functions of ``tinynet/ops/loss_margin.py`` with
their settings, as in PyTorch (``reduction`` "mean", "sum" or "none"):

    MarginRankingLoss(margin)          (x1, x2, y): max(0, -y (x1 - x2) + margin)
    HingeEmbeddingLoss(margin)         (x, y): x where y = 1, max(0, margin - x) where y = -1
    SoftMarginLoss                     (x, y): log(1 + exp(-y x))
    CosineEmbeddingLoss(margin)        (x1, x2, y): 1 - cos where y = 1, max(0, cos - margin) where y = -1
    TripletMarginLoss(margin, p, swap) (anchor, positive, negative)
    GaussianNLLLoss(full, eps)         (mean, target, var)
    PoissonNLLLoss(log_input, full)    (input, target)
    MultiLabelSoftMarginLoss(weight)   (input, target): per-class logistic losses, averaged over the classes
    MultiMarginLoss(p, margin, weight) (input, target): the multi-class hinge (``tinynet/ops/loss_multiclass.py``)
"""

from tinynet import checks
from tinynet.nn.loss import _Loss, _WeightedLoss
from tinynet.ops import loss_margin, loss_multiclass
from tinynet.ops.operands import as_tensor


class MarginRankingLoss(_Loss):
    """Asks input1 to rank above input2 by ``margin`` where target is 1, below where it is -1."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = checks.real_number(margin, "margin", "MarginRankingLoss")

    def forward(self, input1, input2, target):
        """max(0, -target * (input1 - input2) + margin), reduced."""
        return loss_margin.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """input (a distance) where target is 1, max(0, margin - input) where target is -1."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = checks.real_number(margin, "margin", "HingeEmbeddingLoss")

    def forward(self, input, target):
        """The hinge embedding loss, reduced."""
        return loss_margin.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """The two-class logistic loss log(1 + exp(-target * input)) for targets 1 / -1."""

    def forward(self, input, target):
        """log(1 + exp(-target * input)), reduced."""
        return loss_margin.soft_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where target is -1."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = checks.real_number(margin, "margin", "CosineEmbeddingLoss")

    def forward(self, input1, input2, target):
        """The cosine embedding loss, reduced."""
        return loss_margin.cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), d the p-norm distance."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = checks.real_number(margin, "margin", "TripletMarginLoss")
        self.p, self.eps, self.swap = p, checks.real_number(eps, "eps", "TripletMarginLoss"), bool(swap)

    def forward(self, anchor, positive, negative):
        """The triplet margin loss, reduced."""
        return loss_margin.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                               reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """The negative log-likelihood of the target under N(input, var): (log var + (input - target)^2 / var) / 2."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = bool(full), checks.real_number(eps, "eps", "GaussianNLLLoss")

    def forward(self, input, target, var):
        """The Gaussian negative log-likelihood, reduced."""
        return loss_margin.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class PoissonNLLLoss(_Loss):
    """The Poisson negative log-likelihood of target counts given log-rates (log_input) or rates."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full = bool(log_input), bool(full)
        self.eps = checks.real_number(eps, "eps", "PoissonNLLLoss")

    def forward(self, log_input, target):
        """The Poisson negative log-likelihood, reduced."""
        return loss_margin.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                            reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Yes/no for every class at once (multi-label targets of 0 and 1): per-class logistic losses, averaged."""

    def forward(self, input, target):
        """The mean over classes of -(y log sigmoid(x) + (1 - y) log sigmoid(-x)), reduced over samples."""
        input = as_tensor(input)
        return loss_multiclass.multilabel_soft_margin_loss(input, target, self._weight_for(input),
                                                           reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge: each wrong class's score kept ``margin`` below the right one's."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        self.p, self.margin = p, checks.real_number(margin, "margin", "MultiMarginLoss")

    def forward(self, input, target):
        """sum over i != y of max(0, margin - x_y + x_i)^p / C, reduced over samples."""
        input = as_tensor(input)
        return loss_multiclass.multi_margin_loss(input, target, self.p, self.margin, self._weight_for(input),
                                                 reduction=self.reduction)
