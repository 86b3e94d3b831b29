"""diff, trapezoid, Tensor.unfold, kron, tensordot, block_diag, aminmax, pdist and linalg.cross against PyTorch in float32
and float64 (values, shapes, dtypes, the gradient of every input), each with a float64 gradcheck; then integer
and bool inputs, finfo, initial_seed, and the mistakes with PyTorch's exception types.
"""

import numpy as np
import pytest

import tinynet
from op_helpers import both, check_gradients
from test_ops_surface import compare_with_torch


CASES = [
    both("diff_last_dim", [(3, 5)], lambda lib, x: lib.diff(x)),
    both("diff_dim0_n2", [(4, 3)], lambda lib, x: lib.diff(x, n=2, dim=0)),
    both("diff_prepend_append", [(2, 3), (2, 1), (2, 2)],
         lambda lib, x, p, a: lib.diff(x, dim=1, prepend=p, append=a)),
    both("diff_method_n_too_large", [(3,)], lambda lib, x: x.diff(n=4)),
    both("trapezoid", [(3, 5)], lambda lib, y: lib.trapezoid(y)),
    both("trapezoid_dx_dim0", [(4, 2)], lambda lib, y: lib.trapezoid(y, dx=0.5, dim=0)),
    both("trapezoid_at_x", [(2, 4), (4,)], lambda lib, y, x: lib.trapz(y, x)),
    both("trapezoid_at_x_per_row", [(2, 4), (2, 4)], lambda lib, y, x: lib.trapezoid(y, x, dim=1)),
    both("cumulative_trapezoid", [(3, 4)], lambda lib, y: lib.cumulative_trapezoid(y, dx=2.0)),
    both("unfold_rows_into_windows", [(10,)], lambda lib, x: x.unfold(0, 3, 2)),
    both("unfold_overlapping_windows", [(2, 5, 3)], lambda lib, x: x.unfold(1, 3, 1)),
    both("unfold_image_patches", [(2, 1, 4, 6)], lambda lib, x: x.unfold(2, 2, 2).unfold(3, 3, 3)),
    both("unfold_0d", [()], lambda lib, x: x.unfold(0, 1, 1)),
    both("kron_matrices", [(2, 3), (3, 2)], lambda lib, a, b: lib.kron(a, b)),
    both("kron_vector_and_matrix", [(3,), (2, 2)], lambda lib, a, b: lib.kron(a, b)),
    both("kron_method_3d", [(2, 1, 2), (1, 3, 2)], lambda lib, a, b: a.kron(b)),
    both("tensordot_int", [(3, 4, 5), (4, 5, 2)], lambda lib, a, b: lib.tensordot(a, b, dims=2)),
    both("tensordot_named_pairs", [(3, 4, 5), (4, 3, 2)], lambda lib, a, b: lib.tensordot(a, b, ([1, 0], [0, 1]))),
    both("tensordot_outer", [(2,), (3,)], lambda lib, a, b: lib.tensordot(a, b, dims=0)),
    both("block_diag", [(2, 2), (1, 3), (3,), ()], lambda lib, *ts: lib.block_diag(*ts)),
    both("aminmax_all", [(3, 4)], lambda lib, x: lib.aminmax(x)),
    both("aminmax_dim_keepdim", [(3, 4)], lambda lib, x: x.aminmax(dim=1, keepdim=True)),
    both("pdist_2", [(4, 3)], lambda lib, x: lib.pdist(x)),
    both("pdist_1", [(5, 2)], lambda lib, x: lib.nn.functional.pdist(x, p=1), away_from=(0.0,)),
    both("linalg_cross_last_dim", [(4, 3), (4, 3)], lambda lib, a, b: lib.linalg.cross(a, b)),
    both("linalg_cross_dim0_broadcast", [(3, 1), (3, 4)], lambda lib, a, b: lib.linalg.cross(a, b, dim=0)),
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
    lambda lib: lib.diff(lib.tensor([1, 4, 9, 16])),
    lambda lib: lib.diff(lib.tensor([True, False, False, True])),
    lambda lib: lib.trapezoid(lib.tensor([1, 2, 4])),
    lambda lib: lib.arange(10).unfold(0, 4, 3),
    lambda lib: lib.kron(lib.tensor([[1, 2], [3, 4]]), lib.eye(2, dtype=lib.long)),
    lambda lib: lib.kron(lib.tensor([1, 2]), lib.tensor([0.5, 1.0])),
    lambda lib: lib.block_diag(lib.tensor([[1, 2]]), lib.tensor([[3.5]])),
    lambda lib: lib.block_diag(),
    lambda lib: lib.aminmax(lib.tensor([[3, 1], [2, 7]]), dim=0).max,
    lambda lib: lib.tensordot(lib.arange(6).view(2, 3), lib.arange(6).view(3, 2), dims=1),
])
def test_integer_and_bool_inputs_match_torch(torch, call):
    ours, theirs = call(tinynet), call(torch)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_aminmax_is_a_named_pair(torch):
    values = np.array([[3.0, -1.0], [2.0, 7.0]])
    ours, theirs = tinynet.aminmax(tinynet.tensor(values)), torch.aminmax(torch.tensor(values))
    assert ours.min.item() == theirs.min.item() == -1 and ours.max.item() == theirs.max.item() == 7
    low, high = ours
    assert low is ours.min and high is ours.max


def test_finfo_gives_python_floats_as_torch(torch):
    for ours, theirs in ((tinynet.finfo(tinynet.float32), torch.finfo(torch.float32)),
                         (tinynet.finfo(tinynet.float64), torch.finfo(torch.float64)),
                         (tinynet.finfo(), torch.finfo())):
        for field in ("eps", "max", "min", "tiny", "smallest_normal", "resolution", "bits"):
            assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
            assert getattr(ours, field) == getattr(theirs, field), field
        assert repr(ours).replace("tinynet.", "torch.") == repr(theirs).replace("torch.", "")


def test_initial_seed_reports_the_seed_in_use():
    tinynet.manual_seed(1234)
    assert tinynet.initial_seed() == 1234
    first = tinynet.rand(3)
    chosen = tinynet.seed()
    assert tinynet.initial_seed() == chosen
    tinynet.manual_seed(1234)
    np.testing.assert_array_equal(tinynet.rand(3).numpy(), first.numpy())


x34 = tinynet.zeros(3, 4)
ERRORS = [
    (lambda: tinynet.diff(tinynet.tensor(1.0)), RuntimeError, "at least one-dimensional"),
    (lambda: tinynet.diff(x34, n=-1), RuntimeError, "non-negative"),
    (lambda: tinynet.diff(x34, prepend=tinynet.zeros(3)), RuntimeError, "same dimension"),
    (lambda: x34.unfold(1, 5, 1), RuntimeError, "maximum size"),
    (lambda: x34.unfold(1, 2, 0), RuntimeError, "step"),
    (lambda: x34.unfold(2, 2, 1), IndexError, "out of range"),
    (lambda: tinynet.tensordot(x34, x34, dims=1), RuntimeError, "contracted dimensions"),
    (lambda: tinynet.tensordot(x34, x34, dims=3), RuntimeError, "dims"),
    (lambda: tinynet.tensordot(x34, x34, dims=([0, 1], [0])), RuntimeError, "same length"),
    (lambda: tinynet.block_diag(tinynet.zeros(1, 1, 1)), RuntimeError, "2 or fewer dimensions"),
    (lambda: tinynet.pdist(tinynet.zeros(3)), RuntimeError, "2D"),
    (lambda: tinynet.pdist(x34, p=-1), RuntimeError, "non-negative"),
    (lambda: tinynet.linalg.cross(x34, x34), RuntimeError, "3"),
]


@pytest.mark.parametrize("call, error, words", ERRORS, ids=[f"{e.__name__}-{w}" for _, e, w in ERRORS])
def test_mistakes_raise_torchs_exception_type(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.diff(lib.tensor(1.0)), RuntimeError),
    (lambda lib: lib.zeros(3, 4).unfold(1, 5, 1), RuntimeError),
    (lambda lib: lib.tensordot(lib.zeros(3, 4), lib.zeros(3, 4), dims=1), RuntimeError),
    (lambda lib: lib.block_diag(lib.zeros(1, 1, 1)), RuntimeError),
    (lambda lib: lib.pdist(lib.zeros(3)), RuntimeError),
    (lambda lib: lib.linalg.cross(lib.zeros(3, 4), lib.zeros(3, 4)), RuntimeError),
])
def test_torch_raises_the_same_types(torch, call, error):
    with pytest.raises(error):
        call(torch)
