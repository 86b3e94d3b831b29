"""CosineSimilarity and PairwiseDistance: the modules of ``F.cosine_similarity``/``F.pairwise_distance``."""

from tinynet.nn.module import Module
from tinynet.ops import distances


class CosineSimilarity(Module):
    """The cosine of the angle between two inputs along ``dim`` (no parameters)."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        """cosine_similarity(x1, x2, dim, eps)."""
        return distances.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm distance between two inputs along the last dim (no parameters)."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        """pairwise_distance(x1, x2, p, eps, keepdim)."""
        return distances.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
