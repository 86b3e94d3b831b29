"""Cutting a dataset into mini-batches: ``TensorDataset`` and ``DataLoader``.

Training with mini-batches means: each epoch, visit every example once, in
groups of ``batch_size``; with ``shuffle=True`` the order is a fresh random
permutation each epoch, so the gradient of each batch is a different noisy
estimate of the full-data gradient.
"""

import math
import numbers

import numpy as np

import tinynet.random


class TensorDataset:
    """Equal-length arrays (e.g. images and labels) indexed together along their first axis.

    ``dataset[i]`` is a tuple with the i-th row of every array; ``i`` may also
    be a slice or an integer index array, which selects a whole batch at once.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset expects at least one array, got none")
        converted = []
        for position, array in enumerate(arrays):
            if hasattr(array, "numpy") and not isinstance(array, np.ndarray):
                array = array.numpy()  # a tinynet (or torch) Tensor
            array = np.asarray(array)
            if array.ndim == 0:
                raise ValueError(f"TensorDataset: array {position} is a scalar; expected at least 1 dimension")
            converted.append(array)
        lengths = [len(array) for array in converted]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset expects arrays of equal length (first dimension), got lengths {lengths}")
        self.arrays = tuple(converted)

    def __len__(self):
        """Number of examples (the shared first dimension)."""
        return len(self.arrays[0])

    def __getitem__(self, index):
        """The rows ``index`` (int, slice or index array) of every array, as a tuple."""
        return tuple(array[index] for array in self.arrays)


class DataLoader:
    """Iterate over a dataset in mini-batches.

    Parameters
    ----------
    dataset : TensorDataset, or a tuple/list of equal-length arrays
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
        if not isinstance(dataset, TensorDataset):
            raise TypeError(
                f"DataLoader expects a TensorDataset or a tuple of arrays, got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"DataLoader expects an integer batch_size, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader expects batch_size >= 1, got {batch_size}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"DataLoader expects seed to be None or a non-negative integer, got {seed!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.as_tensors = bool(as_tensors)
        self._own_generator = None if seed is None else np.random.default_rng(int(seed))

    def __len__(self):
        """Batches per epoch: ceil(N / batch_size), or floor with ``drop_last``."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return math.ceil(len(self.dataset) / self.batch_size)

    def _order(self):
        """The example order for one epoch (None means 0, 1, 2, ... without copying)."""
        if not self.shuffle:
            return None
        # Looked up every epoch: manual_seed replaces the default generator.
        generator = self._own_generator or tinynet.random.default_generator()
        return generator.permutation(len(self.dataset))

    def __iter__(self):
        """Yield the batches of one epoch."""
        order = self._order()
        convert = _to_tensor if self.as_tensors else (lambda array: array)
        for batch in range(len(self)):
            start = batch * self.batch_size
            stop = min(start + self.batch_size, len(self.dataset))
            index = slice(start, stop) if order is None else order[start:stop]
            yield tuple(convert(array) for array in self.dataset[index])


def _to_tensor(array):
    """Wrap a batch array in a tinynet Tensor (imported late: data/ sits above the tensor module)."""
    from tinynet.tensor import Tensor

    return Tensor(array)
