"""PyTorch's autograd API on tinynet: autograd.grad, user-defined Functions with ctx, hooks, retain_grad,
grad_fn.next_functions, backward(inputs=...), and clear errors for what a Function's backward may not return."""

import numpy as np
import pytest

import tinynet
from tinynet import nn


class Exp(tinynet.autograd.Function):
    """PyTorch's documented example of a custom op, unchanged."""

    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class LinearFunction(tinynet.autograd.Function):
    """The 'Extending torch.autograd' example: needs_input_grad, several inputs, an optional bias."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input @ weight.T
        if bias is not None:
            output = output + bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output @ weight
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.T @ input
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


def test_user_defined_functions_on_tensors_pass_gradcheck():
    rng = np.random.default_rng(0)
    x = tinynet.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert tinynet.gradcheck(Exp.apply, [x])
    w = tinynet.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = tinynet.tensor(rng.standard_normal(2), requires_grad=True)
    assert tinynet.gradcheck(LinearFunction.apply, [x, w, b])
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and not Exp.apply(x.detach()).requires_grad


def test_user_defined_function_matches_torch(torch):
    class TorchExp(torch.autograd.Function):
        forward, backward = Exp.forward, Exp.backward

    values = np.random.default_rng(1).standard_normal(5)
    ours, theirs = tinynet.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (Exp.apply(ours) * 3).sum().backward()
    (TorchExp.apply(theirs) * 3).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_a_saved_tensor_changed_in_place_is_caught_for_user_functions():
    x = tinynet.randn(3, requires_grad=True)
    y = Exp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_a_user_backward_with_the_wrong_number_of_gradients_raises_as_in_torch(torch):
    def scale_function(base, extra):
        class Scale(base):
            @staticmethod
            def forward(ctx, x, factor):
                ctx.factor = factor
                return x * factor

            @staticmethod
            def backward(ctx, grad):
                return (grad * ctx.factor,) + extra  # forward took 2 arguments: 2 gradients are right
        return Scale

    for library in (tinynet, torch):
        for extra in ((), (None, library.ones(3))):  # one gradient too few; one too many, not None
            x = library.ones(3, requires_grad=True)
            with pytest.raises(RuntimeError, match="gradients"):
                scale_function(library.autograd.Function, extra).apply(x, 2.0).sum().backward()
        for extra in ((None,), (None, None)):  # right, and with an extra None (which PyTorch accepts too)
            x = library.ones(3, requires_grad=True)
            scale_function(library.autograd.Function, extra).apply(x, 2.0).sum().backward()
            np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


class Cube(tinynet.Function):
    """x^3 on numpy arrays, tinynet's own kind of op.   d/dx = 3 x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3


def test_a_backward_that_returns_a_float_is_named_in_the_error():
    class FloatBackward(Cube):
        @staticmethod
        def backward(ctx, grad):
            return 1.0

    x = tinynet.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="FloatBackward.backward returned a float as the gradient of input 0"):
        FloatBackward.apply(x).sum().backward()


def test_a_backward_that_returns_a_tensor_is_accepted():
    class TensorBackward(Cube):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return tinynet.tensor(3 * x * x * grad)

    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    TensorBackward.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_autograd_grad_matches_torch_and_leaves_grad_alone(torch):
    values = np.random.default_rng(2).standard_normal((2, 3))
    x = tinynet.tensor(values, requires_grad=True)
    h = x.tanh()
    out = (h * h).sum()
    gx, gh = tinynet.autograd.grad(out, [x, h])
    tx = torch.tensor(values, requires_grad=True)
    th = tx.tanh()
    tgx, tgh = torch.autograd.grad((th * th).sum(), [tx, th])
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gh.numpy(), tgh.numpy(), rtol=1e-12)
    assert x.grad is None
    y = tinynet.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 was not used"):
        tinynet.autograd.grad((x * 2).sum(), [x, y], retain_graph=True)
    assert tinynet.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)[1] is None
    with pytest.raises(NotImplementedError, match="create_graph"):
        tinynet.autograd.grad((x * 2).sum(), x, create_graph=True)


def test_hooks_retain_grad_and_backward_inputs():
    x = tinynet.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)  # doubles the gradient that flows on from y
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 2 * y.numpy())  # as in PyTorch: .grad after the hooks
    np.testing.assert_allclose(x.grad.numpy(), 3 * 2 * 2 * y.numpy())
    np.testing.assert_allclose(seen[0], x.grad.numpy())
    handle.remove()
    w = tinynet.ones(2, requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert len(seen) == 1  # the removed hook stayed quiet
    np.testing.assert_allclose(w.grad.numpy(), x.numpy())


@pytest.mark.parametrize("fused, last", [(False, ["ReLUBackward", "LinearBackward"]), (True, ["LinearReLUBackward"])])
def test_grad_fn_next_functions_walks_the_graph_as_in_the_tutorial(fused, last):
    """With fused kernels off, each layer is one node, as a learner expects; on, Linear + ReLU are one."""
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    tinynet.set_fused_kernels(fused)
    try:
        loss = (net(tinynet.randn(4, 3)) - 1).pow(2).mean()
    finally:
        tinynet.set_fused_kernels(True)
    chain, node = [], loss.grad_fn
    while node.next_functions[0][0] is not None:
        chain.append(node.name())
        node = node.next_functions[0][0]
    assert chain + [node.name()] == ["MeanBackward", "PowBackward", "SubBackward"] + last
    (data, _), (weight, _), (bias, _) = node.next_functions
    assert data is None  # the input needs no gradient
    assert weight.name() == "AccumulateGrad" and weight.variable is net[0].weight and bias.variable is net[0].bias


def test_inference_mode_records_nothing():
    x = tinynet.ones(2, requires_grad=True)
    with tinynet.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_a_hook_that_changes_the_gradients_shape_is_refused_as_in_torch(torch):
    """A leaf's .grad used to take whatever shape the hook returned (x.grad of shape (1,) for x of shape (3,))."""
    for lib in (torch, tinynet):
        leaf = lib.ones(3, requires_grad=True)
        leaf.register_hook(lambda grad: grad[:1])
        with pytest.raises(RuntimeError, match="changed the size"):
            (leaf * 2).sum().backward()
        middle = lib.ones(3, requires_grad=True) * 2
        middle.register_hook(lambda grad: grad.sum())
        with pytest.raises(RuntimeError, match="changed the size"):
            middle.sum().backward()


@pytest.mark.parametrize("value, error", [(lambda lib: lib.zeros(2), RuntimeError),
                                          (lambda lib: lib.zeros(3, dtype=lib.float64), RuntimeError),
                                          (lambda lib: np.zeros(3, np.float32), TypeError)])
def test_assigning_a_grad_of_another_shape_or_dtype_is_refused_as_in_torch(value, error, torch):
    """x.grad took any value: the next backward broadcast into a (1,)-shaped .grad, an optimizer refused it later."""
    for lib in (torch, tinynet):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(error):
            leaf.grad = value(lib)
        leaf.grad = lib.full((3,), 2.0)
        (leaf * 3).sum().backward()
        assert leaf.grad.tolist() == [5.0, 5.0, 5.0]
