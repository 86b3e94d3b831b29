"""``out=``: an op writing its result into a tensor the caller gives, as ``torch.add(a, b, out=c)``.

PyTorch's rules: the result is cast to ``out``'s dtype when the cast keeps the kind of number
(float into float, int into float or int -- never float into int; the matrix products do not
cast at all); ``out`` is resized when its
shape differs (with a warning unless it was empty); ``out`` is returned.  Such calls are not
differentiable: under grad mode, an operand that requires grad is an error.
"""

import warnings

import numpy as np

from tinynet.autograd import grad_mode
from tinynet.tensor import Tensor


def into(out, result, name, same_dtype=False):
    """``result`` (a Tensor an op just made) written into ``out``; ``result`` itself when ``out`` is None.

    ``same_dtype``: ``out`` must have the result's dtype (PyTorch's matrix products do not cast).
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    values = result._array
    if same_dtype and values.dtype != out.dtype:
        raise RuntimeError(f"{name}(): expected out tensor to have dtype {values.dtype}, but got {out.dtype} instead")
    if not np.can_cast(values.dtype, out.dtype, casting="same_kind"):
        raise RuntimeError(f"{name}(): result type {values.dtype} can't be cast to the desired output type {out.dtype}")
    if out.shape != values.shape:
        if out._array.size:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape {list(values.shape)}",
                          UserWarning, stacklevel=3)
        out._array = np.empty(values.shape, out.dtype)
    np.copyto(out._array, values, casting="same_kind")
    out._bump_version()
    return out
