"""The tanh's backward over a whole float array, one threaded pass (csrc/elementwise/tanh.inc):

    dx = grad - grad * y * y   (= grad (1 - y^2), y = tanh(x) saved by forward)

The same numbers, bit for bit, as numpy's expression in the same order (reference.py), which makes two
temporaries and three passes on one thread.  Arrays that ``serves`` refuses -- small, or not laid out for
C -- stay with numpy: the same test as the ReLU kernel's.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.relu import SMALLEST, serves

__all__ = ["SMALLEST", "serves", "tanh_backward"]


def tanh_backward(y, grad):
    """grad - grad * y * y, for y and grad that ``serves`` accepts (one dtype and shape)."""
    if not serves(y, grad):
        raise ValueError(f"tanh_backward: expected two C-contiguous float32 or float64 arrays of one shape and at "
                         f"least {SMALLEST} numbers, got {y.dtype} {y.shape} and {grad.dtype} {grad.shape}")
    dx = np.empty_like(grad)
    config.backend.tanh_backward(y, grad, dx)
    return dx
