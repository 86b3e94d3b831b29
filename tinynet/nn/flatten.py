"""Flatten: merge dimensions start_dim..end_dim into one, e.g. (N, C, H, W) -> (N, C*H*W).

Used between convolutional feature maps and a Linear classifier.  Only a
reshape, so its gradient is the incoming gradient reshaped back.
"""

from tinynet.nn import functional as F
from tinynet.nn.module import Module


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Flatten: {name} must be an integer, got {value!r}")
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        """Reshape, keeping the dims outside [start_dim, end_dim]."""
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
