"""PyTorch's other names for ops tinynet has (``torch.multiply`` is ``torch.mul``), and ops that are one call of
another: ``positive`` (the tensor itself), ``msort`` (sorted along dim 0), ``sgn`` (``sign`` of real numbers)."""

from tinynet.ops import compare, elementwise, piecewise, shape, sort
from tinynet.ops.operands import as_tensor

__all__ = ["absolute", "multiply", "subtract", "negative", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "positive", "msort", "sgn", "concat", "ravel"]

absolute = elementwise.abs
multiply = elementwise.mul
subtract = elementwise.sub
negative = elementwise.neg
greater, greater_equal, less, less_equal, not_equal = compare.gt, compare.ge, compare.lt, compare.le, compare.ne
sgn = piecewise.sign
concat = shape.cat


def positive(input):
    """The input itself (+x), as PyTorch's ``positive`` returns it; bool tensors are refused as there."""
    input = as_tensor(input)
    if input.dtype == bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def msort(input):
    """The values sorted along dim 0 (``sort(input, dim=0).values``)."""
    return sort.sort(input, dim=0).values


def ravel(input):
    """The elements as one dimension, in row-major order (``reshape(-1)``)."""
    return shape.reshape(as_tensor(input), (-1,))
