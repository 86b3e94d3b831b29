"""``tinynet.data.DataLoader``: the short form of ``tinynet.utils.data.DataLoader`` used by the examples.

It is the same loader (same samplers, same collation, same fast path for
arrays) with the conveniences the examples rely on:

- ``DataLoader((images, labels), batch_size=64)``: a tuple of equal-length
  arrays is taken as a ``TensorDataset`` (any dataset works too);
- ``batch_size=32`` by default, and ``seed=`` for a shuffle of its own that
  repeats run after run (without it, ``tinynet.manual_seed`` decides);
- batches are tuples ``(x, y)`` (PyTorch's collation gives lists), of
  Tensors, or of numpy arrays with ``as_tensors=False``.

For PyTorch code use ``tinynet.utils.data``, which takes PyTorch's arguments.
"""

import numbers

import numpy as np

from tinynet.generator import Generator
from tinynet.tensor import Tensor
from tinynet.utils.data import DataLoader as TorchStyleDataLoader
from tinynet.utils.data import TensorDataset


class DataLoader(TorchStyleDataLoader):
    """``DataLoader(dataset, batch_size=32, shuffle=False, seed=None, drop_last=False, as_tensors=True)``.

    Parameters
    ----------
    dataset : a dataset, or a tuple/list of equal-length arrays
        e.g. ``(images, labels)`` from ``load_mnist``.
    batch_size : int
        Examples per batch; the last batch is smaller unless ``drop_last``.
    shuffle : bool
        Visit the examples in a new random order every epoch.
    seed : int or None
        With a seed the loader owns its own generator, so its sequence of
        epochs is the same on every run.  Without one it draws from
        ``tinynet.random.default_generator()``, which ``tinynet.manual_seed``
        controls.
    drop_last : bool
        Skip the final batch if it would be smaller than ``batch_size``.
    as_tensors : bool
        Yield ``tinynet.Tensor`` objects (default, since models take Tensors;
        they do not require gradients) or, if False, plain numpy arrays.

    Each iteration yields one tuple per batch, e.g. ``(x, y)``;
    ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, seed=None, drop_last=False, as_tensors=True):
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if isinstance(dataset, (np.ndarray, Tensor)) or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader expects a TensorDataset or a tuple of arrays (or any dataset), got "
                            f"{type(dataset).__name__}; for a single array pass (array,)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"DataLoader expects an integer batch_size, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader expects batch_size >= 1, got {batch_size}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"DataLoader expects seed to be None or a non-negative integer, got {seed!r}")
        generator = None if seed is None else Generator().manual_seed(int(seed))
        super().__init__(dataset, batch_size=int(batch_size), shuffle=bool(shuffle), drop_last=bool(drop_last),
                         generator=generator)
        self.shuffle = bool(shuffle)
        self.as_tensors = bool(as_tensors)

    def _fetch(self, indices):
        """A batch as a tuple, of numpy arrays if ``as_tensors`` is False."""
        batch = super()._fetch(indices)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not self.as_tensors and isinstance(batch, tuple):
            batch = tuple(item._array if isinstance(item, Tensor) else item for item in batch)
        return batch
