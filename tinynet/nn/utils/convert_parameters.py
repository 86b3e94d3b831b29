"""A model's parameters as one flat vector and back (for second-order methods, evolution strategies, ...).

parameters_to_vector concatenates every parameter, flattened, in order; it is
made of differentiable ops (reshape, cat), so gradients flow back through it.
vector_to_parameters copies consecutive pieces of a vector into the
parameters, in the same order.
"""

from tinynet.autograd import grad_mode
from tinynet.ops.shape import cat, reshape
from tinynet.tensor import Tensor


def _tensors(parameters, owner):
    if isinstance(parameters, Tensor):
        return [parameters]
    parameters = list(parameters)
    for parameter in parameters:
        if not isinstance(parameter, Tensor):
            raise TypeError(f"{owner}: expected Tensors, but got {type(parameter).__name__}")
    return parameters


def parameters_to_vector(parameters):
    """All parameters, flattened and concatenated into one 1-D Tensor (differentiable)."""
    return cat([reshape(p, (-1,)) for p in _tensors(parameters, "parameters_to_vector")])


def vector_to_parameters(vec, parameters):
    """Copy ``vec`` (1-D) into the parameters, each taking the next p.numel() values, reshaped like p."""
    owner = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{owner}: expected a Tensor, but got {type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"{owner}: expected a 1-D vector, got shape {vec.shape}")
    parameters = _tensors(parameters, owner)
    needed = sum(p.numel() for p in parameters)
    if vec.shape[0] < needed:
        raise RuntimeError(f"{owner}: the parameters hold {needed} values but the vector has only {vec.shape[0]}")
    start = 0
    with grad_mode.no_grad():
        for parameter in parameters:
            count = parameter.numel()
            parameter._array[...] = vec._array[start:start + count].reshape(parameter.shape)
            parameter._bump_version()
            start += count
