"""tinynet.viz.draw_graph / to_dot / record_gradients: the graph's structure, gradient norms, and real images."""

import re

import numpy as np
import pytest

import tinynet
from tinynet import nn, viz
from tinynet.autograd import hooks
from tinynet.viz.graph import PARAMETER_COLOR, build_graph


def small_expression():
    """y = sum(a * b + a): a is used twice, so it must appear once with two arrows out."""
    a = tinynet.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = tinynet.tensor([0.5, 4.0, -1.0], requires_grad=True)
    return a, b, (a * b + a).sum()


def by_title(boxes):
    return {box.title: box for box in boxes}


def test_boxes_edges_and_depths_of_a_small_expression():
    a, b, y = small_expression()
    boxes, edges = build_graph(y, names={"a": a, "b": b})
    boxes_named = by_title(boxes)
    assert sorted(boxes_named) == ["Add", "Mul", "Sum", "a", "b"]
    assert len(edges) == 5  # Sum<-Add, Add<-Mul, Add<-a, Mul<-a, Mul<-b
    assert boxes[0].title == "Sum" and boxes[0].depth == 0
    assert boxes_named["Add"].depth == 1 and boxes_named["Mul"].depth == 2
    # a feeds Add (depth 1) and Mul (depth 2): it sits left of the furthest, at depth 3.
    assert boxes_named["a"].depth == 3 and boxes_named["b"].depth == 3
    assert len(boxes_named["a"].consumers) == 2
    assert boxes_named["a"].kind == "parameter" and boxes_named["Mul"].kind == "op"
    assert boxes_named["Mul"].shape == (3,)


def test_numbers_and_inputs_without_grad_get_their_own_kinds():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    data = tinynet.tensor([3.0, 4.0])
    boxes, _ = build_graph((x * 2.5 + data).sum())
    kinds = {box.title: box.kind for box in boxes}
    assert kinds["2.5"] == "constant" and kinds["input"] == "input" and kinds["leaf"] == "parameter"
    boxes, _ = build_graph((x * 2.5 + data).sum(), show_constants=False)
    assert "2.5" not in {box.title for box in boxes}


def test_graph_is_still_drawable_after_backward_without_retain_graph():
    _, _, y = small_expression()
    before = [(box.title, box.depth) for box in build_graph(y)[0]]
    y.backward()
    after_boxes, _ = build_graph(y)
    assert [(box.title, box.depth) for box in after_boxes] == before


def test_leaves_show_grad_norm_and_recorded_gradients_show_every_node():
    a, b, y = small_expression()
    with viz.record_gradients() as gradients:
        y.backward()
    boxes = by_title(build_graph(y, names={"a": a, "b": b}, gradients=gradients)[0])
    # dy/da = b + 1, dy/db = a; dy/d(Mul output) = dy/d(Add output) = ones(3); dy/dy = 1.
    assert boxes["a"].grad_norm == pytest.approx(np.linalg.norm(b.numpy() + 1))
    assert boxes["b"].grad_norm == pytest.approx(np.linalg.norm(a.numpy()))
    assert boxes["Mul"].grad_norm == pytest.approx(np.sqrt(3))
    assert boxes["Sum"].grad_norm == pytest.approx(1.0)
    # Without the record only the leaves know their gradient.
    plain = by_title(build_graph(y, names={"a": a, "b": b})[0])
    assert plain["Mul"].grad_norm is None and plain["a"].grad_norm is not None


def test_record_gradients_removes_its_listener_even_when_backward_fails():
    listeners = list(hooks.backward_listeners)
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        with viz.record_gradients():
            (x * 2).backward()  # not a scalar: backward refuses
    assert hooks.backward_listeners == listeners


def test_to_dot_declares_every_node_and_edge():
    a, b, y = small_expression()
    dot = viz.to_dot(y, names={"a": a, "b": b})
    assert dot.startswith("digraph tinynet {") and dot.rstrip().endswith("}")
    declared = set(re.findall(r"^\s*(n\d+) \[label=", dot, re.MULTILINE))
    arrows = re.findall(r"^\s*(n\d+) -> (n\d+);", dot, re.MULTILINE)
    assert len(declared) == 5 and len(arrows) == 5
    assert all(source in declared and target in declared for source, target in arrows)
    for name in ("Sum", "Add", "Mul", '"a\\n(3,)', '"b\\n(3,)'):
        assert name in dot


def test_draw_graph_png_shows_parameter_colour_and_named_layers(tmp_path):
    import matplotlib.image

    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    loss = nn.MSELoss()(model(tinynet.randn(5, 3)), tinynet.zeros(5, 2))
    with viz.record_gradients() as gradients:
        loss.backward()
    path = viz.draw_graph(loss, tmp_path / "graph.png", names=model, gradients=gradients, title="tiny MLP")
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 300
    rgb = np.round(image[..., :3] * 255)
    orange = np.array([int(PARAMETER_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(rgb - orange).max(axis=-1) <= 2).sum() > 500  # parameter boxes are filled orange


def test_draw_graph_svg(tmp_path):
    _, _, y = small_expression()
    path = viz.draw_graph(y, tmp_path / "graph.svg")
    text = path.read_text()
    assert "<svg" in text and len(text) > 2000


def test_draw_graph_rejects_bad_input(tmp_path):
    _, _, y = small_expression()
    with pytest.raises(TypeError, match="Tensor"):
        viz.draw_graph(np.ones(3), tmp_path / "g.png")
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        viz.draw_graph(y, tmp_path / "g.txt")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(y, tmp_path / "g.png", max_nodes=3)
    with pytest.raises(TypeError, match="names"):
        viz.to_dot(y, names=42)
    with pytest.raises(TypeError, match="gradients"):
        viz.to_dot(y, gradients=[1, 2])


def test_a_leaf_alone_is_a_one_box_graph(tmp_path):
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    boxes, edges = build_graph(x)
    assert [(box.kind, box.title, box.depth) for box in boxes] == [("parameter", "leaf", 0)] and edges == []
    assert viz.draw_graph(x, tmp_path / "leaf.png").stat().st_size > 1000


def test_a_value_used_by_ops_in_different_columns_sits_left_of_both():
    x = tinynet.tensor([0.5, -1.0], requires_grad=True)
    h = x * 3.0
    y = (h.tanh().exp() + h).sum()  # h feeds Tanh (depth 3) and Add (depth 1)
    boxes = {box.title: box for box in build_graph(y, show_constants=False)[0]}
    assert boxes["Mul"].depth == 4 and boxes["Add"].depth == 1 and len(boxes["Mul"].consumers) == 2


def test_gradients_from_several_uses_are_summed_without_touching_other_gradients(torch):
    """x feeds three convolutions and a linear layer (each backward returns new arrays, which the engine
    may sum into in place): x's gradient is their sum, and each weight keeps its own, as in PyTorch."""
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((2, 3, 6, 6))
    weights = [rng.standard_normal((4, 3, 3, 3)) for _ in range(3)] + [rng.standard_normal((5, 108))]
    results = []
    for lib in (torch, tinynet):
        x = lib.tensor(x_np, requires_grad=True)
        ws = [lib.tensor(w, requires_grad=True) for w in weights]
        F = lib.nn.functional
        out = sum((F.conv2d(x, w, padding=1) ** 2).sum() for w in ws[:3]) + F.linear(x.reshape(2, -1), ws[3]).sum()
        out.backward()
        results.append([x.grad.numpy()] + [w.grad.numpy() for w in ws])
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
