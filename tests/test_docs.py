"""The docs in docs/ tell the truth: their numbers are recomputed, their code blocks run, their links resolve."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

import tinynet
from tinynet.examples import bp

DOCS = Path(__file__).resolve().parent.parent / "docs"


def read(name):
    return (DOCS / name).read_text()


def checked_numbers(text):
    """{name: value} from every `| `name` | value |` cell pair inside <!-- numbers ... --> ... <!-- /numbers -->."""
    numbers = {}
    for block in re.findall(r"<!-- numbers.*?-->(.*?)<!-- /numbers -->", text, re.DOTALL):
        for name, value in re.findall(r"\|\s*`([^`]+)`\s*\|\s*([-+]?\d+\.\d+)\s*", block):
            assert name not in numbers, f"{name} appears twice"
            numbers[name] = (float(value), len(value.split(".")[1]))
    return numbers


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


def neuron_by_autograd():
    """Section 1's neuron, computed by tinynet's autograd (retain_grad keeps the intermediate gradients)."""
    x = tinynet.tensor(bp.HAND_X)
    w = tinynet.tensor(bp.HAND_W1[0], requires_grad=True)
    b = tinynet.tensor(np.array(bp.HAND_B1[0]), requires_grad=True)
    z = ((w * x).sum() + b).retain_grad()
    a = z.sigmoid().retain_grad()
    loss = (a - 1.0) ** 2
    loss.backward()
    return {"neuron.z": z.item(), "neuron.a": a.item(), "neuron.L": loss.item(), "neuron.dL/da": a.grad.item(),
            "neuron.da/dz": a.item() * (1 - a.item()), "neuron.dL/dz": z.grad.item(),
            "neuron.dL/dw[0]": w.grad.numpy()[0], "neuron.dL/dw[1]": w.grad.numpy()[1], "neuron.dL/db": b.grad.item()}


def network_by_autograd():
    """Section 3's 2-2-2 network (bp's HAND_* weights), every intermediate value and gradient, by autograd."""
    x, t = tinynet.tensor(bp.HAND_X), tinynet.tensor(bp.HAND_TARGET)
    W1, b1, W2, b2 = (tinynet.tensor(v, requires_grad=True) for v in (bp.HAND_W1, bp.HAND_B1, bp.HAND_W2, bp.HAND_B2))
    z = (W1 @ x + b1).retain_grad()
    h = z.sigmoid().retain_grad()
    net = (W2 @ h + b2).retain_grad()
    out = net.sigmoid().retain_grad()
    loss = ((out - t) ** 2).mean()
    loss.backward()
    values = {"L": loss.item()}
    for i in range(2):
        values.update({f"z[{i}]": z.numpy()[i], f"h[{i}]": h.numpy()[i], f"net[{i}]": net.numpy()[i], f"out[{i}]": out.numpy()[i],
                       f"dL/dout[{i}]": out.grad.numpy()[i], f"dout/dnet[{i}]": out.numpy()[i] * (1 - out.numpy()[i]),
                       f"dL/dnet[{i}]": net.grad.numpy()[i], f"dL/dh[{i}]": h.grad.numpy()[i],
                       f"dh/dz[{i}]": h.numpy()[i] * (1 - h.numpy()[i]), f"dL/dz[{i}]": z.grad.numpy()[i]})
        for j in range(2):
            values[f"dL/dW2[{i},{j}]"] = W2.grad.numpy()[i, j]
            values[f"dL/dW1[{i},{j}]"] = W1.grad.numpy()[i, j]
    return values


def test_backprop_by_hand_numbers_match_autograd():
    printed = checked_numbers(read("backprop-by-hand.md"))
    computed = {**neuron_by_autograd(), **network_by_autograd()}
    assert set(printed) == set(computed), "the doc's tables and the test must list the same quantities"
    for name, (value, decimals) in printed.items():
        assert abs(value - computed[name]) <= 0.5 * 10.0 ** -decimals + 1e-12, \
            f"{name}: the doc says {value}, autograd computes {computed[name]:.8f}"


def test_backprop_by_hand_numbers_match_the_bp_examples_hand_derivation():
    printed = checked_numbers(read("backprop-by-hand.md"))
    by_hand = bp.backward_by_hand()
    for k in range(2):
        assert printed[f"dL/dnet[{k}]"][0] == pytest.approx(by_hand["b2"][k], abs=5e-7)
        assert printed[f"dL/dz[{k}]"][0] == pytest.approx(by_hand["b1"][k], abs=5e-7)
        for j in range(2):
            assert printed[f"dL/dW2[{k},{j}]"][0] == pytest.approx(by_hand["W2"][k, j], abs=5e-7)
            assert printed[f"dL/dW1[{k},{j}]"][0] == pytest.approx(by_hand["W1"][k, j], abs=5e-7)


def test_trace_excerpt_is_what_trace_backward_prints():
    text = read("backprop-by-hand.md")
    excerpt = re.search(r"<!-- trace.*?-->\s*```text\n(.*?)```", text, re.DOTALL).group(1)
    out = io.StringIO()
    bp.trace_autograd_backward(file=out)
    actual = out.getvalue().splitlines()
    lines = [line for line in excerpt.splitlines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        assert line in actual, f"trace line not printed by trace_backward: {line!r}"


@pytest.mark.parametrize("name", ["backprop-by-hand.md", "adding-an-op.md", "conv-and-pool-backward.md"])
def test_python_blocks_run(name):
    blocks = python_blocks(read(name))
    assert blocks, f"{name} has no python code block"
    namespace = {"__name__": "docs_" + name.replace("-", "_")}
    with contextlib.redirect_stdout(io.StringIO()):
        for block in blocks:  # in order, sharing one namespace, as a reader would type them
            exec(compile(block, f"docs/{name}", "exec"), namespace)


def test_adding_an_op_gradcheck_catches_the_wrong_derivative():
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for block in python_blocks(read("adding-an-op.md")):
            exec(compile(block, "docs/adding-an-op.md", "exec"), namespace)
    x = tinynet.tensor(np.linspace(-3, 3, 7), requires_grad=True)
    assert tinynet.gradcheck(namespace["softsign"], [x])
    with pytest.raises(tinynet.GradcheckError):
        tinynet.gradcheck(namespace["BrokenSoftsign"].apply, [x])


def test_links_and_images_in_docs_resolve():
    pages = sorted(DOCS.glob("*.md"))
    assert {p.name for p in pages} >= {"README.md", "backprop-by-hand.md", "conv-and-pool-backward.md",
                                       "c-kernels.md", "adding-an-op.md"}
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_c_kernels_doc_quotes_a_dated_benchmark():
    text = read("c-kernels.md")
    assert re.search(r"20\d\d-\d\d-\d\d", text) and "2-core" in text
    assert re.search(r"\| 256 x 256 x 256 \| 1 \|", text)


def test_make_figures_draws_every_figure_the_docs_show(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_figures", DOCS / "make_figures.py")
    make_figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_figures)
    # im2col by one-hot convolution, and col2im as its adjoint: <col2im(C), x> == <C, im2col(x)>.
    rng = np.random.default_rng(0)
    image, grad_col = rng.standard_normal((5, 5)), rng.standard_normal((9, 25))
    np.testing.assert_allclose(np.sum(make_figures.col2im(grad_col, (5, 5), 3, 3, padding=1) * image),
                               np.sum(grad_col * make_figures.im2col(image, 3, 3, padding=1)), rtol=1e-10)
    assert make_figures.im2col(np.arange(16.0).reshape(4, 4), 3, 3)[:, 1].tolist() == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    written = {path.name for path in make_figures.make_all(tmp_path)}
    shown = set()
    for page in DOCS.glob("*.md"):
        shown |= set(re.findall(r"!\[[^\]]*\]\(figures/([^)]+)\)", page.read_text()))
    assert shown and shown <= written
    for name in written:
        assert (tmp_path / name).stat().st_size > 5000
