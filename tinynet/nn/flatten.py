"""Flatten: merge dimensions start_dim..end_dim into one, e.g. (N, C, H, W) -> (N, C*H*W); Unflatten: split one.

Flatten is used between convolutional feature maps and a Linear classifier,
Unflatten on the way back (a decoder's Linear output to an image).  Both are
only a reshape, so the gradient is the incoming gradient reshaped back.
"""

import math

from tinynet import checks
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


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``, e.g. (N, 784) -> (N, 1, 28, 28): Flatten undone.

    One entry of unflattened_size may be -1 (worked out from the others), as in PyTorch.
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an integer, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(n, int) and not isinstance(n, bool) for n in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x):
        """Reshape dim ``dim`` into ``unflattened_size``."""
        shape = checks.tensor_shape(x, "Unflatten")
        dim = checks.dim(self.dim, len(shape), "Unflatten")
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)  # the product of the sizes given
        if -1 in sizes:
            fits = sizes.count(-1) == 1 and known > 0 and shape[dim] % known == 0
        else:
            fits = known == shape[dim]
        if not fits or any(n < -1 for n in sizes):
            raise RuntimeError(f"Unflatten: sizes {list(sizes)} don't multiply up to the size of dim {self.dim} "
                               f"({shape[dim]}) in the input of shape {shape}")
        return x.reshape(shape[:dim] + sizes + shape[dim + 1:])

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
