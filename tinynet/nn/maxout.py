"""Maxout: a layer that learns its own piecewise-linear activation.

    Maxout(in, out, pieces)(x)_j = max over k of (w_jk . x + b_jk)      d/dx = w_jk of the winning piece k
"""

from tinynet import checks
from tinynet.nn import functional as F
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module


class Maxout(Module):
    """Maxout unit: each of ``out_features`` outputs is the max of ``pieces`` linear functions of the input.

    ``Maxout(in_features, out_features, pieces)`` is ``Linear(in_features, out_features * pieces)``
    followed by ``F.maxout(..., pieces)``: output j is max_k (w_jk . x + b_jk) over the linear
    pieces k = 0..pieces-1, held in rows j * pieces + k of ``self.linear``.  It learns its own
    convex, piecewise-linear activation (two pieces can make a ReLU or |x|).  PyTorch has no maxout
    layer; this follows Goodfellow et al., "Maxout Networks" (2013).
    """

    def __init__(self, in_features, out_features, pieces, bias=True, dtype=None):
        super().__init__()
        self.out_features = checks.positive_int(out_features, "out_features", "Maxout")
        self.pieces = checks.positive_int(pieces, "pieces", "Maxout")
        self.in_features = checks.positive_int(in_features, "in_features", "Maxout")
        self.linear = Linear(self.in_features, self.out_features * self.pieces, bias=bias, dtype=dtype)

    def forward(self, x):
        """(..., in_features) -> (..., out_features): the largest of each output's linear pieces."""
        return F.maxout(self.linear(x), self.pieces, dim=-1)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
