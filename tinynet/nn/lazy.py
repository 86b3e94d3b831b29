"""LazyLinear: a Linear layer whose ``in_features`` is read from its first input, so a model can be written
without working out the size of a flattened feature map by hand.

Until that first call the weight has no columns (``in_features=0``); the call gives it its shape, draws it with
Linear's initialisation, and turns the layer into a plain ``Linear``, as PyTorch's does.  The Parameter objects
stay the same, but an optimizer sees their shapes only after that call: run one batch before making it.
"""

import numpy as np

from tinynet import checks, devices
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.nn.parameter import add_weight_and_bias


class LazyLinear(Linear):
    """``LazyLinear(out_features)``: y = x W^T + b with W's input size taken from the first x."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = checks.positive_int(out_features, "out_features", "LazyLinear")
        devices.check(device, "LazyLinear")
        dtype = checks.float_dtype(dtype, "LazyLinear")
        add_weight_and_bias(self, (self.out_features, 0), self.out_features, bias, dtype)

    def reset_parameters(self):
        """Linear's initialisation, once the input size is known (nothing to draw before)."""
        if self.in_features:
            super().reset_parameters()

    def has_uninitialized_params(self):
        """True until the first forward has given the weight its shape."""
        return self.in_features == 0

    def forward(self, x):
        """Take in_features from x's last dim, make the weight, become a Linear, then compute as one."""
        shape = checks.tensor_shape(x, "LazyLinear")
        if len(shape) == 0:
            raise RuntimeError("LazyLinear expects an input with at least one dimension")
        self.in_features = int(shape[-1])
        self.weight.data = np.empty((self.out_features, self.in_features), dtype=self.weight.dtype)
        self.reset_parameters()
        self.__class__ = self.cls_to_become
        return self.forward(x)
