"""Gradient clipping: keep one bad batch from throwing the weights far away (exploding gradients).

clip_grad_norm_ treats all the gradients as one long vector g and, if its
norm ||g|| exceeds max_norm, scales every gradient by max_norm / ||g||: the
direction of the step is kept, only its length is capped.  clip_grad_value_
clamps each element instead (which can change the direction).  Both change
the ``.grad`` tensors in place, between ``backward()`` and ``optimizer.step()``.
"""

import math
import numbers

import numpy as np

from tinynet.tensor import Tensor


def _gradients(parameters, owner):
    """The existing ``.grad`` tensors of a Tensor or an iterable of Tensors."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = []
    for parameter in parameters:
        if not isinstance(parameter, Tensor):
            raise TypeError(f"{owner} expects Tensors (e.g. model.parameters()), got {type(parameter).__name__}")
        if parameter.grad is not None:
            grads.append(parameter.grad)
    return grads


def _norm_type(norm_type, owner):
    if isinstance(norm_type, str) and norm_type.lower() == "inf":
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"{owner}: norm_type must be a number or 'inf', got {norm_type!r}")
    return float(norm_type)


def total_norm(arrays, norm_type):
    """The p-norm of all the arrays' elements taken together: the p-norm of their p-norms."""
    if norm_type == math.inf:
        return max(float(np.abs(a).max()) if a.size else 0.0 for a in arrays)
    norms = np.array([np.linalg.norm(a.reshape(-1), ord=norm_type) for a in arrays])
    return float(np.linalg.norm(norms, ord=norm_type))


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all the tensors' elements taken together (the norm of their norms), as a 0-d
    Tensor; with ``error_if_nonfinite``, NaN or infinity raises RuntimeError."""
    owner = "get_total_norm"
    tensors = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    norm_type = _norm_type(norm_type, owner)
    if not tensors:
        return Tensor._from_data(np.array(0.0, dtype=np.float32))
    norm = total_norm([t._array if isinstance(t, Tensor) else np.asarray(t) for t in tensors], norm_type)
    if error_if_nonfinite and not math.isfinite(norm):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite "
                           f"({norm}), so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._from_data(np.array(norm, dtype=np.asarray(tensors[0]._array if isinstance(tensors[0], Tensor)
                                                                else tensors[0]).dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place (``total_norm`` from
    ``get_total_norm``, perhaps taken over more parameters than these)."""
    owner = "clip_grads_with_norm_"
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"{owner}: max_norm must be a number, got {max_norm!r}")
    norm = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    scale = min(max_norm / (norm + 1e-6), 1.0)
    for grad in _gradients(parameters, owner):
        grad._array *= grad._array.dtype.type(scale)
        grad._bump_version()


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients so that their total ``norm_type``-norm is at most ``max_norm``; returns that total norm
    (before clipping) as a 0-d Tensor: ``get_total_norm`` of the gradients, then ``clip_grads_with_norm_``.

    Each gradient is multiplied by min(1, max_norm / (total_norm + 1e-6)).  With ``error_if_nonfinite``, a total
    norm of NaN or infinity raises RuntimeError instead of spreading NaN into the weights.
    """
    owner = "clip_grad_norm_"
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = _gradients(parameters, owner)
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"{owner}: max_norm must be a number, got {max_norm!r}")
    norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_grads_with_norm_(parameters, max_norm, norm)
    return norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    owner = "clip_grad_value_"
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"{owner}: clip_value must be a number, got {clip_value!r}")
    clip_value = float(clip_value)
    for grad in _gradients(parameters, owner):
        np.clip(grad._array, -clip_value, clip_value, out=grad._array)
        grad._bump_version()
