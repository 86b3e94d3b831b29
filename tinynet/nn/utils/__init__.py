"""tinynet.nn.utils: helpers around a model's parameters and gradients, as in ``torch.nn.utils``.

    clip_grad_norm_        scale all gradients together so their total norm is at most max_norm
    clip_grad_value_       clamp every gradient element to [-clip_value, clip_value]
    get_total_norm         the norm of many tensors taken together; clip_grads_with_norm_ scales by a given one
    parameters_to_vector   all parameters as one flat vector (differentiable)
    vector_to_parameters   copy a flat vector back into the parameters
    rnn.pad_sequence       sequences of different lengths as one padded batch
"""

from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from . import rnn
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector", "vector_to_parameters", "rnn"]
