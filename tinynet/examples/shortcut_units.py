"""Two more units with shortcuts, for the ``residual`` example to compare with ``nn.ResidualBlock``.

**Highway** (Srivastava, Greff and Schmidhuber, 2015): a shortcut with a learnt gate,

    y = H(x) * T(x) + x * (1 - T(x)),        T(x) = sigmoid(W_T x + b_T)

per value: the *transform gate* T decides, for every channel and pixel, how much of the layers'
output H(x) to take and how much of the input x to carry through unchanged.  The residual unit
y = H(x) + x is the same idea with no gate (the shortcut always open, at full strength).  Its
derivative has the same two roads, each weighted by the gate:

    dy/dx = T dH/dx + (1 - T) + (H - x) dT/dx

so where the gate is closed (T near 0) the gradient passes along the carry road untouched.  b_T
starts negative (here -1, T about 0.27), so a fresh unit mostly carries x, as the paper advises
for deep highway nets.  H is the plain unit of the residual example: conv-BN-ReLU twice; the
gate is a 1x1 convolution of x with the same stride.

**ResNeXt** (Xie et al., 2017): the residual unit y = relu(F(x) + x) with F split into parallel
paths: 1x1 conv, then a 3x3 convolution in ``cardinality`` groups (each group sees only its own
channels: ``nn.Conv2d(groups=)``), then a 1x1 conv, each followed by BatchNorm (and ReLU but the
last).  The groups are the paths of the paper's "split-transform-merge"; the 1x1 convolutions
mix them.

Where a unit changes the shape (stride 2, more channels), x is projected with a 1x1 convolution
and BatchNorm before it is carried or added, as in ``nn.ResidualBlock``.
"""

from tinynet import nn
from tinynet.nn import functional as F

CARRY_BIAS = -1.0  # the gate's starting bias: sigmoid(-1) = 0.27, so a new unit mostly carries x
CARDINALITY = 4  # ResNeXt's groups: the example's 8, 16 and 32 channels give paths of 2, 4 and 8 channels


def projection(in_channels, out_channels, stride):
    """x itself, or its 1x1 convolution + BatchNorm where the unit changes the shape."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                         nn.BatchNorm2d(out_channels))


class HighwayUnit(nn.Module):
    """``HighwayUnit(in_channels, out_channels, stride)``: y = H(x) T(x) + carry(x) (1 - T(x)), with H two
    3x3 conv-BN-ReLU layers, T = sigmoid(1x1 conv of x), carry = x or its 1x1 projection + BN."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.transform = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())
        self.gate = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
        nn.init.constant_(self.gate.bias, CARRY_BIAS)
        self.shortcut = projection(in_channels, out_channels, stride)  # x must match H(x) in shape

    def forward(self, x):
        gate = F.sigmoid(self.gate(x))
        return self.transform(x) * gate + self.shortcut(x) * (1.0 - gate)


class ResNeXtUnit(nn.Module):
    """``ResNeXtUnit(in_channels, out_channels, stride=1, cardinality=CARDINALITY)``: relu(F(x) + shortcut(x)),
    F = 1x1 conv, grouped 3x3 conv (the stride), 1x1 conv, each with BatchNorm, ReLU between; three
    weight layers, ``out_channels`` wide throughout."""

    def __init__(self, in_channels, out_channels, stride=1, cardinality=CARDINALITY):
        super().__init__()
        self.transform = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, stride=stride, padding=1, groups=cardinality, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
        self.shortcut = projection(in_channels, out_channels, stride)

    def forward(self, x):
        return F.relu(self.transform(x) + self.shortcut(x))
