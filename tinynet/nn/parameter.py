"""Parameter: a Tensor that a Module owns and an optimizer updates.

A Parameter is an ordinary Tensor with ``requires_grad=True``; the only thing
the subclass adds is a *label*.  When a Module sees a Parameter assigned to
one of its attributes (``self.weight = Parameter(...)``) it records it, so
``module.parameters()`` can hand every learnable array to an optimizer and
``module.state_dict()`` can name it.
"""

import numpy as np

from tinynet.tensor import Tensor


class Parameter(Tensor):
    """A learnable Tensor (``requires_grad=True`` by default) registered by the Module that holds it.

    ``data`` is kept in its own dtype (float32 or float64); it is copied so
    that the Parameter never aliases an array the caller still holds.
    """

    def __init__(self, data=None, requires_grad=True):
        array = np.zeros(0, np.float32) if data is None else data._array if isinstance(data, Tensor) else data
        array = np.array(array, copy=True)
        if array.dtype not in (np.float32, np.float64):
            raise TypeError(f"Parameter expects float32 or float64 data, got dtype {array.dtype}")
        self._init_leaf(array, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def add_weight_and_bias(module, weight_shape, bias_size, bias, dtype):
    """Give a Linear or convolution layer its ``weight`` (``weight_shape``) and, when ``bias``, its ``bias``
    (``bias_size``; otherwise None), both uninitialised: the layer's reset_parameters draws them."""
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty(bias_size, dtype=dtype))
    else:
        module.register_parameter("bias", None)
