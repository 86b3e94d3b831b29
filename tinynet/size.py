"""``tinynet.Size``: PyTorch's type for a shape -- here a tuple of ints.

``x.shape`` and ``x.size()`` are plain tuples in tinynet (see the README); a Size is a tuple too, so
``x.shape == tinynet.Size([2, 3])`` and ``tinynet.zeros(tinynet.Size([2, 3]))`` work as in PyTorch.
"""

import math
import numbers


class Size(tuple):
    """A shape: a tuple of ints, each >= 0."""

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for n in sizes:
            if isinstance(n, bool) or not isinstance(n, numbers.Integral):
                raise TypeError(f"Size: every entry must be an int, got {sizes!r}")
        return super().__new__(cls, (int(n) for n in sizes))

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __repr__(self):
        return f"tinynet.Size({list(self)})"
