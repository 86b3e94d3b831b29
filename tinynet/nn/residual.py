"""ResidualBlock and PreActivationBlock: the building blocks of a ResNet (v1) and of ResNet v2.

    v1 (ResidualBlock):      out = relu( bn2(conv2( relu(bn1(conv1(x))) )) + shortcut(x) )
    v2 (PreActivationBlock): out = conv2( relu(bn2(conv1( relu(bn1(x)) ))) ) + shortcut(x)

conv1 and conv2 are 3x3 convolutions (padding 1, no bias: BatchNorm's shift
makes a bias redundant); conv1 carries the stride.  The shortcut is the
identity when input and output shapes agree, otherwise a 1x1 convolution
with the same stride followed by BatchNorm (a "projection").

Why it helps: the block only has to learn a correction F(x) to its input,
and during backprop the "+ x" passes the gradient straight through
(d(out)/dx includes the identity), so very deep stacks still train.  In v1
that path still goes through the ReLU after the addition; v2 moves
BatchNorm and ReLU in front of the convolutions ("pre-activation"), so the
identity path from the block's input to its output has nothing on it at all
(He, Zhang, Ren, Sun, "Identity Mappings in Deep Residual Networks", 2016).
"""

from tinynet import checks
from tinynet.nn import functional as F
from tinynet.nn.containers import Sequential
from tinynet.nn.conv import Conv2d
from tinynet.nn.linear import Identity
from tinynet.nn.module import Module
from tinynet.nn.normalization import BatchNorm2d


class ResidualBlock(Module):
    """Two 3x3 conv + BatchNorm layers with a ReLU between and after, plus a shortcut connection.

    ``ResidualBlock(in_channels, out_channels, stride=1)``: spatial size is
    divided by ``stride``; the shortcut projects (1x1 conv + BN) when
    ``stride != 1`` or ``in_channels != out_channels``.
    """

    def __init__(self, in_channels, out_channels, stride=1, dtype=None):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels", "ResidualBlock")
        self.out_channels = checks.positive_int(out_channels, "out_channels", "ResidualBlock")
        self.stride = checks.positive_int(stride, "stride", "ResidualBlock")
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False, dtype=dtype)
        self.bn1 = BatchNorm2d(out_channels, dtype=dtype)
        self.conv2 = Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False, dtype=dtype)
        self.bn2 = BatchNorm2d(out_channels, dtype=dtype)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(
                Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, dtype=dtype),
                BatchNorm2d(out_channels, dtype=dtype),
            )
        else:
            self.shortcut = Identity()

    def forward(self, x):
        """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class PreActivationBlock(Module):
    """The ResNet v2 unit: BatchNorm and ReLU before each of two 3x3 convolutions, and a clean shortcut.

    ``PreActivationBlock(in_channels, out_channels, stride=1)``: out = F(x) + shortcut(x) with
    F(x) = conv2(relu(bn2(conv1(relu(bn1(x)))))).  The shortcut is x itself when the shapes agree;
    otherwise a 1x1 convolution with the stride, applied to relu(bn1(x)) (the input once
    normalised), as in the paper.  There is no ReLU after the addition, so a stack of these blocks
    ends with a BatchNorm and ReLU of its own before the classifier.
    """

    def __init__(self, in_channels, out_channels, stride=1, dtype=None):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels", "PreActivationBlock")
        self.out_channels = checks.positive_int(out_channels, "out_channels", "PreActivationBlock")
        self.stride = checks.positive_int(stride, "stride", "PreActivationBlock")
        self.bn1 = BatchNorm2d(in_channels, dtype=dtype)
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False, dtype=dtype)
        self.bn2 = BatchNorm2d(out_channels, dtype=dtype)
        self.conv2 = Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False, dtype=dtype)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, dtype=dtype)
        else:
            self.shortcut = None

    def forward(self, x):
        """conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut(x)."""
        activated = F.relu(self.bn1(x))
        shortcut = x if self.shortcut is None else self.shortcut(activated)
        out = self.conv2(F.relu(self.bn2(self.conv1(activated))))
        return out + shortcut
