"""a + b over two whole float arrays, one threaded pass (csrc/elementwise/add.inc).

The same numbers, bit for bit, as numpy's a + b (reference.py), which runs on one thread.  The ops call
it for arrays that ``serves`` accepts -- big, one dtype and shape, laid out for C (the same test as the
ReLU kernel's) -- and leave the rest, broadcasting included, to numpy: a ResNet's residual sums
(ops/elementwise.py).  (The engine's sum of two gradients of one tensor stays numpy's: autograd does not
call the kernels.)
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.relu import SMALLEST, serves

__all__ = ["SMALLEST", "serves", "add"]


def add(a, b, out=None):
    """a + b for arrays that ``serves`` accepts, into ``out`` (a new array, or ``a`` itself for a sum in place)."""
    if not serves(a, b):
        raise ValueError(f"add: expected two C-contiguous float32 or float64 arrays of one shape and at least "
                         f"{SMALLEST} numbers, got {a.dtype} {a.shape} and {b.dtype} {b.shape}")
    if out is None:  # (a new array shares memory with nothing)
        out = np.empty_like(a)
    elif out is not a or not out.flags.writeable:
        raise ValueError("add: out must be None (a new array) or a itself, writable")
    elif out is not b and np.may_share_memory(out, b):  # (b a view into out: C would read numbers it already wrote)
        raise ValueError("add: b shares memory with out; give arrays apart (or b is out itself)")
    config.backend.add(a, b, out)
    return out
