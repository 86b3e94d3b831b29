"""Datasets: what a DataLoader draws samples from.

A *map-style* dataset is anything with ``__len__`` and ``__getitem__(i)``
(subclassing ``Dataset`` is optional, as in PyTorch); an *iterable* one
(``IterableDataset``) only has ``__iter__``.  The ready-made ones:

    TensorDataset(x, y)          row i of every tensor: (x[i], y[i])
    Subset(dataset, indices)     the samples at ``indices``
    ConcatDataset([a, b])        a's samples, then b's (also ``a + b``)
    random_split(dataset, [0.8, 0.2])   disjoint random Subsets of the given lengths or fractions
"""

import bisect
import collections.abc
import itertools
import math
import numbers
import warnings

import numpy as np

from tinynet.generator import numpy_generator
from tinynet.tensor import Tensor


class Dataset:
    """Base class of map-style datasets: define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets read as a stream: define ``__iter__()`` (``__len__`` is optional)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        raise TypeError("an IterableDataset cannot be added to another dataset (ConcatDataset needs indices)")


class SizeMismatchError(ValueError, AssertionError):
    """Tensors of different lengths given to TensorDataset: a ValueError, as tinynet reports bad
    arguments, and the AssertionError PyTorch raises for it, so code written for either catches it."""


class TensorDataset(Dataset):
    """``TensorDataset(*tensors)``: tensors of equal length, indexed together along their first dimension.

    ``dataset[i]`` is the tuple ``(t[i] for t in tensors)``.  numpy arrays are accepted too (wrapped
    as Tensors without copying).  A DataLoader with the default collation fetches whole batches at
    once with one fancy index per tensor instead of stacking rows (the same values, much faster).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset expects at least one tensor, got none")
        converted = []
        for position, tensor in enumerate(tensors):
            tensor = tensor if isinstance(tensor, Tensor) else Tensor._from_data(np.asarray(tensor))
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {position} is a scalar; expected at least 1 dimension")
            converted.append(tensor)
        lengths = [len(tensor) for tensor in converted]
        if len(set(lengths)) != 1:
            raise SizeMismatchError(f"Size mismatch between tensors: TensorDataset expects tensors of equal "
                                    f"length (first dimension), got lengths {lengths}")
        self.tensors = tuple(converted)

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def _batch(self, indices):
        """What default_collate makes of the samples at ``indices``, or None if it must stack them itself
        (a tensor that requires grad: stacking keeps it in the graph)."""
        if any(tensor.requires_grad for tensor in self.tensors):
            return None
        positions = np.asarray(indices, dtype=np.intp)
        return [Tensor._from_data(np.take(tensor._array, positions, axis=0)) for tensor in self.tensors]


class Subset(Dataset):
    """``Subset(dataset, indices)``: ``subset[i]`` is ``dataset[indices[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """The samples at several positions (what a DataLoader asks for, one batch at a time)."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)

    def _batch(self, indices):
        fetch = getattr(self.dataset, "_batch", None)
        return fetch([self.indices[i] for i in indices]) if fetch else None


class ConcatDataset(Dataset):
    """``ConcatDataset(datasets)``: the samples of each map-style dataset in turn."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset expects at least one dataset, got none")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(dataset) for dataset in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ConcatDataset indices must be integers, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of {len(self)} samples")
        index = index % len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


def _split_lengths(lengths, total):
    """Integer lengths from ``lengths``: as given, or fractions of ``total`` (the remainder dealt out
    one by one from the first split on, as PyTorch does)."""
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, collections.abc.Sequence):
        raise TypeError(f"random_split expects a list of lengths or fractions, got {lengths!r}")
    for index, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real):
            raise TypeError(f"random_split: length at index {index} must be a number, got {length!r}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for index, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {index} is not between 0 and 1")
            counts.append(math.floor(total * fraction))
        for index in range(total - sum(counts)):
            counts[index % len(counts)] += 1
        for index, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: the split at index {index} has length 0", stacklevel=3)
        return counts
    for index, length in enumerate(lengths):
        if not isinstance(length, numbers.Integral) or length < 0:
            raise ValueError(f"random_split: lengths must be non-negative integers (or fractions summing to 1), "
                             f"got {length!r} at index {index}")
    if sum(lengths) != total:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of "
                         f"the input dataset ({total})")
    return [int(length) for length in lengths]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into disjoint random ``Subset``\\ s of the given lengths (integers summing to
    ``len(dataset)``, or fractions summing to 1).  ``generator``: a ``tinynet.Generator`` for a split
    that does not depend on (or disturb) the shared random stream; without one, ``tinynet.manual_seed``
    decides it."""
    counts = _split_lengths(lengths, len(dataset))
    order = numpy_generator(generator).permutation(len(dataset)).tolist()
    return [Subset(dataset, order[stop - count:stop])
            for stop, count in zip(itertools.accumulate(counts), counts)]
