"""``tinynet.Size``: PyTorch's type for a shape -- here a tuple of ints.

``x.shape`` and ``x.size()`` are Sizes, as in PyTorch; a Size is a tuple, so ``x.shape == (2, 3)``,
``np.zeros(x.shape)`` and ``tinynet.zeros(tinynet.Size([2, 3]))`` work as with any tuple.
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

    @classmethod
    def _of(cls, shape):
        """The Size of a shape numpy has already checked (a tensor's): no checks, so it is quick."""
        return tuple.__new__(cls, shape)

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, index):
        """An entry (an int), or with a slice a Size, as PyTorch's: ``x.shape[1:]`` is a Size."""
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other):
        """``shape + (1,)`` is a Size (joined with another tuple)."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        """``(1,) + shape`` is a Size too."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count):
        """``shape * 2`` repeats it, as a Size."""
        return Size(tuple(self) * count)

    __rmul__ = __mul__

    def __repr__(self):
        return f"tinynet.Size({list(self)})"
