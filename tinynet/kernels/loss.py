"""Softmax cross-entropy against class labels, checked: the loss and its gradient in one pass.

For logits z of shape (N, C) and labels t of shape (N,):

    loss_sum = sum_n (log sum_c exp(z_nc) - z_n,t_n)
    grad     = scale * (softmax(z) - one_hot(t))       (scale * dloss_sum/dz)

See ``reference.py`` for the same in numpy and csrc/loss/ for the C.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.arrays import float_array

_INT64 = np.dtype(np.int64)


def cross_entropy(logits, labels, scale=1.0, want_grad=True):
    """(loss_sum, grad) as above: loss_sum a Python float, grad an array like ``logits`` (None unless
    ``want_grad``).  Returns None when some label is not a class in [0, C): the caller decides whether that
    is an item to ignore or an error."""
    logits = float_array(logits, "cross_entropy logits", 2, "(N, C)")
    if not isinstance(labels, np.ndarray) or labels.dtype != _INT64 or labels.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: labels must be an int64 array of shape ({logits.shape[0]},), got "
                         f"{getattr(labels, 'dtype', type(labels).__name__)} {getattr(labels, 'shape', '')}")
    labels = np.ascontiguousarray(labels)
    rows, classes = logits.shape
    if classes == 0:
        return None  # no label can be a class
    if rows == 0:
        return 0.0, (np.zeros_like(logits) if want_grad else None)
    return config.backend.cross_entropy(logits, labels, float(scale), bool(want_grad))
