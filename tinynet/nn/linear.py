"""Linear (fully connected) layer and Identity.

Linear computes y = x W^T + b for x of shape (..., in_features):
W has shape (out_features, in_features) and b shape (out_features,), as in
PyTorch, so weights can be copied between the two unchanged.  The math and
its backward live in ``tinynet/ops/matmul.py`` (``Linear``, also ``F.linear``);
this Module owns the parameters and checks its input.
"""

from tinynet import checks, devices
from tinynet.kernels import config
from tinynet.nn import functional as F
from tinynet.nn import init
from tinynet.nn.activation import ReLU
from tinynet.nn.module import Module
from tinynet.nn.parameter import add_weight_and_bias
from tinynet.ops import einsum, matmul


class Linear(Module):
    """Fully connected layer: y = x W^T + b.

    Default initialisation is PyTorch's: W ~ kaiming_uniform(a=sqrt(5)),
    i.e. U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = checks.positive_int(in_features, "in_features", "Linear")
        self.out_features = checks.positive_int(out_features, "out_features", "Linear")
        devices.check(device, "Linear")
        dtype = checks.float_dtype(dtype, "Linear")  # (None: the default dtype, float32 unless set otherwise)
        add_weight_and_bias(self, (self.out_features, self.in_features), self.out_features, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights with PyTorch's default scheme (weight first, then bias)."""
        init.layer_default_(self.weight, self.bias)

    def forward(self, x):
        """(..., in_features) -> (..., out_features)."""
        self._check_input(x)
        return matmul.Linear.apply(x, self.weight, self.bias)

    def forward_with_relu(self, x):
        """relu(self(x)) as one op (``LinearReLU``), for a 2-D input; ``Sequential`` calls it (see fuses_with)."""
        self._check_input(x)
        if x.ndim != 2:
            return F.relu(matmul.Linear.apply(x, self.weight, self.bias))
        return matmul.LinearReLU.apply(x, self.weight, self.bias)

    def fuses_with(self, next_module):
        """Whether ``Sequential`` may run this layer and ``next_module`` as one ``LinearReLU``: fused kernels are
        on, ``next_module`` is a plain ReLU, and no hook (forward or backward) is registered on either (a fused
        pair has no output between the two to give a hook)."""
        return (config.fused and type(next_module) is ReLU and type(self) is Linear
                and not (self._has_hooks() or next_module._has_hooks()))

    def _check_input(self, x):
        shape = checks.tensor_shape(x, "Linear")
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise RuntimeError(f"{self._name()} expects input with last dimension {self.in_features}, got shape "
                               f"{shape}")
        if x.dtype != self.weight.dtype:
            raise RuntimeError(f"{self._name()} has {self.weight.dtype} weights and expects {self.weight.dtype} "
                               f"input, got dtype {x.dtype}")

    def _name(self):
        """How an error names this layer, e.g. Linear(784→128) (made only when one is raised)."""
        return f"Linear({self.in_features}→{self.out_features})"

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T W x2 + b for each output: W has shape (out_features, in1_features, in2_features) and b shape
    (out_features,), both drawn from U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as in PyTorch."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = checks.positive_int(in1_features, "in1_features", "Bilinear")
        self.in2_features = checks.positive_int(in2_features, "in2_features", "Bilinear")
        self.out_features = checks.positive_int(out_features, "out_features", "Bilinear")
        devices.check(device, "Bilinear")
        dtype = checks.float_dtype(dtype, "Bilinear")
        add_weight_and_bias(self, (self.out_features, self.in1_features, self.in2_features), self.out_features,
                            bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / self.in1_features ** 0.5
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        """(..., in1_features), (..., in2_features) -> (..., out_features)."""
        return einsum.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. a residual block's shortcut)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        """y = x."""
        return x
