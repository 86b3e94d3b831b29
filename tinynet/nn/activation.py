"""Activation Modules: thin wrappers so a nonlinearity can sit in a Sequential.

Each calls ``F``, where the forward and derivative are written out; all
but Maxout (which has weights) act elementwise.  For reference:

    Sigmoid    s(x) = 1 / (1 + e^-x)                  s' = s (1 - s)
    Tanh       tanh(x)                                tanh' = 1 - tanh^2
    ReLU       max(0, x)                              1 if x > 0 else 0
    LeakyReLU  x if x > 0 else a x                    1 if x > 0 else a
    ELU        x if x > 0 else alpha (e^x - 1)        1 if x > 0 else alpha e^x
    SiLU       x s(x)                                 s(x) (1 + x (1 - s(x)))
    Softplus   log(1 + e^x)                           s(x)
    Hardlim    1 if x >= 0 else 0                     0 (almost everywhere)
    Maxout     max_k (w_k . x + b_k) over k pieces    w_k of the winning piece
    Softmax    e^x_i / sum_j e^x_j  along dim
    LogSoftmax x_i - log sum_j e^x_j  along dim
"""

import numpy as np

from tinynet import checks
from tinynet.nn import functional as F
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module


def _check_dim(dim, owner):
    """A dim's range depends on the input, so it is checked in forward; here only its type."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{owner}: dim must be an integer, got {dim!r}")
    return dim


class Sigmoid(Module):
    """Logistic sigmoid, squashing to (0, 1)."""

    def forward(self, x):
        """s(x) = 1 / (1 + e^-x)."""
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent, squashing to (-1, 1)."""

    def forward(self, x):
        """tanh(x)."""
        return F.tanh(x)


class ReLU(Module):
    """Rectified linear unit: negatives become 0."""

    def forward(self, x):
        """max(0, x)."""
        return F.relu(x)


class LeakyReLU(Module):
    """ReLU that lets a small slope through for negatives, so those units still get a gradient."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = checks.real_number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x):
        """x if x > 0 else negative_slope * x."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """Exponential linear unit: smooth for negatives, saturating at -alpha."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = checks.real_number(alpha, "alpha", "ELU")

    def forward(self, x):
        """x if x > 0 else alpha (e^x - 1)."""
        return F.elu(x, self.alpha)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"alpha={self.alpha}"


class SiLU(Module):
    """Sigmoid-weighted linear unit (swish): x * sigmoid(x)."""

    def forward(self, x):
        """x s(x)."""
        return F.silu(x)


class Softplus(Module):
    """Smooth ReLU: log(1 + e^x)."""

    def forward(self, x):
        """log(1 + e^x)."""
        return F.softplus(x)


class Hardlim(Module):
    """Hard limit (the perceptron's step): 1 where x >= 0, else 0; its gradient is 0."""

    def forward(self, x):
        """1 if x >= 0 else 0."""
        return F.hardlim(x)


class Softmax(Module):
    """Softmax along ``dim``: positive outputs that sum to 1 (a probability distribution)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = _check_dim(dim, "Softmax")

    def forward(self, x):
        """e^x_i / sum_j e^x_j along dim."""
        return F.softmax(x, dim=self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log of softmax along ``dim``, computed stably (pairs with NLLLoss)."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = _check_dim(dim, "LogSoftmax")

    def forward(self, x):
        """x_i - log sum_j e^x_j along dim."""
        return F.log_softmax(x, dim=self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class Maxout(Module):
    """Maxout unit: each of ``out_features`` outputs is the max of ``pieces`` linear functions of the input.

    ``Maxout(in_features, out_features, pieces)`` is ``Linear(in_features, out_features * pieces)``
    followed by ``F.maxout(..., pieces)``: output j is max_k (w_jk . x + b_jk) over the linear
    pieces k = 0..pieces-1, held in rows j * pieces + k of ``self.linear``.  It learns its own
    convex, piecewise-linear activation (two pieces can make a ReLU or |x|).  PyTorch has no maxout
    layer; this follows Goodfellow et al., "Maxout Networks" (2013).
    """

    def __init__(self, in_features, out_features, pieces, bias=True, dtype=np.float32):
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
