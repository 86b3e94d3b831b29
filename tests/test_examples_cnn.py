"""The receptive-field table, and the cnn-activations and autoencoder examples end to end (quick settings)."""

import numpy as np
import pytest
from PIL import Image

from tinynet.viz.receptive_field import (
    LayerSpec, format_table, make_spec, markdown_table, plot_table, receptive_fields,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


pytestmark = pytest.mark.usefixtures("one_thread")  # these tests train: one core (conftest.py says why)


def test_hand_worked_chain_of_specs():
    # conv3 -> conv3 -> pool2 -> conv3: each 3x3 conv adds 2 x jump, the pool adds 1 and doubles the jump.
    rows = receptive_fields([make_spec("a", "conv", 3, 1, 1), make_spec("b", "conv", 3, 1, 1),
                             make_spec("p", "maxpool", 2), make_spec("c", "conv", 3, 1, 1)])
    assert [r.size for r in rows] == [(3, 3), (5, 5), (6, 6), (10, 10)]
    assert [r.jump for r in rows] == [(1, 1), (1, 1), (2, 2), (2, 2)]
    # With padding 1 the first 3x3 unit is centred on pixel 0; the first pooled unit on pixel 0.5.
    assert [r.start for r in rows] == [(0, 0), (0, 0), (0.5, 0.5), (0.5, 0.5)]


def test_rectangular_strided_and_dilated_layers():
    rows = receptive_fields([make_spec("a", "conv", (3, 5), stride=(2, 1)),
                             make_spec("b", "conv", 3, dilation=2),
                             make_spec("c", "avgpool", (2, 3), stride=(2, 3))])
    # a: (3, 5), jump (2, 1); b: effective kernel 5 -> + 4 * jump = (11, 9);
    # c: + (1 * 2, 2 * 1) = (13, 11), jump (4, 3)
    assert [r.size for r in rows] == [(3, 5), (11, 9), (13, 11)]
    assert rows[-1].jump == (4, 3)


def test_table_text_and_figure(tmp_path):
    rows = receptive_fields([make_spec("conv1", "conv", 3, 1, 1), make_spec("pool", "maxpool", 2)])
    text = format_table(rows)
    assert "receptive field" in text and "conv1" in text
    assert text.splitlines()[3].split()[:5] == ["pool", "maxpool", "2", "2", "4"]
    md = markdown_table(rows)
    assert md.splitlines()[2] == "| conv1 | conv | 3 | 1 | 3 | 1 | 0 |"
    path = plot_table(rows, tmp_path / "rf.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_spec_validation():
    with pytest.raises(ValueError, match="kind"):
        make_spec("x", "dense", 3)
    with pytest.raises(ValueError, match="kernel"):
        make_spec("x", "conv", 0)
    with pytest.raises(ValueError, match="pair"):
        make_spec("x", "conv", (3, 3, 3))
    with pytest.raises(TypeError, match="LayerSpec"):
        receptive_fields([("conv", 3, 1)])
    assert make_spec("p", "maxpool", 3).stride == (3, 3)  # pooling default: stride = kernel
    assert make_spec("c", "conv", 3).stride == (1, 1)     # conv default: stride 1


def test_receptive_fields_of_a_users_sequential():
    nn = pytest.importorskip("tinynet.nn")
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1),
                          nn.MaxPool2d(2), nn.Conv2d(2, 4, 3), nn.Flatten(), nn.Linear(4 * 12 * 12, 3),
                          nn.Conv2d(1, 1, 5))  # after Flatten/Linear everything sees the whole image
    rows = receptive_fields(model)
    assert [r.name for r in rows] == ["0", "2", "3", "4"]
    assert [r.kind for r in rows] == ["conv", "conv", "maxpool", "conv"]
    assert [r.size[0] for r in rows] == [3, 5, 6, 10]
    assert rows[-1].start == (2.5, 2.5)  # unpadded conv: centred 1 pixel (x jump 2) further in


def test_receptive_fields_of_the_example_cnn():
    pytest.importorskip("tinynet.nn")
    from tinynet.examples.cnn_activations import build_model, conv_activation_layers, named_receptive_fields

    model = build_model()
    rows = named_receptive_fields(model)
    assert [r.size[0] for r in rows] == [3, 5, 6, 10, 14, 16, 24, 32]
    assert [r.name for r in rows] == ["conv1", "conv2", "pool1", "conv3", "conv4", "pool2", "conv5", "conv6"]
    assert list(conv_activation_layers(model)) == [f"conv{i}" for i in range(1, 7)]


def test_cnn_activations_quick(tmp_path):
    pytest.importorskip("tinynet.nn")
    from tinynet.examples import cnn_activations
    from tinynet.examples.report import Figure, StepPlayer, Table

    result = cnn_activations.run(tmp_path, quick=True, seed=0)
    steps = result.metrics["steps"]
    assert steps == 20                                     # 2000 images / batch 100, one epoch
    assert result.metrics["test_accuracy"] > 0.3           # chance is 0.1
    assert not result.interrupted
    gifs = sorted(tmp_path.glob("conv*.gif"))
    assert [g.name for g in gifs] == [f"conv{i}.gif" for i in range(1, 7)]
    frames = cnn_activations.QUICK["max_frames"]           # 21 recorded states (step 0..20) -> subsampled
    for gif, channels, size in zip(gifs, cnn_activations.CHANNELS, (28, 28, 14, 14, 7, 7)):
        tile = max(size, 14) + 2                           # native size, 7x7 maps doubled, 2 px gap
        with Image.open(gif) as image:
            assert image.format == "GIF" and image.n_frames == frames
            assert image.size[1] == 18 + 2 + (1 + channels) * tile
            assert image.size[0] >= 24 + 2 + 10 * tile
    downloads = [f for f in result.figures if isinstance(f, Figure) and not f.shown]
    assert {f.path.name for f in downloads} == {g.name for g in gifs} | {"receptive_fields.md"}
    for path in result.files():
        assert path.is_file()
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == PNG_SIGNATURE
    table = (tmp_path / "receptive_fields.md").read_text()
    assert "| conv1 | conv | 3 | 1 | 3 |" in table and "| pool2 | maxpool | 2 | 2 | 16 |" in table
    html_table = next(block for block in result.figures if isinstance(block, Table))
    assert html_table.rows[-1][:5] == ["conv6", "conv", "3", "1", "32 x 32"]
    assert {"receptive field", "jump", "first centre"} <= set(html_table.notes)

    player = next(block for block in result.figures if isinstance(block, StepPlayer))
    assert player.steps == list(range(steps + 1))          # every step, and the untrained network at step 0
    assert [s.label for s in player.sprites] == ["input", "conv1", "conv2", "conv3", "conv4", "input", "conv5",
                                                 "conv6"]
    for sprite, channels, size in zip(player.sprites[1:5] + player.sprites[6:], cnn_activations.CHANNELS,
                                      (28, 28, 14, 14, 7, 7)):
        assert sprite.frames == steps + 1
        gap = cnn_activations.PITCH - 28                                  # screen pixels between maps
        assert sprite.frame_width * sprite.scale == channels * cnn_activations.PITCH - gap  # columns line up
        assert sprite.frame_height * sprite.scale == 10 * cnn_activations.PITCH - gap       # one row per digit
        with Image.open(sprite.path) as sheet:
            assert sheet.size == (sprite.per_row * sprite.frame_width,
                                  -(-sprite.frames // sprite.per_row) * sprite.frame_height)
    answers = player.sprites[0].row_labels
    assert len(answers) == steps + 1 and all(len(frame) == 10 for frame in answers)
    assert sum(kind == "right" for _, kind in answers[-1]) == result.metrics["ten_right_end"]
    loss, batch = player.series
    assert loss.values[0] is None and loss.values[-1] == pytest.approx(result.metrics["final_loss"])
    assert all(0 <= v <= 1 for v in batch.values[1:]) and batch.percent
    lesson = cnn_activations.SECTION
    assert lesson.key_numbers(result.metrics) and lesson.look_for(result.metrics)


def test_cnn_records_every_kth_step_of_a_long_run(monkeypatch, tmp_path):
    from tinynet.examples import cnn_activations
    from tinynet.examples.report import StepPlayer

    monkeypatch.setattr(cnn_activations, "MAX_RECORDED", 7)
    result = cnn_activations.run(tmp_path, quick=True, seed=0)  # 20 steps -> every 3rd
    player = next(block for block in result.figures if isinstance(block, StepPlayer))
    assert player.steps == [0, 3, 6, 9, 12, 15, 18] and result.metrics["recorded_every"] == 3


def test_autoencoder_quick(tmp_path):
    pytest.importorskip("tinynet.nn")
    from tinynet.examples import autoencoder

    result = autoencoder.run(tmp_path, quick=True, seed=0)
    settings = autoencoder.QUICK
    assert result.metrics["steps"] == settings["epochs"] * settings["train_size"] // settings["batch_size"]
    # Baseline: predict every test digit as the mean training image.  The autoencoder, which sees
    # only 3 numbers per digit, must do clearly better, and its codes must carry class information
    # (a 5-NN vote on them beats chance, 0.1, clearly) although no label was used in training.
    from tinynet.data import load_mnist

    x_train = load_mnist("train")[0][:settings["train_size"]].reshape(-1, 784)
    x_test = load_mnist("test")[0][:settings["test_size"]].reshape(-1, 784)
    mean_image_mse = float(((x_test - x_train.mean(axis=0)) ** 2).mean())
    assert result.metrics["test_mse"] < 0.95 * mean_image_mse
    assert result.metrics["knn5_accuracy_on_codes"] > 0.2
    with Image.open(tmp_path / "codes3d.gif") as gif:
        assert gif.n_frames == autoencoder.QUICK["gif_frames"]
    for name in ("codes3d.png", "reconstructions.png", "loss.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE
    assert all(f.path.is_file() for f in result.figures)
    # The caption names every digit the figure shows as read wrong (and no more).
    metrics = result.metrics
    assert metrics["shown"] == 20 and metrics["shown_read_right"] == 20 - len(metrics["shown_confusions"])
    caption = next(f.caption for f in result.figures if f.path.name == "reconstructions.png")
    assert f"{metrics['shown_read_right']} of these 20" in caption
    for confusion in metrics["shown_confusions"][:6]:
        assert confusion in caption
    if metrics["shown_confusions"]:
        assert "identity survives" not in caption and "red ones do not" in caption


def test_knn_accuracy_on_separable_codes():
    from tinynet.examples.autoencoder import knn_accuracy

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 30)
    codes = labels[:, None] * 10.0 + rng.normal(size=(300, 3))
    assert knn_accuracy(codes, labels, codes + 0.1, labels) == 1.0
    shuffled = rng.permutation(labels)
    assert knn_accuracy(codes, shuffled, codes, labels) < 0.5
