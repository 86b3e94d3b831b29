"""default_collate and default_convert against PyTorch's: same structure, dtypes, shapes and values."""

import collections

import numpy as np
import pytest

import tinynet
from tinynet.utils.data import default_collate, default_convert

torch = pytest.importorskip("torch")
from torch.utils.data import default_collate as torch_collate  # noqa: E402
from torch.utils.data import default_convert as torch_convert  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def to_torch(sample):
    """The same sample with tinynet Tensors replaced by torch tensors (other leaves unchanged)."""
    if isinstance(sample, tinynet.Tensor):
        return torch.from_numpy(np.array(sample.numpy()))
    if isinstance(sample, dict):
        return type(sample)((key, to_torch(value)) for key, value in sample.items())
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(to_torch(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(to_torch(v) for v in sample)
    return sample


def assert_same(ours, theirs, where="batch"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tinynet.Tensor), f"{where}: {type(ours).__name__} where torch has a tensor"
        expected = theirs.numpy()
        assert ours.shape == expected.shape, f"{where}: shape {ours.shape} vs {expected.shape}"
        assert ours.dtype == expected.dtype, f"{where}: dtype {ours.dtype} vs {expected.dtype}"
        np.testing.assert_array_equal(ours.numpy(), expected, err_msg=where)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs), where
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), \
            f"{where}: {type(ours).__name__} of {len(ours)} vs {type(theirs).__name__} of {len(theirs)}"
        for index, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{index}]")
    else:
        assert ours == theirs and type(ours) is type(theirs), f"{where}: {ours!r} vs {theirs!r}"


rng = np.random.default_rng(0)
BATCHES = {
    "python ints": [3, 1, 4],
    "python floats": [0.5, 2.0, -1.25],
    "python bools": [True, False, True],
    "int first then float": [1, 2.5, 3],
    "float first then int": [1.5, 2, 3],
    "numpy float32 scalars": [np.float32(1.5), np.float32(-2)],
    "numpy float64 scalars": [np.float64(1.5), np.float64(-2)],
    "numpy int32 scalars": [np.int32(7), np.int32(8)],
    "numpy bool scalars": [np.bool_(True), np.bool_(False)],
    "float32 arrays": [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)],
    "float64 arrays": [rng.standard_normal(5) for _ in range(3)],
    "uint8 images": [rng.integers(0, 255, (1, 4, 4), dtype=np.uint8) for _ in range(2)],
    "int16 arrays": [np.array([1, -2], dtype=np.int16), np.array([3, 4], dtype=np.int16)],
    "bool arrays": [np.array([True, False]), np.array([False, False])],
    "0-d arrays": [np.array(1.5), np.array(2.5)],
    "tensors": [tinynet.tensor(rng.standard_normal((2, 2)).astype(np.float32)) for _ in range(3)],
    "int64 tensors": [tinynet.tensor(np.array([1, 2])), tinynet.tensor(np.array([3, 4]))],
    "0-d tensors": [tinynet.tensor(1.0), tinynet.tensor(2.0)],
    "strings": ["cat", "dog"],
    "bytes": [b"a", b"b"],
    "(image, label) tuples": [(rng.standard_normal((1, 2, 2)).astype(np.float32), label) for label in (3, 7, 1)],
    "lists": [[1, 2.0, "a"], [3, 4.0, "b"]],
    "dicts": [{"image": np.ones((2, 2), np.float32) * i, "label": i, "weight": 0.5 * i, "name": f"n{i}"}
              for i in range(3)],
    "nested": [{"pair": (np.float32(i), [i, i + 1]), "meta": {"id": i, "ok": i % 2 == 0}} for i in range(4)],
    "namedtuples": [Point(np.arange(3) * i, float(i)) for i in range(3)],
    "tuples of tensors": [(tinynet.tensor(np.full(2, i, np.float64)), tinynet.tensor(i)) for i in range(3)],
    "ordered dicts": [collections.OrderedDict(b=1, a=2.0), collections.OrderedDict(b=3, a=4.0)],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    batch = BATCHES[name]
    assert_same(default_collate(batch), torch_collate([to_torch(sample) for sample in batch]))


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_convert_matches_torch(name):
    for sample in BATCHES[name]:
        ours, theirs = default_convert(sample), torch_convert(to_torch(sample))
        assert_same(ours, theirs, f"{name}: {sample!r:.60}")


@pytest.mark.parametrize("batch", [
    [[1, 2], [3]],                                  # sequences of different lengths
    [np.zeros(2), np.zeros(3)],                      # arrays of different shapes
    [np.array(["a"]), np.array(["b"])],              # text arrays
    [object(), object()],                            # something that is not data
    [tinynet.zeros(2), tinynet.zeros(3)],            # tensors of different shapes
], ids=["ragged", "shapes", "text arrays", "objects", "tensor shapes"])
def test_bad_batches_raise_the_error_type_torch_raises(batch):
    with pytest.raises(Exception) as theirs:
        torch_collate([to_torch(sample) for sample in batch])
    with pytest.raises(type(theirs.value)):
        default_collate(batch)


def test_collating_tensors_that_require_grad_keeps_the_graph_as_torch():
    leaves = [tinynet.tensor(np.array([1.0, 2.0]), requires_grad=True) for _ in range(3)]
    batch = default_collate(leaves)
    assert batch.requires_grad and batch.grad_fn is not None
    (batch * tinynet.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(leaves[2].grad.numpy(), [4.0, 5.0])


def test_tensors_of_two_float_dtypes_stack_to_the_wider_as_in_torch():
    ours = default_collate([tinynet.zeros(2, dtype=np.float32), tinynet.zeros(2, dtype=np.float64)])
    theirs = torch_collate([torch.zeros(2, dtype=torch.float32), torch.zeros(2, dtype=torch.float64)])
    assert ours.dtype == theirs.numpy().dtype
