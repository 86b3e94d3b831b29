"""The Tensor API and the autograd engine's behaviour: graph, accumulation, retain_graph, no_grad, errors."""

import numpy as np
import pytest

import tinynet
from tinynet.autograd import hooks


# ---- construction and array facts --------------------------------------------------------------

def test_tensor_wraps_numpy_without_copying():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = tinynet.Tensor(array)
    assert t.numpy() is array
    assert t.numpy() is array
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and t.size() == (2, 3) and t.size(1) == 3
    assert len(t) == 2 and t.dtype == np.float32


def test_tensor_function_copies_and_picks_dtypes():
    array = np.ones(3)
    t = tinynet.tensor(array)
    array[0] = 5
    assert t.numpy()[0] == 1 and t.dtype == np.float64
    assert tinynet.tensor([1.5, 2.0]).dtype == np.float32
    assert tinynet.tensor([1, 2]).dtype == np.int64
    assert tinynet.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert tinynet.tensor(3.0).item() == 3.0


def test_constructors():
    assert tinynet.zeros(2, 3).numpy().tolist() == [[0.0] * 3] * 2
    assert tinynet.ones((2,), dtype=np.float64).dtype == np.float64
    assert tinynet.full((2, 2), 7.0).numpy().sum() == 28
    assert tinynet.eye(3).numpy().trace() == 3
    assert tinynet.arange(4).numpy().tolist() == [0, 1, 2, 3]
    assert tinynet.arange(0, 1, 0.25).dtype == np.float32
    x = tinynet.randn(3, 4, requires_grad=True)
    assert x.requires_grad and x.dtype == np.float32
    assert tinynet.zeros_like(x).shape == (3, 4) and tinynet.ones_like(x).numpy().sum() == 12
    assert 0 <= tinynet.rand(100).numpy().min() and tinynet.rand(100).numpy().max() < 1
    with pytest.raises(RuntimeError, match="non-negative"):
        tinynet.zeros(-1, 2)


def test_random_constructors_follow_manual_seed():
    tinynet.manual_seed(123)
    first = tinynet.randn(5).numpy().copy()
    tinynet.manual_seed(123)
    assert np.array_equal(first, tinynet.randn(5).numpy())


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="float32/float64"):
        tinynet.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="dtype"):
        tinynet.Tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="dtype"):
        tinynet.tensor(np.ones(2, dtype=np.float16))


def test_shapes_are_sizes_printed_as_torch_prints_them(torch):
    ours, theirs = tinynet.zeros(64, 1, 28, 28), torch.zeros(64, 1, 28, 28)
    for a, b in [(ours.shape, theirs.shape), (ours.size(), theirs.size()), (ours[0, 0].shape, theirs[0, 0].shape),
                 (ours.sum().shape, theirs.sum().shape)]:
        assert isinstance(a, tinynet.Size) and isinstance(a, tuple) and a == tuple(b)
        assert f"Shape: {a}" == f"Shape: {b}".replace("torch.", "tinynet.")  # the quickstart's f-string
        assert a.numel() == b.numel()
    assert ours.size(1) == 1 and ours.shape[2:] == (28, 28) and np.zeros(ours.shape).shape == (64, 1, 28, 28)


def test_the_legacy_constructor_follows_torch(torch):
    array32 = np.arange(3, dtype=np.float32)
    cases = [(), (2, 3), ([1, 2],), ([[1, 2], [3, 4]],), ((2, 3),), ([True, False],), ([],), (0,), (2,),
             (np.array([1, 2]),), (np.ones(2),), (np.ones(2, dtype=np.float16),), (array32,)]
    for args in cases:
        ours, theirs = tinynet.Tensor(*args), torch.Tensor(*args)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert np.shares_memory(tinynet.Tensor(array32).numpy(), array32)  # an array of the default dtype: shared
    assert tinynet.Tensor(tinynet.Size([2, 3])).shape == (2, 3) and not tinynet.Tensor(2, 3).numpy().any()
    long = tinynet.tensor([1, 2])
    alias = tinynet.Tensor(long)  # a Tensor: its values, shared, in its own dtype
    assert alias.dtype == np.int64 and np.shares_memory(alias.numpy(), long.numpy())
    for bad, error in [((2.5,), TypeError), ((True,), TypeError), ((2, -1), RuntimeError),
                       ((np.array(["a"]),), TypeError)]:
        for library in (tinynet, torch):
            with pytest.raises(error):
                library.Tensor(*bad)
    weight = tinynet.nn.Parameter(tinynet.Tensor(4, 3))  # the custom-layer idiom, then an init draws it
    tinynet.nn.init.kaiming_uniform_(weight, a=5 ** 0.5)
    assert weight.shape == (4, 3) and weight.requires_grad and weight.numpy().any()


def test_repr_item_and_detach():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    y = x * 2
    assert "grad_fn=<MulBackward" in repr(y)  # as PyTorch prints it
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.numpy(), y.numpy())
    with pytest.raises(RuntimeError, match="one-element"):
        x.item()


def test_comparisons_give_bool_tensors_without_grad():
    x = tinynet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1.5, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert result.dtype == np.bool_ and not result.requires_grad
    assert (x > 1.5).numpy().tolist() == [False, True, True]
    assert x.argmax().item() == 2 and x.argmax().dtype == np.int64
    assert x[x > 1.5].numpy().tolist() == [2.0, 3.0]


def test_numpy_on_the_left_defers_to_tensor():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([10.0, 20.0]) - x
    assert isinstance(y, tinynet.Tensor)
    assert y.numpy().tolist() == [9.0, 18.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [-1.0, -1.0]


def test_astype_is_differentiable_between_floats():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.numpy().tolist() == [3.0, 3.0]
    assert not x.astype(np.int64).requires_grad


# ---- the graph ------------------------------------------------------------------------------------

def test_nodes_record_op_name_and_parents():
    a = tinynet.tensor([1.0], requires_grad=True)
    b = tinynet.tensor([2.0], requires_grad=True)
    c = a * b + a
    assert c.grad_fn.op_name == "Add"
    product, reused = c.grad_fn.parents
    assert product.grad_fn.op_name == "Mul" and reused is a
    assert product.grad_fn.parents == (a, b)
    assert a.is_leaf and a.grad_fn is None


def test_ten_thousand_op_chain_backward_has_no_recursion_limit():
    x = tinynet.tensor([1.0], dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert np.isclose(x.grad.item(), 1.0001 ** 10_000)


def test_reused_tensor_gets_the_sum_of_its_gradients():
    x = tinynet.tensor([3.0], requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad.item() == 7.0


def test_backward_twice_accumulates_into_grad():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.numpy().tolist() == [6.0, 6.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.numpy().tolist() == [3.0, 3.0]


def test_grad_is_not_aliased_between_leaves():
    a = tinynet.tensor([1.0], requires_grad=True)
    b = tinynet.tensor([1.0], requires_grad=True)
    (a + b).sum().backward()  # Add hands the same gradient array to both
    a.grad.data += 10
    assert b.grad.item() == 1.0


def test_second_backward_through_freed_graph_raises():
    x = tinynet.tensor([2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = tinynet.tensor([2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_graph_memory_is_released_after_backward():
    x = tinynet.tensor([2.0], requires_grad=True)
    y = x.exp()
    y.backward()
    assert y.grad_fn.released and not hasattr(y.grad_fn, "saved_tensors")


def test_backward_on_non_scalar_needs_a_gradient():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))
    assert x.grad.numpy().tolist() == [2.0, 20.0]
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(np.ones(3))


def test_backward_without_requires_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tinynet.tensor([1.0]).sum().backward()


def test_only_inputs_that_require_grad_get_grad():
    x = tinynet.tensor([1.0], requires_grad=True)
    c = tinynet.tensor([5.0])
    (x * c).backward()
    assert x.grad.item() == 5.0 and c.grad is None


def test_retain_grad_fills_grad_of_intermediate():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 2).retain_grad()
    (h * h).sum().backward()
    assert h.grad.numpy().tolist() == [4.0, 8.0]
    assert x.grad.numpy().tolist() == [8.0, 16.0]


# ---- grad mode ------------------------------------------------------------------------------------

def test_no_grad_builds_no_graph():
    x = tinynet.tensor([1.0], requires_grad=True)
    with tinynet.no_grad():
        assert not tinynet.is_grad_enabled()
        y = x * 2
    assert tinynet.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_decorator_and_enable_grad_inside():
    x = tinynet.tensor([1.0], requires_grad=True)

    @tinynet.no_grad()
    def double(t):
        with tinynet.enable_grad():
            inner = t * 1
        return t * 2, inner

    y, inner = double(x)
    assert not y.requires_grad and inner.requires_grad
    assert tinynet.is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError):
        with tinynet.no_grad():
            raise KeyError("boom")
    assert tinynet.is_grad_enabled()


# ---- tracing hook ----------------------------------------------------------------------------------

def test_backward_listeners_see_every_node_in_order():
    seen = []

    def listener(node, grad_output, input_grads):
        seen.append((node.op_name, grad_output.shape, len(input_grads)))

    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    hooks.backward_listeners.append(listener)
    try:
        (x.exp() * 2).sum().backward()
    finally:
        hooks.backward_listeners.remove(listener)
    assert [name for name, _, _ in seen] == ["Sum", "Mul", "Exp"]
    assert seen[0][1] == () and seen[2][1] == (2,)


# ---- custom Functions and gradcheck -----------------------------------------------------------------

class Cube(tinynet.Function):
    """x^3.   d/dx = 3 x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class WrongCube(Cube):
    """A deliberately wrong derivative, to see gradcheck catch it."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x ** 2


def test_gradcheck_accepts_a_correct_custom_function():
    x = tinynet.randn(4, dtype=np.float64, requires_grad=True)
    assert tinynet.gradcheck(Cube.apply, (x,))


def test_gradcheck_reports_the_worst_element_of_a_wrong_function(capsys):
    x = tinynet.tensor([0.1, 2.0, -0.3], dtype=np.float64, requires_grad=True)
    with pytest.raises(tinynet.GradcheckError, match=r"input 0, element \(1,\)"):
        tinynet.gradcheck(WrongCube.apply, (x,))
    assert tinynet.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
    assert "analytic" in capsys.readouterr().out


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        tinynet.gradcheck(lambda t: t * 2, (tinynet.randn(3),))


def test_central_difference_matches_a_known_derivative():
    x = np.array([0.5, -1.0, 2.0])
    numeric = tinynet.central_difference(lambda v: float(np.sum(np.sin(v))), x)
    np.testing.assert_allclose(numeric, np.cos(x), atol=1e-8)
    assert x.tolist() == [0.5, -1.0, 2.0]  # restored


def test_wrong_gradient_shape_from_a_function_is_reported():
    class BadShape(tinynet.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return np.ones(7)

    x = tinynet.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadShape.backward returned a gradient of shape \(7,\)"):
        BadShape.apply(x).backward()


def test_tensor_function_forms_exist():
    x = tinynet.tensor([1.0, 4.0], requires_grad=True)
    y = tinynet.sqrt(x) + tinynet.exp(x) + tinynet.log(x) + tinynet.relu(x) + tinynet.sigmoid(x)
    y.sum().backward()
    expected = 0.5 / np.sqrt([1.0, 4.0]) + np.exp([1.0, 4.0]) + 1 / np.array([1.0, 4.0]) + 1 \
        + (s := 1 / (1 + np.exp(-np.array([1.0, 4.0])))) * (1 - s)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)


def test_python_and_numpy_scalars_keep_float32():
    x = tinynet.randn(3)
    for y in (x * 2.5, x * np.float64(2.5), 1 - x, np.float64(3.0) / x, x ** np.int64(2), tinynet.maximum(x, np.float64(0))):
        assert y.dtype == np.float32
    assert (x * np.ones(3)).dtype == np.float64  # a float64 array does promote, as in numpy


def test_view_refuses_what_pytorch_refuses(torch):
    """view shares memory, so a layout that cannot be read in the new shape is a RuntimeError in both (reshape
    copies instead); the views PyTorch allows come back sharing memory."""
    cases = [lambda x: x.t().view(-1), lambda x: x[:, 1:3].view(-1), lambda x: x[::2].view(-1),
             lambda x: x[1:].view(-1), lambda x: x.t().view(4, 3), lambda x: x.view(2, 6),
             lambda x: x[:, :1].view(3), lambda x: x.t().contiguous().view(-1)]
    for case in cases:
        try:
            expected = tuple(case(torch.arange(12.0).reshape(3, 4)).shape)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="Use .reshape"):
                case(tinynet.arange(12.0).reshape(3, 4))
            continue
        x = tinynet.arange(12.0).reshape(3, 4)
        result = case(x)
        assert tuple(result.shape) == expected
