"""tanh over a whole float array, forward and backward, one threaded pass each:

    forward (float32):  y = tanh(x)   (csrc/elementwise/tanh_forward.c; tanh_math.h says how)
    backward:           dx = grad - grad * y * y   (= grad (1 - y^2), y = tanh(x) saved by forward; tanh.inc)

The forward is within 2 units in the last place of tanh rounded to float32, with the same bits at every SIMD
level and on any number of threads, for any size and layout (a strided array is copied first), so a float32
tanh from this kernel does not depend on where it ran.  The tanh op calls it where it pays (``forward_pays``):
float32 at the AVX2 level, where numpy's float32 tanh took 3.0 ns a number on an AMD EPYC and this 1.0-1.15 on
one thread and 0.85-0.9 on two (3.2 million numbers).  Elsewhere -- float64, the numpy backend, a CPU without AVX2
(whose plain loop takes 31 ns a number: a branch and library calls for each) or one with AVX-512 (where numpy
has a 16-lane loop that this 8-lane one has not been measured against) -- the op keeps numpy's np.tanh.

The backward gives the same numbers, bit for bit, as numpy's expression in the same order (reference.py),
which makes two temporaries and three passes on one thread.  Arrays that ``serves`` refuses -- small, or
not laid out for C -- stay with numpy: the same test as the ReLU kernel's.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.arrays import FLOAT32
from tinynet.kernels.relu import SMALLEST, serves

__all__ = ["SMALLEST", "serves", "forward_pays", "tanh_forward", "tanh_backward"]


def forward_pays(x):
    """Whether the tanh op should take ``tanh_forward`` for the array x rather than np.tanh (see above)."""
    return x.dtype == FLOAT32 and config.backend is config.c_backend and config.c_backend.get_simd() == "avx2"


def tanh_forward(x):
    """tanh(x) for a float32 array (any shape and layout: a strided one is copied first)."""
    if not isinstance(x, np.ndarray) or x.dtype != FLOAT32:
        raise TypeError(f"tanh_forward: expected a float32 numpy array, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}")
    if not x.flags.c_contiguous:  # (a 0-d array always is: ascontiguousarray would make it 1-d)
        x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    if x.size:
        config.backend.tanh_forward(x, y)
    return y


def tanh_backward(y, grad):
    """grad - grad * y * y, for y and grad that ``serves`` accepts (one dtype and shape)."""
    if not serves(y, grad):
        raise ValueError(f"tanh_backward: expected two C-contiguous float32 or float64 arrays of one shape and at "
                         f"least {SMALLEST} numbers, got {y.dtype} {y.shape} and {grad.dtype} {grad.shape}")
    dx = np.empty_like(grad)
    config.backend.tanh_backward(y, grad, dx)
    return dx
