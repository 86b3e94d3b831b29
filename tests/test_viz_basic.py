"""tinynet.viz on a user's own arrays and models: weights, boundaries, hidden space, confusion, curves."""

import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest

import tinynet
from tinynet import nn, viz
from tinynet.viz.curves import moving_average
from tinynet.viz.style import RED_WHITE_BLUE, symmetric_limit


def read_png(path):
    """The saved image as an (H, W, channels) float array (fails if the file is not a PNG)."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return matplotlib.image.imread(path)


def test_red_white_blue_colormap_endpoints():
    assert matplotlib.colors.to_hex(RED_WHITE_BLUE(0.0)) == "#b2182b"  # -1: red
    assert matplotlib.colors.to_hex(RED_WHITE_BLUE(0.5)) == "#ffffff"  # 0: white
    assert matplotlib.colors.to_hex(RED_WHITE_BLUE(1.0)) == "#2166ac"  # +1: blue
    assert symmetric_limit([-3.0, 2.0, np.nan]) == 3.0 and symmetric_limit([0.0]) > 0


def test_weight_grid_from_a_linear_layer(tmp_path):
    tinynet.manual_seed(0)
    layer = nn.Linear(64, 6)
    path = viz.weight_grid(layer, tmp_path / "w.png")  # 64 inputs -> 8x8 tiles detected
    pixels = read_png(path)
    # Red and blue both appear: the weights have both signs.
    rgb = pixels[..., :3]
    assert np.any((rgb[..., 0] > rgb[..., 2] + 0.2)) and np.any((rgb[..., 2] > rgb[..., 0] + 0.2))


def test_weight_grid_shape_checks(tmp_path):
    with pytest.raises(ValueError, match="not a square"):
        viz.weight_grid(np.zeros((3, 10)), tmp_path / "w.png")
    with pytest.raises(ValueError, match="does not hold"):
        viz.weight_grid(np.zeros((3, 10)), tmp_path / "w.png", shape=(3, 3))
    assert viz.weight_grid(np.ones((3, 10)), tmp_path / "w.png", shape=(2, 5)).is_file()
    with pytest.raises(ValueError, match="titles"):
        viz.weight_grid(np.zeros((3, 4)), tmp_path / "w.png", titles=["a"])
    with pytest.raises(ValueError, match="scale"):
        viz.weight_grid(np.zeros((3, 4)), tmp_path / "w.png", scale="global")


def test_weight_bars_and_image_grid(tmp_path):
    assert read_png(viz.weight_bars(np.array([[1.0, -2.0], [0.5, 0.0]]), tmp_path / "b.png")).size
    assert read_png(viz.image_grid(np.random.default_rng(0).random((5, 1, 8, 8)), tmp_path / "i.png")).size
    with pytest.raises(ValueError):
        viz.weight_bars(np.zeros(3), tmp_path / "b.png")


def test_decision_boundary_with_a_numpy_function(tmp_path):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    seen_shapes = []

    def model(points):
        seen_shapes.append(points.shape)
        return 1.0 / (1.0 + np.exp(-(points[:, 1] - 0.5) * 8))

    pixels = read_png(viz.decision_boundary(model, X, y, tmp_path / "d.png", resolution=50))
    assert seen_shapes == [(2500, 2)]
    assert pixels.shape[0] > 100


def test_decision_boundary_with_a_module_and_bad_input(tmp_path):
    tinynet.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    X = np.array([[0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    assert viz.decision_boundary(model, X, [0, 1], tmp_path / "d.png", resolution=20).is_file()
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        viz.decision_boundary(model, np.zeros((3, 3)), [0, 1, 0], tmp_path / "d.png")
    with pytest.raises(ValueError, match="labels"):
        viz.decision_boundary(model, X, [0, 1, 1], tmp_path / "d.png")


def test_capture_activations_returns_layer_outputs_and_removes_hooks():
    tinynet.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    captured = viz.capture_activations(model, x, ["1"])
    expected = np.tanh(x @ model[0].weight.numpy().T + model[0].bias.numpy())
    np.testing.assert_allclose(captured["1"], expected, rtol=1e-5, atol=1e-6)
    by_module = viz.capture_activations(model, x, {"out": model[2]})
    assert by_module["out"].shape == (5, 2)
    assert not model[1]._forward_hooks and not model[2]._forward_hooks
    with pytest.raises(ValueError, match="no submodule"):
        viz.capture_activations(model, x, ["7"])


def test_hidden_space(tmp_path):
    hidden = np.array([[0.9, 0.1], [0.1, 0.1], [0.9, 0.9], [0.1, 0.9]])
    path = viz.hidden_space(hidden, [1, 0, 0, 1], tmp_path / "h.png", output_weight=[1.0, -1.0],
                            output_bias=0.0, point_labels=list("abcd"))
    assert read_png(path).size
    with pytest.raises(ValueError, match="exactly 2 hidden units"):
        viz.hidden_space(np.zeros((4, 3)), [0, 1, 0, 1], tmp_path / "h.png")


def test_confusion_matrix_counts():
    cm = viz.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=4)
    expected = np.zeros((4, 4), dtype=np.int64)
    expected[0, 0] = expected[0, 1] = expected[1, 1] = expected[2, 0] = 1
    expected[2, 2] = 2
    np.testing.assert_array_equal(cm, expected)
    with pytest.raises(ValueError, match="num_classes"):
        viz.confusion_matrix([0, 5], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="length|labels"):
        viz.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="integer"):
        viz.confusion_matrix([0.5], [0])


def test_most_confident_per_cell_and_plots(tmp_path):
    images = np.arange(4, dtype=float)[:, None, None] * np.ones((4, 3, 3)) / 4
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 0, 1]
    confidence = [0.6, 0.9, 0.7, 0.8]
    cells = viz.most_confident_per_cell(images, y_true, y_pred, confidence, num_classes=2)
    np.testing.assert_array_equal(cells[0, 0], images[1])  # the more confident of the two (0, 0) images
    np.testing.assert_array_equal(cells[1, 0], images[2])
    assert np.isnan(cells[0, 1]).all()  # empty cell
    cm = viz.confusion_matrix(y_true, y_pred)
    assert read_png(viz.plot_confusion(cm, tmp_path / "c.png")).size
    assert read_png(viz.plot_confusion(cm, tmp_path / "ci.png", images=cells)).size
    with pytest.raises(ValueError, match="shape"):
        viz.plot_confusion(cm, tmp_path / "x.png", images=np.zeros((3, 3, 2, 2)))


def test_mistakes_gallery(tmp_path):
    images = np.random.default_rng(0).random((6, 5, 5))
    assert read_png(viz.mistakes_gallery(images, [0, 1, 2, 0, 1, 2], [0, 2, 2, 1, 1, 0], np.linspace(0.5, 1, 6),
                                         tmp_path / "m.png")).size
    with pytest.raises(ValueError, match="no mistakes"):
        viz.mistakes_gallery(images, [0] * 6, [0] * 6, np.ones(6), tmp_path / "m.png")


def test_training_curves_accepts_fit_history_and_comparisons(tmp_path):
    history = {"loss": list(np.linspace(2, 0.1, 300)), "epoch_end_step": [150, 300], "test_accuracy": [0.8, 0.9]}
    assert read_png(viz.training_curves(history, tmp_path / "a.png")).size
    assert read_png(viz.training_curves({"a": [1, 0.5], "b": {"loss": [2, 1, 0.5]}}, tmp_path / "b.png")).size
    with pytest.raises(ValueError, match="empty"):
        viz.training_curves({"loss": []}, tmp_path / "c.png")
    with pytest.raises(TypeError):
        viz.training_curves([1, 2], tmp_path / "d.png")


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 3, 5, 7], 2), [1, 2, 4, 6])
    np.testing.assert_allclose(moving_average([1, 2], 1), [1, 2])
