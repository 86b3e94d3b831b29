"""Dropout: randomly zero activations during training, as a regulariser.

In training mode each element is kept with probability 1 - p and scaled by
1 / (1 - p) (so the expected value is unchanged); in eval mode Dropout is
the identity.  Masks come from ``tinynet.random.default_generator()``.
"""

from tinynet.nn import functional as F
from tinynet.nn.module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode; identity in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError(f"Dropout: p must be a number, got {p!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x):
        """x * mask / (1 - p) when training, x otherwise."""
        return F.dropout(x, p=self.p, training=self.training)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"p={self.p}"
