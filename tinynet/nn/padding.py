"""Padding layers: ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d (``F.pad`` as a layer).

``padding`` is an int (all four sides) or (left, right, top, bottom), as in PyTorch.
"""

from tinynet import checks
from tinynet.nn.module import Module
from tinynet.ops.shape import pad


def _four(padding, owner):
    if isinstance(padding, (tuple, list)):
        if len(padding) != 4:
            raise ValueError(f"{owner}: padding must be an int or (left, right, top, bottom), got {padding!r}")
        return tuple(checks.integer(p, "padding", owner) for p in padding)
    value = checks.integer(padding, "padding", owner)
    return (value,) * 4


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _four(padding, type(self).__name__)
        self.value = value

    def forward(self, x):
        """x padded on its last two dims."""
        return pad(x, self.padding, self.mode, self.value if self.mode == "constant" else None)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"padding={self.padding}, value={self.value}" if type(self) is ConstantPad2d else f"{self.padding}"


class ZeroPad2d(_Pad2d):
    """Zeros around the last two dims."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ConstantPad2d(_Pad2d):
    """A constant ``value`` around the last two dims."""

    def __init__(self, padding, value):
        super().__init__(padding, checks.real_number(value, "value", "ConstantPad2d"))


class ReflectionPad2d(_Pad2d):
    """The input mirrored at its edges (the edge itself not repeated)."""

    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """The edge values repeated outwards."""

    mode = "replicate"
