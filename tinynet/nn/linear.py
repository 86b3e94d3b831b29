"""Linear (fully connected) layer and Identity.

Linear computes y = x W^T + b for x of shape (..., in_features):
W has shape (out_features, in_features) and b shape (out_features,), as in
PyTorch, so weights can be copied between the two unchanged.  The math and
its backward live in ``F.linear``; this Module owns the parameters.
"""

import math

import numpy as np

from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter


def check_positive_int(value, name, owner):
    """Return ``value`` if it is an int >= 1, else raise naming the argument and its owner."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{owner}: {name} must be >= 1, got {value}")
    return int(value)


def check_float_dtype(dtype, owner):
    """Parameters are float32 (the default, like PyTorch) or float64 (for gradient checks)."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{owner}: dtype must be float32 or float64, got {dtype}")
    return dtype


def input_shape(x, owner):
    """The shape of a Tensor or array input, or a TypeError naming the layer."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"{owner} expects a Tensor, got {type(x).__name__}")
    return tuple(shape)


class Linear(Module):
    """Fully connected layer: y = x W^T + b.

    Default initialisation is PyTorch's: W ~ kaiming_uniform(a=sqrt(5)),
    i.e. U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Linear")
        self.out_features = check_positive_int(out_features, "out_features", "Linear")
        dtype = check_float_dtype(dtype, "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """(..., in_features) -> (..., out_features)."""
        shape = input_shape(x, "Linear")
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}→{self.out_features}) expects input with last dimension "
                f"{self.in_features}, got shape {shape}"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a residual block's shortcut)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        """y = x."""
        return x
