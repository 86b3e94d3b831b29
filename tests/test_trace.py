"""tinynet.trace_backward: one printed block per op, with the op's derivative and the gradients in and out."""

import io

import numpy as np
import pytest

import tinynet
from tinynet.autograd import hooks
from tinynet.autograd.trace import describe_array, docstring_parts
from tinynet.ops.activations import Sigmoid
from tinynet.ops.elementwise import Div


def test_trace_prints_each_op_with_its_derivative_and_gradients():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    out = io.StringIO()
    with tinynet.trace_backward(file=out, names={"x": x}) as trace:
        (x * 3.0).sum().backward()
    text = out.getvalue()
    assert trace.steps == 2
    # Backward visits Sum first, then Mul.
    assert text.index("[1] Sum(") < text.index("[2] Mul(x, 3.0)")
    assert "d(ab)/da = b" in text  # Mul's derivative, read from its docstring
    assert "grad in   dL/d(output) scalar 1" in text
    assert "grad out  dL/d(x) (2,) [3, 3]" in text  # d(3x)/dx = 3 for each element
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_trace_writes_to_stdout_by_default_and_summarises_big_tensors(capsys):
    x = tinynet.tensor(np.arange(20.0), requires_grad=True)
    with tinynet.trace_backward(max_values=4):
        (x * x).sum().backward()
    printed = capsys.readouterr().out
    # 20 elements > max_values: gradients are summarised by norm, min and max.  Each of the two uses of x
    # in x * x sends back the other factor, x; the leaf's .grad adds them up to 2x.
    assert printed.count(f"dL/d(leaf) (20,) norm {np.linalg.norm(np.arange(20.0)):.4g}, min 0, max 19") == 2
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.arange(20.0))


def test_trace_of_the_bp_networks_backward_shows_the_hand_derived_gradients():
    from tinynet.examples import bp

    out = io.StringIO()
    bp.trace_autograd_backward(file=out)
    text = out.getvalue()
    by_hand = bp.backward_by_hand()
    assert "ds/dx = s (1 - s)" in text and text.count("] Linear(") == 2
    for layer, key in (("0", "b1"), ("2", "b2")):
        printed = f"dL/d({layer}.bias) (2,) " + describe_array(by_hand[key]).split(" ", 1)[1]
        assert printed in text


def test_trace_stops_listening_after_the_block_and_after_an_error():
    listeners = list(hooks.backward_listeners)
    x = tinynet.tensor([1.0], requires_grad=True)
    out = io.StringIO()
    with pytest.raises(ZeroDivisionError):
        with tinynet.trace_backward(file=out):
            1 / 0
    assert hooks.backward_listeners == listeners
    (x * 2).sum().backward()
    assert out.getvalue() == ""


def test_docstring_parts_separates_formula_and_derivative():
    summary, derivative = docstring_parts(Sigmoid)
    assert summary.startswith("s(x) = 1 / (1 + e^-x)") and derivative == "ds/dx = s (1 - s)."
    assert "-a/b^2" in docstring_parts(Div)[1]


def test_docstring_parts_are_plain_text_and_only_the_math():
    # The trace and the tour's backward table show these parts: no reST quotes, and Linear's derivative
    # without the note on how its kernels run (which once showed up as part of the derivative).
    from tinynet.ops.einsum import Einsum
    from tinynet.ops.matmul import Linear
    summary, derivative = docstring_parts(Linear)
    assert derivative.endswith("dL/db = sum of dL/dy over rows.") and "kernel" not in derivative
    assert "``" not in "".join(docstring_parts(Einsum)) and "np.einsum" in docstring_parts(Einsum)[0]


def test_describe_array_prints_small_values_on_one_line():
    assert describe_array(np.array([[1.0, -2.0], [0.5, 4.0]])) == "(2, 2) [[1, -2], [0.5, 4]]"
    assert describe_array(np.float64(2.5)) == "scalar 2.5"


def test_trace_backward_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_values"):
        tinynet.trace_backward(max_values=-1)
    with pytest.raises(ValueError, match="precision"):
        tinynet.trace_backward(precision=0)
    with pytest.raises(TypeError, match="write"):
        tinynet.trace_backward(file="out.txt")
    with pytest.raises(TypeError, match="names"):
        tinynet.trace_backward(names=[1, 2])
