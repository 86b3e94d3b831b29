"""tinynet.progress: what the bar prints (terminal and log), Ctrl-C propagation, and fit()."""

import io

import numpy as np
import pytest

import tinynet
from tinynet.progress import ProgressBar, progress
from tinynet.training import fit


class FakeTerminal(io.StringIO):
    """A text stream that claims to be a TTY."""

    def isatty(self):
        return True


def test_log_output_prints_a_line_every_10_percent_and_at_the_end():
    stream = io.StringIO()
    bar = ProgressBar(total=50, desc="epoch 1", stream=stream)
    for step in range(50):
        bar.update(loss=1.0 / (step + 1), items=32)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # 10%, 20%, ... 90%, then the final line
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[0].startswith("epoch 1") and " 5/50" in lines[0]
    assert "50/50" in lines[-1] and "loss 0.0200" in lines[-1] and "img/s" in lines[-1]


def test_terminal_output_rewrites_one_line_in_place():
    stream = FakeTerminal()
    bar = ProgressBar(total=3, stream=stream, min_interval=0.0)
    for _ in range(3):
        bar.update(loss=0.5, items=10)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "\x1b" not in text  # no ANSI escape codes
    assert "3/3" in text.split("\r")[-1]


def test_eta_shown_while_running():
    bar = ProgressBar(total=10, stream=io.StringIO())
    bar.update()
    assert "ETA" in bar.line() and "1/10" in bar.line()


def test_wrapping_an_iterable_counts_items_and_closes():
    stream = io.StringIO()
    seen = list(progress(range(7), desc="x", stream=stream))
    assert seen == list(range(7))
    assert "7/7" in stream.getvalue().splitlines()[-1]


def test_keyboard_interrupt_propagates_and_line_is_finished():
    stream = FakeTerminal()

    def interrupted():
        yield 1
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        for _ in progress(interrupted(), total=5, stream=stream, min_interval=0.0):
            pass
    assert stream.getvalue().endswith("\n")


def test_context_manager_does_not_swallow_interrupt():
    stream = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        with ProgressBar(total=2, stream=stream) as bar:
            bar.update()
            raise KeyboardInterrupt
    assert "1/2" in stream.getvalue()


def test_bad_arguments():
    with pytest.raises(ValueError):
        ProgressBar(total=-1)
    with pytest.raises(ValueError):
        ProgressBar(total=3, every_percent=0)
    with pytest.raises(TypeError):
        list(ProgressBar(total=3))


def _linear_problem():
    """y = 3x - 1 with a little noise, and a 1-1 linear model."""
    from tinynet import nn, optim
    from tinynet.data import DataLoader

    tinynet.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1)).astype(np.float32)
    y = (3 * x - 1 + 0.01 * rng.normal(size=(64, 1))).astype(np.float32)
    model = nn.Linear(1, 1)
    return model, DataLoader((x, y), batch_size=16, shuffle=True, seed=0), nn.MSELoss(), optim.SGD(
        model.parameters(), lr=0.1)


def test_fit_trains_and_records_history(capsys):
    model, loader, loss_fn, optimizer = _linear_problem()
    steps = []
    history = fit(model, loader, loss_fn, optimizer, epochs=20, on_step=lambda step, loss: steps.append(step),
                  progress=False)
    assert len(history["loss"]) == 80 and steps == list(range(1, 81))
    assert history["epoch_end_step"] == list(range(4, 81, 4))
    assert len(history["images_per_second"]) == 20 and all(r > 0 for r in history["images_per_second"])
    assert history["loss"][-1] < 0.01 < history["loss"][0]
    assert abs(float(model.weight.numpy().ravel()[0]) - 3) < 0.05
    assert capsys.readouterr().err == ""  # progress=False prints nothing


def test_fit_interrupt_keeps_history_in_callers_dict():
    model, loader, loss_fn, optimizer = _linear_problem()
    history = {}

    def stop_at_step_5(step, loss):
        if step == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(model, loader, loss_fn, optimizer, epochs=3, on_step=stop_at_step_5, progress=False, history=history)
    assert len(history["loss"]) == 5 and history["epoch_end_step"] == [4]


def test_fit_shows_progress_on_stderr(capsys):
    model, loader, loss_fn, optimizer = _linear_problem()
    fit(model, loader, loss_fn, optimizer, epochs=2)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "8/8" in err


def test_fit_rejects_bad_arguments():
    model, loader, loss_fn, optimizer = _linear_problem()
    with pytest.raises(ValueError):
        fit(model, loader, loss_fn, optimizer, epochs=-1)
    with pytest.raises(TypeError, match="zero_grad"):
        fit(model, loader, loss_fn, object())
