"""Reductions and "which element?" ops against PyTorch: one OpCase line each, float32 and float64, plus gradcheck.

Every case runs three ways: float64 gradcheck (tinynet's backward against
central differences), and forward + backward against PyTorch in float64 and
in float32 (values, gradients and dtypes).  Shapes include 0-d tensors.
"""

import math

import numpy as np
import pytest

import tinynet
from op_helpers import OpCase, check_gradients, make_arrays

INF = math.inf

CASES = [
    # sum, mean, prod over dims, keepdim, 0-d
    OpCase("sum_0d", [()], lambda x: x.sum()),
    OpCase("sum_empty_dims_is_all", [(2, 3)], lambda x: x.sum(dim=())),
    OpCase("mean_0d_dim", [()], lambda x: x.mean(0)),
    OpCase("prod_all", [(2, 3)], lambda x: x.prod()),
    OpCase("prod_dim", [(3, 4)], lambda x: x.prod(1)),
    OpCase("prod_dim_keepdim_negative", [(2, 3, 4)], lambda x: x.prod(-2, keepdim=True)),
    OpCase("prod_0d", [()], lambda x: x.prod()),
    # amax / amin: ties share the gradient (none here: random values)
    OpCase("amax_all", [(3, 4)], lambda x: x.amax()),
    OpCase("amax_dims", [(2, 3, 4)], lambda x: x.amax((0, 2))),
    OpCase("amin_dim_keepdim", [(3, 4)], lambda x: x.amin(1, keepdim=True)),
    OpCase("amax_0d", [()], lambda x: x.amax()),
    # var and std: unbiased by default, correction= and unbiased= spellings
    OpCase("var_all", [(3, 4)], lambda x: x.var()),
    OpCase("var_dims_keepdim", [(2, 3, 4)], lambda x: x.var((0, 2), keepdim=True)),
    OpCase("var_unbiased_false_positional", [(5, 3)], lambda x: x.var(0, False)),
    OpCase("var_correction_2", [(6, 2)], lambda x: x.var(0, correction=2)),
    OpCase("std_all", [(3, 4)], lambda x: x.std()),
    OpCase("std_dim", [(4, 5)], lambda x: x.std(1)),
    OpCase("std_biased_keepdim", [(4, 5)], lambda x: x.std(0, keepdim=True, correction=0)),
    OpCase("std_function", [(3, 4)], lambda x: tinynet.std(x, dim=-1, unbiased=False),
           torch_fn=lambda x: torch_module().std(x, dim=-1, unbiased=False)),
    # logsumexp
    OpCase("logsumexp_dim", [(3, 5)], lambda x: x.logsumexp(1), low=-30, high=30),
    OpCase("logsumexp_dims_keepdim", [(2, 3, 4)], lambda x: x.logsumexp((0, 2), keepdim=True)),
    OpCase("logsumexp_0d", [()], lambda x: x.logsumexp(0)),
    OpCase("logsumexp_function", [(4, 3)], lambda x: tinynet.logsumexp(x, dim=0),
           torch_fn=lambda x: torch_module().logsumexp(x, dim=0)),
    # cumsum
    OpCase("cumsum_dim0", [(4, 3)], lambda x: x.cumsum(0)),
    OpCase("cumsum_last", [(2, 3, 4)], lambda x: x.cumsum(-1)),
    OpCase("cumsum_0d", [()], lambda x: x.cumsum(0)),
    OpCase("cumsum_function", [(5,)], lambda x: tinynet.cumsum(x, dim=0),
           torch_fn=lambda x: torch_module().cumsum(x, dim=0)),
    # norms
    OpCase("norm_2_all", [(3, 4)], lambda x: x.norm()),
    OpCase("norm_2_dim", [(3, 4)], lambda x: x.norm(dim=1)),
    OpCase("norm_fro_dims_keepdim", [(2, 3, 4)], lambda x: x.norm("fro", dim=(1, 2), keepdim=True)),
    OpCase("norm_1", [(3, 4)], lambda x: x.norm(1, dim=0), away_from=(0,)),
    OpCase("norm_inf", [(3, 4)], lambda x: x.norm(INF, dim=1), away_from=(0,)),
    OpCase("norm_minus_inf", [(3, 4)], lambda x: x.norm(-INF), away_from=(0,)),
    OpCase("norm_3", [(3, 4)], lambda x: x.norm(3, dim=-1), away_from=(0,)),
    OpCase("norm_half", [(3, 4)], lambda x: x.norm(0.5, dim=0), away_from=(0,)),
    OpCase("norm_0d", [()], lambda x: x.norm()),
    OpCase("norm_function", [(4,)], lambda x: tinynet.norm(x, p=2, dim=0),
           torch_fn=lambda x: torch_module().norm(x, p=2, dim=0)),
    # max / min with a dim: the gradient goes to the returned index
    OpCase("max_dim_values", [(3, 4)], lambda x: x.max(1).values),
    OpCase("max_dim_keepdim_indexed", [(3, 4)], lambda x: x.max(0, keepdim=True)[0]),
    OpCase("min_dim_values", [(2, 3, 4)], lambda x: tinynet.min(x, -1).values,
           torch_fn=lambda x: torch_module().min(x, -1).values),
    OpCase("max_all", [(3, 4)], lambda x: x.max()),
    OpCase("min_all_0d", [()], lambda x: x.min()),
    OpCase("max_0d_dim", [()], lambda x: x.max(0).values),
    OpCase("max_elementwise", [(3, 4), (4,)], lambda a, b: tinynet.max(a, b),
           torch_fn=lambda a, b: torch_module().max(a, b)),
    # sort, topk, kthvalue, median, mode
    OpCase("sort_values", [(3, 5)], lambda x: x.sort().values),
    OpCase("sort_descending_dim0", [(4, 3)], lambda x: x.sort(0, descending=True)[0]),
    OpCase("sort_0d", [()], lambda x: x.sort().values),
    OpCase("topk_values", [(3, 6)], lambda x: x.topk(2).values),
    OpCase("topk_smallest_dim0", [(5, 3)], lambda x: x.topk(3, dim=0, largest=False)[0]),
    OpCase("kthvalue", [(3, 5)], lambda x: x.kthvalue(2).values),
    OpCase("kthvalue_dim0_keepdim", [(5, 3)], lambda x: x.kthvalue(4, 0, True).values),
    OpCase("median_all", [(3, 5)], lambda x: x.median()),
    OpCase("median_dim", [(4, 5)], lambda x: x.median(1).values),
    OpCase("median_even_count_keepdim", [(4, 6)], lambda x: x.median(-1, keepdim=True).values),
    OpCase("mode_distinct_values", [(3, 4)], lambda x: x.mode(1).values),
]

INDEXED = {  # the cases whose op also returns indices: (tinynet call, torch call) giving the named tuple
    "max_dim": (lambda x: x.max(1), lambda x: x.max(1)),
    "min_dim_keepdim": (lambda x: x.min(0, keepdim=True), lambda x: x.min(0, keepdim=True)),
    "max_0d": (lambda x: x.max(0), lambda x: x.max(0)),
    "sort": (lambda x: x.sort(-1), lambda x: x.sort(-1)),
    "sort_descending": (lambda x: x.sort(0, descending=True), lambda x: x.sort(0, descending=True)),
    "topk": (lambda x: x.topk(2), lambda x: x.topk(2)),
    "topk_smallest": (lambda x: x.topk(2, dim=0, largest=False), lambda x: x.topk(2, dim=0, largest=False)),
    "kthvalue": (lambda x: x.kthvalue(3, 1), lambda x: x.kthvalue(3, 1)),
    "median": (lambda x: x.median(1), lambda x: x.median(1)),
    "median_keepdim": (lambda x: x.median(0, True), lambda x: x.median(0, True)),
    "mode": (lambda x: x.mode(0), lambda x: x.mode(0)),
}


def torch_module():
    import torch
    return torch


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    """Same inputs in ``dtype`` -> same values, gradients and dtypes as PyTorch (to rounding of that dtype)."""
    tolerance = 1e-9 if dtype == "float64" else 2e-5
    arrays = [a.astype(dtype) for a in make_arrays(case)]
    ours = [tinynet.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_ours, out_theirs = case.fn(*ours), (case.torch_fn or case.fn)(*theirs)
    assert out_ours.shape == tuple(out_theirs.shape)
    assert str(out_ours.dtype) == str(out_theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(out_ours.numpy(), out_theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
    grad_out = np.random.default_rng(1).standard_normal(out_ours.shape).astype(dtype)
    out_ours.backward(tinynet.tensor(grad_out))
    out_theirs.backward(torch.tensor(grad_out))
    for mine, reference in zip(ours, theirs):
        assert mine.grad.dtype == mine.dtype
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=tolerance, atol=tolerance)


def test_case_names_are_unique():
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("shape", [(4, 5), (6, 3)])
@pytest.mark.parametrize("name", sorted(INDEXED))
def test_indices_match_torch(name, shape, torch):
    """Distinct values: the indices are unique, and must equal PyTorch's (int64, same shape)."""
    ours_fn, torch_fn = INDEXED[name]
    values = np.random.default_rng(3).permutation(np.prod(shape)).reshape(shape).astype(np.float32)
    if name == "max_0d":
        values = values[0, 0]
    ours, theirs = ours_fn(tinynet.tensor(values)), torch_fn(torch.tensor(values))
    assert type(ours).__name__ == type(theirs).__name__ and ours._fields == ("values", "indices")
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype == np.int64 and not ours.indices.requires_grad


def test_reductions_of_integers_and_bools_match_torch_dtypes(torch):
    for dtype in ["int32", "int64", "uint8", "bool"]:
        array = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
        for op in [lambda x: x.sum(), lambda x: x.sum(1), lambda x: x.prod(), lambda x: x.cumsum(1),
                   lambda x: x.any(), lambda x: x.all(1), lambda x: x.amax(0), lambda x: x.max(1).values,
                   lambda x: x.max(1).indices, lambda x: x.max(), lambda x: x.sort(1).values,
                   lambda x: x.mode(1).indices]:
            ours, theirs = op(tinynet.tensor(array)), op(torch.tensor(array))
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (dtype, ours.dtype, theirs.dtype)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        if dtype != "bool":
            for op in [lambda x: x.argmin(), lambda x: x.argmax(1), lambda x: x.topk(2).indices,
                       lambda x: x.median(), lambda x: x.kthvalue(2, 1).values]:
                np.testing.assert_array_equal(op(tinynet.tensor(array)).numpy(), op(torch.tensor(array)).numpy())
    assert tinynet.tensor([1, 2]).logsumexp(0).dtype == tinynet.float32  # integers: the default float dtype
    for name in ("mean", "var", "std"):  # need floats, in PyTorch as here
        with pytest.raises(RuntimeError):
            getattr(torch.tensor([1, 2]), name)()
        with pytest.raises(RuntimeError, match="floating-point"):
            getattr(tinynet.tensor([1, 2]), name)()
    assert tinynet.tensor([1, 2]).mean(dtype=tinynet.float32).item() == 1.5
    flags = tinynet.tensor([True, False])
    for op, error in [(flags.argmax, RuntimeError), (flags.median, NotImplementedError)]:
        with pytest.raises(error, match="does not support bool"):
            op()


def test_prod_gradient_with_zeros_matches_torch(torch):
    for values in ([0.0, 3.0, 2.0], [0.0, 0.0, 2.0], [[0.0, 1.5], [2.0, -1.0]]):
        ours, theirs = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        ours.prod().backward()
        theirs.prod().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    x = tinynet.tensor([[0.0, 2.0, 3.0], [4.0, 0.0, 0.0]], dtype=tinynet.float64, requires_grad=True)
    assert tinynet.gradcheck(lambda t: t.prod(1), (x,))


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns about var's zero degrees of freedom
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy warns about the infinities these cases make
def test_special_values_match_torch(torch):
    """Where PyTorch defines a value or gradient at an edge (constant input, zero vector, infinities, NaN)."""
    inf, nan = math.inf, math.nan
    cases = [
        ([1.0, 1.0], lambda x: x.std()),            # std = 0: gradient 0, not NaN
        ([1.0], lambda x: x.var()),                 # one element, unbiased: NaN
        ([0.0, 0.0, 0.0], lambda x: x.norm()),      # zero vector: gradient 0
        ([0.0, 0.0], lambda x: x.norm(3)),
        ([0.0, 0.0], lambda x: x.norm(1)),
        ([1.0, -3.0, 3.0], lambda x: x.norm(inf)),  # ties share the gradient, with the sign
        ([0.0, 2.0, -1.0], lambda x: x.norm(0.5)),  # p < 1 at a zero element
        ([inf, 1.0], lambda x: x.logsumexp(0)),
        ([-inf, -inf], lambda x: x.logsumexp(0)),
        ([1.0, nan, 3.0], lambda x: x.max()),       # NaN wins, and gets the gradient
        ([1.0, nan, 3.0], lambda x: x.amax()),      # amax: NaN gradients (PyTorch's)
        ([3.0, 3.0, 1.0], lambda x: x.max()),       # ties split
        ([3.0, 3.0, 1.0], lambda x: x.amax()),
        ([2.0, 2.0, 1.0, 3.0], lambda x: x.median()),
        ([[3.0, 3.0, 1.0]], lambda x: x.max(1).values),  # along a dim: only the returned index
        ([[1.0, nan, 3.0]], lambda x: x.median(1).values),
        ([[1.0, nan, 3.0, nan]], lambda x: x.sort(1, descending=True).values),
    ]
    for values, op in cases:
        ours, theirs = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        out_ours, out_theirs = op(ours), op(theirs)
        np.testing.assert_array_equal(out_ours.detach().numpy(), out_theirs.detach().numpy(), err_msg=str(values))
        out_ours.sum().backward()
        out_theirs.sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy(), err_msg=str(values))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_var_with_no_degrees_of_freedom_is_inf_as_in_torch(torch):
    for values, correction in [([1.0, 2.0], 2), ([1.0, 2.0], 5), ([3.0], 1)]:
        ours = tinynet.tensor(values).var(correction=correction).item()
        theirs = torch.tensor(values).var(correction=correction).item()
        assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0 ** -1 and (-1) ** 0.5 warn in numpy
def test_pow_gradients_at_zero_and_negative_bases_match_torch(torch):
    """d(x^y)/dx and d(x^y)/dy on a grid of bases (incl. 0 and negatives) and exponents (incl. 0 and integers)."""
    bases = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0]
    exponents = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]
    x = np.repeat(np.array(bases)[:, None], len(exponents), axis=1)
    y = np.repeat(np.array(exponents)[None, :], len(bases), axis=0)
    for dtype in ("float64", "float32"):
        a, b = tinynet.tensor(x.astype(dtype), requires_grad=True), tinynet.tensor(y.astype(dtype), requires_grad=True)
        ta, tb = torch.tensor(x.astype(dtype), requires_grad=True), torch.tensor(y.astype(dtype), requires_grad=True)
        (a ** b).sum().backward()
        (ta ** tb).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6, equal_nan=True)
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6, equal_nan=True)
    for exponent in (0, 1, 2, 0.5, -1):  # a Python number as the exponent, and as the base
        a, ta = tinynet.tensor([0.0, -1.0, 2.0], requires_grad=True), torch.tensor([0.0, -1.0, 2.0], requires_grad=True)
        (a ** exponent).sum().backward()
        (ta ** exponent).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6, equal_nan=True)
    for base in (0.0, 2.0):
        a, ta = tinynet.tensor([0.0, -1.0, 2.0], requires_grad=True), torch.tensor([0.0, -1.0, 2.0], requires_grad=True)
        (base ** a).sum().backward()
        (base ** ta).sum().backward()
        assert a.grad.dtype == tinynet.float32
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6, equal_nan=True)
