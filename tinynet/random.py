"""One random-number generator for the whole library.

Weight initialisation, dropout masks and data shuffling all draw from the
generator returned by ``default_generator()``, so ``tinynet.manual_seed(n)``
makes a whole training run reproducible.
"""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed tinynet's generator; the same seed gives the same run."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an integer seed, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"manual_seed expects a non-negative seed, got {seed}")
    _generator = np.random.default_rng(int(seed))


def default_generator():
    """The ``numpy.random.Generator`` that tinynet draws from."""
    return _generator
