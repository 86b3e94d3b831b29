"""DataLoader: iterate over a dataset in mini-batches, as ``torch.utils.data.DataLoader``.

Each epoch (each ``for batch in loader``) the *batch sampler* yields lists of
indices; the samples at those indices are fetched (``dataset[i]``) and the
*collate function* stacks them into one batch::

    indices   = [7, 2, 9, 4]                              BatchSampler(RandomSampler(dataset), 4, drop_last)
    samples   = [dataset[7], dataset[2], ...]             e.g. (image, label) tuples
    batch     = collate_fn(samples)                       [images (4, ...), labels (4,)]

Training with mini-batches means: visit every example once per epoch, in
groups of ``batch_size``; with ``shuffle=True`` in a fresh random order each
epoch, so each batch's gradient is a different noisy estimate of the
full-data gradient.

Worker processes: tinynet loads in the main process.  ``num_workers > 0`` is
accepted (so PyTorch code runs unchanged) and loads the same batches in the
same order, in-process; ``worker_init_fn`` is not called (there are no
workers) and ``get_worker_info()`` is None.  ``pin_memory`` and the other
device and process options are accepted and have nothing to do.
"""

import math
import numbers

from tinynet.generator import numpy_generator
from tinynet.utils.data.collate import default_collate, default_convert
from tinynet.utils.data.dataset import IterableDataset
from tinynet.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler


def get_worker_info():
    """Information about the current loader worker process: always None (tinynet loads in-process)."""
    return None


def _non_negative(value, name, message):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(message if isinstance(value, numbers.Real) else f"{name} must be a number, got {value!r}")
    return value


class DataLoader:
    """``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
    collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
    multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
    pin_memory_device="", in_order=True)`` -- PyTorch's arguments, defaults and checks.

    ``dataset``: map-style (``__len__`` and ``__getitem__``, e.g. your own class) or an IterableDataset.
    ``batch_size=None`` turns batching off: each sample comes through ``default_convert``.
    ``generator``: a ``tinynet.Generator`` for the shuffle order; without one, ``tinynet.manual_seed``
    makes it reproducible.  ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"num_workers option should be a non-negative integer; use num_workers=0 to disable "
                             f"multiprocessing (got {num_workers!r})")
        _non_negative(timeout, "timeout", "timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing; let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None")
        if prefetch_factor is not None:
            _non_negative(prefetch_factor, "prefetch_factor", "prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        numpy_generator(generator)  # a wrong type is refused now, not at the first epoch

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value!r}")
        else:
            if not hasattr(dataset, "__getitem__"):
                raise TypeError(f"DataLoader expects a dataset with __getitem__ and __len__ (map-style) or an "
                                f"IterableDataset, got {type(dataset).__name__}")
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and self._iterable:
            BatchSampler([], batch_size, drop_last)  # the same checks of batch_size and drop_last

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = int(num_workers)
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = collate_fn if collate_fn is not None else \
            (default_collate if self._auto_collation else default_convert)

    def __len__(self):
        """Batches per epoch: ceil(N / batch_size), or floor with ``drop_last``."""
        if self._iterable:
            length = len(self.dataset)  # a TypeError if the IterableDataset has no __len__, as in PyTorch
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        """Yield the batches of one epoch."""
        if self._iterable:
            return self._iterate_stream()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        return (self._fetch(indices) for indices in self.batch_sampler)

    def _fetch(self, indices):
        """One batch: the samples at ``indices``, collated."""
        if self.collate_fn is default_collate:
            fast = getattr(self.dataset, "_batch", None)  # whole-batch indexing (TensorDataset and its Subsets)
            batch = fast(indices) if fast else None
            if batch is not None:
                return batch
        many = getattr(self.dataset, "__getitems__", None)
        samples = many(indices) if callable(many) else [self.dataset[index] for index in indices]
        return self.collate_fn(samples)

    def _iterate_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)
