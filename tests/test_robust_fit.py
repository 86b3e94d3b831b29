"""tinynet.fit stops with a clear message when the loss becomes NaN or infinite, and loses nothing."""

import numpy as np
import pytest

import tinynet as tn
from tinynet import nn, optim
from tinynet.data import DataLoader
from tinynet.training import NonFiniteLossError

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy warns about the overflow we provoke


def regression_setup(lr):
    tn.manual_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) * 10).astype(np.float32)
    model = nn.Linear(3, 1)
    return model, DataLoader((x, y), batch_size=16, shuffle=False), optim.SGD(model.parameters(), lr=lr)


def test_diverging_training_stops_with_a_message_and_keeps_the_last_good_parameters():
    model, loader, optimizer = regression_setup(lr=50.0)  # far too large: the loss explodes to inf, then nan
    snapshots = {}

    def remember(step, loss):  # the parameters after each finished step
        snapshots[step] = [p.numpy().copy() for p in model.parameters()]

    history = {}
    with pytest.raises(NonFiniteLossError) as raised:
        tn.fit(model, loader, nn.MSELoss(), optimizer, epochs=20, on_step=remember, progress=False, history=history)
    bad_step = len(history["loss"])
    message = str(raised.value)
    assert f"at step {bad_step} " in message and "smaller learning rate" in message
    assert not np.isfinite(history["loss"][-1]) and np.isfinite(history["loss"][:-1]).all()
    # The bad loss was never backpropagated: the parameters are those of the last finite step.
    for p, kept in zip(model.parameters(), snapshots[bad_step - 1]):
        np.testing.assert_array_equal(p.numpy(), kept)
        assert np.isfinite(p.numpy()).all()


def test_sensible_learning_rate_trains_without_complaint():
    model, loader, optimizer = regression_setup(lr=0.01)
    history = tn.fit(model, loader, nn.MSELoss(), optimizer, epochs=3, progress=False)
    assert len(history["loss"]) == 12 and history["loss"][-1] < history["loss"][0]


def test_nan_in_the_data_stops_at_the_first_step():
    model, _, optimizer = regression_setup(lr=0.01)
    x = np.ones((4, 3), np.float32)
    x[2, 1] = np.nan
    before = [p.numpy().copy() for p in model.parameters()]
    with pytest.raises(NonFiniteLossError, match="loss became nan at step 1 "):
        tn.fit(model, [(tn.tensor(x), tn.tensor(np.ones((4, 1), np.float32)))], nn.MSELoss(), optimizer,
               progress=False)
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), b)


def test_the_tinynet_command_reports_divergence_without_a_traceback(monkeypatch, tmp_path, capsys):
    from tinynet import cli
    from tinynet.examples import xor

    def diverging_run(out, **options):  # what an example's run() does when fit() sees a nan loss
        model, loader, optimizer = regression_setup(lr=50.0)
        tn.fit(model, loader, nn.MSELoss(), optimizer, epochs=20, progress=False)

    monkeypatch.setattr(xor, "run", diverging_run)
    assert cli.main(["xor", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "tinynet xor: loss became" in err and "smaller learning rate" in err and "Traceback" not in err
