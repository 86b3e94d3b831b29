"""Samplers: the order in which a DataLoader visits a map-style dataset's indices.

    SequentialSampler(dataset)             0, 1, 2, ..., len - 1
    RandomSampler(dataset)                 a fresh random permutation on every pass (every epoch)
    SubsetRandomSampler(indices)           the given indices in a fresh random order
    WeightedRandomSampler(weights, n)      n indices drawn with probability proportional to weights
    BatchSampler(sampler, size, drop_last) the sampler's indices grouped into lists of ``size``

``DataLoader(shuffle=True)`` uses a RandomSampler and ``batch_size=b`` a
BatchSampler around it.  Random samplers draw from their ``generator`` if
given (a ``tinynet.Generator``), else from tinynet's shared stream, looked
up at every pass so that ``tinynet.manual_seed`` takes effect.
"""

import numbers

import numpy as np

from tinynet.generator import numpy_generator


def _positive_integer(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _boolean(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class Sampler:
    """Base class: an iterable of dataset indices (``__iter__``; ``__len__`` if the count is known)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """``RandomSampler(data_source, replacement=False, num_samples=None, generator=None)``.

    Without replacement: whole permutations of the indices (``num_samples`` may exceed the length:
    further permutations follow).  With replacement: ``num_samples`` independent uniform draws.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        if not isinstance(replacement, (bool, np.bool_)):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement!r}")
        self.replacement = bool(replacement)
        self._num_samples = None if num_samples is None else _positive_integer(num_samples, "num_samples")
        numpy_generator(generator)  # checks its type now rather than at the first epoch
        self.generator = generator

    @property
    def num_samples(self):
        """How many indices one pass yields (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        size, count = len(self.data_source), self.num_samples
        rng = numpy_generator(self.generator)
        if self.replacement:
            return iter(rng.integers(0, size, size=count).tolist())
        whole, rest = divmod(count, size) if size else (0, 0)
        order = [rng.permutation(size) for _ in range(whole)] + ([rng.permutation(size)[:rest]] if rest else [])
        return iter(np.concatenate(order).tolist() if order else [])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """``SubsetRandomSampler(indices, generator=None)``: the given indices, shuffled on every pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        numpy_generator(generator)
        self.generator = generator

    def __iter__(self):
        order = numpy_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``WeightedRandomSampler(weights, num_samples, replacement=True, generator=None)``: index i with
    probability weights[i] / sum(weights) (without replacement: each index at most once)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.num_samples = _positive_integer(num_samples, "num_samples")
        self.replacement = _boolean(replacement, "replacement")
        weights = np.asarray(weights._array if hasattr(weights, "_array") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {weights.shape}")
        if weights.size == 0 or not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError("weights must be finite, non-negative and not all zero")
        if not self.replacement and self.num_samples > np.count_nonzero(weights):
            raise ValueError(f"cannot draw {self.num_samples} samples without replacement from "
                             f"{np.count_nonzero(weights)} indices of non-zero weight")
        self.weights = weights
        numpy_generator(generator)
        self.generator = generator

    def __iter__(self):
        rng = numpy_generator(self.generator)
        chosen = rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                            p=self.weights / self.weights.sum())
        return iter(chosen.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """``BatchSampler(sampler, batch_size, drop_last)``: lists of ``batch_size`` indices from ``sampler``;
    the last one shorter unless ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _positive_integer(batch_size, "batch_size")
        self.drop_last = _boolean(drop_last, "drop_last")

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
