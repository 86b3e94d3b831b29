"""Activation Modules: thin wrappers so a nonlinearity can sit in a Sequential.

Each computes its function elementwise by calling ``F``, where the
forward and derivative are written out.  For reference:

    Sigmoid    s(x) = 1 / (1 + e^-x)                  s' = s (1 - s)
    Tanh       tanh(x)                                tanh' = 1 - tanh^2
    ReLU       max(0, x)                              1 if x > 0 else 0
    LeakyReLU  x if x > 0 else a x                    1 if x > 0 else a
    ELU        x if x > 0 else alpha (e^x - 1)        1 if x > 0 else alpha e^x
    SiLU       x s(x)                                 s(x) (1 + x (1 - s(x)))
    Softplus   log(1 + e^(beta x)) / beta             s(beta x)
    Hardlim    1 if x >= 0 else 0                     0 (almost everywhere)
    Softmax    e^x_i / sum_j e^x_j  along dim
    LogSoftmax x_i - log sum_j e^x_j  along dim
    Hardtanh   x clamped to [min_val, max_val]        1 inside, 0 outside
    ReLU6      x clamped to [0, 6]                    1 inside, 0 outside
    PReLU      x if x > 0 else a x, a learned         1 or a  (and x for a)
    GELU       x Phi(x), Phi the normal CDF           Phi(x) + x phi(x)
    Mish       x tanh(softplus(x))
    SELU       scale * ELU(x, alpha), fixed constants
    LogSigmoid log s(x)                               1 - s(x)
    Hardsigmoid relu6(x + 3) / 6                      1/6 on (-3, 3), else 0
    Hardswish  x relu6(x + 3) / 6                     (2x + 3)/6 on (-3, 3), 1 above, 0 below
    Softsign   x / (1 + |x|)                          1 / (1 + |x|)^2
    Tanhshrink x - tanh(x)                            tanh(x)^2
    Softmin    softmax(-x) along dim
    Threshold  x if x > threshold else value          1 if kept, else 0

Layers with ``inplace=True`` write their result into the input tensor (as in
PyTorch) instead of allocating a new one.
"""

import numpy as np

from tinynet import checks, devices
from tinynet.nn import functional as F
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter


def _check_dim(dim, owner):
    """A dim's range depends on the input, so it is checked in forward; here only its type (None: PyTorch's
    deprecated implicit choice, made in forward)."""
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)):
        raise TypeError(f"{owner}: dim must be an integer, got {dim!r}")
    return dim


class Sigmoid(Module):
    """Logistic sigmoid, squashing to (0, 1)."""

    def forward(self, x):
        """s(x) = 1 / (1 + e^-x)."""
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent, squashing to (-1, 1)."""

    def forward(self, x):
        """tanh(x)."""
        return F.tanh(x)


class _InplaceActivation(Module):
    """An activation with PyTorch's ``inplace`` option."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceActivation):
    """Rectified linear unit: negatives become 0."""

    def forward(self, x):
        """max(0, x)."""
        return F.relu(x, inplace=self.inplace)


class LeakyReLU(_InplaceActivation):
    """ReLU that lets a small slope through for negatives, so those units still get a gradient."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = checks.real_number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x):
        """x if x > 0 else negative_slope * x."""
        return F.leaky_relu(x, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_InplaceActivation):
    """Exponential linear unit: smooth for negatives, saturating at -alpha."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = checks.real_number(alpha, "alpha", "ELU")

    def forward(self, x):
        """x if x > 0 else alpha (e^x - 1)."""
        return F.elu(x, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SiLU(_InplaceActivation):
    """Sigmoid-weighted linear unit (swish): x * sigmoid(x)."""

    def forward(self, x):
        """x s(x)."""
        return F.silu(x, inplace=self.inplace)


class Softplus(Module):
    """Smooth ReLU: log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = checks.real_number(beta, "beta", "Softplus")
        self.threshold = checks.real_number(threshold, "threshold", "Softplus")

    def forward(self, x):
        """log(1 + e^(beta x)) / beta."""
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardlim(Module):
    """Hard limit (the perceptron's step): 1 where x >= 0, else 0; its gradient is 0."""

    def forward(self, x):
        """1 if x >= 0 else 0."""
        return F.hardlim(x)


class Softmax(Module):
    """Softmax along ``dim``: positive outputs that sum to 1 (a probability distribution)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = _check_dim(dim, "Softmax")

    def forward(self, x):
        """e^x_i / sum_j e^x_j along dim."""
        return F.softmax(x, dim=self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log of softmax along ``dim``, computed stably (pairs with NLLLoss)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = _check_dim(dim, "LogSoftmax")

    def forward(self, x):
        """x_i - log sum_j e^x_j along dim."""
        return F.log_softmax(x, dim=self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class Hardtanh(_InplaceActivation):
    """Clamp to [min_val, max_val] (default [-1, 1]): a piecewise-linear tanh."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        self.min_val = checks.real_number(min_val, "min_val", type(self).__name__)
        self.max_val = checks.real_number(max_val, "max_val", type(self).__name__)
        if self.max_val <= self.min_val:
            raise AssertionError(f"{type(self).__name__}: max_val ({max_val}) must be greater than min_val "
                                 f"({min_val})")

    def forward(self, x):
        """min(max(x, min_val), max_val)."""
        return F.hardtanh(x, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """ReLU capped at 6 (MobileNet): min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return "inplace=True" if self.inplace else ""


class PReLU(Module):
    """Leaky ReLU whose negative slope is learned: one slope (``num_parameters=1``) or one per channel (dim 1)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = checks.positive_int(num_parameters, "num_parameters", "PReLU")
        self.init = checks.real_number(init, "init", "PReLU")
        dtype = checks.float_dtype(dtype, "PReLU")
        devices.check(device, "PReLU")
        self.weight = Parameter(np.full(self.num_parameters, self.init, dtype=dtype))

    def reset_parameters(self):
        """Every slope back to ``init``."""
        self.weight._array[...] = self.init
        self.weight._bump_version()

    def forward(self, x):
        """x if x > 0 else weight * x (weight per channel of dim 1)."""
        return F.prelu(x, self.weight)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"num_parameters={self.num_parameters}"


class GELU(Module):
    """Gaussian error linear unit x Phi(x) (Phi the standard normal CDF); approximate='tanh' for the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        """x Phi(x)."""
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"approximate={self.approximate!r}"


class Mish(_InplaceActivation):
    """Mish: x tanh(softplus(x)), a smooth, non-monotonic ReLU."""

    def forward(self, x):
        """x tanh(log(1 + e^x))."""
        return F.mish(x, inplace=self.inplace)


class SELU(_InplaceActivation):
    """Scaled ELU with the constants of self-normalising networks (scale 1.0507, alpha 1.6733)."""

    def forward(self, x):
        """scale * elu(x, alpha)."""
        return F.selu(x, inplace=self.inplace)


class LogSigmoid(Module):
    """log(sigmoid(x)), computed stably."""

    def forward(self, x):
        """log(1 / (1 + e^-x))."""
        return F.logsigmoid(x)


class Hardsigmoid(_InplaceActivation):
    """A piecewise-linear sigmoid: 0 below -3, 1 above 3, a straight line between."""

    def forward(self, x):
        """relu6(x + 3) / 6."""
        return F.hardsigmoid(x, inplace=self.inplace)

    def extra_repr(self):
        """Nothing (PyTorch does not show inplace for this layer)."""
        return ""


class Hardswish(_InplaceActivation):
    """MobileNetV3's cheap swish: x times hardsigmoid(x)."""

    def forward(self, x):
        """x * relu6(x + 3) / 6."""
        return F.hardswish(x, inplace=self.inplace)

    def extra_repr(self):
        """Nothing (PyTorch does not show inplace for this layer)."""
        return ""


class Softsign(Module):
    """x / (1 + |x|), squashing to (-1, 1) more gently than tanh."""

    def forward(self, x):
        """x / (1 + |x|)."""
        return F.softsign(x)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, x):
        """x - tanh(x)."""
        return F.tanhshrink(x)


class CELU(_InplaceActivation):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = checks.real_number(alpha, "alpha", "CELU")

    def forward(self, x):
        """alpha elu(x / alpha)."""
        return F.celu(x, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softmin(Module):
    """softmax(-x) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim if dim is None else _check_dim(dim, "Softmin")

    def forward(self, x):
        """e^-x_i / sum_j e^-x_j along dim."""
        return F.softmin(x, dim=self.dim)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"dim={self.dim}"


class Softmax2d(Module):
    """softmax over the channels (dim -3) of each position of a (N, C, H, W) or (C, H, W) input."""

    def forward(self, x):
        """e^x_c / sum_c' e^x_c' at every pixel."""
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D instead")
        return F.softmax(x, dim=-3)


class Threshold(_InplaceActivation):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__(inplace)
        self.threshold = checks.real_number(threshold, "threshold", "Threshold")
        self.value = value

    def forward(self, x):
        """x where x > threshold, else value."""
        return F.threshold(x, self.threshold, self.value, inplace=self.inplace)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")

