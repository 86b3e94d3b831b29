"""One random-number generator for the whole library.

Weight initialisation, dropout masks and data shuffling all draw from the
generator returned by ``default_generator()``, so ``tinynet.manual_seed(n)``
makes a whole training run reproducible.
"""

import numpy as np

from tinynet import checks

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed tinynet's generator; the same seed gives the same run."""
    global _generator
    _generator = np.random.default_rng(checks.seed(seed, "manual_seed"))


def default_generator():
    """The ``numpy.random.Generator`` that tinynet draws from."""
    return _generator
