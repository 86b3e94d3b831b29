"""Function forms of the tensor ops: ``tinynet.exp(x)``, ``tinynet.cat([a, b])``, ``tinynet.where(c, a, b)``...

Each is one line around an op in ``tinynet/ops``; inputs that are not yet
Tensors (numbers, lists, arrays) are converted.
"""

import numpy as np

from tinynet.ops import activations, elementwise, matmul as matmul_ops, reduce, shape
from tinynet.tensor import Tensor, shape_ops_flatten


def as_tensor(value):
    """``value`` as a Tensor (a Tensor is returned as is; anything else is wrapped without copying if possible)."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _operand(value):
    """Tensors and Python numbers pass through (numbers stay weakly typed); the rest becomes a Tensor."""
    if isinstance(value, np.generic):
        return value.item()  # numpy scalars act like Python numbers (they do not promote float32)
    return value if isinstance(value, (Tensor, int, float)) else Tensor(value)


def add(a, b):
    """a + b (broadcasting)."""
    return elementwise.Add.apply(_operand(a), _operand(b))


def sub(a, b):
    """a - b (broadcasting)."""
    return elementwise.Sub.apply(_operand(a), _operand(b))


def mul(a, b):
    """a * b (broadcasting)."""
    return elementwise.Mul.apply(_operand(a), _operand(b))


def div(a, b):
    """a / b (broadcasting)."""
    return elementwise.Div.apply(_operand(a), _operand(b))


def pow(a, b):
    """a ** b (broadcasting)."""
    return elementwise.Pow.apply(_operand(a), _operand(b))


def neg(x):
    """-x."""
    return elementwise.Neg.apply(as_tensor(x))


def exp(x):
    """e^x."""
    return elementwise.Exp.apply(as_tensor(x))


def log(x):
    """Natural logarithm."""
    return elementwise.Log.apply(as_tensor(x))


def sqrt(x):
    """Square root."""
    return elementwise.Sqrt.apply(as_tensor(x))


def abs(x):
    """Absolute value."""
    return elementwise.Abs.apply(as_tensor(x))


def clip(x, min=None, max=None):
    """Limit x to [min, max] (either bound may be None)."""
    return elementwise.Clip.apply(as_tensor(x), min, max)


clamp = clip


def maximum(a, b):
    """Elementwise maximum."""
    return elementwise.Maximum.apply(_operand(a), _operand(b))


def minimum(a, b):
    """Elementwise minimum."""
    return elementwise.Minimum.apply(_operand(a), _operand(b))


def where(condition, a, b):
    """a where condition is true, else b (broadcasting); no gradient flows to the condition."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor/array, got dtype {condition.dtype}")
    return elementwise.Where.apply(condition, _operand(a), _operand(b))


def matmul(a, b):
    """Matrix product with numpy's @ rules."""
    return matmul_ops.MatMul.apply(as_tensor(a), as_tensor(b))


def sum(x, dim=None, keepdims=False):
    """Sum over dim (None: all)."""
    return as_tensor(x).sum(dim, keepdims)


def mean(x, dim=None, keepdims=False):
    """Mean over dim (None: all)."""
    return as_tensor(x).mean(dim, keepdims)


def max(x, dim=None, keepdims=False):
    """Largest value over dim (None: all)."""
    return as_tensor(x).max(dim, keepdims)


def min(x, dim=None, keepdims=False):
    """Smallest value over dim (None: all)."""
    return as_tensor(x).min(dim, keepdims)


def var(x, dim=None, keepdims=False, correction=1):
    """Variance over dim, dividing by n - correction."""
    return reduce.Var.apply(as_tensor(x), axis=dim, keepdims=keepdims, correction=correction)


def argmax(x, dim=None, keepdims=False):
    """Index of the largest value (int64 tensor, no gradient)."""
    return as_tensor(x).argmax(dim, keepdims)


def reshape(x, shape_):
    """x with a new shape."""
    return shape.Reshape.apply(as_tensor(x), tuple(shape_))


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one."""
    return shape_ops_flatten(as_tensor(x), start_dim, end_dim)


def transpose(x, dim0=-2, dim1=-1):
    """Swap two dimensions."""
    return as_tensor(x).transpose(dim0, dim1)


def permute(x, axes):
    """Reorder the dimensions."""
    return shape.Permute.apply(as_tensor(x), tuple(axes))


def cat(tensors, dim=0):
    """Concatenate along an existing dimension."""
    return shape.Cat.apply(*[as_tensor(t) for t in tensors], axis=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Stack equal-shaped tensors along a new dimension."""
    return shape.Stack.apply(*[as_tensor(t) for t in tensors], axis=dim)


def pad(x, pad_widths):
    """Zero padding, PyTorch F.pad order: (left, right, top, bottom, ...) from the last dimension backwards."""
    return shape.Pad.apply(as_tensor(x), tuple(pad_widths))


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return activations.Sigmoid.apply(as_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return activations.Tanh.apply(as_tensor(x))


def relu(x):
    """max(x, 0)."""
    return activations.ReLU.apply(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    return activations.LeakyReLU.apply(as_tensor(x), negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return activations.ELU.apply(as_tensor(x), alpha=alpha)


def silu(x):
    """x * sigmoid(x)."""
    return activations.SiLU.apply(as_tensor(x))


def softplus(x, beta=1.0, threshold=20.0):
    """ln(1 + e^(beta x)) / beta (linear above threshold)."""
    return activations.Softplus.apply(as_tensor(x), beta=beta, threshold=threshold)


def hardlim(x):
    """Step: 1 where x >= 0, else 0 (zero gradient)."""
    return activations.Hardlim.apply(as_tensor(x))


def softmax(x, dim=-1):
    """Softmax along dim."""
    return activations.Softmax.apply(as_tensor(x), dim=dim)


def log_softmax(x, dim=-1):
    """Stable log(softmax(x)) along dim."""
    return activations.LogSoftmax.apply(as_tensor(x), dim=dim)
