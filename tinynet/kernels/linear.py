"""A fully connected layer, checked: y = x w^T + b (and the ReLU after it), forward and backward in one call
each.  See ``reference.py`` for the steps in numpy and csrc/linear/ for the C.
"""

import numpy as np

from tinynet.kernels import config, reference
from tinynet.kernels.arrays import float_array, same_dtype


def _operands(x, weight):
    x = float_array(x, "linear input", 2, "(N, in_features)")
    weight = float_array(weight, "linear weight", 2, "(out_features, in_features)")
    same_dtype(("linear input", x), ("weight", weight))
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"linear: input {x.shape} and weight {weight.shape} differ in in_features")
    return x, weight


def _backend(x, weight):
    """The active backend, or numpy's reference when a size is 0 (empty sums are 0; C is not asked)."""
    return config.backend if x.size and weight.size else reference


def linear_forward(x, weight, bias=None, relu=False):
    """x @ weight.T + bias for x (N, in), weight (out, in), bias (out,) or None; then max(., 0) with ``relu``
    (as y * [y > 0], which is what tinynet's ReLU computes)."""
    x, weight = _operands(x, weight)
    if bias is not None:
        bias = float_array(bias, "linear bias", 1, "(out_features,)")
        same_dtype(("linear input", x), ("bias", bias))
        if bias.shape != weight.shape[:1]:
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    y = np.empty((x.shape[0], weight.shape[0]), dtype=x.dtype)
    _backend(x, weight).linear_forward(x, weight, bias, bool(relu), y)
    return y


def linear_backward(x, weight, grad_out, relu_output=None, need_x=True, need_weight=True, need_bias=True):
    """(dL/dx, dL/dweight, dL/dbias) of ``linear_forward``, given dL/dy (``grad_out``, N x out); with the ReLU,
    ``relu_output`` is the forward's y (the gradient passes where y > 0).  A gradient not asked for is None."""
    x, weight = _operands(x, weight)
    grad_out = float_array(grad_out, "linear grad_out", 2, "(N, out_features)")
    same_dtype(("linear input", x), ("grad_out", grad_out))
    expected = (x.shape[0], weight.shape[0])
    if grad_out.shape != expected:
        raise ValueError(f"linear_backward: grad_out must have the output's shape {expected}, got {grad_out.shape}")
    if relu_output is not None:
        relu_output = float_array(relu_output, "linear relu_output", 2, "(N, out_features)")
        same_dtype(("linear input", x), ("relu_output", relu_output))
        if relu_output.shape != expected:
            raise ValueError(f"linear_backward: relu_output must have the output's shape {expected}, got "
                             f"{relu_output.shape}")
    dx = np.empty_like(x) if need_x else None
    dw = np.empty_like(weight) if need_weight else None
    db = np.empty(weight.shape[0], dtype=x.dtype) if need_bias else None
    _backend(x, weight).linear_backward(x, weight, relu_output, grad_out, dx, dw, db)
    return dx, dw, db
