"""tinynet.special against torch.special: each name's values and gradients in float32 and float64, with a float64
gradcheck of the compositions (entr, ndtr)."""

import numpy as np
import pytest

import tinynet
from op_helpers import check_gradients, OpCase, torch_module
from test_ops_surface import compare_with_torch


def special(name, shapes, *args, **options):
    """An OpCase calling ``lib.special.<name>(tensor, *args)``."""
    return OpCase(f"special_{name}", shapes, lambda *ts: getattr(tinynet.special, name)(*ts, *args),
                  torch_fn=lambda *ts: getattr(torch_module().special, name)(*ts, *args), **options)


CASES = [
    special("expit", [(3, 4)]),
    special("logit", [(3, 4)], low=0.05, high=0.95),
    special("erf", [(3, 4)]),
    special("erfc", [(3, 4)]),
    special("erfinv", [(3, 4)], low=-0.9, high=0.9),
    special("gammaln", [(3, 4)], low=0.2, high=5.0),
    special("ndtr", [(3, 4)], low=-3.0, high=3.0),
    special("entr", [(3, 4)], low=0.05, high=3.0),
    special("sinc", [(5,)]),
    special("exp2", [(5,)]),
    special("expm1", [(5,)]),
    special("log1p", [(5,)], low=-0.5, high=2.0),
    special("logsumexp", [(3, 4)], 1),
    special("softmax", [(3, 4)], 1),
    special("log_softmax", [(3, 4)], 0),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    compare_with_torch(case, torch, dtype)


def test_edges_and_other_names_match_torch(torch):
    for lib in (tinynet, torch):
        assert lib.special.psi(lib.tensor([1.0])).item() == pytest.approx(-0.5772156649, rel=1e-6)
    values = [-1.0, 0.0, 0.5]
    ours, theirs = tinynet.special.entr(tinynet.tensor(values)), torch.special.entr(torch.tensor(values))
    assert repr(ours) == repr(theirs)
    ours = tinynet.special.xlogy(tinynet.tensor([0.0, 2.0]), tinynet.tensor([0.0, 3.0]))
    theirs = torch.special.xlogy(torch.tensor([0.0, 2.0]), torch.tensor([0.0, 3.0]))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    assert tinynet.special.round(tinynet.tensor([2.5, -1.26])).tolist() == \
        torch.special.round(torch.tensor([2.5, -1.26])).tolist()
