"""The ReLU over a whole float array, forward and backward, one threaded pass each (csrc/elementwise/relu.inc):

    forward:   y = max(x, 0) (NaN stays NaN) and positive = [x > 0], kept for backward;
    backward:  dx = dy * positive.

The same numbers as numpy's ``np.maximum(x, 0)``, ``x > 0`` and ``dy * positive`` (reference.py), which
need two passes for the forward and one thread.  ``serves`` says when to call these: arrays too small or
not laid out for C stay with numpy.
"""

import numpy as np

from tinynet.kernels import config

_TYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Below this many numbers the call into C saves nothing over numpy.
SMALLEST = 1 << 15


def serves(*arrays):
    """Whether the kernels take these arrays: float32 or float64, one dtype and shape, C-contiguous, big."""
    first = arrays[0]
    return (first.dtype in _TYPES and first.size >= SMALLEST
            and all(a.dtype == first.dtype and a.shape == first.shape and a.flags.c_contiguous for a in arrays))


def relu_forward(x):
    """(max(x, 0), x > 0) for an array ``serves`` accepts."""
    if not serves(x):
        raise ValueError(f"relu_forward: expected a C-contiguous float32 or float64 array of at least "
                         f"{SMALLEST} numbers, got {x.dtype} {x.shape}")
    y, positive = np.empty_like(x), np.empty(x.shape, dtype=np.bool_)
    config.backend.relu_forward(x, y, positive)
    return y, positive


def relu_backward(grad, positive):
    """grad * positive, for ``positive`` (bool) from relu_forward and grad of the same shape."""
    if not serves(grad) or positive.dtype != np.bool_ or positive.shape != grad.shape or \
            not positive.flags.c_contiguous:
        raise ValueError(f"relu_backward: expected grad as relu_forward's input and positive (bool) of its shape, "
                         f"got {grad.dtype} {grad.shape} and {positive.dtype} {positive.shape}")
    dx = np.empty_like(grad)
    config.backend.relu_backward(grad, positive, dx)
    return dx
