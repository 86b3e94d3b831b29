"""Pictures for the tour page's step players and backward walk: sprite sheets, the graph as SVG, the
backward pass as table rows, and the classic hidden-unit figure."""

import re
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

import tinynet
from tinynet import nn
from tinynet.viz.backward_steps import backward_walk, record_backward_steps
from tinynet.viz.graph_svg import graph_svg
from tinynet.viz.hidden_units import filters_and_class_weights
from tinynet.viz.sprites import GAP_COLOR, LEVELS, sheet_layout, tile, write_ink_picture, write_sprite


def test_tile_puts_gaps_right_of_and_below_every_map():
    maps = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    picture = tile(maps, gap=1)
    assert picture.shape == (2 * 3 - 1, 3 * 3 - 1)                 # gaps only between tiles
    np.testing.assert_array_equal(picture[0:2, 3:5], maps[0, 1])   # row 0, column 1
    np.testing.assert_array_equal(picture[3:5, 6:8], maps[1, 2])   # row 1, column 2
    assert np.isnan(picture[2]).all() and np.isnan(picture[:, 2]).all()
    assert tile(maps, gap=0).shape == (4, 6)
    with pytest.raises(ValueError, match="rows, columns"):
        tile(np.zeros((3, 2, 2)), 1)


def test_sprite_sheet_places_frame_k_at_its_cell_with_the_right_colours(tmp_path):
    frames = np.zeros((5, 3, 4), dtype=np.float32)
    frames[1] = 1.0    # blue
    frames[2] = -1.0   # red
    frames[3, 0, 0] = np.nan
    path = tmp_path / "sheet.png"
    per_row = write_sprite(frames, path, max_width=8)  # two 4-pixel frames per row
    assert per_row == 2 == sheet_layout(5, 4, 8)
    with Image.open(path) as sheet:
        assert sheet.size == (8, 3 * 3) and sheet.mode == "P"
        rgb = np.asarray(sheet.convert("RGB"))

    def cell(k):
        top, left = (k // per_row) * 3, (k % per_row) * 4
        return rgb[top:top + 3, left:left + 4]

    assert tuple(cell(0)[1, 1]) == (255, 255, 255)               # 0 is white
    assert cell(1)[1, 1][2] > 150 and cell(1)[1, 1][0] < 80     # +1 blue
    assert cell(2)[1, 1][0] > 150 and cell(2)[1, 1][2] < 80     # -1 red
    assert tuple(cell(3)[0, 0]) == GAP_COLOR                    # NaN is a gap
    assert tuple(rgb[6, 4]) == GAP_COLOR                        # the unused sixth cell
    with Image.open(path) as sheet:
        assert len(set(np.asarray(sheet).ravel())) <= LEVELS + 1
    with pytest.raises(ValueError):
        write_sprite(np.zeros((2, 2)), path)


def test_sheets_stay_narrow_enough_for_every_browser():
    assert sheet_layout(1000, 320) * 320 <= 4096
    assert sheet_layout(3, 5000) == 1  # a frame wider than the limit still gets a sheet


def test_ink_picture_is_black_ink_on_white_paper(tmp_path):
    images = np.zeros((2, 1, 4, 4), dtype=np.float32)
    images[1, 0, 1, 1] = 1.0
    shape = write_ink_picture(images, tmp_path / "ink.png", gap=2)
    with Image.open(tmp_path / "ink.png") as picture:
        rgb = np.asarray(picture.convert("RGB"))
    assert shape == rgb.shape[:2] == (10, 4)
    assert tuple(rgb[0, 0]) == (255, 255, 255) and tuple(rgb[7, 1]) == (0, 0, 0)
    assert tuple(rgb[4, 0]) == GAP_COLOR


def _two_layer_loss():
    tinynet.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    x = tinynet.tensor(np.ones((4, 3), dtype=np.float32))
    return model, x, (model(x) ** 2).mean()


def test_graph_svg_is_valid_svg_with_one_group_per_box():
    model, x, loss = _two_layer_loss()
    svg, boxes, edges = graph_svg(loss, names=model, prefix="g")
    root = ElementTree.fromstring(svg)
    groups = [el for el in root.iter() if el.tag.endswith("g") and el.get("id", "").startswith("g-box-")]
    assert len(groups) == len(boxes) and len(edges) >= len(boxes) - 1
    assert {box.title for box in boxes} >= {"0.weight", "2.bias"}
    assert all(box.node is not None for box in boxes if box.kind == "op")
    xs = {int(g.get("id").split("-")[-1]): float(g.find("{*}rect").get("x")) for g in groups}
    assert xs[0] == max(xs.values())  # the result is the rightmost box


def test_backward_walk_rows_follow_autograd_and_point_at_their_boxes():
    model, x, loss = _two_layer_loss()
    steps, svg = backward_walk(loss, names=dict(model.named_parameters(), x=x))
    assert steps[0].op == "Mean" or steps[0].grad_in.startswith("scalar")
    assert len({s.box for s in steps}) == len(steps) and all(f'id="graph-box-{s.box}"' in svg for s in steps)
    first_linear = [s for s in steps if s.op == "Linear"][-1]
    labels = [label for label, _, _ in first_linear.grads_out]
    assert labels == ["x", "0.weight", "0.bias"]
    np.testing.assert_allclose(float(re.findall(r"[-\d.e]+", first_linear.grads_out[2][1].split(")")[-1])[0]),
                               model[0].bias.grad.numpy()[0], rtol=1e-3)
    assert "|grad|" in svg  # the boxes show the gradient that reached them
    assert all(s.derivative for s in steps)  # every op states its local derivative
    assert not tinynet.autograd.hooks.backward_listeners  # the listeners are gone


def test_record_backward_steps_removes_its_listener_after_an_error():
    with pytest.raises(RuntimeError):
        with record_backward_steps():
            raise RuntimeError("boom")
    assert not tinynet.autograd.hooks.backward_listeners


def test_classic_hidden_figure(tmp_path):
    rng = np.random.default_rng(0)
    path = filters_and_class_weights(rng.normal(size=(5, 16)), rng.normal(size=(3, 5)), tmp_path / "h.png",
                                     shape=(4, 4), class_names=["a", "b", "c"], title="t")
    with Image.open(path) as picture:
        assert picture.size[0] > 400 and picture.size[1] > 200
    with pytest.raises(ValueError, match="same"):
        filters_and_class_weights(np.zeros((5, 16)), np.zeros((3, 4)), tmp_path / "x.png", shape=(4, 4))
    with pytest.raises(ValueError, match="shape"):
        filters_and_class_weights(np.zeros((5, 16)), np.zeros((3, 5)), tmp_path / "x.png", shape=(3, 3))
