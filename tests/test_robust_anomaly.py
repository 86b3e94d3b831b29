"""tinynet.detect_anomaly(): the first op whose output or input-gradient is NaN/inf raises, naming it."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn
from tinynet.autograd import hooks

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy warns about the very NaNs we provoke


def vector(*values, requires_grad=True):
    return tn.tensor(np.array(values, np.float32), requires_grad=requires_grad)


def test_forward_anomaly_names_the_op_and_the_callers_line():
    x = vector(1.0, 0.0, 2.0)
    with tn.detect_anomaly(), pytest.raises(tn.AnomalyError) as raised:
        y = tn.exp(x)
        tn.log(x - 1.0)  # log(0) = -inf and log(-1) = nan: this line, not the exp, is the culprit
    message = str(raised.value)
    assert "forward pass of Log" in message and "nan and inf (2 of 3 elements)" in message
    assert "test_robust_anomaly.py" in message  # points at the user's line
    assert np.isfinite(y.numpy()).all()


def test_backward_anomaly_names_the_op_and_the_input():
    x = vector(4.0, 0.0)  # sqrt is finite at 0, its derivative 1 / (2 sqrt x) is not
    w = vector(1.0, 1.0)
    with tn.detect_anomaly():
        y = (tn.sqrt(x) * w).sum()
        with pytest.raises(tn.AnomalyError, match=r"backward pass of Sqrt produced inf .* input 0") as raised:
            y.backward()
    assert "gradient flowing into Sqrt was finite" in str(raised.value)


def test_backward_anomaly_of_the_second_input():
    # a / b = 1e20 fits in float32, but d(a/b)/db = -a / b^2 = -1e40 does not
    a, b = vector(1.0, 2.0), vector(1e-20, 1.0)
    with tn.detect_anomaly():
        y = (a / b).sum()
        with pytest.raises(tn.AnomalyError, match="backward pass of .* gradient for its input 1"):
            y.backward()


def test_nan_already_in_the_data_is_reported_as_such():
    x = vector(np.nan, 1.0, requires_grad=False)
    with tn.detect_anomaly(), pytest.raises(tn.AnomalyError, match=r"input\(s\) \[0\] already held nan"):
        nn.Linear(2, 1)(x.reshape(1, 2))


def test_finite_training_step_passes_and_matches_unchecked():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x, y = tn.randn(5, 3), np.array([0, 1, 1, 0, 1])
    nn.functional.cross_entropy(model(x), y).backward()
    expected = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    with tn.detect_anomaly():
        nn.functional.cross_entropy(model(x), y).backward()
    for p, g in zip(model.parameters(), expected):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_nothing_is_checked_outside_the_block_and_nesting_restores():
    assert hooks.forward_check is None
    with tn.detect_anomaly():
        with tn.detect_anomaly():
            pass
        assert hooks.forward_check is not None  # still on: the outer block is open
        with pytest.raises(tn.AnomalyError):
            tn.log(vector(-1.0))
    assert hooks.forward_check is None and hooks.backward_listeners == []
    assert np.isnan(tn.log(vector(-1.0)).numpy()).all()  # no check, no error
