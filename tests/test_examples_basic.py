"""The xor, bp, mnist-templates and mnist-hidden examples run end to end (quick settings) and write real PNGs."""

import re
import struct

import matplotlib.image
import numpy as np
import pytest

import tinynet
from tinynet.examples import load_example
from tinynet.examples.report import BackwardWalk, ExampleResult, Figure, StepPlayer, Table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def run_quick(tmp_path_factory):
    """Run each example once per test session (quick settings, one thread) and cache its result."""
    results = {}

    def run(name):
        if name not in results:
            previous = tinynet.get_num_threads()
            tinynet.set_num_threads(1)  # tiny matrices: threads only add overhead on a busy machine
            try:
                out_dir = tmp_path_factory.mktemp(name)
                results[name] = (load_example(name).run(out_dir, seed=0, quick=True), out_dir)
            finally:
                tinynet.set_num_threads(previous)
        return results[name]

    return run


EXPECTED_FIGURES = {
    "xor": {"boundaries.png", "hidden_space.png", "loss.png"},
    "bp": {"deep_loss.png", "hidden_filters.png", "digits_loss.png"},
    "mnist-templates": {"templates.png", "confusion.png", "confusion_images.png", "mistakes.png", "loss.png"},
    "mnist-hidden": {"hidden_units.png", "filters_over_training.png", "loss.png"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FIGURES))
def test_example_writes_valid_pngs(name, run_quick):
    result, out_dir = run_quick(name)
    assert isinstance(result, ExampleResult) and result.name == name and result.summary
    assert not result.interrupted
    assert {path.name for path in result.files()} == EXPECTED_FIGURES[name]
    for figure in result.figures:
        if isinstance(figure, Figure):
            assert figure.path.parent == out_dir and figure.title and figure.caption
    for path in result.files():
        width, height = png_size(path)
        assert 200 <= width <= 4096 and 20 <= height <= 3000
        pixels = matplotlib.image.imread(path)
        assert pixels.shape[:2] == (height, width)
        assert pixels.std() > 0.01  # not a blank image


@pytest.mark.parametrize("name", sorted(EXPECTED_FIGURES))
def test_the_lesson_is_written_from_the_runs_numbers(name, run_quick):
    result, _ = run_quick(name)
    lesson = load_example(name).SECTION
    numbers, look_for = lesson.key_numbers(result.metrics), lesson.look_for(result.metrics)
    assert numbers and look_for and all(isinstance(line, str) and line for line in numbers + look_for)
    assert any(re.search(r"\d", line) for line in numbers)  # the measured numbers, not only words


def test_xor_lesson_follows_the_metrics():
    xor = load_example("xor")
    stuck = {"logistic_accuracy": 0.75, "network_accuracy": 0.75, "network_attempts": 6, "steps": 10,
             "logistic_final_loss": 0.5, "network_final_loss": 0.4, "logistic_outputs": [0.1, 0.9, 0.8, 0.7],
             "hidden_points": [[0.5, 0.5]] * 4, "hidden_spread_start": 0.2, "hidden_spread_end": 0.1}
    text = " ".join(xor.look_for(stuck) + xor.key_numbers(stuck))
    assert "almost white" not in text and "one straight line separates" not in text  # not true of this run
    assert "3 of the 4" in text and "6 random starts" in text


def test_xor_records_the_hidden_space_over_training(run_quick):
    result, _ = run_quick("xor")
    player = next(block for block in result.figures if isinstance(block, StepPlayer))
    plane = player.planes[0]
    assert player.steps[0] == 0 and player.steps == sorted(player.steps)
    assert len(plane.points) == len(plane.lines) == len(player.steps) == len(player.series[0].values)
    assert all(len(frame) == 4 for frame in plane.points)
    assert plane.points[0] != plane.points[-1]
    # the last frame is the trained network: its line puts the classes on their sides
    w1, w2, b = plane.lines[-1]
    sides = [w1 * h1 + w2 * h2 + b > 0 for h1, h2 in plane.points[-1]]
    assert sides == [False, True, True, False]


def test_xor_logistic_fails_and_network_succeeds(run_quick):
    metrics = run_quick("xor")[0].metrics
    assert metrics["logistic_accuracy"] <= 0.75  # no straight line gets all four
    assert metrics["network_accuracy"] == 1.0
    assert metrics["network_final_loss"] < 0.05 < metrics["logistic_final_loss"]


def test_bp_walks_through_autograds_backward_pass(run_quick):
    result = run_quick("bp")[0]
    walk = next(block for block in result.figures if isinstance(block, BackwardWalk))
    assert [row.op for row in walk.rows] == ["MSELoss", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    assert all(row.box >= 0 and f'id="{walk.prefix}-box-{row.box}"' in walk.graph_svg for row in walk.rows)
    assert len({row.box for row in walk.rows}) == 5
    last = walk.rows[-1]
    assert [label for label, _, _ in last.grads_out] == ["x", "0.weight", "0.bias"]
    assert last.grads_out[0][1].startswith("none") and last.grads_out[1][2]  # the input needs none; W1 is a leaf
    bp = load_example("bp")
    by_hand = bp.backward_by_hand()
    assert f"{by_hand['W1'][0, 0]:.4g}" in last.grads_out[1][1]  # the hand-derived number is in the row
    table = next(block for block in result.figures if isinstance(block, Table))
    assert len(table.rows) == 8 and set(table.notes) <= set(table.columns)


def test_bp_loss_falls_and_hand_backward_matches(run_quick, capsys):
    metrics = run_quick("bp")[0].metrics
    assert metrics["final_loss"] < 0.01 < metrics["first_loss"]
    outputs = np.array(metrics["four_sample_outputs"])
    np.testing.assert_array_equal(outputs > 0.5, [False, True, True, False])
    assert 0.0 < metrics["new_input_output"] < 1.0
    assert metrics["digits_accuracy"] > 0.5  # 10 classes: chance is 0.1
    assert metrics["hand_backward_matches_autograd"] is True


def test_bp_hand_backward_agrees_with_autograd_directly():
    bp = load_example("bp")
    by_hand, by_autograd = bp.backward_by_hand(), bp.backward_by_autograd()
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(bp._as_array(by_autograd[name]), by_hand[name], rtol=1e-9, atol=1e-12)


def test_area_resize_keeps_mean_and_maps_constant_to_constant():
    bp = load_example("bp")
    matrix = bp.area_resize_matrix(28, 20)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-6)
    images = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    small = bp.resize_images(images)
    assert small.shape == (3, 20, 20)
    np.testing.assert_allclose(small.mean(axis=(1, 2)), images.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(bp.resize_images(np.full((1, 28, 28), 0.25, np.float32)), 0.25, rtol=1e-6)


def test_mnist_templates_accuracy_floor(run_quick):
    metrics = run_quick("mnist-templates")[0].metrics
    assert metrics["test_accuracy"] > 0.8 and metrics["finished"]


def test_mnist_hidden_accuracy_and_parameter_counts(run_quick):
    metrics = run_quick("mnist-hidden")[0].metrics
    assert metrics["parameters_784_16_16_10"] == 13002
    assert metrics["parameters_784_10_10"] == 784 * 10 + 10 + 10 * 10 + 10
    assert metrics["accuracy_784_10_10"] > 0.6 and metrics["accuracy_784_16_16_10"] > 0.3


def test_mnist_hidden_weight_decay_quiets_the_border(tmp_path, one_thread):
    """With weight decay the rarely inked border fades; without it, it keeps its random start.
    (A quick run has few steps, so a strong decay shows the effect.)"""
    hidden = load_example("mnist-hidden")
    with_decay = hidden.run(tmp_path / "decay", quick=True, weight_decay=0.05).metrics
    without = hidden.run(tmp_path / "none", quick=True, weight_decay=0.0).metrics
    assert with_decay["border_to_centre"] < 0.5 * without["border_to_centre"]


def test_mnist_hidden_filters_player_has_every_snapshot(run_quick):
    result, out_dir = run_quick("mnist-hidden")
    player = next(block for block in result.figures if isinstance(block, StepPlayer))
    sprite = player.sprites[0]
    assert sprite.frames == len(player.steps) and player.steps[0] == 0
    assert player.steps[-1] == result.metrics["steps_784_10_10"]
    width, height = png_size(sprite.path)
    assert width == sprite.per_row * sprite.frame_width
    assert height == -(-sprite.frames // sprite.per_row) * sprite.frame_height
    assert player.key.low == -player.key.high


def test_examples_are_deterministic_given_the_seed(tmp_path):
    xor = load_example("xor")
    first = xor.run(tmp_path / "a", seed=3, quick=True, epochs=300).metrics
    second = xor.run(tmp_path / "b", seed=3, quick=True, epochs=300).metrics
    assert first["network_final_loss"] == second["network_final_loss"]


def test_ctrl_c_during_training_still_writes_figures(tmp_path, monkeypatch, capsys):
    templates = load_example("mnist-templates")
    calls = []

    def interrupting_fit(model, loader, *args, history=None, **kwargs):
        calls.append(1)
        history.setdefault("loss", []).append(2.3)
        raise KeyboardInterrupt

    monkeypatch.setattr(tinynet, "fit", interrupting_fit)
    result = templates.run(tmp_path, quick=True)
    assert calls and result.metrics["finished"] is False and result.interrupted
    assert "stopped by Ctrl-C" in capsys.readouterr().out
    assert (tmp_path / "templates.png").is_file() and (tmp_path / "confusion.png").is_file()


def test_ctrl_c_in_second_network_of_mnist_hidden_still_draws_the_first(tmp_path, monkeypatch, capsys):
    hidden = load_example("mnist-hidden")
    real_fit = tinynet.fit
    calls = []

    def fit_then_interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # before the second network records any step
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(tinynet, "fit", fit_then_interrupt)
    result = hidden.run(tmp_path, quick=True, epochs=1)
    assert len(calls) == 2 and result.metrics["finished"] is False and result.interrupted
    assert {path.name for path in result.files()} == {"hidden_units.png", "filters_over_training.png", "loss.png"}
