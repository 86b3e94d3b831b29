"""The Tensor surface PyTorch code uses, one line per op: views, copies, indexing, more elementwise math,
fixed-rank products, F.one_hot/normalize/pad.

Each case runs in float32 and float64 against PyTorch (values, shapes,
dtypes and the gradients of every input), and each differentiable case gets
a float64 gradcheck.  An op that returns several tensors (split, chunk,
unbind) is compared piece by piece, its gradient through all of them.
"""

import numpy as np
import pytest

import tinynet
import tinynet.nn.functional as F
from op_helpers import OpCase, check_gradients, make_arrays


def torch_module():
    """torch, imported only when a torch comparison runs."""
    import torch
    return torch


def torch_F():
    """torch.nn.functional, imported only when a torch comparison runs."""
    import torch.nn.functional
    return torch.nn.functional


MASK = np.array([True, False, True, False])
MASK_2D = np.array([[True, False, False, True], [False, False, True, True], [True, True, False, False]])
GATHER_INDEX = np.array([[0, 1], [3, 3], [2, 0]])  # (3, 2): reads column 3 twice in row 1
SCATTER_INDEX = np.array([[0, 1, 2], [3, 2, 1]])  # (2, 3): distinct targets in each row
ADD_INDEX = np.array([[0, 0, 2], [1, 1, 1]])  # repeats: the added values accumulate
ROWS = np.array([2, 0, 2])
COLUMNS = np.array([0, -1])
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0])
NAN_VALUES, NAN_BOUNDS = np.array([np.nan, 1.0, -1.0, np.nan]), np.array([0.0, np.nan, 0.0, np.nan])
INTEGERS = (-2, -1, 0, 1, 2)
HALVES = (-1.5, -0.5, 0.5, 1.5)

CASES = [
    # views (shape.py)
    OpCase("expand_new_dims", [(3, 1)], lambda x: x.expand(2, 3, 4)),
    OpCase("expand_keep_size", [(3, 1)], lambda x: x.expand(-1, 5)),
    OpCase("expand_0d", [()], lambda x: x.expand(2, 3)),
    OpCase("expand_as", [(1, 4), (3, 4)], lambda a, b: a.expand_as(b) * b),
    OpCase("view_as", [(3, 4), (2, 6)], lambda a, b: a.view_as(b) + b),
    OpCase("reshape_as", [(2, 6), (4, 3)], lambda a, b: a.reshape_as(b) * b),
    OpCase("movedim", [(2, 3, 4)], lambda x: x.movedim(0, -1)),
    OpCase("movedim_tuples", [(2, 3, 4)], lambda x: x.movedim((0, 1), (2, 0))),
    OpCase("swapaxes", [(2, 3, 4)], lambda x: x.swapaxes(0, 2)),
    OpCase("swapdims", [(2, 3, 4)], lambda x: x.swapdims(1, -1)),
    OpCase("t_matrix", [(3, 4)], lambda x: x.t()),
    OpCase("t_vector", [(4,)], lambda x: x.t() * 2),
    OpCase("mT", [(2, 3, 4)], lambda x: x.mT),
    # copies (rearrange.py)
    OpCase("clone", [(3, 4)], lambda x: x.clone() * x),
    OpCase("contiguous_of_transpose", [(3, 4)], lambda x: x.t().contiguous()),
    OpCase("flip", [(2, 3, 4)], lambda x: x.flip(0, 2)),
    OpCase("flip_list", [(2, 3, 4)], lambda x: x.flip([-2])),
    OpCase("flip_function", [(3, 4)], lambda x: tinynet.flip(x, (0, 1)), torch_fn=lambda x: torch_module().flip(x, (0, 1))),
    OpCase("fliplr", [(3, 4)], lambda x: x.fliplr()),
    OpCase("flipud", [(3, 4)], lambda x: x.flipud()),
    OpCase("roll_flat", [(3, 4)], lambda x: x.roll(5)),
    OpCase("roll_dims", [(3, 4)], lambda x: x.roll((1, -2), (0, 1))),
    OpCase("roll_0d", [()], lambda x: x.roll(1)),
    OpCase("repeat", [(2, 3)], lambda x: x.repeat(2, 1, 3)),
    OpCase("repeat_tuple", [(2, 3)], lambda x: x.repeat((3, 2))),
    OpCase("repeat_0d", [()], lambda x: x.repeat(3)),
    OpCase("tile_short", [(2, 3)], lambda x: x.tile(2)),
    OpCase("tile_long", [(2, 3)], lambda x: x.tile((2, 1, 2))),
    # indexing (indexing.py)
    OpCase("gather_repeats", [(3, 4)], lambda x, i: x.gather(1, i), constants=(GATHER_INDEX,)),
    OpCase("gather_dim0_small_index", [(3, 4)], lambda x, i: x.gather(0, i), constants=(GATHER_INDEX[:2, :2] % 3,)),
    OpCase("gather_function", [(3, 4)], lambda x, i: tinynet.gather(x, -1, i), constants=(GATHER_INDEX,),
           torch_fn=lambda x, i: torch_module().gather(x, -1, i)),
    OpCase("scatter", [(3, 4), (2, 3)], lambda a, b, i: a.scatter(1, i, b), constants=(SCATTER_INDEX,)),
    OpCase("scatter_value", [(3, 4)], lambda x, i: x.scatter(1, i, value=2.5), constants=(SCATTER_INDEX,)),
    OpCase("scatter_add_repeats", [(3, 4), (2, 3)], lambda a, b, i: a.scatter_add(1, i, b), constants=(ADD_INDEX,)),
    OpCase("scatter_add_dim0", [(3, 4), (2, 3)], lambda a, b, i: a.scatter_add(0, i, b), constants=(ADD_INDEX,)),
    OpCase("take_along_dim", [(3, 4)], lambda x, i: x.take_along_dim(i, 1), constants=(np.array([[1, -1]] * 3),)),
    OpCase("take_along_dim_broadcast", [(2, 1, 3)], lambda x, i: x.take_along_dim(i, 2),
           constants=(np.array([[[0, 2], [1, 1], [2, 0], [0, 0]]]),)),
    OpCase("take_along_dim_flat", [(3, 4)], lambda x, i: x.take_along_dim(i), constants=(np.array([[1, 5], [11, 5]]),)),
    OpCase("index_select_repeats", [(4, 3)], lambda x, i: x.index_select(0, i), constants=(ROWS,)),
    OpCase("index_select_0d_index", [(4, 3)], lambda x, i: x.index_select(1, i), constants=(np.array(2),)),
    OpCase("index_fill", [(3, 4)], lambda x, i: x.index_fill(1, i, 5.0), constants=(COLUMNS,)),
    OpCase("index_fill_tensor_value", [(3, 4), ()], lambda a, b, i: a.index_fill(0, i, b), constants=(ROWS,)),
    OpCase("masked_fill", [(3, 4)], lambda x, m: x.masked_fill(m, -1.0), constants=(MASK,)),
    OpCase("masked_fill_broadcast", [(3, 1)], lambda x, m: x.masked_fill(m, 2.0), constants=(MASK_2D,)),
    OpCase("masked_fill_tensor_value", [(3, 4), ()], lambda a, b, m: a.masked_fill(m, b), constants=(MASK_2D,)),
    OpCase("narrow", [(3, 5)], lambda x: x.narrow(1, -3, 2)),
    OpCase("narrow_function", [(5, 3)], lambda x: tinynet.narrow(x, 0, 1, 3),
           torch_fn=lambda x: torch_module().narrow(x, 0, 1, 3)),
    OpCase("split_size", [(5, 3)], lambda x: x.split(2)),
    OpCase("split_sizes", [(3, 5)], lambda x: x.split([1, 4], 1)),
    OpCase("chunk", [(5, 3)], lambda x: x.chunk(3)),
    OpCase("chunk_dim", [(3, 7)], lambda x: x.chunk(2, -1)),
    OpCase("unbind", [(3, 4)], lambda x: x.unbind(1)),
    # elementwise math (elementwise_math.py)
    OpCase("square", [(3, 4)], lambda x: x.square()),
    OpCase("rsqrt", [(3, 4)], lambda x: x.rsqrt(), low=0.2),
    OpCase("reciprocal", [(3, 4)], lambda x: x.reciprocal(), low=0.3),
    OpCase("sin", [(3, 4)], lambda x: x.sin()),
    OpCase("sin_0d", [()], lambda x: x.sin()),
    OpCase("cos", [(3, 4)], lambda x: x.cos()),
    OpCase("tan", [(3, 4)], lambda x: x.tan(), low=-1.2, high=1.2),
    OpCase("atan2_broadcast", [(3, 4), (4,)], lambda y, x: y.atan2(x), away_from=(0,)),
    OpCase("atan2_function", [(3, 1), (1, 4)], lambda y, x: tinynet.atan2(y, x), away_from=(0,),
           torch_fn=lambda y, x: torch_module().atan2(y, x)),
    OpCase("log2", [(3, 4)], lambda x: x.log2(), low=0.1),
    OpCase("log10", [(3, 4)], lambda x: x.log10(), low=0.1),
    OpCase("log1p", [(3, 4)], lambda x: x.log1p(), low=-0.5),
    OpCase("expm1", [(3, 4)], lambda x: x.expm1()),
    OpCase("exp2", [(3, 4)], lambda x: x.exp2()),
    OpCase("exp2_0d", [()], lambda x: x.exp2()),
    OpCase("lerp", [(3, 4), (3, 4)], lambda a, b: a.lerp(b, 0.3)),
    OpCase("lerp_tensor_weight", [(3, 4), (3, 4), (4,)], lambda a, b, w: a.lerp(b, w)),
    OpCase("addcmul_broadcast", [(3, 4), (3, 1), (4,)], lambda a, b, c: a.addcmul(b, c, value=0.5)),
    OpCase("addcdiv", [(3, 4), (3, 4), (3, 4)], lambda a, b, c: a.addcdiv(b, c, value=2), low=0.5),
    # piecewise functions (piecewise.py): rounding passes gradient 0, so "+ x" makes the gradient check bite
    OpCase("floor", [(3, 4)], lambda x: x.floor() + x, away_from=INTEGERS),
    OpCase("ceil", [(3, 4)], lambda x: x.ceil() * 2 + x, away_from=INTEGERS),
    OpCase("round", [(3, 4)], lambda x: (x * 3).round() + x, low=-0.6, high=0.6, away_from=(-0.5, -1 / 6, 1 / 6, 0.5)),
    OpCase("round_decimals", [(3, 4)], lambda x: x.round(decimals=1) + x),
    OpCase("round_negative_decimals", [(3, 4)], lambda x: (x * 100).round(decimals=-1) + x),
    OpCase("trunc", [(3, 4)], lambda x: x.trunc() + x, away_from=INTEGERS),
    OpCase("frac", [(3, 4)], lambda x: x.frac(), away_from=INTEGERS),
    OpCase("sign", [(3, 4)], lambda x: x.sign() + x, away_from=(0,)),
    OpCase("sign_0d", [()], lambda x: x.sign() * x, away_from=(0,)),
    OpCase("clamp_min", [(3, 4)], lambda x: x.clamp_min(0.1), away_from=(0.1,)),
    OpCase("clamp_max", [(3, 4)], lambda x: x.clamp_max(-0.2), away_from=(-0.2,)),
    OpCase("clamp_min_tensor", [(3, 4), (4,)], lambda x, m: x.clamp_min(m)),
    OpCase("clamp_max_tensor", [(3, 1), (4,)], lambda x, m: tinynet.clamp_max(x, m),
           torch_fn=lambda x, m: torch_module().clamp_max(x, m)),
    # fixed-rank products (linalg.py)
    OpCase("mm", [(3, 4), (4, 5)], lambda a, b: a.mm(b)),
    OpCase("mm_transposed", [(4, 3), (5, 4)], lambda a, b: tinynet.mm(a.t(), b.t()),
           torch_fn=lambda a, b: torch_module().mm(a.t(), b.t())),
    OpCase("bmm", [(2, 3, 4), (2, 4, 5)], lambda a, b: a.bmm(b)),
    OpCase("mv", [(3, 4), (4,)], lambda a, b: a.mv(b)),
    OpCase("dot", [(4,), (4,)], lambda a, b: a.dot(b)),
    OpCase("outer", [(3,), (4,)], lambda a, b: a.outer(b)),
    OpCase("inner", [(2, 4), (3, 4)], lambda a, b: a.inner(b)),
    # nn.functional
    OpCase("normalize", [(3, 4)], lambda x: F.normalize(x), torch_fn=lambda x: torch_F().normalize(x)),
    OpCase("normalize_p1_dim0", [(3, 4)], lambda x: F.normalize(x, p=1, dim=0), away_from=(0,),
           torch_fn=lambda x: torch_F().normalize(x, p=1, dim=0)),
    OpCase("normalize_p3_last", [(2, 3, 4)], lambda x: F.normalize(x, p=3, dim=-1),
           torch_fn=lambda x: torch_F().normalize(x, p=3, dim=-1)),
    OpCase("normalize_inf", [(3, 4)], lambda x: F.normalize(x, p=float("inf")),
           torch_fn=lambda x: torch_F().normalize(x, p=float("inf"))),
    OpCase("normalize_0d", [()], lambda x: F.normalize(x, dim=0), torch_fn=lambda x: torch_F().normalize(x, dim=0)),
    OpCase("pad_value", [(2, 3)], lambda x: F.pad(x, (1, 2), value=0.5),
           torch_fn=lambda x: torch_F().pad(x, (1, 2), value=0.5)),
    OpCase("pad_crop", [(3, 4)], lambda x: F.pad(x, (-1, 2, 1, -2)), torch_fn=lambda x: torch_F().pad(x, (-1, 2, 1, -2))),
    OpCase("pad_reflect", [(2, 3, 4)], lambda x: F.pad(x, (3, 1), mode="reflect"),
           torch_fn=lambda x: torch_F().pad(x, (3, 1), mode="reflect")),
    OpCase("pad_reflect_2d", [(1, 2, 3, 4)], lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"),
           torch_fn=lambda x: torch_F().pad(x, (1, 2, 2, 1), mode="reflect")),
    OpCase("pad_replicate", [(1, 2, 3, 4)], lambda x: F.pad(x, (2, 0, 1, 3), mode="replicate"),
           torch_fn=lambda x: torch_F().pad(x, (2, 0, 1, 3), mode="replicate")),
    OpCase("pad_circular", [(2, 3, 4)], lambda x: F.pad(x, (4, 2), mode="circular"),
           torch_fn=lambda x: torch_F().pad(x, (4, 2), mode="circular")),
    OpCase("pad_replicate_crop", [(2, 3, 4)], lambda x: F.pad(x, (-1, 2), mode="replicate"),
           torch_fn=lambda x: torch_F().pad(x, (-1, 2), mode="replicate")),
]

# Ops with integer or bool results: values, shapes and dtypes only (nothing to differentiate).
VALUE_CASES = [
    OpCase("isnan", [(5,)], lambda x, s: (x * s).isnan(), constants=(SPECIAL,)),
    OpCase("isinf", [(5,)], lambda x, s: (x * s).isinf(), constants=(SPECIAL,)),
    OpCase("isfinite", [(5,)], lambda x, s: tinynet.isfinite(x * s), constants=(SPECIAL,),
           torch_fn=lambda x, s: torch_module().isfinite(x * s)),
    OpCase("sign_nan_and_zeros", [(5,)], lambda x, s: (x * s).sign(), constants=(SPECIAL,)),
    OpCase("one_hot", [(2,)], lambda x, y: F.one_hot(y), constants=(np.array([[0, 3], [2, 2]]),),
           torch_fn=lambda x, y: torch_F().one_hot(y)),
    OpCase("one_hot_classes", [(2,)], lambda x, y: F.one_hot(y, 5), constants=(np.array([1, 0, 4]),),
           torch_fn=lambda x, y: torch_F().one_hot(y, 5)),
    OpCase("floor_int", [(2,)], lambda x, y: y.floor(), constants=(np.array([-3, 0, 7]),)),
    OpCase("round_int", [(2,)], lambda x, y: y.round(), constants=(np.array([-3, 0, 7]),)),
    OpCase("sign_int", [(2,)], lambda x, y: y.sign(), constants=(np.array([-3, 0, 7]),)),
    OpCase("sign_bool", [(2,)], lambda x, y: y.sign(), constants=(MASK,)),
    OpCase("square_int", [(2,)], lambda x, y: y.square(), constants=(np.array([-3, 0, 7]),)),
    OpCase("square_bool", [(2,)], lambda x, y: y.square(), constants=(MASK,)),
    OpCase("sin_int", [(2,)], lambda x, y: y.sin(), constants=(np.array([-3, 0, 7]),)),
    OpCase("rsqrt_int", [(2,)], lambda x, y: y.rsqrt(), constants=(np.array([1, 4, 7]),)),
    OpCase("clamp_min_int", [(2,)], lambda x, y: y.clamp_min(0), constants=(np.array([-3, 0, 7]),)),
    OpCase("clamp_min_int_float_bound", [(2,)], lambda x, y: y.clamp_min(0.5), constants=(np.array([-3, 0, 7]),)),
    OpCase("clamp_min_tensor_nan", [(2,)], lambda x, a, b: a.clamp_min(b), constants=(NAN_VALUES, NAN_BOUNDS)),
    OpCase("clamp_max_tensor_nan", [(2,)], lambda x, a, b: a.clamp_max(b), constants=(NAN_VALUES, NAN_BOUNDS)),
    OpCase("index_fill_0d", [(2,)], lambda x, y, i: y.index_fill(0, i, 2.0), constants=(np.array(5.0), np.array([0]))),
    OpCase("masked_fill_int", [(2,)], lambda x, y, m: y.masked_fill(m, 2.7),
           constants=(np.array([1, 2, 3, 4]), MASK)),
    OpCase("gather_int", [(2,)], lambda x, y, i: y.gather(1, i), constants=(np.arange(12).reshape(3, 4), GATHER_INDEX)),
]

TOLERANCES = {np.float32: dict(rtol=2e-6, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


def _as_tuple(output):
    return tuple(output) if isinstance(output, (tuple, list)) else (output,)


def _numpy_dtype(torch_dtype):
    return np.dtype(str(torch_dtype).replace("torch.", ""))


def compare_with_torch(case, torch, dtype):
    """Forward values, shapes and dtypes, then the gradient of every input, against PyTorch in ``dtype``."""
    arrays = [np.asarray(a, dtype=dtype) for a in make_arrays(case)]
    ours = [tinynet.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out_ours = _as_tuple(case.fn(*ours, *[tinynet.tensor(np.asarray(c)) for c in case.constants]))
    out_theirs = _as_tuple((case.torch_fn or case.fn)(*theirs, *[torch.from_numpy(np.asarray(c)) for c in case.constants]))
    assert len(out_ours) == len(out_theirs), f"{case.name}: {len(out_ours)} outputs, PyTorch gives {len(out_theirs)}"
    rng = np.random.default_rng(1)
    loss_ours = loss_theirs = 0
    for mine, reference in zip(out_ours, out_theirs):
        expected = reference.detach().numpy()
        assert mine.shape == expected.shape, f"{case.name}: shape {mine.shape}, PyTorch gives {expected.shape}"
        assert mine.dtype == _numpy_dtype(reference.dtype), f"{case.name}: dtype {mine.dtype} vs {reference.dtype}"
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(mine.numpy(), expected, equal_nan=True, **TOLERANCES[dtype],
                                       err_msg=f"{case.name}: forward differs from PyTorch")
        else:
            np.testing.assert_array_equal(mine.numpy(), expected, err_msg=f"{case.name}: forward differs")
        assert mine.requires_grad == reference.requires_grad, f"{case.name}: requires_grad differs"
        if reference.requires_grad:
            weights = rng.standard_normal(expected.shape).astype(dtype)
            loss_ours = loss_ours + (mine * tinynet.tensor(weights)).sum()
            loss_theirs = loss_theirs + (reference * torch.from_numpy(weights)).sum()
    if not isinstance(loss_theirs, int):
        loss_ours.backward()
        loss_theirs.backward()
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        expected = np.zeros(mine.shape, dtype) if reference.grad is None else reference.grad.numpy()
        actual = np.zeros(mine.shape, dtype) if mine.grad is None else mine.grad.numpy()
        assert actual.dtype == expected.dtype, f"{case.name}: gradient dtype {actual.dtype} vs {expected.dtype}"
        np.testing.assert_allclose(actual, expected, **TOLERANCES[dtype],
                                   err_msg=f"{case.name}: gradient of input {index} differs from PyTorch")


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES + VALUE_CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


def test_case_names_are_unique():
    names = [case.name for case in CASES + VALUE_CASES]
    assert len(names) == len(set(names))
