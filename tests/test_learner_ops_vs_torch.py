"""More of the Tensor surface learner code uses, one line per op, against PyTorch in float32 and float64 (values,
shapes, dtypes, the gradient of every input) with a float64 gradcheck: meshgrid, broadcasting, repeat_interleave,
where, cumprod, take, select, unflatten, nan_to_num, addmm, index_add/index_copy, rot90, dist/cdist, cross,
fmax/fmin, hypot, stacking helpers, counting and binning.  Then the mistakes, each with PyTorch's exception type.
"""

import numpy as np
import pytest

import tinynet
from op_helpers import OpCase, check_gradients
from test_ops_surface import compare_with_torch


def torch_module():
    """torch, imported only when a torch comparison runs."""
    import torch
    return torch


MASK_34 = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
ROWS = np.array([2, 0, 2])  # index_add: repeated rows accumulate
DISTINCT_ROWS = np.array([3, 0])
COUNTS = np.array([2, 0, 1])
ZERO_IN_MIDDLE = np.array([[1.5, 0.0, 2.0, -1.0], [0.5, 2.0, 0.0, 0.0], [1.2, -0.7, 1.1, 0.9]])
SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0])
NAN_PAIRS = (np.array([np.nan, 1.0, np.nan, 2.0, 3.0]), np.array([1.0, np.nan, np.nan, 2.0, -1.0]))
SORTED = np.array([-1.0, 0.0, 0.5, 1.0])
SORTED_ROWS = np.array([[-1.0, 0.0, 1.0], [0.0, 0.5, 2.0]])
TAKE_INDEX = np.array([[0, -1], [5, 5]])


def _call(name, *args, **kwargs):
    """(tinynet's function, torch's function) calling ``name``(tensors..., *args, **kwargs)."""
    return (lambda *ts: getattr(tinynet, name)(*ts, *args, **kwargs),
            lambda *ts: getattr(torch_module(), name)(*ts, *args, **kwargs))


def case(name, shapes, function, *args, **options):
    """An OpCase running ``function`` (a tinynet/torch name) with trailing ``args``."""
    ours, theirs = _call(function, *args)
    return OpCase(name, shapes, ours, torch_fn=theirs, **options)


CASES = [
    # lining up (grids.py)
    OpCase("meshgrid_ij", [(3,), (4,)], lambda a, b: tinynet.meshgrid(a, b, indexing="ij"),
           torch_fn=lambda a, b: torch_module().meshgrid(a, b, indexing="ij")),
    OpCase("meshgrid_xy", [(3,), (4,)], lambda a, b: tinynet.meshgrid(a, b, indexing="xy"),
           torch_fn=lambda a, b: torch_module().meshgrid(a, b, indexing="xy")),
    OpCase("meshgrid_xy_three_list", [(2,), (3,), (4,)], lambda a, b, c: tinynet.meshgrid([a, b, c], indexing="xy"),
           torch_fn=lambda a, b, c: torch_module().meshgrid([a, b, c], indexing="xy")),
    OpCase("meshgrid_0d_and_1d", [(), (3,)], lambda a, b: tinynet.meshgrid(a, b, indexing="ij"),
           torch_fn=lambda a, b: torch_module().meshgrid(a, b, indexing="ij")),
    OpCase("broadcast_to_method", [(3, 1)], lambda x: x.broadcast_to((2, 3, 4))),
    case("broadcast_to", [(1, 4)], "broadcast_to", (3, -1)),
    OpCase("broadcast_tensors", [(3, 1), (4,), ()], lambda a, b, c: tinynet.broadcast_tensors(a, b, c),
           torch_fn=lambda a, b, c: torch_module().broadcast_tensors(a, b, c)),
    OpCase("select", [(3, 4)], lambda x: x.select(1, -1)),
    case("select_function", [(2, 3, 4)], "select", 0, 1),
    OpCase("unflatten", [(2, 12)], lambda x: x.unflatten(1, (3, -1))),
    case("unflatten_function", [(6, 2)], "unflatten", 0, (2, 3)),
    OpCase("rot90", [(3, 4)], lambda x: x.rot90()),
    case("rot90_k2", [(2, 3, 4)], "rot90", 2, (1, 2)),
    case("rot90_k3_negative_dims", [(2, 3, 4)], "rot90", 3, (-1, 0)),
    case("rot90_k_negative", [(3, 4)], "rot90", -1),
    case("atleast_2d_vector", [(4,)], "atleast_2d"),
    OpCase("atleast_2d_several", [(), (3,), (2, 3)], lambda a, b, c: tinynet.atleast_2d(a, b, c),
           torch_fn=lambda a, b, c: torch_module().atleast_2d(a, b, c)),
    OpCase("atleast_3d_several", [(), (3,), (2, 3), (1, 2, 3)], lambda *ts: tinynet.atleast_3d(ts),
           torch_fn=lambda *ts: torch_module().atleast_3d(ts)),
    case("atleast_1d_0d", [()], "atleast_1d"),
    OpCase("column_stack", [(3,), (3, 2), (3,)], lambda *ts: tinynet.column_stack(ts),
           torch_fn=lambda *ts: torch_module().column_stack(ts)),
    OpCase("dstack", [(3,), (3,)], lambda *ts: tinynet.dstack(ts), torch_fn=lambda *ts: torch_module().dstack(ts)),
    OpCase("dstack_matrices", [(2, 3), (2, 3, 2)], lambda *ts: tinynet.dstack(ts),
           torch_fn=lambda *ts: torch_module().dstack(ts)),
    # placing and repeating by index (index_add.py)
    OpCase("repeat_interleave_flat", [(2, 3)], lambda x: x.repeat_interleave(2)),
    OpCase("repeat_interleave_dim", [(2, 3)], lambda x: x.repeat_interleave(3, dim=0)),
    OpCase("repeat_interleave_counts", [(3, 2)], lambda x, r: x.repeat_interleave(r, dim=0), constants=(COUNTS,)),
    OpCase("repeat_interleave_counts_fn", [(2, 3)], lambda x, r: tinynet.repeat_interleave(x, r, dim=-1),
           constants=(COUNTS,), torch_fn=lambda x, r: torch_module().repeat_interleave(x, r, dim=-1)),
    OpCase("repeat_interleave_0d", [()], lambda x: x.repeat_interleave(3)),
    OpCase("take", [(2, 3)], lambda x, i: x.take(i), constants=(TAKE_INDEX,)),
    OpCase("take_0d_index", [(2, 3)], lambda x, i: tinynet.take(x, i), constants=(np.array(4),),
           torch_fn=lambda x, i: torch_module().take(x, i)),
    OpCase("index_add", [(4, 3), (3, 3)], lambda a, b, i: a.index_add(0, i, b), constants=(ROWS,)),
    OpCase("index_add_alpha_dim1", [(3, 4), (3, 3)], lambda a, b, i: a.index_add(1, i, b, alpha=-2.5),
           constants=(ROWS,)),
    OpCase("index_copy", [(4, 3), (2, 3)], lambda a, b, i: a.index_copy(0, i, b), constants=(DISTINCT_ROWS,)),
    OpCase("index_copy_fn_dim1", [(3, 4), (3, 2)], lambda a, b, i: tinynet.index_copy(a, 1, i, b),
           constants=(DISTINCT_ROWS,), torch_fn=lambda a, b, i: torch_module().index_copy(a, 1, i, b)),
    # running products (counting.py): rows with zeros take the careful path
    OpCase("cumprod", [(3, 4)], lambda x: x.cumprod(1)),
    OpCase("cumprod_dim0", [(3, 4)], lambda x: x.cumprod(0), low=0.5),
    OpCase("cumprod_zeros", [(3, 4)], lambda x, z: (x * 0 + z).cumprod(-1) * x, constants=(ZERO_IN_MIDDLE,)),
    OpCase("cumprod_zeros_differentiated", [(3, 4)], lambda x, m: (x * m).cumprod(1),
           constants=(np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]]),)),
    OpCase("cumprod_0d", [()], lambda x: x.cumprod(0)),
    # two-operand math (pairwise_math.py)
    OpCase("where_method", [(3, 4), (4,)], lambda x, y, c: x.where(c, y), constants=(MASK_34,)),
    OpCase("where_method_number", [(3, 4)], lambda x, c: x.where(c, 0.5), constants=(MASK_34,)),
    OpCase("true_divide", [(3, 4), (4,)], lambda a, b: a.true_divide(b), low=0.5),
    OpCase("addmm", [(3, 5), (3, 4), (4, 5)], lambda c, a, b: c.addmm(a, b)),
    OpCase("addmm_broadcast_alpha_beta", [(5,), (3, 4), (4, 5)],
           lambda c, a, b: tinynet.addmm(c, a, b, beta=0.5, alpha=-2),
           torch_fn=lambda c, a, b: torch_module().addmm(c, a, b, beta=0.5, alpha=-2)),
    OpCase("addmm_beta_0", [(3, 5), (3, 4), (4, 5)], lambda c, a, b: tinynet.addmm(c, a, b, beta=0),
           torch_fn=lambda c, a, b: torch_module().addmm(c, a, b, beta=0)),
    OpCase("dist", [(3, 4), (4,)], lambda a, b: a.dist(b)),
    OpCase("dist_p1", [(3, 4), (3, 4)], lambda a, b: a.dist(b, 1), away_from=(0,)),
    OpCase("dist_p3", [(3, 4), (3, 4)], lambda a, b: tinynet.dist(a, b, 3),
           torch_fn=lambda a, b: torch_module().dist(a, b, 3)),
    OpCase("dist_inf", [(5,), (5,)], lambda a, b: a.dist(b, float("inf"))),
    case("cdist", [(4, 3), (5, 3)], "cdist"),
    case("cdist_batched_p1", [(2, 4, 3), (2, 5, 3)], "cdist", 1.0),
    case("cdist_p_half", [(3, 2), (2, 2)], "cdist", 0.5, low=0.1),
    OpCase("cross", [(4, 3), (4, 3)], lambda a, b: a.cross(b, dim=1)),
    OpCase("cross_dim0_broadcast", [(3, 1), (3, 5)], lambda a, b: tinynet.cross(a, b, dim=0),
           torch_fn=lambda a, b: torch_module().cross(a, b, dim=0)),
    OpCase("cross_linalg_last", [(2, 3), (2, 3)], lambda a, b: tinynet.cross(a, b, dim=-1),
           torch_fn=lambda a, b: torch_module().linalg.cross(a, b)),
    OpCase("fmax", [(3, 4), (4,)], lambda a, b: a.fmax(b)),
    OpCase("fmin", [(3, 1), (4,)], lambda a, b: tinynet.fmin(a, b), torch_fn=lambda a, b: torch_module().fmin(a, b)),
    OpCase("hypot", [(3, 4), (4,)], lambda a, b: a.hypot(b)),
    OpCase("nan_to_num_values", [(5,)], lambda x, s: tinynet.nan_to_num(x + s, nan=1.5, posinf=9.0, neginf=-9.0),
           constants=(SPECIAL,),
           torch_fn=lambda x, s: torch_module().nan_to_num(x + s, nan=1.5, posinf=9.0, neginf=-9.0)),
]

# Integer or bool results, or NaN outputs (which a numerical gradcheck cannot difference): values, shapes, dtypes
# and, where there is one, the gradient, against PyTorch only.
VALUE_CASES = [
    OpCase("nan_to_num", [(5,)], lambda x, s: (x * s).nan_to_num() / 1e30, constants=(SPECIAL,)),
    OpCase("fmax_nan", [(5,), (5,)], lambda a, b, p, q: (a + p).fmax(b + q), constants=NAN_PAIRS),
    OpCase("fmin_nan_ties", [(5,), (5,)], lambda a, b, p, q: (a * 0 + p).fmin(b * 0 + q) * a, constants=NAN_PAIRS),
    OpCase("where_condition_only", [(2,)], lambda x, c: tinynet.where(c), constants=(MASK_34,),
           torch_fn=lambda x, c: torch_module().where(c)),
    OpCase("where_condition_only_values", [(2,)], lambda x, y: tinynet.where(y > 0), constants=(ZERO_IN_MIDDLE,),
           torch_fn=lambda x, y: torch_module().where(y > 0)),
    OpCase("repeat_interleave_indices", [(2,)], lambda x, r: tinynet.repeat_interleave(r), constants=(COUNTS,),
           torch_fn=lambda x, r: torch_module().repeat_interleave(r)),
    OpCase("repeat_interleave_int", [(2,)], lambda x, y: y.repeat_interleave(2, dim=0),
           constants=(np.array([[1, 2], [3, 4]]),)),
    OpCase("cumprod_int", [(2,)], lambda x, y: y.cumprod(0), constants=(np.array([3, -1, 2, 5]),)),
    OpCase("cumprod_bool", [(2,)], lambda x, y: y.cumprod(0), constants=(np.array([True, True, False]),)),
    OpCase("cumprod_dtype", [(2,)], lambda x, y: y.cumprod(0, dtype=tinynet.float64), constants=(np.array([3, 2]),),
           torch_fn=lambda x, y: y.cumprod(0, dtype=torch_module().float64)),
    OpCase("count_nonzero", [(2,)], lambda x, y: y.count_nonzero(), constants=(ZERO_IN_MIDDLE,)),
    OpCase("count_nonzero_dims", [(2,)], lambda x, y: tinynet.count_nonzero(y, dim=(0, 1)),
           constants=(ZERO_IN_MIDDLE.reshape(3, 2, 2),),
           torch_fn=lambda x, y: torch_module().count_nonzero(y, dim=(0, 1))),
    OpCase("count_nonzero_dim", [(2,)], lambda x, y: y.count_nonzero(dim=-1), constants=(ZERO_IN_MIDDLE,)),
    OpCase("true_divide_int", [(2,)], lambda x, y: tinynet.true_divide(y, 2), constants=(np.array([3, 4]),),
           torch_fn=lambda x, y: torch_module().true_divide(y, 2)),
    OpCase("take_int", [(2,)], lambda x, y, i: y.take(i), constants=(np.arange(6).reshape(2, 3), TAKE_INDEX)),
    OpCase("searchsorted", [(2,)], lambda x, s, v: tinynet.searchsorted(s, v), constants=(SORTED, ZERO_IN_MIDDLE),
           torch_fn=lambda x, s, v: torch_module().searchsorted(s, v)),
    OpCase("searchsorted_right_int32", [(2,)], lambda x, s, v: tinynet.searchsorted(s, v, right=True, out_int32=True),
           constants=(SORTED, ZERO_IN_MIDDLE),
           torch_fn=lambda x, s, v: torch_module().searchsorted(s, v, right=True, out_int32=True)),
    OpCase("searchsorted_rows", [(2,)], lambda x, s, v: tinynet.searchsorted(s, v, side="right"),
           constants=(SORTED_ROWS, np.array([[0.0, 1.5], [0.5, 3.0]])),
           torch_fn=lambda x, s, v: torch_module().searchsorted(s, v, side="right")),
    OpCase("bucketize", [(2,)], lambda x, v, b: tinynet.bucketize(v, b), constants=(ZERO_IN_MIDDLE, SORTED),
           torch_fn=lambda x, v, b: torch_module().bucketize(v, b)),
    OpCase("bucketize_right", [(2,)], lambda x, v, b: tinynet.bucketize(v, b, right=True),
           constants=(ZERO_IN_MIDDLE, SORTED), torch_fn=lambda x, v, b: torch_module().bucketize(v, b, right=True)),
    OpCase("histc", [(40,)], lambda x: x.histc(bins=7, min=-1, max=1.5)),
    OpCase("histc_data_range", [(3, 30)], lambda x: tinynet.histc(x, 5), torch_fn=lambda x: torch_module().histc(x, 5)),
    OpCase("histc_constant", [(2,)], lambda x, y: y.histc(4), constants=(np.array([2.0, 2.0, 2.0]),)),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES + VALUE_CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


def test_case_names_are_unique():
    names = [c.name for c in CASES + VALUE_CASES]
    assert len(names) == len(set(names))


# ---- what the table cannot state: in-place shape changes, a decision-boundary grid, mistakes --------------------

def test_squeeze_unsqueeze_in_place_keep_memory_and_gradients(torch):
    weights = np.random.default_rng(3).standard_normal((3, 1))
    ours, theirs = tinynet.tensor(weights, requires_grad=True), torch.tensor(weights, requires_grad=True)
    results = []
    for x, lib in ((ours, tinynet), (theirs, torch)):
        y = x * 2
        same = y.squeeze_()
        assert same is y and tuple(y.shape) == (3,)
        y.unsqueeze_(0)
        assert tuple(y.shape) == (1, 3)
        (y * lib.arange(3.0, dtype=lib.float64)).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(*results)
    plain = tinynet.zeros(2, 1, 3)
    view = plain.squeeze_(1)
    assert view is plain and plain.shape == (2, 3)
    plain.unsqueeze_(-1)
    assert plain.shape == (2, 3, 1)


def test_detach_in_place_cuts_the_graph():
    x = tinynet.ones(3, requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert not y.requires_grad and y.grad_fn is None


def test_index_add_in_place_matches_torch(torch):
    base = np.arange(12.0).reshape(4, 3)
    source = np.ones((3, 3))
    ours = tinynet.tensor(base.copy()).index_add_(0, tinynet.tensor(ROWS), tinynet.tensor(source), alpha=2)
    theirs = torch.tensor(base.copy()).index_add_(0, torch.tensor(ROWS), torch.tensor(source), alpha=2)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    columns = np.ones((4, 2)) * [5.0, 7.0]
    ours = tinynet.tensor(base.copy()).index_copy_(1, tinynet.tensor([2, 0]), tinynet.tensor(columns))
    theirs = torch.tensor(base.copy()).index_copy_(1, torch.tensor([2, 0]), torch.tensor(columns))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_decision_boundary_grid_as_learners_write_it(torch):
    results = []
    for lib in (tinynet, torch):
        xx, yy = lib.meshgrid(lib.linspace(-3, 3, 7), lib.linspace(-2, 2, 5), indexing="xy")
        grid = lib.stack([xx.flatten(), yy.flatten()], dim=1)
        results.append((tuple(xx.shape), grid.numpy()))
    assert results[0][0] == results[1][0] == (5, 7)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


x34 = tinynet.zeros(3, 4)
ERRORS = [
    (lambda: tinynet.meshgrid(tinynet.arange(2), tinynet.arange(2), indexing="foo"), RuntimeError, "indexing"),
    (lambda: tinynet.meshgrid(x34, tinynet.arange(2.0), indexing="ij"), RuntimeError, "0D or 1D"),
    (lambda: tinynet.meshgrid(tinynet.arange(2), tinynet.arange(2.0), indexing="ij"), RuntimeError, "same dtype"),
    (lambda: x34.broadcast_to((2, 5)), RuntimeError, "must match"),
    (lambda: tinynet.broadcast_tensors(x34, tinynet.zeros(5)), RuntimeError, "broadcast"),
    (lambda: x34.select(1, 4), IndexError, "out of range"),
    (lambda: tinynet.tensor(1.0).select(0, 0), IndexError, "0-dim"),
    (lambda: x34.select(2, 0), IndexError, "Dimension out of range"),
    (lambda: x34.unflatten(1, (3, 2)), RuntimeError, "multiply up"),
    (lambda: x34.unflatten(1, (-1, -1)), RuntimeError, "only one dimension"),
    (lambda: x34.rot90(1, (0,)), RuntimeError, "rotation dims == 2"),
    (lambda: x34.rot90(1, (1, 1)), RuntimeError, "different"),
    (lambda: tinynet.zeros(3).rot90(), RuntimeError, "total dims >= 2"),
    (lambda: x34.repeat_interleave(-1), RuntimeError, "negative"),
    (lambda: x34.repeat_interleave(tinynet.tensor([1, 2]), dim=0), RuntimeError, "same size"),
    (lambda: x34.repeat_interleave(tinynet.tensor([1.0, 2.0, 3.0]), dim=0), NotImplementedError, "integer"),
    (lambda: x34.take(tinynet.tensor([12])), IndexError, "out of range"),
    (lambda: x34.take(tinynet.tensor([1.0])), RuntimeError, "dtype"),
    (lambda: x34.index_add(0, tinynet.tensor([0]), tinynet.zeros(1, 4, dtype=tinynet.float64)), RuntimeError,
     "same scalar type"),
    (lambda: x34.index_add(0, tinynet.tensor([0]), tinynet.zeros(2, 4)), RuntimeError, "source"),
    (lambda: x34.index_add(0, tinynet.tensor([3]), tinynet.zeros(1, 4)), RuntimeError, "out of bounds"),
    (lambda: x34.index_add(0, tinynet.tensor([0.0]), tinynet.zeros(1, 4)), RuntimeError, "dtype"),
    (lambda: x34.index_copy(0, tinynet.tensor([3]), tinynet.zeros(1, 4)), IndexError, "out of bounds"),
    (lambda: tinynet.ones(2, 2, requires_grad=True).index_add_(0, tinynet.tensor([0]), tinynet.zeros(1, 2)),
     RuntimeError, "leaf"),
    (lambda: x34.cumprod(2), IndexError, "Dimension out of range"),
    (lambda: x34.count_nonzero(dim=(0, 0)), RuntimeError, "multiple times"),
    (lambda: tinynet.addmm(x34, tinynet.zeros(3, 2), tinynet.zeros(3, 4)), RuntimeError, "cannot be multiplied"),
    (lambda: tinynet.addmm(tinynet.zeros(2, 4), tinynet.zeros(3, 2), tinynet.zeros(2, 4)), RuntimeError, "expanded"),
    (lambda: tinynet.cdist(tinynet.zeros(2, 3), tinynet.zeros(2, 4)), RuntimeError, "columns"),
    (lambda: tinynet.cdist(tinynet.zeros(3), tinynet.zeros(3)), RuntimeError, "2D"),
    (lambda: tinynet.cdist(tinynet.zeros(2, 3), tinynet.zeros(2, 3), p=-1), RuntimeError, "non-negative"),
    (lambda: tinynet.cross(x34, x34, dim=1), RuntimeError, "length 3"),
    (lambda: tinynet.cross(tinynet.zeros(2, 2), tinynet.zeros(2, 2)), RuntimeError, "size 3"),
    (lambda: tinynet.histc(tinynet.tensor([1, 2]), 3), NotImplementedError, "int64"),
    (lambda: tinynet.histc(x34, 0), RuntimeError, "bins must be > 0"),
    (lambda: tinynet.histc(x34, 3, min=2, max=1), RuntimeError, "max"),
    (lambda: tinynet.searchsorted(tinynet.tensor([1.0, 2.0]), tinynet.tensor([1.0]), side="middle"), RuntimeError,
     "side"),
    (lambda: tinynet.searchsorted(tinynet.zeros(2, 3), tinynet.zeros(3, 1)), RuntimeError, "first N-1"),
    (lambda: tinynet.bucketize(tinynet.zeros(3), tinynet.zeros(2, 2)), RuntimeError, "1 dimension"),
    (lambda: (tinynet.zeros(3, requires_grad=True) * 1)[:2].detach_(), RuntimeError, "views in-place"),
    (lambda: tinynet.zeros(3, 1, requires_grad=True).squeeze_(), RuntimeError, "leaf"),
    (lambda: x34.clone().squeeze_(2), IndexError, "Dimension out of range"),
    (lambda: x34.clone().unsqueeze_(3), IndexError, "Dimension out of range"),
    (lambda: tinynet.nan_to_num(x34, nan="a"), TypeError, "nan"),
]


@pytest.mark.parametrize("call, error, words", ERRORS, ids=[f"{e.__name__}-{w}" for _, e, w in ERRORS])
def test_mistakes_get_pytorchs_exception_type_and_a_clear_message(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_index_add_of_a_0d_tensor_takes_a_0d_source_as_torch(torch):
    ours = tinynet.index_add(tinynet.tensor(1.0), 0, tinynet.tensor([0]), tinynet.tensor(2.0))
    theirs = torch.index_add(torch.tensor(1.0), 0, torch.tensor([0]), torch.tensor(2.0))
    assert ours.shape == () and ours.item() == theirs.item()
    with pytest.raises(RuntimeError):
        torch.index_add(torch.tensor(1.0), 0, torch.tensor([0, 0]), torch.tensor([2.0, 3.0]))
    with pytest.raises(RuntimeError, match="0-d source"):
        tinynet.index_add(tinynet.tensor(1.0), 0, tinynet.tensor([0, 0]), tinynet.tensor([2.0, 3.0]))
