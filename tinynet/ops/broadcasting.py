"""Undoing numpy broadcasting in the backward pass.

When an input of shape (3, 1) is broadcast against (4, 3, 5), each of its
elements is used 4 * 5 times in the output.  By the chain rule its gradient is
the SUM of the output gradients over every place it was copied to -- that is
what ``sum_to_shape`` computes.
"""


def sum_to_shape(grad, shape):
    """Sum ``grad`` over the axes along which an array of ``shape`` was broadcast, giving ``shape``."""
    if grad.shape == shape:
        return grad
    # Axes that broadcasting added in front of the input's own axes.
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    # Axes where the input had length 1 but the output did not.
    stretched = tuple(axis for axis, length in enumerate(shape) if length == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
