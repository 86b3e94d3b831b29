"""Generator: a random-number generator of your own, as ``torch.Generator``.

Most code draws from tinynet's one shared generator (``tinynet.manual_seed``
seeds it).  A Generator object is for a stream kept apart from it, e.g. a
data split that must stay the same whatever else the program draws::

    train, val = random_split(dataset, [0.8, 0.2], generator=tinynet.Generator().manual_seed(42))

It wraps a ``numpy.random.Generator``; the numbers differ from PyTorch's
(another algorithm), so the same seed gives a different (but as random)
split or shuffle in tinynet and in PyTorch.
"""

import secrets

import numpy as np

from tinynet import checks, random


class Generator:
    """``Generator(device="cpu")``: ``manual_seed(seed)`` (returns the generator), ``seed()``, ``initial_seed()``."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"tinynet runs on the CPU only; a Generator cannot live on device {device!r}")
        self.device = "cpu"
        self.seed()

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (an integer; a negative one is counted from 2**64, as in PyTorch);
        returns the generator itself."""
        self._initial_seed = checks.seed(seed, "manual_seed")
        self._numpy = np.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Restart the stream from a fresh, unpredictable seed, and return that seed."""
        self.manual_seed(secrets.randbits(63))
        return self._initial_seed

    def initial_seed(self):
        """The seed the stream last started from."""
        return self._initial_seed

    def __repr__(self):
        return f"Generator(device='cpu', initial_seed={self._initial_seed})"


def numpy_generator(generator):
    """The ``numpy.random.Generator`` to draw from: tinynet's shared one for None, else the given one's."""
    if generator is None:
        return random.default_generator()  # looked up at each use: manual_seed replaces it
    if isinstance(generator, Generator):
        return generator._numpy
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a tinynet.Generator (or a numpy.random.Generator), "
                    f"got {type(generator).__name__}")
