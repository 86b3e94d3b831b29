"""index_put(_) and put(_), cummax/cummin, logcumsumexp, isin, unique(dim=...) and unique_consecutive against
PyTorch: values, dtypes and gradients in float32 and float64 with a float64 gradcheck for the differentiable ones,
integer results compared exactly, and PyTorch's exception types.
"""

import numpy as np
import pytest

import tinynet
from op_helpers import both, check_gradients
from test_ops_surface import compare_with_torch


def idx(lib, *values):
    return lib.tensor(list(values))


CASES = [
    both("index_put", [(3, 4), (2,)], lambda lib, x, v: lib.index_put(x, (idx(lib, 0, 2), idx(lib, 1, 3)), v)),
    both("index_put_accumulate_repeats", [(3, 4), (3,)],
         lambda lib, x, v: x.index_put((idx(lib, 0, 0, 2), idx(lib, 1, 1, 3)), v, accumulate=True)),
    both("index_put_rows_broadcast", [(3, 4), (4,)], lambda lib, x, v: x.index_put((idx(lib, 2, 0),), v)),
    both("index_put_in_place", [(3, 4), (2,)],
         lambda lib, x, v: (x * 1).index_put_((idx(lib, 1, 2), idx(lib, 0, 0)), v, accumulate=True)),
    both("put", [(2, 3), (3,)], lambda lib, x, v: x.put(idx(lib, 5, 0, -2), v)),
    both("put_accumulate", [(2, 3), (3,)], lambda lib, x, v: lib.put(x, idx(lib, 1, 1, 4), v, accumulate=True)),
    both("put_in_place", [(2, 3), (2,)], lambda lib, x, v: (x * 1).put_(idx(lib, 2, 3), v)),
    both("cummax_values", [(3, 5)], lambda lib, x: lib.cummax(x, 1).values),
    both("cummin_values_dim0", [(4, 3)], lambda lib, x: x.cummin(0).values),
    both("cummax_ties", [(6,)], lambda lib, x: lib.cummax(x.round(), 0).values * x),
    both("logcumsumexp", [(3, 5)], lambda lib, x: lib.logcumsumexp(x * 3, 1)),
    both("logcumsumexp_dim0", [(4, 2)], lambda lib, x: x.logcumsumexp(0)),
]


def test_case_names_are_unique():
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


@pytest.mark.parametrize("call", [
    lambda lib: lib.cummax(lib.tensor([1, 3, 3, 2, 5, 5]), 0),
    lambda lib: lib.cummin(lib.tensor([[3.0, 1.0, 1.0], [2.0, 0.0, 4.0]]), 1),
    lambda lib: lib.isin(lib.tensor([1, 2, 3, 4]), lib.tensor([2, 4, 9])),
    lambda lib: lib.isin(lib.tensor([[1.5, 2.0]]), 2.0),
    lambda lib: lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2]), invert=True),
    lambda lib: lib.unique(lib.tensor([[3, 4], [1, 2], [3, 4]]), dim=0, return_inverse=True, return_counts=True),
    lambda lib: lib.unique(lib.tensor([[3, 1, 3], [4, 2, 4]]), dim=1),
    lambda lib: lib.unique_consecutive(lib.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True,
                                       return_counts=True),
    lambda lib: lib.tensor([[1, 1], [1, 1], [2, 3], [1, 1]]).unique_consecutive(dim=0, return_counts=True),
    lambda lib: lib.unique_consecutive(lib.tensor([[1, 1], [2, 2]]), return_inverse=True),
    lambda lib: lib.zeros(2, 2, dtype=lib.long).index_put_((lib.tensor([0, 0]), lib.tensor([1, 1])),
                                                           lib.tensor([3, 4]), accumulate=True),
])
def test_integer_and_bool_results_match_torch(torch, call):
    ours, theirs = call(tinynet), call(torch)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == np.dtype(str(reference.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())


def test_running_extreme_results_print_as_torch(torch):
    ours = repr(tinynet.cummax(tinynet.tensor([1.0, 3.0, 2.0]), 0)).replace("tinynet", "torch")
    assert ours == repr(torch.cummax(torch.tensor([1.0, 3.0, 2.0]), 0))


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.zeros(3).index_put_((lib.tensor([0]),), lib.ones(1, dtype=lib.float64)), RuntimeError),
    (lambda lib: lib.zeros(3).index_put_((lib.tensor([5]),), lib.ones(1)), IndexError),
    (lambda lib: lib.zeros(3).index_put_((lib.tensor([0, 1]),), lib.ones(3)), RuntimeError),
    (lambda lib: lib.zeros(3).put_(lib.tensor([0, 1]), lib.ones(3)), IndexError),
    (lambda lib: lib.zeros(3).put_(lib.tensor([3]), lib.ones(1)), IndexError),
    (lambda lib: lib.cummax(lib.zeros(3), 1), IndexError),
])
def test_mistakes_raise_torchs_exception_types(torch, call, error):
    for lib in (tinynet, torch):
        with pytest.raises(error):
            call(lib)
