"""PyTorch's semantics that beginner code relies on: named-tuple results, dim checking, squeeze/unsqueeze.

Each test compares with PyTorch where it is installed (the ``torch``
fixture skips otherwise) or states PyTorch's documented behaviour.
"""

import numpy as np
import pytest

import tinynet
import tinynet.nn.functional as F


def scores(batch=2, classes=3):
    return tinynet.tensor(np.random.default_rng(0).standard_normal((batch, classes)).astype(np.float32))


# ---- max/min with a dim return (values, indices) ----------------------------------------------

def test_max_with_dim_is_a_named_tuple_of_values_and_indices(torch):
    out = scores(4, 5)
    result = out.max(1)
    reference = torch.tensor(out.numpy()).max(1)
    assert isinstance(result, tuple) and len(result) == 2 and type(result) is tinynet.return_types.max
    assert result._fields == ("values", "indices")
    np.testing.assert_array_equal(result.values.numpy(), reference.values.numpy())
    np.testing.assert_array_equal(result.indices.numpy(), reference.indices.numpy())
    np.testing.assert_array_equal(out.max(1)[1].numpy(), reference[1].numpy())  # out.max(1)[1] is the index
    assert result.indices.dtype == tinynet.int64


def test_unpacking_the_predictions_works_with_a_batch_of_two(torch):
    out = scores(batch=2)
    _, predicted = tinynet.max(out, 1)  # the idiom that used to unpack the two *values*
    _, expected = torch.max(torch.tensor(out.numpy()), 1)
    assert predicted.shape == (2,)
    np.testing.assert_array_equal(predicted.numpy(), expected.numpy())
    values, indices = out.min(dim=1, keepdim=True)
    assert values.shape == (2, 1) and indices.shape == (2, 1)
    labels = tinynet.tensor(expected.numpy())
    assert (predicted == labels).sum().item() == 2


def test_max_without_dim_is_a_0d_tensor():
    out = scores()
    assert out.max().shape == () and out.min().ndim == 0
    assert out.max().item() == out.numpy().max()


def test_max_gradient_along_a_dim_goes_to_the_returned_index_only():
    x = tinynet.tensor([[3.0, 3.0, 1.0]], requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    assert indices.tolist() == [0]
    assert x.grad.tolist() == [[1.0, 0.0, 0.0]]


def test_max_of_two_tensors_is_elementwise():
    a, b = tinynet.tensor([1.0, 5.0]), tinynet.tensor([3.0, 2.0])
    assert tinynet.max(a, b).tolist() == [3.0, 5.0] and tinynet.min(a, b).tolist() == [1.0, 2.0]
    assert a.max(b).tolist() == [3.0, 5.0]


def test_sort_topk_kthvalue_median_mode_return_named_tuples(torch):
    x = tinynet.tensor([[2.0, 1.0, 2.0, 1.0, 2.0]])
    tx = torch.tensor(x.numpy())
    for name, call in [("sort", lambda t: t.sort(dim=1, descending=True, stable=True)), ("topk", lambda t: t.topk(2)),
                       ("kthvalue", lambda t: t.kthvalue(2)), ("median", lambda t: t.median(1)),
                       ("mode", lambda t: t.mode(1))]:
        ours, theirs = call(x), call(tx)
        assert type(ours).__name__ == name and ours._fields == ("values", "indices")
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        if name != "topk":  # topk does not promise an order among ties
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert x.argsort(1).tolist() == [[1, 3, 0, 2, 4]]  # ties keep their order


def test_argmax_argmin_match_torch(torch):
    x = tinynet.tensor(np.random.default_rng(2).standard_normal((3, 4, 5)).astype(np.float32))
    tx = torch.tensor(x.numpy())
    for call in [lambda t: t.argmax(), lambda t: t.argmin(1), lambda t: t.argmax(-1, keepdim=True),
                 lambda t: t.argmax(keepdim=True), lambda t: t.argmin(dim=0)]:
        ours, theirs = call(x), call(tx)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == tinynet.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tinynet.argmax(tinynet.tensor([1.0, np.nan, 3.0])).item() == 1  # NaN counts as the largest


def test_empty_reductions_raise_pytorchs_errors(torch):
    empty = tinynet.zeros(0, 3)
    with pytest.raises(RuntimeError, match="numel"):
        empty.max()
    with pytest.raises(IndexError, match="non-zero size"):
        empty.max(0)
    with pytest.raises(IndexError, match="non-zero size"):
        empty.amax(0)
    assert empty.max(1).values.shape == (0,) and empty.amax(1).shape == (0,)
    assert empty.sort(0).values.shape == (0, 3)
    with pytest.raises(RuntimeError, match="k=3 out of range"):
        tinynet.ones(2).topk(3)
    with pytest.raises(RuntimeError, match="out of range"):
        tinynet.ones(2).kthvalue(0)
    with pytest.raises(TypeError, match="amax"):
        tinynet.ones(2, 3).max(dim=(0, 1))


# ---- dims are checked everywhere, with PyTorch's IndexError -----------------------------------

DIM_CALLS = [
    ("sum", lambda x: x.sum(2)), ("sum tuple", lambda x: x.sum((0, 3))), ("mean", lambda x: x.mean(-3)),
    ("max", lambda x: x.max(2)), ("min", lambda x: x.min(-3)), ("argmax", lambda x: x.argmax(2)),
    ("amax", lambda x: x.amax(5)), ("var", lambda x: x.var(2)), ("std", lambda x: x.std(2)),
    ("prod", lambda x: x.prod(2)), ("cumsum", lambda x: x.cumsum(2)), ("logsumexp", lambda x: x.logsumexp(2)),
    ("any", lambda x: x.any(2)), ("all", lambda x: x.all(-3)), ("norm", lambda x: x.norm(dim=2)),
    ("sort", lambda x: x.sort(2)), ("topk", lambda x: x.topk(1, dim=2)), ("kthvalue", lambda x: x.kthvalue(1, 2)),
    ("median", lambda x: x.median(2)), ("mode", lambda x: x.mode(2)), ("squeeze", lambda x: x.squeeze(2)),
    ("unsqueeze", lambda x: x.unsqueeze(3)), ("unsqueeze negative", lambda x: x.unsqueeze(-4)),
    ("flatten", lambda x: x.flatten(2)), ("transpose", lambda x: x.transpose(0, 2)),
    ("softmax", lambda x: F.softmax(x, dim=2)), ("log_softmax", lambda x: F.log_softmax(x, dim=-3)),
]


@pytest.mark.parametrize("name, call", DIM_CALLS, ids=[c[0] for c in DIM_CALLS])
def test_out_of_range_dim_is_an_index_error_worded_as_in_torch(name, call, torch):
    x = tinynet.ones(2, 3)
    with pytest.raises(IndexError) as ours:
        call(x)
    with pytest.raises(IndexError) as theirs:
        call(torch.ones(2, 3)) if name not in ("softmax", "log_softmax") else \
            getattr(torch.nn.functional, name)(torch.ones(2, 3), dim=2 if name == "softmax" else -3)
    assert "Dimension out of range (expected to be in range of [" in str(ours.value)
    assert str(theirs.value) in str(ours.value)  # PyTorch's words, after tinynet's "op: " prefix


def test_0d_tensors_accept_dims_0_and_minus_1_only(torch):
    x = tinynet.tensor(2.0)
    assert x.sum(0).item() == 2.0 and x.max(-1).values.item() == 2.0 and x.unsqueeze(-1).shape == (1,)
    assert x.unsqueeze(0).shape == (1,) and x.squeeze(0).shape == () and x.cumsum(0).shape == ()
    with pytest.raises(IndexError, match=r"\[-1, 0\], but got 1"):
        x.sum(1)
    with pytest.raises(IndexError, match=r"\[-1, 0\], but got 2"):
        x.unsqueeze(2)


def test_repeated_dims_and_non_integer_dims_are_refused():
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        tinynet.ones(2, 3).sum((0, -2))
    with pytest.raises(TypeError, match="dim must be"):
        tinynet.ones(2, 3).sum(1.0)
    with pytest.raises(TypeError, match="dim must be"):
        tinynet.ones(2, 3).unsqueeze("0")


def test_squeeze_and_unsqueeze_match_torch(torch):
    array = np.zeros((2, 1, 3, 1), dtype=np.float32)
    x, tx = tinynet.tensor(array), torch.tensor(array)
    for call in [lambda t: t.squeeze(), lambda t: t.squeeze(1), lambda t: t.squeeze(0), lambda t: t.squeeze(-1),
                 lambda t: t.squeeze((1, 3)), lambda t: t.squeeze((0, 1)), lambda t: t.unsqueeze(0),
                 lambda t: t.unsqueeze(4), lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-5),
                 lambda t: t.unsqueeze(2)]:
        assert call(x).shape == tuple(call(tx).shape)


def test_squeeze_that_drops_nothing_is_still_a_view_in_the_graph():
    x = tinynet.ones(2, 3, requires_grad=True)
    y = x.squeeze(0)
    assert y is not x and y.shape == (2, 3)
    (y * 2).sum().backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_flatten_checks_its_dims_like_torch(torch):
    x = tinynet.ones(2, 3, 4)
    assert x.flatten(1).shape == (2, 12) and x.flatten(-2, -1).shape == (2, 12)
    assert tinynet.tensor(1.0).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="cannot come after"):
        x.flatten(2, 1)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, 4).flatten(2, 1)
