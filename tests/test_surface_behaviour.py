"""What the op table (test_ops_surface.py) does not pin down: which results are views, the in-place twins and
their safety net, PyTorch's constructors, the Tensor's facts, and the errors bad arguments get."""

import numpy as np
import pytest

import tinynet
import tinynet.nn.functional as F


# ---- views share memory and the version counter; copies do not ------------------------------------------

VIEWS = {
    "expand": lambda x: x[:1].expand(3, 4),
    "expand_as": lambda x: x[:, :1].expand_as(x),
    "view_as": lambda x: x.view_as(tinynet.zeros(4, 3)),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "split": lambda x: x.split(2, dim=1)[1],
    "chunk": lambda x: x.chunk(2)[0],
    "unbind": lambda x: x.unbind(1)[3],
    "movedim": lambda x: x.movedim(0, 1),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "t": lambda x: x.t(),
    "mT": lambda x: x.mT,
}
COPIES = {
    "clone": lambda x: x.clone(),
    "contiguous_of_a_transpose": lambda x: x.t().contiguous(),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1),
    "repeat": lambda x: x.repeat(1, 1),
    "tile": lambda x: x.tile(1),
    "gather": lambda x: x.gather(1, tinynet.tensor([[0], [1], [2]])),
    "index_select": lambda x: x.index_select(0, tinynet.tensor([0, 1])),
    "masked_fill": lambda x: x.masked_fill(tinynet.tensor([False] * 4), 0.0),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_version(name):
    x = tinynet.arange(12.0).reshape(3, 4)
    view = VIEWS[name](x)
    assert np.shares_memory(view.numpy(), x.numpy())
    before = view.numpy().copy()
    x.add_(1)
    assert view._version_number == x._version_number == 1
    np.testing.assert_array_equal(view.numpy(), before + 1)


@pytest.mark.parametrize("name", COPIES)
def test_copies_have_their_own_memory(name):
    x = tinynet.arange(12.0).reshape(3, 4)
    copy = COPIES[name](x)
    assert not np.shares_memory(copy.numpy(), x.numpy())
    x.add_(1)
    assert copy._version_number == 0


def test_contiguous_returns_the_tensor_itself_when_it_already_is():
    x = tinynet.randn(3, 4)
    assert x.contiguous() is x
    assert x.t().contiguous().numpy().flags.c_contiguous


def test_backward_through_a_view_refuses_values_changed_since():
    x = tinynet.randn(3, 4, requires_grad=True)
    base = x * 1
    y = base.narrow(1, 0, 2).sin()  # sin saved the narrowed values
    base.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|changed"):
        y.sum().backward()


def test_gather_refuses_an_index_changed_before_backward():
    x = tinynet.randn(3, 4, requires_grad=True)
    index = tinynet.tensor([[0], [1], [2]])
    y = x.gather(1, index)
    index[0, 0] = 3
    with pytest.raises(RuntimeError):
        y.sum().backward()


# ---- in-place twins, compared with PyTorch --------------------------------------------------------------

INPLACE = {
    "masked_fill_": lambda t, lib: t.masked_fill_(lib.tensor([True, False, True, False]), -1.5),
    "index_fill_": lambda t, lib: t.index_fill_(1, lib.tensor([0, 2]), 2.0),
    "scatter_": lambda t, lib: t.scatter_(1, lib.tensor([[1], [3], [0]]), lib.ones(3, 1, dtype=t.dtype) * 4),
    "scatter_value_": lambda t, lib: t.scatter_(0, lib.tensor([[2, 0, 1, 1]]), value=7.0),
    "scatter_add_": lambda t, lib: t.scatter_add_(1, lib.tensor([[0, 0], [1, 1], [3, 3]]),
                                                  lib.ones(3, 2, dtype=t.dtype)),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_twins_match_torch(name, torch):
    values = np.random.default_rng(0).standard_normal((3, 4))
    x = tinynet.tensor(values, requires_grad=True)
    x_t = torch.tensor(values, requires_grad=True)
    y, y_t = x * 2, x_t * 2
    assert INPLACE[name](y, tinynet) is y
    INPLACE[name](y_t, torch)
    assert y._version_number == y_t._version == 1
    np.testing.assert_allclose(y.detach().numpy(), y_t.detach().numpy())
    weights = np.arange(12.0).reshape(3, 4)
    (y * tinynet.tensor(weights)).sum().backward()
    (y_t * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy())


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_twins_refuse_a_leaf_that_requires_grad_but_work_under_no_grad(name):
    x = tinynet.zeros(3, 4, dtype=np.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        INPLACE[name](x, tinynet)
    with tinynet.no_grad():
        INPLACE[name](x, tinynet)
    assert x._version_number == 1 and x.numpy().any()


def test_masked_fill_in_place_cannot_grow_the_tensor():
    x = tinynet.zeros(3, 4)
    with pytest.raises(RuntimeError, match="shape"):
        x.masked_fill_(tinynet.ones(2, 3, 4, dtype=np.bool_), 1.0)


# ---- the Tensor's facts ------------------------------------------------------------------------------------

def test_tensor_facts_match_torch(torch):
    x, x_t = tinynet.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    for fact in (lambda t: t.dim(), lambda t: t.ndimension(), lambda t: t.ndim, lambda t: t.numel(),
                 lambda t: t.nelement(), lambda t: t.element_size(), lambda t: len(t), lambda t: tuple(t.size()),
                 lambda t: t.size(-1), lambda t: t.size(1), lambda t: t[0].T.shape, lambda t: t.mT.shape,
                 lambda t: t.tolist()):
        assert fact(x) == fact(x_t)
    assert tinynet.zeros(3, dtype=np.float64).element_size() == 8
    assert tinynet.tensor(2.5).tolist() == 2.5
    with pytest.raises(IndexError):
        x.size(3)


# ---- constructors ------------------------------------------------------------------------------------------

def dt(lib, name):
    """torch.float64 for torch, numpy's float64 for tinynet (the table is written once for both)."""
    return np.dtype(name) if lib is tinynet else getattr(lib, name)


CONSTRUCTORS = [
    lambda lib: lib.tensor([1, 2]), lambda lib: lib.tensor([1.0, 2]), lambda lib: lib.tensor(1.5),
    lambda lib: lib.tensor([True, False]), lambda lib: lib.tensor(np.array([1.0, 2.0])), lambda lib: lib.tensor([]),
    lambda lib: lib.tensor(np.float64(1.0)), lambda lib: lib.tensor([lib.tensor(1.0), lib.tensor(2.0)]),
    lambda lib: lib.as_tensor([1.0, 2.0]), lambda lib: lib.from_numpy(np.arange(3)),
    lambda lib: lib.zeros(2, 3), lambda lib: lib.zeros((2, 3)), lambda lib: lib.zeros([]),
    lambda lib: lib.ones(2, dtype=dt(lib, 'float64')), lambda lib: lib.empty(2, 3).shape, lambda lib: lib.empty(0).shape,
    lambda lib: lib.full((2,), 3), lambda lib: lib.full((2, 2), 3.5), lambda lib: lib.full((2,), True),
    lambda lib: lib.full([2], 1, dtype=dt(lib, 'float64')), lambda lib: lib.eye(3), lambda lib: lib.eye(2, 3),
    lambda lib: lib.eye(2, dtype=dt(lib, 'int64')), lambda lib: lib.arange(5), lambda lib: lib.arange(1, 4),
    lambda lib: lib.arange(5.0), lambda lib: lib.arange(0, 1, 0.1), lambda lib: lib.arange(5, 0, -2),
    lambda lib: lib.arange(0.5, 3, dtype=dt(lib, 'int64')), lambda lib: lib.arange(3, dtype=dt(lib, 'float64')),
    lambda lib: lib.arange(-1.0, 1.0, 0.3), lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-2, 3, 7),
    lambda lib: lib.linspace(0, 1, 1), lambda lib: lib.linspace(0, 1, 0), lambda lib: lib.linspace(0, 10, 5, dtype=dt(lib, 'int64')),
    lambda lib: lib.logspace(0, 2, 3), lambda lib: lib.logspace(-1, 1, 4, base=2),
    lambda lib: lib.zeros_like(lib.ones(2, 3)), lambda lib: lib.ones_like(lib.ones(2, dtype=dt(lib, 'float64'))),
    lambda lib: lib.zeros_like(lib.ones(2), dtype=dt(lib, 'int64')), lambda lib: lib.full_like(lib.ones(2), 7),
    lambda lib: lib.full_like(lib.arange(3), 2.7), lambda lib: lib.empty_like(lib.ones(2, 3)).shape,
    lambda lib: lib.ones(2).new_zeros(3), lambda lib: lib.ones(2, dtype=dt(lib, 'float64')).new_ones((2, 2)),
    lambda lib: lib.ones(2).new_full((2,), 3), lambda lib: lib.arange(3).new_tensor([1.5]),
    lambda lib: lib.ones(2).new_tensor([1, 2]), lambda lib: lib.ones(2).new_empty(3).shape,
]


@pytest.mark.parametrize("index", range(len(CONSTRUCTORS)))
def test_constructors_match_torch(index, torch):
    ours, theirs = CONSTRUCTORS[index](tinynet), CONSTRUCTORS[index](torch)
    if not isinstance(theirs, torch.Tensor):  # a shape
        assert tuple(ours) == tuple(theirs)
        return
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_random_constructors_have_torch_dtypes_ranges_and_follow_the_seed():
    tinynet.manual_seed(3)
    first = [tinynet.randint(10, (50,)), tinynet.randint(-3, 3, size=(4, 5)), tinynet.randperm(20),
             tinynet.rand_like(tinynet.zeros(2, dtype=np.float64)), tinynet.randn_like(tinynet.zeros(3)),
             tinynet.randint_like(tinynet.zeros(40), 5), tinynet.randint(5, ())]
    assert [t.dtype for t in first] == [np.int64, np.int64, np.int64, np.float64, np.float32, np.float32, np.int64]
    assert first[0].numpy().min() >= 0 and first[0].numpy().max() < 10 and first[1].numpy().min() >= -3
    assert sorted(first[2].tolist()) == list(range(20))
    assert set(first[5].tolist()) <= {0.0, 1.0, 2.0, 3.0, 4.0} and first[6].shape == ()
    tinynet.manual_seed(3)
    assert tinynet.randint(10, (50,)).tolist() == first[0].tolist()
    assert tinynet.randint(10, (3,), dtype=np.float32).dtype == np.float32
    assert tinynet.randperm(4, dtype=np.float64).dtype == np.float64


def test_from_numpy_and_as_tensor_share_memory_and_tensor_copies():
    array = np.zeros(3)
    shared, also_shared, copied = tinynet.from_numpy(array), tinynet.as_tensor(array), tinynet.tensor(array)
    array[0] = 5
    assert shared.tolist() == also_shared.tolist() == [5.0, 0.0, 0.0] and copied.tolist() == [0.0, 0.0, 0.0]
    x = tinynet.ones(2, requires_grad=True)
    assert tinynet.as_tensor(x) is x
    converted = tinynet.as_tensor(x, dtype=np.float64)
    assert converted.dtype == np.float64 and converted.requires_grad  # a differentiable conversion, as in PyTorch
    copy = tinynet.tensor(x)
    assert not copy.requires_grad and copy.is_leaf and not np.shares_memory(copy.numpy(), x.numpy())
    assert tinynet.zeros(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("device", ["cpu", "cpu:0", None, tinynet.device("cpu")], ids=str)
def test_the_cpu_device_is_accepted(device):
    for make in (lambda: tinynet.zeros(2, device=device), lambda: tinynet.tensor([1.0], device=device),
                 lambda: tinynet.arange(3, device=device), lambda: tinynet.randn(2, device=device),
                 lambda: tinynet.zeros_like(tinynet.ones(2), device=device), lambda: tinynet.as_tensor([1], device=device)):
        assert make().shape in ((2,), (1,), (3,))


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", "foo"])
def test_other_devices_are_refused_with_a_clear_error(device):
    for make in (lambda: tinynet.zeros(2, device=device), lambda: tinynet.tensor([1.0], device=device),
                 lambda: tinynet.full((2,), 1.0, device=device), lambda: tinynet.randperm(3, device=device),
                 lambda: tinynet.ones(2).new_zeros(2, device=device), lambda: tinynet.linspace(0, 1, 3, device=device)):
        with pytest.raises(RuntimeError, match="runs on the CPU" if device != "foo" else "device type 'cpu'"):
            make()


# ---- errors: PyTorch's exception types, messages that name what was wrong --------------------------------------

x34 = tinynet.zeros(3, 4)
ERRORS = [
    (lambda: x34.expand(3, 5), RuntimeError, "expanded size"),
    (lambda: x34.expand(4), RuntimeError, "number of sizes"),
    (lambda: x34.expand(-1, 3, 4), RuntimeError, "leading"),
    (lambda: x34.repeat(2), RuntimeError, "repeat dims"),
    (lambda: x34.repeat(2, 1.5), TypeError, "integers"),
    (lambda: x34.flip(0, 0), RuntimeError, "multiple times"),
    (lambda: x34.flip(2), IndexError, "out of range"),
    (lambda: x34.roll((1, 2), 0), RuntimeError, "align"),
    (lambda: x34.roll(1.5), TypeError, "integers"),
    (lambda: x34.movedim((0, 0), (1, 0)), RuntimeError, "repeated dim"),
    (lambda: x34.movedim((0, 1), 1), RuntimeError, "same number"),
    (lambda: tinynet.zeros(2, 3, 4).t(), RuntimeError, "<= 2 dimensions"),
    (lambda: tinynet.zeros(3).mT, RuntimeError, "matrices"),
    (lambda: x34.gather(1, tinynet.tensor([0, 1])), RuntimeError, "same number of dimensions"),
    (lambda: x34.gather(1, tinynet.tensor([[4]])), RuntimeError, "out of bounds"),
    (lambda: x34.gather(1, tinynet.tensor([[-1]])), RuntimeError, "out of bounds"),
    (lambda: x34.gather(0, tinynet.tensor([[0, 1, 2, 0, 0]])), RuntimeError, "no larger"),
    (lambda: x34.gather(1, tinynet.tensor([[0.0]])), RuntimeError, "dtype"),
    (lambda: x34.gather(2, tinynet.tensor([[0]])), IndexError, "out of range"),
    (lambda: x34.scatter(1, tinynet.tensor([[0]]), tinynet.ones(1, 1, dtype=np.float64)), RuntimeError, "dtype"),
    (lambda: x34.scatter(1, tinynet.tensor([[0]])), TypeError, "exactly one"),
    (lambda: x34.scatter_add(1, tinynet.tensor([[0]]), 2.0), TypeError, "Tensor"),
    (lambda: x34.take_along_dim(tinynet.tensor([0, 1]), 1), RuntimeError, "same number of dimensions"),
    (lambda: x34.take_along_dim(tinynet.tensor([[4]]), 1), RuntimeError, "out of bounds"),
    (lambda: x34.index_select(0, tinynet.tensor([3])), IndexError, "out of range"),
    (lambda: x34.index_select(0, tinynet.tensor([-1])), IndexError, "out of range"),
    (lambda: x34.index_select(0, tinynet.tensor([[1]])), IndexError, "vector"),
    (lambda: x34.index_fill(1, tinynet.tensor([4]), 1.0), IndexError, "out of bounds"),
    (lambda: x34.masked_fill(tinynet.tensor([1, 0, 1, 0]), 1.0), RuntimeError, "boolean"),
    (lambda: x34.masked_fill(tinynet.tensor([True] * 3), 1.0), RuntimeError, "broadcast"),
    (lambda: x34.masked_fill(tinynet.tensor([True] * 4), tinynet.ones(1)), RuntimeError, "0-dimensional"),
    (lambda: x34.narrow(1, 3, 2), RuntimeError, "exceeds"),
    (lambda: x34.narrow(1, 5, 0), IndexError, "start out of range"),
    (lambda: x34.narrow(1, 1, -1), RuntimeError, "non-negative"),
    (lambda: x34.split([1, 2], 1), RuntimeError, "sum exactly"),
    (lambda: x34.split(0, 1), RuntimeError, "split_size"),
    (lambda: x34.split(2, 2), IndexError, "out of range"),
    (lambda: x34.chunk(0), RuntimeError, "greater than 0"),
    (lambda: tinynet.tensor(1.0).unbind(), IndexError, "no dimensions"),
    (lambda: F.one_hot(tinynet.tensor([0, 3]), 3), RuntimeError, "smaller than num_classes"),
    (lambda: F.one_hot(tinynet.tensor([0, -1])), RuntimeError, "non-negative"),
    (lambda: F.one_hot(tinynet.tensor([0.0, 1.0])), RuntimeError, "int64"),
    (lambda: F.one_hot(tinynet.zeros(0, dtype=np.int64)), RuntimeError, "empty"),
    (lambda: F.normalize(tinynet.tensor([[3, 4]])), RuntimeError, "floating"),
    (lambda: F.normalize(tinynet.ones(2)), IndexError, "out of range"),
    (lambda: F.pad(x34, (4, 0), mode="reflect"), RuntimeError, "less than the size"),
    (lambda: F.pad(x34, (5, 0), mode="circular"), RuntimeError, "more than once"),
    (lambda: F.pad(x34, (1, 1), mode="wrap"), NotImplementedError, "mode"),
    (lambda: F.pad(x34, (1, 1), mode="reflect", value=2.0), RuntimeError, "value"),
    (lambda: F.pad(tinynet.zeros(4), (1, 1), mode="reflect"), NotImplementedError, "2-D or 3-D"),
    (lambda: F.pad(x34, (1.5, 1)), TypeError, "integers"),
    (lambda: F.pad(x34, (-3, -2)), RuntimeError, "crop"),
    (lambda: tinynet.mm(x34, tinynet.zeros(3, 4)), RuntimeError, "cannot be multiplied"),
    (lambda: tinynet.mm(x34, tinynet.zeros(4)), RuntimeError, "2-D"),
    (lambda: tinynet.mm(x34, tinynet.zeros(4, 2, dtype=np.float64)), RuntimeError, "same dtype"),
    (lambda: tinynet.bmm(tinynet.zeros(2, 3, 4), tinynet.zeros(3, 4, 5)), RuntimeError, "first two dimensions"),
    (lambda: tinynet.mv(x34, tinynet.zeros(3)), RuntimeError, "size mismatch"),
    (lambda: tinynet.dot(tinynet.zeros(3), tinynet.zeros(2)), RuntimeError, "inconsistent"),
    (lambda: tinynet.dot(x34, tinynet.zeros(4)), RuntimeError, "1D"),
    (lambda: tinynet.outer(x34, tinynet.zeros(4)), RuntimeError, "1-D"),
    (lambda: tinynet.tensor([True]).floor(), NotImplementedError, "bool"),
    (lambda: tinynet.tensor([1, 2]).frac(), NotImplementedError, "int64"),
    (lambda: tinynet.tensor([1, 2]).round(decimals=1), NotImplementedError, "int64"),
    (lambda: x34.round(decimals=1.5), TypeError, "decimals"),
    (lambda: tinynet.addcdiv(x34, tinynet.tensor([1]), tinynet.tensor([2])), RuntimeError, "integer"),
    (lambda: tinynet.lerp(x34, tinynet.zeros(3, 4, dtype=np.float64), 0.5), RuntimeError, "dtype"),
    (lambda: tinynet.zeros(2.5), TypeError, "integers"),
    (lambda: tinynet.zeros(-1), RuntimeError, "non-negative"),
    (lambda: tinynet.eye(-1), RuntimeError, ">= 0"),
    (lambda: tinynet.arange(0, 5, 0), RuntimeError, "nonzero"),
    (lambda: tinynet.arange(5, 0), RuntimeError, "inconsistent"),
    (lambda: tinynet.linspace(0, 1, -1), RuntimeError, "non-negative"),
    (lambda: tinynet.randint(3, 3, (2,)), RuntimeError, "less than"),
    (lambda: tinynet.randint(10, 3), TypeError, "tuple"),
    (lambda: tinynet.randperm(-1), RuntimeError, "non-negative"),
    (lambda: tinynet.from_numpy([1, 2]), TypeError, "np.ndarray"),
    (lambda: tinynet.zeros_like([1, 2]), TypeError, "must be Tensor"),
    (lambda: tinynet.rand_like(tinynet.arange(3)), NotImplementedError, "float dtype"),
    (lambda: tinynet.tensor([1, 2], requires_grad=True), RuntimeError, "float"),
]


@pytest.mark.parametrize("call, error, words", ERRORS, ids=[f"{e.__name__}-{w}" for _, e, w in ERRORS])
def test_bad_arguments_get_pytorchs_exception_type_and_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_split_chunk_and_roll_agree_with_torch_over_many_sizes(torch):
    for n in range(8):
        x, x_t = tinynet.arange(float(2 * n)).reshape(2, n), torch.arange(float(2 * n)).reshape(2, n)
        for k in range(1, 6):
            assert [p.shape for p in x.chunk(k, 1)] == [tuple(p.shape) for p in x_t.chunk(k, 1)]
            assert [p.tolist() for p in x.split(k, 1)] == [p.tolist() for p in x_t.split(k, 1)]
            assert x.roll(k - 3, 1).tolist() == x_t.roll(k - 3, 1).tolist()
            assert x.repeat(k % 3, 2).shape == tuple(x_t.repeat(k % 3, 2).shape)
