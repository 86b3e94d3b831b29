"""Dropout: randomly zero activations during training, as a regulariser.

In training mode each element is kept with probability 1 - p and scaled by
1 / (1 - p) (so the expected value is unchanged); in eval mode Dropout is
the identity.  Dropout2d drops whole channels of (N, C, H, W) feature maps
instead (Dropout1d of sequences (N, C, L), Dropout3d of volumes).  Masks come from ``tinynet.random.default_generator()``.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops import dropout


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode; identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = checks.probability(p, "p", type(self).__name__)
        self.inplace = bool(inplace)

    def forward(self, x):
        """x * mask / (1 - p) when training, x otherwise."""
        if not self.training or self.p == 0:
            return x
        return dropout.dropout(x, self.p, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero each whole channel of an (N, C, H, W) input with probability ``p`` in training mode; identity in eval."""

    def forward(self, x):
        """x * mask[n, c] / (1 - p) when training (one draw per sample and channel), x otherwise."""
        return dropout.dropout2d(x, self.p, training=self.training, inplace=self.inplace)


class Dropout1d(Dropout):
    """Zero each whole channel of an (N, C, L) or (C, L) input with probability ``p`` in training mode."""

    def forward(self, x):
        """x * mask[n, c] / (1 - p) when training, x otherwise."""
        return dropout.dropout1d(x, self.p, training=self.training, inplace=self.inplace)


class Dropout3d(Dropout):
    """Zero each whole channel of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p`` in training mode."""

    def forward(self, x):
        """x * mask[n, c] / (1 - p) when training, x otherwise."""
        return dropout.dropout3d(x, self.p, training=self.training, inplace=self.inplace)


class AlphaDropout(Dropout):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and the result is scaled
    and shifted to keep mean 0 and variance 1 (training mode); identity in eval mode."""

    def forward(self, x):
        """alpha_dropout(x, p) when training, x otherwise."""
        return dropout.alpha_dropout(x, self.p, training=self.training, inplace=self.inplace)
