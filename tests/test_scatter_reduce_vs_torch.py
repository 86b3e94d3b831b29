"""scatter_reduce (sum, prod, mean, amax, amin; with and without include_self) against PyTorch: values and the
gradients of input and src in float32 and float64, with ties and zeros in the groups; a float64 gradcheck; integer
inputs; the in-place form; a graph network's mean aggregation; PyTorch's exception types.
"""

import numpy as np
import pytest

import tinynet

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def small_integers(shape, seed):
    """Values from {-2, ..., 2}: groups with ties (amax, amin) and zeros (prod)."""
    return np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_reduce_matches_torch(torch, reduce, include_self, dim, dtype):
    rng = np.random.default_rng(7)
    for seed in range(3):
        x, src = small_integers((4, 5), seed).astype(dtype), small_integers((3, 4), seed + 10).astype(dtype)
        index = rng.integers(0, (4, 5)[dim], size=(3, 4))
        upstream = rng.normal(size=(4, 5)).astype(dtype)
        results = []
        for lib in (tinynet, torch):
            a, b = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
            out = a.scatter_reduce(dim, lib.tensor(index), b, reduce, include_self=include_self)
            (out * lib.tensor(upstream)).sum().backward()
            results.append([out.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
        for what, ours, theirs in zip(["values", "d input", "d src"], *results):
            assert ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_gradcheck(reduce, include_self):
    rng = np.random.default_rng(3)
    x = tinynet.tensor(rng.uniform(0.5, 2.0, size=(3, 4)), requires_grad=True)  # (distinct values: no ties)
    src = tinynet.tensor(rng.uniform(0.5, 2.0, size=(3, 5)), requires_grad=True)
    index = tinynet.tensor(rng.integers(0, 4, size=(3, 5)))
    assert tinynet.gradcheck(lambda a, b: tinynet.scatter_reduce(a, 1, index, b, reduce, include_self=include_self),
                             [x, src])


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_integer_inputs_match_torch(torch, reduce):
    x, src, index = [[-1, 2, 3, 4]], [[-5, 6, 8, 7]], [[0, 0, 1, 0]]
    for include_self in (True, False):
        ours = tinynet.tensor(x).scatter_reduce(1, tinynet.tensor(index), tinynet.tensor(src), reduce,
                                                include_self=include_self)
        theirs = torch.tensor(x).scatter_reduce(1, torch.tensor(index), torch.tensor(src), reduce,
                                                include_self=include_self)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_max_and_min_are_other_names_of_amax_and_amin(torch):
    for name in ("max", "min"):
        ours = tinynet.zeros(3).scatter_reduce(0, tinynet.tensor([0, 0]), tinynet.tensor([2.0, -1.0]), name)
        theirs = torch.zeros(3).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([2.0, -1.0]), name)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_in_place_and_graph_mean_aggregation(torch):
    """Each node's mean of its neighbours' features (edges as (source, target) pairs), as GNN tutorials write it."""
    edges = np.array([[0, 1, 2, 2, 3], [1, 0, 0, 1, 2]])
    features = np.random.default_rng(5).normal(size=(4, 3))
    results = []
    for lib in (tinynet, torch):
        source, target = lib.tensor(edges[0]), lib.tensor(edges[1])
        x = lib.tensor(features, requires_grad=True)
        messages = x[source]
        aggregated = lib.zeros(4, 3, dtype=lib.float64)
        aggregated.scatter_reduce_(0, target.unsqueeze(1).expand(-1, 3), messages, "mean", include_self=False)
        aggregated.pow(2).sum().backward()
        results.append((aggregated.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.zeros(3).scatter_reduce(0, lib.tensor([0]), lib.ones(1), "maximum"), RuntimeError),
    (lambda lib: lib.zeros(3).scatter_reduce(0, lib.tensor([3]), lib.ones(1), "sum"), RuntimeError),
    (lambda lib: lib.zeros(3).scatter_reduce(0, lib.tensor([0]), lib.ones(1, dtype=lib.float64), "sum"),
     RuntimeError),
    (lambda lib: lib.zeros(3).scatter_reduce(0, lib.tensor([0.0]), lib.ones(1), "sum"), RuntimeError),
])
def test_mistakes_raise_torchs_exception_types(torch, call, error):
    for lib in (tinynet, torch):
        with pytest.raises(error):
            call(lib)
