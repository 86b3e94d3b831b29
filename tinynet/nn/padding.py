"""Padding layers (``F.pad`` as a layer): Zero-, Constant-, Reflection-, Replication- and CircularPad, 1d and 2d.

``padding`` is an int (every side) or, for 1d, (left, right) and, for 2d, (left, right, top, bottom), as in PyTorch.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops.shape import pad


def _sides(padding, count, owner):
    """``padding`` as a tuple of ``count`` ints (an int is repeated)."""
    if isinstance(padding, (tuple, list)):
        if len(padding) != count:
            names = "(left, right)" if count == 2 else "(left, right, top, bottom)"
            raise ValueError(f"{owner}: padding must be an int or {names}, got {padding!r}")
        return tuple(checks.integer(p, "padding", owner) for p in padding)
    value = checks.integer(padding, "padding", owner)
    return (value,) * count


class _Pad(Module):
    mode = "constant"
    padded_dims = 2  # how many trailing dims are padded

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _sides(padding, 2 * self.padded_dims, type(self).__name__)
        self.value = value

    def forward(self, x):
        """x padded on its last dims."""
        return pad(x, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        if isinstance(self, (ConstantPad1d, ConstantPad2d)):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class _Pad1d(_Pad):
    padded_dims = 1


class _Pad2d(_Pad):
    padded_dims = 2


class ZeroPad1d(_Pad1d):
    """Zeros at both ends of the last dim."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad2d(_Pad2d):
    """Zeros around the last two dims."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ConstantPad1d(_Pad1d):
    """A constant ``value`` at both ends of the last dim."""

    def __init__(self, padding, value):
        super().__init__(padding, checks.real_number(value, "value", "ConstantPad1d"))


class ConstantPad2d(_Pad2d):
    """A constant ``value`` around the last two dims."""

    def __init__(self, padding, value):
        super().__init__(padding, checks.real_number(value, "value", "ConstantPad2d"))


class ReflectionPad1d(_Pad1d):
    """The input mirrored at its ends (the end itself not repeated)."""

    mode = "reflect"


class ReflectionPad2d(_Pad2d):
    """The input mirrored at its edges (the edge itself not repeated)."""

    mode = "reflect"


class ReplicationPad1d(_Pad1d):
    """The end values repeated outwards."""

    mode = "replicate"


class ReplicationPad2d(_Pad2d):
    """The edge values repeated outwards."""

    mode = "replicate"


class CircularPad1d(_Pad1d):
    """The input continued periodically: the left end is padded with the values at the right end, and so on."""

    mode = "circular"


class CircularPad2d(_Pad2d):
    """The input continued periodically in both directions (a torus)."""

    mode = "circular"
