"""tinynet.utils.data: a user's own Dataset class, the loader's options, samplers, splits -- as in PyTorch.

Where PyTorch's loader is deterministic (no shuffling) the batches are compared with its batches;
shuffled orders come from another generator, so they are checked for what they must be (a
permutation, reproducible with the same seed, different across epochs).
"""

import math

import numpy as np
import pytest

import tinynet
from tinynet.utils.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler, Subset,
    SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate, get_worker_info, random_split,
)


class Squares(Dataset):
    """A user's map-style dataset, as the PyTorch tutorials write them: (features, label) pairs."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if not 0 <= index < self.n:
            raise IndexError(index)
        return np.full((2, 3), index, dtype=np.float32), index * index


class Records:
    """A dataset that does not subclass Dataset and returns dicts."""

    def __len__(self):
        return 7

    def __getitem__(self, index):
        return {"x": tinynet.tensor([float(index), -float(index)]), "y": index % 3, "w": index / 2, "id": str(index)}


def labels_of(loader, position=1):
    return [batch[position].tolist() for batch in loader]


def test_a_user_dataset_class_gives_stacked_batches():
    loader = DataLoader(Squares(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    features, labels = batches[0]
    assert isinstance(batches[0], list)  # a tuple sample gives a list batch, as in PyTorch
    assert features.shape == (4, 2, 3) and features.dtype == np.float32
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 4, 9]
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(batches[2][0].numpy()[:, 0, 0], [8, 9])


def test_dict_samples_give_dict_batches():
    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert list(batch) == ["x", "y", "w", "id"]
    assert batch["x"].shape == (3, 2) and batch["x"].dtype == np.float32
    assert batch["y"].dtype == np.int64 and batch["y"].tolist() == [0, 1, 2]
    assert batch["w"].dtype == np.float64  # Python floats collate to float64, as in PyTorch
    assert batch["id"] == ["0", "1", "2"]


@pytest.mark.parametrize("n, batch_size", [(10, 4), (12, 4), (3, 5), (0, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_and_length_match_torch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    ours = DataLoader(Squares(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(Squares(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, their_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(their_batches)
    for (x, y), (tx, ty) in zip(ours_batches, their_batches):
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        assert y.tolist() == ty.tolist() and y.dtype == ty.numpy().dtype


def test_tensor_dataset_batches_match_torch_and_the_slow_path():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((11, 3, 2)).astype(np.float32)
    y = np.arange(11)
    dataset = TensorDataset(tinynet.tensor(x), tinynet.tensor(y))
    assert dataset[3][0].shape == (3, 2) and dataset[3][1].item() == 3
    fast = list(DataLoader(dataset, batch_size=4))
    slow = list(DataLoader(dataset, batch_size=4, collate_fn=lambda samples: default_collate(samples)))
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                              batch_size=4))
    for a, b, c in zip(fast, slow, theirs):
        for ours, other, reference in zip(a, b, c):
            np.testing.assert_array_equal(ours.numpy(), reference.numpy())
            np.testing.assert_array_equal(other.numpy(), reference.numpy())
            assert ours.dtype == other.dtype == reference.numpy().dtype
    # A batch is a copy: changing it leaves the dataset alone (as torch.stack's result does).
    fast[0][0].numpy()[...] = 99
    assert dataset.tensors[0].numpy()[0, 0, 0] == x[0, 0, 0]


def test_tensor_dataset_length_mismatch_raises_what_torch_raises():
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(tinynet.zeros(3, 2), tinynet.zeros(4))
    with pytest.raises(ValueError, match=r"lengths \[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


def test_shuffle_is_a_fresh_permutation_each_epoch_and_follows_manual_seed():
    loader = DataLoader(Squares(30), batch_size=7, shuffle=True)
    tinynet.manual_seed(11)
    first = sum(labels_of(loader), [])
    second = sum(labels_of(loader), [])
    assert sorted(first) == sorted(second) == [i * i for i in range(30)]
    assert first != second and first != sorted(first)
    tinynet.manual_seed(11)
    assert sum(labels_of(loader), []) == first
    tinynet.manual_seed(12)
    assert sum(labels_of(loader), []) != first


def test_a_generator_makes_the_shuffle_independent_of_the_shared_stream():
    def epochs(seed, disturb):
        loader = DataLoader(Squares(20), batch_size=5, shuffle=True, generator=tinynet.Generator().manual_seed(seed))
        result = []
        for _ in range(2):
            tinynet.manual_seed(disturb)
            result.append(sum(labels_of(loader), []))
        return result

    assert epochs(3, 0) == epochs(3, 1)
    assert epochs(3, 0) != epochs(4, 0)
    assert tinynet.Generator().manual_seed(5).initial_seed() == 5


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.2, 0.2, 0.2, 0.2, 0.2], [10, 0]])
@pytest.mark.parametrize("n", [10, 11])
def test_random_split_sizes_match_torch_and_parts_are_disjoint(lengths, n):
    torch = pytest.importorskip("torch")
    if sum(lengths) > 1 and sum(lengths) != n:
        lengths = lengths[:-1] + [n - sum(lengths[:-1])]
    parts = random_split(Squares(n), lengths)
    their_parts = torch.utils.data.random_split(Squares(n), lengths)
    assert [len(p) for p in parts] == [len(p) for p in their_parts]
    indices = [i for part in parts for i in part.indices]
    assert sorted(indices) == list(range(n))
    assert all(isinstance(part, Subset) for part in parts)
    assert parts[0][0][1] == parts[0].indices[0] ** 2


def test_random_split_is_reproducible_with_a_generator_and_with_manual_seed():
    def split(generator=None):
        return [part.indices for part in random_split(Squares(50), [0.6, 0.4], generator=generator)]

    assert split(tinynet.Generator().manual_seed(42)) == split(tinynet.Generator().manual_seed(42))
    assert split(tinynet.Generator().manual_seed(42)) != split(tinynet.Generator().manual_seed(43))
    tinynet.manual_seed(1)
    first = split()
    tinynet.manual_seed(1)
    assert split() == first


@pytest.mark.parametrize("lengths, error", [([3, 3], ValueError), ([0.5, 0.6], ValueError),
                                            ([1.2, -0.2], ValueError), ("ab", TypeError), ([5, "5"], TypeError)])
def test_random_split_refuses_lengths_that_do_not_fit(lengths, error):
    with pytest.raises(error):
        random_split(Squares(10), lengths)


def test_subsets_of_a_tensor_dataset_keep_the_fast_path_and_the_values():
    dataset = TensorDataset(np.arange(20.0).reshape(10, 2), np.arange(10))
    train, _ = random_split(dataset, [6, 4], generator=tinynet.Generator().manual_seed(0))
    (x, y), = list(DataLoader(train, batch_size=6))
    assert y.tolist() == train.indices
    np.testing.assert_array_equal(x.numpy()[:, 0], np.array(train.indices) * 2.0)


def test_concat_dataset_and_adding_datasets():
    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [both[i][1] for i in range(5)] == [0, 1, 4, 0, 1]
    assert both[-1][1] == 1 and both.cumulative_sizes == [3, 5]
    with pytest.raises(IndexError):
        both[5]
    assert [len(b[1]) for b in DataLoader(both, batch_size=2)] == [2, 2, 1]


def test_samplers_and_batch_samplers():
    dataset = Squares(10)
    picked = [1, 3, 5, 7]
    loader = DataLoader(dataset, batch_size=2, sampler=picked)
    assert labels_of(loader) == [[1, 9], [25, 49]]
    loader = DataLoader(dataset, batch_sampler=[[0, 9], [2]])
    assert labels_of(loader) == [[0, 81], [4]] and len(loader) == 2
    tinynet.manual_seed(0)
    shuffled = sum(labels_of(DataLoader(dataset, batch_size=3, sampler=SubsetRandomSampler(picked))), [])
    assert sorted(shuffled) == [1, 9, 25, 49]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, drop_last=False)) == 3


def test_random_sampler_options():
    tinynet.manual_seed(0)
    draws = list(RandomSampler(range(4), replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2, 3}
    longer = list(RandomSampler(range(4), num_samples=10))
    assert sorted(longer[:4]) == sorted(longer[4:8]) == [0, 1, 2, 3] and len(longer) == 10
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(4), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(4), replacement="yes")


def test_weighted_random_sampler_draws_by_weight():
    sampler = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=tinynet.Generator().manual_seed(0))
    counts = np.bincount(list(sampler), minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    once = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0, -1.0], 2)


def test_batch_size_none_converts_each_sample():
    samples = list(DataLoader(Squares(3), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[2], list)
    assert samples[2][0].shape == (2, 3) and samples[2][1] == 4  # ints stay Python ints, as in PyTorch


class Countdown(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_datasets(drop_last):
    loader = DataLoader(Countdown(7), batch_size=3, drop_last=drop_last)
    batches = [b.tolist() for b in loader]
    assert batches == ([[7, 6, 5], [4, 3, 2]] + ([] if drop_last else [[1]]))
    assert len(loader) == len(batches)
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Countdown(3), shuffle=True)


def test_worker_options_are_accepted_and_load_in_process():
    x = [b[1].tolist() for b in DataLoader(Squares(9), batch_size=4, num_workers=2, pin_memory=True,
                                           persistent_workers=True, prefetch_factor=2, timeout=5)]
    assert x == [[0, 1, 4, 9], [16, 25, 36, 49], [64]]
    assert get_worker_info() is None


@pytest.mark.parametrize("options", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
    dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]],
                                                                                        drop_last=True),
    dict(batch_size=None, drop_last=True), dict(batch_size=0), dict(batch_size=2.5), dict(drop_last="no"),
], ids=str)
def test_option_conflicts_raise_value_error_as_in_torch(options):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(Squares(4), **options)
    with pytest.raises(ValueError):
        DataLoader(Squares(4), **options)


def test_wrong_kinds_of_argument_are_refused_clearly():
    with pytest.raises(TypeError, match="__getitem__"):
        DataLoader(42)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(Squares(3), shuffle=True, generator=7)
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(Squares(3), collate_fn="stack")


def test_import_paths_pytorch_code_uses():
    import tinynet as torch_like
    import tinynet.utils.data as data_module

    assert torch_like.utils.data.DataLoader is DataLoader is data_module.DataLoader
    assert torch_like.utils.data.TensorDataset is tinynet.data.TensorDataset


def test_the_examples_loader_is_the_same_loader_with_tuples():
    from tinynet.data import DataLoader as ExamplesLoader

    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = ExamplesLoader((x, y), batch_size=4)
    assert isinstance(loader, DataLoader)
    batch = next(iter(loader))
    assert isinstance(batch, tuple) and batch[1].tolist() == [0, 1, 2, 3]
    arrays = next(iter(ExamplesLoader((x, y), batch_size=4, as_tensors=False)))
    assert isinstance(arrays[0], np.ndarray)
    user = next(iter(ExamplesLoader(Squares(5), batch_size=5)))
    assert isinstance(user, tuple) and user[1].tolist() == [0, 1, 4, 9, 16]
    assert math.ceil(10 / 4) == len(loader)
