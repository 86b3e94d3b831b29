"""tinynet.utils.data: datasets, samplers and the DataLoader, as ``torch.utils.data``.

    from tinynet.utils.data import DataLoader, Dataset, TensorDataset, random_split

Reading order: dataset.py (what samples are) -> sampler.py (in which order)
-> collate.py (how samples become a batch) -> dataloader.py (all three, one
epoch at a time).  ``tinynet.data`` (MNIST and IDX files) uses this loader.
"""

from tinynet.utils.data.collate import default_collate, default_convert
from tinynet.utils.data.dataloader import DataLoader, get_worker_info
from tinynet.utils.data.dataset import (
    ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split,
)
from tinynet.utils.data.sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler", "DataLoader", "default_collate", "default_convert", "get_worker_info",
]
