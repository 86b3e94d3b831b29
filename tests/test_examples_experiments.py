"""The activations and residual examples: their figures, their training record, and that the effects they
teach show in a short (quick) run with a wide margin: a deep sigmoid MLP's first layer gets a vanishing share
of the gradient and a deep plain CNN trains worse than the same depth with shortcuts."""

import json
import struct

import matplotlib.image
import numpy as np
import pytest

import tinynet
from tinynet.examples import load_example
from tinynet.examples.gradient_flow import final_loss, first_over_last, main_path_weights
from tinynet.examples.report import Figure, StepPlayer
from tinynet.viz.curves import moving_average

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_quick(tmp_path_factory):
    """Run each example once (quick settings, one thread, seed 0) and cache its result and folder."""
    results = {}

    def run(name):
        if name not in results:
            previous = tinynet.get_num_threads()
            tinynet.set_num_threads(1)  # small layers on a shared 2-core machine: threads only add waiting
            try:
                out_dir = tmp_path_factory.mktemp(name)
                results[name] = (load_example(name).run(out_dir, seed=0, quick=True), out_dir)
            finally:
                tinynet.set_num_threads(previous)
        return results[name]

    return run


def check_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    assert 300 <= width <= 1600 and 200 <= height <= 1600, (path.name, width, height)
    assert matplotlib.image.imread(path).std() > 0.01  # not blank


def files_of(result, shown=None):
    """The names of the files among an example's blocks (only those shown on the page, or only the downloads)."""
    return {block.path.name for block in result.figures
            if isinstance(block, Figure) and (shown is None or block.shown == shown)}


@pytest.mark.parametrize("name, shown, downloads, players", [
    ("activations", {"activation_zoo.png", "gradient_norms_over_training.png"},
     {"gradient_norms_at_init.png", "loss.png", "training_record.json"}, 1),
    ("residual", {"loss.png", "sparsity.png"},
     {"gradient_norms_at_init.png", "gradient_norms_over_training.png", "training_record.json"}, 2),
])
def test_writes_its_figures_players_and_a_training_record(name, shown, downloads, players, run_quick):
    result, out_dir = run_quick(name)
    assert result.name == name and result.summary and result.metrics["finished"] is True and not result.interrupted
    assert files_of(result, shown=True) == shown and files_of(result, shown=False) == downloads
    assert sum(isinstance(block, StepPlayer) for block in result.figures) == players
    for figure in result.figures:
        if isinstance(figure, Figure):
            assert figure.path.parent == out_dir and figure.title and figure.caption
            if figure.path.suffix == ".png":
                check_png(figure.path)
    record = json.loads((out_dir / "training_record.json").read_text(encoding="utf-8"))
    steps = result.metrics["steps"]
    assert steps > 10 and record["nets"]
    for net in record["nets"].values():
        assert len(net["loss"]) == len(net["grad_norms"]) == steps
        assert all(isinstance(value, float) and value > 0 for value in net["loss"])
        assert all(len(norms) == len(net["grad_norms"][0]) for norms in net["grad_norms"])


# ---- activations ---------------------------------------------------------------------------------

def test_sigmoid_gradient_vanishes_and_relu_gradient_does_not(run_quick):
    metrics = run_quick("activations")[0].metrics
    # Measured over seeds 0-7 (quick: 100 steps): sigmoid 1.3e-5 to 3.2e-5, ReLU 2.8 to 6.5; final loss
    # sigmoid 2.32-2.33, ReLU 0.76-1.57; shrink per layer 0.33-0.36.
    assert metrics["sigmoid_grad_ratio"] < 1e-3
    assert metrics["relu_grad_ratio"] > 0.3
    assert metrics["relu_grad_ratio"] > 1e3 * metrics["sigmoid_grad_ratio"]
    # He init's gain sqrt(2) times sigma' <= 1/4 bounds the typical shrink per layer by about 0.35.
    assert metrics["sigmoid_shrink_per_layer"] < 0.45
    # The sigmoid net stays near chance (ln 10 = 2.30); the ReLU net learns.
    assert metrics["sigmoid_final_loss"] > 2.0
    assert metrics["relu_final_loss"] < metrics["sigmoid_final_loss"] - 0.5
    assert metrics["relu_test_accuracy"] > metrics["sigmoid_test_accuracy"] + 0.15  # measured 0.38-0.75 vs 0.09-0.13


def test_activations_player_shows_the_recorded_gradient_norms_and_losses(run_quick):
    result, out_dir = run_quick("activations")
    record = json.loads((out_dir / "training_record.json").read_text(encoding="utf-8"))
    (player,) = [block for block in result.figures if isinstance(block, StepPlayer)]
    assert player.steps == list(range(1, result.metrics["steps"] + 1))  # every step (fewer than 400)
    (profile,) = player.profiles
    assert profile.log and profile.x == list(range(1, load_example("activations").HIDDEN_LAYERS + 2))
    assert [curve.label for curve in profile.curves] == ["sigmoid", "ReLU"] == [s.name for s in player.series]
    for curve in profile.curves:  # frame k shows step k + 1's norms; the record keeps 4 significant digits
        np.testing.assert_allclose(curve.values, record["nets"][curve.label]["grad_norms"], rtol=1e-3)
    for series in player.series:
        np.testing.assert_allclose(series.values, moving_average(record["nets"][series.name]["loss"], 10), rtol=1e-3)


def test_activations_words_are_true_of_the_run(run_quick):
    result, out_dir = run_quick("activations")
    m, activations = result.metrics, load_example("activations")
    record = json.loads((out_dir / "training_record.json").read_text(encoding="utf-8"))
    sigmoid = np.asarray(record["nets"]["sigmoid"]["grad_norms"])
    relu_at_init = np.asarray(record["nets"]["ReLU"]["grad_norms"][0])
    assert m["sigmoid_ratio_max"] == pytest.approx(np.max(sigmoid[:, 0] / sigmoid[:, -1]), rel=1e-3)
    assert m["relu_spread_at_init"] == pytest.approx(relu_at_init.max() / relu_at_init.min(), rel=1e-3)
    assert m["sigmoid_falls_every_layer"] == bool(np.all(np.diff(sigmoid[0]) > 0))
    text = " ".join(activations.SECTION.key_numbers(m) + activations.SECTION.look_for(m))
    assert activations.scientific(m["sigmoid_grad_ratio"]) in text and f"{m['relu_final_loss']:.2f}" in text
    assert "sigmoid (logsig), bipolar sigmoid and tanh (tansig) go flat on both sides" in text
    assert "ReLU, ELU, swish (SiLU) and softplus only for negative inputs" in text
    assert "stays near 2.30" in text and "at none of the" in text and "stays level" in text


def test_activations_look_for_claims_only_what_the_metrics_show(run_quick):
    metrics = dict(run_quick("activations")[0].metrics)
    metrics.update(sigmoid_final_loss=0.6, sigmoid_grad_ratio=0.2, sigmoid_ratio_max=0.5, relu_spread_at_init=50.0)
    text = " ".join(load_example("activations").SECTION.look_for(metrics))
    for claim in ("stays near 2.30", "at none of the", "stays level", "falls"):
        assert claim not in text, claim
    assert "sigmoid ends at 0.60" in text


def test_scientific_numbers_in_words():
    scientific = load_example("activations").scientific
    assert scientific(2.34e-5) == "2.3 × 10⁻⁵" and scientific(0.35) == "0.35" and scientific(12.0) == "12"


def test_the_two_mlps_start_from_the_same_weights():
    from tinynet import nn

    activations = load_example("activations")
    sigmoid_net, relu_net = activations.deep_mlp(nn.Sigmoid, 3), activations.deep_mlp(nn.ReLU, 3)
    weights = main_path_weights(sigmoid_net)
    assert len(weights) == activations.HIDDEN_LAYERS + 1
    for (_, a), (_, b) in zip(weights, main_path_weights(relu_net)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert isinstance(sigmoid_net[1], nn.Sigmoid) and isinstance(relu_net[1], nn.ReLU)


def _closed_forms(x):
    """What the autograd derivative of each zoo entry should be, written by hand (for the test only)."""
    s = 1 / (1 + np.exp(-x))
    maxout_slopes = np.array([-0.5, 0.3, 1.2])
    pieces = np.outer(x, maxout_slopes) + np.array([-0.5, 0.2, -1.5])
    return {
        "linear (purelin)": np.ones_like(x), "hard limit (hardlim)": np.zeros_like(x),
        "sigmoid (logsig)": s * (1 - s), "bipolar sigmoid": 2 * s * (1 - s), "tanh (tansig)": 1 - np.tanh(x) ** 2,
        "ReLU": (x > 0).astype(float), "leaky ReLU": np.where(x > 0, 1.0, 0.1), "ELU": np.where(x > 0, 1.0, np.exp(x)),
        "swish (SiLU)": s * (1 + x * (1 - s)), "softplus": s, "maxout (3 pieces)": maxout_slopes[pieces.argmax(axis=1)],
    }


def test_zoo_derivatives_from_autograd_match_the_closed_forms():
    activations = load_example("activations")
    x = np.linspace(-6, 6, 121) + 0.013  # off the kinks at 0 and at the maxout corners
    expected = _closed_forms(x)
    zoo = activations.activation_zoo()
    assert [title for title, _, _ in zoo] == list(expected)
    for title, _, f in zoo:
        _, slope = activations.value_and_derivative(f, x)
        np.testing.assert_allclose(slope, expected[title], rtol=1e-9, atol=1e-12, err_msg=title)


def test_saturated_tails():
    tails = load_example("activations").saturated_tails
    x = np.linspace(-6, 6, 1201)
    s = 1 / (1 + np.exp(-x))
    left, right = tails(x, s * (1 - s), threshold=0.02)
    assert left[0] == -6 and right[1] == 6
    assert -4.0 < left[1] < -3.8 and 3.8 < right[0] < 4.0  # s' = 0.02 at |x| = 3.89
    assert tails(x, np.ones_like(x)) == []
    assert tails(x, np.zeros_like(x)) == [(-6.0, 6.0)]
    relu_tail = tails(x, (x > 0).astype(float))
    assert len(relu_tail) == 1 and relu_tail[0][0] == -6 and relu_tail[0][1] == pytest.approx(0.0, abs=1e-12)


def test_first_over_last_and_final_loss():
    assert first_over_last([1e-4, 0.1, 2.0]) == pytest.approx(5e-5)
    assert final_loss([9.0] * 80 + [1.0] * 20) == 1.0
    assert final_loss([3.0]) == 3.0 and np.isnan(final_loss([]))


# ---- residual ------------------------------------------------------------------------------------

def test_deep_plain_net_trains_worse_than_the_residual_and_the_shallow_net(run_quick):
    metrics = run_quick("residual")[0].metrics
    # Measured over seeds 0-7 (quick: 100 steps): plain 0.71-1.28, v1 0.34-0.58, v2 0.42-0.57, 8 layers 0.37-0.48;
    # plain / v1 1.9-3.2, plain / 8 layers 1.7-2.8; highway 0.50-0.63, plain / highway 1.23-2.5;
    # ResNeXt 0.56-0.82, plain / ResNeXt 1.25-2.0.
    assert metrics["plain_final_loss"] > 1.4 * metrics["residual_final_loss"]
    assert metrics["plain_final_loss"] > 1.15 * metrics["residual_v2_final_loss"]
    assert metrics["plain_final_loss"] > 1.15 * metrics["highway_final_loss"]
    assert metrics["plain_final_loss"] > 1.15 * metrics["resnext_final_loss"]
    assert metrics["plain_final_loss"] > 1.3 * metrics["plain_shallow_final_loss"]
    assert metrics["residual_final_loss"] < 0.8 and metrics["residual_v2_final_loss"] < 0.8
    assert metrics["highway_final_loss"] < 0.8 and metrics["resnext_final_loss"] < 0.9
    for key in ("plain", "residual", "residual_v2", "highway", "resnext"):  # BatchNorm: no gradient vanishes on the way down
        assert metrics[f"{key}_grad_ratio"] > 0.05


def test_residual_players_and_words_are_true_of_the_run(run_quick):
    result, out_dir = run_quick("residual")
    m, residual = result.metrics, load_example("residual")
    record = json.loads((out_dir / "training_record.json").read_text(encoding="utf-8"))
    gradients, sparsity = [block for block in result.figures if isinstance(block, StepPlayer)]
    labels = list(record["nets"])
    assert labels == list(residual.nets_to_compare(residual.QUICK["blocks"]))
    assert [curve.label for curve in gradients.profiles[0].curves] == labels[1:]  # the deep nets
    assert [series.name for series in gradients.series] == labels  # every net's loss
    for curve in gradients.profiles[0].curves:
        np.testing.assert_allclose(curve.values, record["nets"][curve.label]["grad_norms"], rtol=1e-3)
    plain, v1 = (moving_average(record["nets"][label]["loss"], residual.SMOOTH) for label in labels[1:3])
    half = slice(len(plain) // 2, len(plain))
    assert m["plain_above_residual_share"] == pytest.approx(np.mean(plain[half] > v1[half]), abs=0.05)
    zeros = np.asarray(record["sparsity"]["zero_fraction"])
    assert sparsity.steps == record["sparsity"]["steps"]
    output, inside = sparsity.profiles[0].curves
    np.testing.assert_allclose(output.values, zeros[:, 2::2], atol=1e-3)  # relu(bn2(...) + x) of each unit
    np.testing.assert_allclose(inside.values, zeros[:, 1::2], atol=1e-3)  # relu(bn1(conv1(x)))
    assert m["residual_zero_units_start_max"] == pytest.approx(zeros[0, 1:].max(), abs=1e-3)
    assert m["residual_zero_units_max"] == pytest.approx(zeros[-1, 1:].max(), abs=1e-3)
    text = " ".join(residual.SECTION.key_numbers(m) + residual.SECTION.look_for(m))
    assert "the degradation problem" in text and f"{m['plain_final_loss']:.2f}" in text
    assert "not a vanishing gradient" in text and "In the sparsity slider" in text


def test_residual_look_for_claims_only_what_the_metrics_show(run_quick):
    metrics = dict(run_quick("residual")[0].metrics)
    metrics.update(plain_final_loss=0.5, plain_shallow_final_loss=0.5, residual_final_loss=0.49,
                   residual_v2_final_loss=0.7, highway_final_loss=0.4, resnext_final_loss=0.47,
                   plain_above_residual_share=0.5,
                   highway_grad_ratio=0.01, residual_zero_output_mean=0.5, residual_zero_inside_mean=0.5)
    text = " ".join(load_example("residual").SECTION.look_for(metrics))
    for claim in ("ends above", "lies above", "All the nets with shortcuts", "not a vanishing gradient",
                  "fewer zeros"):
        assert claim not in text, claim
    assert "ends about as well as the 8-layer one" in text and "Of the nets with shortcuts, highway end" in text


def test_residual_loss_caption_groups_the_nets_by_outcome():
    residual = load_example("residual")
    final = dict(plain_shallow=0.5, plain=1.25, residual=0.36, residual_v2=1.2, highway=0.53, resnext=2.0)
    assert residual.loss_verdict(final) == (
        " The deep plain net ends worse than the 8-layer plain net. Residual v1 and highway end better than the deep"
        " plain net. Residual v2 ends about as well as the deep plain net. ResNeXt ends worse than the deep plain"
        " net.")
    assert residual.loss_verdict(dict(plain=1.0, residual=0.5)) == ""


def test_highway_unit_gates_between_its_layers_and_its_input():
    from tinynet import nn
    from tinynet.examples.shortcut_units import CARRY_BIAS, HighwayUnit

    tinynet.manual_seed(0)
    unit = HighwayUnit(4, 4)
    unit.eval()
    x = tinynet.randn(2, 4, 5, 5)
    assert float(unit.gate.bias.detach().numpy().mean()) == CARRY_BIAS
    with tinynet.no_grad():
        layers, gate = unit.transform(x).numpy(), nn.functional.sigmoid(unit.gate(x)).numpy()
        np.testing.assert_allclose(unit(x).numpy(), layers * gate + x.numpy() * (1 - gate), rtol=1e-5, atol=1e-6)
        nn.init.constant_(unit.gate.weight, 0.0)
        nn.init.constant_(unit.gate.bias, -40.0)  # the gate shut: the unit carries x through
        np.testing.assert_allclose(unit(x).numpy(), x.numpy(), atol=1e-6)
        nn.init.constant_(unit.gate.bias, 40.0)  # the gate open: the unit is its layers
        np.testing.assert_allclose(unit(x).numpy(), layers, atol=1e-6)
        assert HighwayUnit(4, 8, stride=2)(x).shape == (2, 8, 3, 3)  # x projected to the new shape


def test_resnext_unit_adds_grouped_paths_to_its_input():
    from tinynet import nn
    from tinynet.examples.shortcut_units import ResNeXtUnit

    tinynet.manual_seed(0)
    unit = ResNeXtUnit(8, 8, cardinality=4)
    unit.eval()
    grouped = unit.transform[3]
    assert grouped.groups == 4 and grouped.weight.shape == (8, 2, 3, 3)  # each filter sees its group's 2 channels
    x = tinynet.randn(2, 8, 5, 5)
    with tinynet.no_grad():
        expected = np.maximum(unit.transform(x).numpy() + x.numpy(), 0)
        np.testing.assert_allclose(unit(x).numpy(), expected, rtol=1e-5, atol=1e-6)
        # A group's output moves only with its own input channels: change channels 2-3 (group 1) of the
        # middle convolution's input and only its output channels 2-3 change.
        inside = unit.transform[:3](x)
        changed = inside.numpy().copy()
        changed[:, 2:4] += 1.0
        before, after = grouped(inside).numpy(), grouped(tinynet.tensor(changed)).numpy()
        moved = np.abs(after - before).max(axis=(0, 2, 3)) > 1e-6
        assert moved.tolist() == [False, False, True, True, False, False, False, False]
        assert ResNeXtUnit(8, 16, stride=2)(x).shape == (2, 16, 3, 3)
    with pytest.raises(ValueError):
        ResNeXtUnit(6, 6, cardinality=4)  # 6 channels do not split into 4 groups


def test_sparsity_after_batchnorm_and_relu(run_quick):
    result, out_dir = run_quick("residual")
    metrics = result.metrics
    assert 0.15 < metrics["residual_zero_fraction_min"] <= metrics["residual_zero_fraction_mean"] \
        <= metrics["residual_zero_fraction_max"] < 0.85
    sparsity = json.loads((out_dir / "training_record.json").read_text(encoding="utf-8"))["sparsity"]
    blocks = load_example("residual").QUICK["blocks"]
    assert len(sparsity["layers"]) == 1 + 6 * blocks  # the stem, then two per unit
    assert sparsity["steps"][0] == 0 and sparsity["steps"] == sorted(sparsity["steps"])
    for zeros, histogram in zip(sparsity["zero_fraction"], sparsity["histogram"]):
        shares = np.asarray(histogram)
        assert shares.shape == (len(sparsity["layers"]), len(sparsity["bin_edges"]) - 1)
        np.testing.assert_allclose(np.asarray(zeros) + shares.sum(axis=1), 1.0, atol=2e-3)  # 4 significant digits


@pytest.mark.parametrize("kind", ["plain", "v1", "v2", "highway", "resnext"])
def test_nets_have_6_blocks_plus_2_weight_layers_and_classify_digits(kind):
    from tinynet import nn
    from tinynet.examples.shortcut_units import HighwayUnit, ResNeXtUnit

    residual = load_example("residual")
    tinynet.manual_seed(0)
    for blocks in (1, 2):
        net = residual.build_net(kind, blocks)
        layers_per_unit = 3 if kind == "resnext" else 2  # shortcut projections and gates are not counted
        assert len(main_path_weights(net)) == 3 * layers_per_unit * blocks + 2
        units = (nn.ResidualBlock, nn.PreActivationBlock, HighwayUnit, ResNeXtUnit)
        shortcuts = [m for m in net.modules() if isinstance(m, units)]
        assert len(shortcuts) == (0 if kind == "plain" else 3 * blocks)
        with tinynet.no_grad():
            assert net(tinynet.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_bad_settings_are_refused_before_training(tmp_path):
    residual = load_example("residual")
    with pytest.raises(ValueError, match="blocks must be >= 1"):
        residual.run(tmp_path, quick=True, blocks=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        load_example("activations").run(tmp_path, quick=True, batch_size=0)


def test_docs_page_code_runs_and_prints_what_it_says():
    import contextlib
    import io
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "activations-and-residuals.md"
    if not page.exists():
        pytest.skip("docs/ is not beside the tests (installed tests?)")
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 2
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:  # the second ends with an assert: dL/dx = dL/dy (I + dF/dx)
            exec(compile(block, str(page), "exec"), {"__name__": "docs_activations_and_residuals"})
    claimed = re.search(r"print\(.*\)\s+# (.*)\n", blocks[0]).group(1)
    assert out.getvalue().strip() == claimed.strip()


def _interrupt_second_training_at_step_3(monkeypatch):
    """Make the second call of tinynet.training.fit raise KeyboardInterrupt (Ctrl-C) after its 3rd step."""
    import tinynet.training

    real_fit, calls = tinynet.training.fit, []

    def fit(*args, on_step=None, **kwargs):
        calls.append(1)

        def step_then_maybe_stop(step, loss):
            on_step(step, loss)
            if len(calls) == 2 and step == 3:
                raise KeyboardInterrupt

        return real_fit(*args, on_step=step_then_maybe_stop, **kwargs)

    monkeypatch.setattr(tinynet.training, "fit", fit)
    return calls


@pytest.mark.parametrize("name, expected", [
    ("activations", {"activation_zoo.png", "gradient_norms_at_init.png", "gradient_norms_over_training.png",
                     "loss.png", "training_record.json"}),
    ("residual", {"loss.png", "gradient_norms_at_init.png", "gradient_norms_over_training.png",
                  "training_record.json"}),
])
def test_ctrl_c_stops_training_and_draws_what_was_recorded(name, expected, tmp_path, monkeypatch, capsys):
    calls = _interrupt_second_training_at_step_3(monkeypatch)
    previous = tinynet.get_num_threads()
    tinynet.set_num_threads(1)
    try:
        result = load_example(name).run(tmp_path, quick=True, train_size=640)
    finally:
        tinynet.set_num_threads(previous)
    assert len(calls) == 2 and result.metrics["finished"] is False  # nothing trained after the interrupt
    assert result.interrupted  # the tour stops here and marks the section interrupted
    assert "stopped by Ctrl-C" in capsys.readouterr().out
    assert files_of(result) == expected
    record = json.loads((tmp_path / "training_record.json").read_text(encoding="utf-8"))
    assert [len(net["loss"]) for net in record["nets"].values()] == [result.metrics["steps"], 3]
