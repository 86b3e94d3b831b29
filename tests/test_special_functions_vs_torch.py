"""Special functions (erfc, erfinv, lgamma, digamma, sinc, logit, xlogy, logaddexp, deg2rad, rad2deg), PyTorch's
other names for ops (multiply, subtract, greater, absolute, msort, ravel, ...) and the in-place twins of the
elementwise ops (x.sin_(), x.clamp_min_(0), x.eq_(y), ...) against PyTorch: values, dtypes and gradients in
float32 and float64, with a float64 gradcheck of each differentiable op.
"""

import numpy as np
import pytest

import tinynet
from op_helpers import both, check_gradients
from test_ops_surface import compare_with_torch


CASES = [
    both("erfc", [(3, 4)], lambda lib, x: lib.erfc(x * 2)),
    both("erfinv", [(3, 4)], lambda lib, x: x.erfinv(), low=-0.95, high=0.95),
    both("lgamma_positive", [(3, 4)], lambda lib, x: lib.lgamma(x), low=0.1, high=8.0),
    both("lgamma_negative", [(2, 3)], lambda lib, x: x.lgamma(), low=-3.9, high=-0.1,
         away_from=(-3.0, -2.0, -1.0)),
    # (PyTorch's trigamma, digamma's derivative, is good to ~1e-10: compared below with a looser tolerance)
    both("digamma_positive", [(3, 4)], lambda lib, x: lib.digamma(x), low=0.05, high=12.0,
         compare_with_torch=False),
    both("digamma_negative", [(2, 3)], lambda lib, x: x.digamma(), low=-2.9, high=-0.1, away_from=(-2.0, -1.0),
         compare_with_torch=False),
    both("sinc", [(3, 4)], lambda lib, x: lib.sinc(x * 2)),
    both("logit", [(3, 4)], lambda lib, x: lib.logit(x), low=0.05, high=0.95),
    both("logit_eps", [(3, 4)], lambda lib, x: x.logit(eps=0.2), low=0.01, high=0.99, away_from=(0.2, 0.8)),
    both("xlogy", [(3, 4), (3, 4)], lambda lib, x, y: lib.xlogy(x, y), low=0.1, high=3.0),
    both("xlogy_zero_x", [(3,)], lambda lib, y: lib.xlogy(lib.tensor([0.0, 2.0, 0.0], dtype=y.dtype), y),
         low=0.1, high=3.0),
    both("logaddexp", [(3, 4), (4,)], lambda lib, a, b: lib.logaddexp(a * 30, b)),
    both("deg2rad", [(5,)], lambda lib, x: lib.deg2rad(x * 180)),
    both("rad2deg_method", [(5,)], lambda lib, x: x.rad2deg()),
    both("multiply_subtract", [(3,), (3,)], lambda lib, a, b: lib.subtract(lib.multiply(a, b), b, alpha=2)),
    both("negative_absolute", [(4,)], lambda lib, x: lib.absolute(lib.negative(x)), away_from=(0.0,)),
    both("msort", [(4, 3)], lambda lib, x: lib.msort(x)),
    both("ravel_of_a_transpose", [(2, 3)], lambda lib, x: x.t().ravel()),
    both("concat", [(2, 3), (1, 3)], lambda lib, a, b: lib.concat([a, b])),
    both("sin_in_place", [(3,)], lambda lib, x: (x * 1).sin_()),
    both("clamp_min_in_place", [(5,)], lambda lib, x: (x * 1).clamp_min_(0.5), away_from=(0.5,)),
    both("log1p_then_cumsum_in_place", [(2, 3)], lambda lib, x: (x * 1).log1p_().cumsum_(1), low=0.0, high=2.0),
    both("atan2_in_place", [(3,), (3,)], lambda lib, a, b: (a * 1).atan2_(b)),
    both("erfinv_in_place", [(3,)], lambda lib, x: (x * 1).erfinv_(), low=-0.9, high=0.9),
]


def test_case_names_are_unique():
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", [case for case in CASES if case.compare_with_torch], ids=repr)
def test_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


def test_digamma_and_its_derivative_against_torch_and_exact_values(torch):
    values = np.array([0.05, 0.3, 1.4, 2.7, 5.5, 11.0, -0.4, -1.7, -2.5])
    ours = tinynet.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    tinynet.digamma(ours).sum().backward()
    torch.digamma(theirs).sum().backward()
    np.testing.assert_allclose(tinynet.digamma(ours).detach().numpy(), torch.digamma(theirs).detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9)
    mpmath = pytest.importorskip("mpmath")
    exact = np.array([float(mpmath.psi(1, v)) for v in values])
    np.testing.assert_allclose(ours.grad.numpy(), exact, rtol=1e-14)


@pytest.mark.parametrize("call", [
    lambda lib: lib.erfinv(lib.tensor([-1.0, 1.0, 1.5, 0.0])),
    lambda lib: lib.lgamma(lib.tensor([0.0, -1.0, -2.0, 1.0, 2.0])),
    lambda lib: lib.digamma(lib.tensor([0.0, -1.0, 1.0])),
    lambda lib: lib.sinc(lib.tensor([0.0, 1.0, -2.0])),
    lambda lib: lib.xlogy(lib.tensor([0.0, 0.0, 1.0]), lib.tensor([0.0, float("inf"), 0.0])),
    lambda lib: lib.erfc(lib.tensor([30.0, -30.0])),
    lambda lib: lib.logit(lib.tensor([0.0, 1.0])),
    lambda lib: lib.logaddexp(lib.tensor([1000.0, -1000.0]), lib.tensor([1000.0, -1000.0])),
    lambda lib: lib.deg2rad(lib.tensor([90, 180])),
    lambda lib: lib.greater(lib.tensor([1, 2, 3]), 2),
    lambda lib: lib.tensor([1, 2, 3]).less_equal(lib.tensor([3, 2, 1])),
    lambda lib: lib.not_equal(lib.tensor([1.0, 2.0]), 2.0),
    lambda lib: lib.sgn(lib.tensor([-2.0, 0.0, 3.0])),
    lambda lib: lib.positive(lib.tensor([1, -2])),
    lambda lib: lib.tensor([1.0, 2.0, 3.0]).eq_(lib.tensor([1.0, 0.0, 3.0])),
    lambda lib: lib.tensor([1, 2, 3]).gt_(1),
    lambda lib: lib.tensor([0.0, 2.0]).logical_not_(),
    lambda lib: lib.tensor([5, 6]).bitwise_and_(lib.tensor([3, 3])),
])
def test_edges_match_torch(torch, call):
    ours, theirs = call(tinynet), call(torch)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True)


def test_in_place_twins_change_the_tensor_itself_and_refuse_what_does_not_fit(torch):
    x = tinynet.tensor([0.5, 1.5])
    assert x.cos_() is x and np.allclose(x.numpy(), np.cos([0.5, 1.5]))
    for lib in (tinynet, torch):
        with pytest.raises(RuntimeError):  # a float result cannot be written into an integer tensor
            lib.tensor([1, 2]).sin_()
        with pytest.raises(RuntimeError):  # a leaf that requires grad cannot change in place
            lib.tensor([1.0], requires_grad=True).erfc_()
    with pytest.raises(RuntimeError):
        tinynet.positive(tinynet.tensor([True]))
    with pytest.raises(RuntimeError):
        torch.positive(torch.tensor([True]))
