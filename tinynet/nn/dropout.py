"""Dropout: randomly zero activations during training, as a regulariser.

In training mode each element is kept with probability 1 - p and scaled by
1 / (1 - p) (so the expected value is unchanged); in eval mode Dropout is
the identity.  Masks come from ``tinynet.random.default_generator()``.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import dropout


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode; identity in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = checks.probability(p, "p", "Dropout")

    def forward(self, x):
        """x * mask / (1 - p) when training, x otherwise."""
        if not self.training or self.p == 0:
            return x
        return dropout.Dropout.apply(x, p=self.p)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"p={self.p}"
