"""PartialGradient: a gradient that is zero except where an index reads -- what ``x[index]`` sends back to x.

y = x[index] copies part of x, so dL/dx is dL/dy in that part and 0 everywhere else.  Written out, that is an
array of x's full size for every read: a loop that reads a sequence one step at a time (``x[t]`` for t < L,
as a recurrent network does) would build L full-size arrays of mostly zeros and add them up, work that grows
as L squared.  So GetItem's backward returns this instead, and the engine (engine.run_backward) adds it into
the sum it keeps for x -- ``sum[index] += values`` -- making one full-size array per tensor, not one per read.
Anything else that asks for the gradient (a hook, a listener) gets it written out (``materialize``).
"""

import numpy as np


class PartialGradient:
    """dL/dx for x of ``shape``: ``values`` at ``index`` (a basic or advanced numpy index), 0 elsewhere."""

    __slots__ = ("shape", "index", "values", "advanced")

    def __init__(self, shape, index, values, advanced):
        self.shape, self.index, self.values, self.advanced = shape, index, values, advanced

    def add_into(self, total):
        """total += this gradient, in place (an advanced index may name an element twice: np.add.at adds both)."""
        if self.advanced:
            np.add.at(total, self.index, self.values)
        else:
            total[self.index] += self.values

    def materialize(self):
        """The gradient as a full array: zeros, plus the values at the index."""
        full = np.zeros(self.shape, dtype=self.values.dtype)
        self.add_into(full)
        return full


def materialized(gradient):
    """``gradient`` as an array (a PartialGradient written out; anything else as it is)."""
    return gradient.materialize() if isinstance(gradient, PartialGradient) else gradient
