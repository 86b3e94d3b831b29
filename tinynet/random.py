"""One random-number generator for the whole library.

Weight initialisation, dropout masks and data shuffling all draw from the
generator returned by ``default_generator()``, so ``tinynet.manual_seed(n)``
makes a whole training run reproducible.
"""

import secrets

import numpy as np

from tinynet import checks

# Until manual_seed is called the run starts from a fresh random seed, which initial_seed() reports.
_initial_seed = secrets.randbits(63)
_generator = np.random.default_rng(_initial_seed)


def manual_seed(seed):
    """Reseed tinynet's generator; the same seed gives the same run."""
    global _generator, _initial_seed
    _initial_seed = checks.seed(seed, "manual_seed")
    _generator = np.random.default_rng(_initial_seed)


def seed():
    """Reseed tinynet's generator from a fresh random seed and return that seed."""
    new_seed = secrets.randbits(63)
    manual_seed(new_seed)
    return new_seed


def initial_seed():
    """The seed tinynet's generator last started from (manual_seed's, or the random one chosen at import)."""
    return _initial_seed


def default_generator():
    """The ``numpy.random.Generator`` that tinynet draws from."""
    return _generator
