"""Ops at the edges of their domain answer as PyTorch does -- log(0) = -inf, sqrt(-1) = nan, sin(inf) = nan --
without numpy's RuntimeWarnings, forward and backward; numpy's own settings are left as they were."""

import warnings

import numpy as np
import pytest

import tinynet
import tinynet.nn.functional as F

EDGES = [np.nan, np.inf, -np.inf, 0.0, -1.0, 1.0]

OPS = {
    "log": lambda lib: lib.log, "log1p": lambda lib: lib.log1p, "log2": lambda lib: lib.log2,
    "log10": lambda lib: lib.log10, "sqrt": lambda lib: lib.sqrt, "rsqrt": lambda lib: lib.rsqrt,
    "sin": lambda lib: lib.sin, "cos": lambda lib: lib.cos, "tan": lambda lib: lib.tan,
    "reciprocal": lambda lib: lib.reciprocal, "logit": lambda lib: lib.logit,
    "gelu": lambda lib: lib.nn.functional.gelu, "silu": lambda lib: lib.nn.functional.silu,
    "mish": lambda lib: lib.nn.functional.mish, "softplus": lambda lib: lib.nn.functional.softplus,
    "hardswish": lambda lib: lib.nn.functional.hardswish,
}


def values_and_gradient(lib, op):
    x = lib.tensor(EDGES, requires_grad=True)
    y = OPS[op](lib)(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("op", sorted(OPS))
def test_no_numpy_warning_at_the_domain_edges(op):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        values_and_gradient(tinynet, op)


@pytest.mark.parametrize("op", sorted(OPS))
def test_edge_values_match_torch(op, torch):
    ours, theirs = values_and_gradient(tinynet, op), values_and_gradient(torch, op)
    if op == "gelu":  # PyTorch's gelu(inf) is nan; tinynet's is inf, the limit of x Phi(x) (left as it is)
        assert ours[0][1] == np.inf and np.isnan(theirs[0][1])
        ours[0][1] = theirs[0][1]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)  # (nan matches nan)
    compared = np.ones(len(EDGES), dtype=bool)
    if op == "logit":  # outside [0, 1] PyTorch's derivative is nan; tinynet's is its composition's (log of a ratio)
        compared = np.isnan(EDGES) | ((np.array(EDGES) >= 0) & (np.array(EDGES) <= 1))
    np.testing.assert_allclose(ours[1][compared], theirs[1][compared], rtol=1e-5, atol=1e-6, equal_nan=True)


def test_the_users_numpy_settings_are_left_alone():
    F.softplus(tinynet.tensor([np.nan]))
    with pytest.warns(RuntimeWarning):
        np.log(np.zeros(1))
