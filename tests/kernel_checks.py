"""The closeness check shared by the kernel tests (conv2d, pool2d) against their float64 references."""

import numpy as np


def assert_close_to_scale(actual, expected, dtype, tolerance):
    """``actual`` has ``dtype`` and ``expected``'s shape, and no element of it is further from ``expected``
    than ``tolerance`` times the result's scale (its largest magnitude, at least 1).

    The bound is absolute, scaled to the whole result rather than to each element, because a sum of
    many products that cancels to almost 0 still carries the rounding error of its large terms.
    """
    assert actual.dtype == np.dtype(dtype)
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=tolerance * scale)
