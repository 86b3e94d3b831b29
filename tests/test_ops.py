"""Every differentiable op: float64 gradcheck always, and forward + backward against PyTorch when it is installed."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinynet
import tinynet.nn.functional as F
from op_helpers import OpCase, check_against_torch, check_gradients


def torch_F():
    """torch.nn.functional, imported only when a torch comparison runs."""
    import torch.nn.functional
    return torch.nn.functional


def torch_module():
    """torch, imported only when a torch comparison runs."""
    import torch
    return torch


LABELS = np.array([2, 0, 4, 1, 2, 3])
MASK = np.array([True, False, True, True, False])


def _dropout_with_fixed_mask(x):
    tinynet.manual_seed(7)  # the same mask on every evaluation, so finite differences see one function
    return F.dropout(x, p=0.4)


CASES = [
    # arithmetic, with broadcasting and Python scalars on either side
    OpCase("add", [(3, 4), (3, 4)], lambda a, b: a + b),
    OpCase("add_broadcast", [(3, 1, 4), (2, 4)], lambda a, b: a + b),
    OpCase("sub_broadcast", [(4, 1), (1, 5)], lambda a, b: a - b),
    OpCase("mul_broadcast", [(2, 3, 4), (3, 1)], lambda a, b: a * b),
    OpCase("div", [(3, 4), (4,)], lambda a, b: a / (b * b + 0.5)),
    OpCase("scalar_reversed", [(3, 4)], lambda x: 2.0 - x * 3 + 1 / (x * x + 1) + 0.5 * x - x / 4),
    OpCase("neg", [(5,)], lambda x: -x),
    OpCase("pow_scalar", [(3, 4)], lambda x: x ** 3, low=0.2),
    OpCase("pow_fraction", [(3, 4)], lambda x: x ** 0.5, low=0.2),
    OpCase("pow_tensor", [(3, 4), (3, 4)], lambda a, b: a ** b, low=0.2),
    OpCase("rpow", [(3, 4)], lambda x: 2.0 ** x),
    OpCase("remainder", [(3, 4), (3, 4)], lambda a, b: a % (b.abs() + 2), away_from=(0,)),
    OpCase("rremainder", [(3, 4)], lambda x: 1.5 % (x.abs() + 1), compare_with_torch=False),  # (no torch backward)
    OpCase("fmod", [(3, 4), (4,)], lambda a, b: a.fmod(b.abs() + 2), away_from=(0,)),
    OpCase("div_floor_flat", [(3, 4), (3, 4)], lambda a, b: a.div(b.abs() + 0.5, rounding_mode="floor") + a * b,
           away_from=(0,)),
    OpCase("div_trunc_flat", [(3, 4), (4,)], lambda a, b: a.div(b.abs() + 0.5, rounding_mode="trunc") * b),
    OpCase("reused_node", [(3, 4)], lambda x: x * x + x),
    OpCase("reused_deep", [(4,)], lambda x: (x * x).exp() * x - (x + x).tanh()),
    # unary math
    OpCase("exp", [(3, 4)], lambda x: x.exp()),
    OpCase("log", [(3, 4)], lambda x: x.log(), low=0.1),
    OpCase("sqrt", [(3, 4)], lambda x: x.sqrt(), low=0.1),
    OpCase("abs", [(3, 4)], lambda x: x.abs(), away_from=(0,)),
    OpCase("clip", [(4, 5)], lambda x: x.clip(-0.5, 0.8), away_from=(-0.5, 0.8)),
    OpCase("clip_low_only", [(4, 5)], lambda x: x.clip(min=0.1), away_from=(0.1,)),
    OpCase("maximum", [(3, 4), (3, 4)], lambda a, b: a.maximum(b)),
    OpCase("maximum_broadcast", [(3, 4), (4,)], lambda a, b: a.maximum(b)),
    OpCase("minimum", [(3, 4), (1, 4)], lambda a, b: a.minimum(b)),
    OpCase("where", [(5,), (3, 5)], lambda a, b, m: tinynet.where(m, a, b), constants=(MASK,),
           torch_fn=lambda a, b, m: torch_module().where(m, a, b)),
    # reductions
    OpCase("sum_all", [(3, 4)], lambda x: x.sum()),
    OpCase("sum_dim", [(3, 4, 5)], lambda x: x.sum(1)),
    OpCase("sum_dims_keepdim", [(3, 4, 5)], lambda x: x.sum((0, 2), keepdim=True)),
    OpCase("mean_dim", [(3, 4)], lambda x: x.mean(-1)),
    OpCase("mean_all", [(3, 4)], lambda x: x.mean()),
    OpCase("max_all", [(3, 4)], lambda x: x.max()),
    OpCase("max_dim", [(3, 4)], lambda x: x.max(1).values),
    OpCase("min_dim_keepdim", [(3, 4)], lambda x: x.min(0, keepdim=True).values),
    OpCase("var_dim", [(5, 3)], lambda x: x.var(0)),
    OpCase("var_biased", [(5, 3)], lambda x: x.var(1, correction=0), torch_fn=lambda x: x.var(1, correction=0)),
    # shape
    OpCase("reshape", [(3, 4)], lambda x: x.reshape(2, -1) * x.reshape(2, 6)),
    OpCase("flatten", [(2, 3, 4)], lambda x: x.flatten(1)),
    OpCase("transpose", [(2, 3, 4)], lambda x: x.transpose(0, 2)),
    OpCase("permute", [(2, 3, 4)], lambda x: x.permute(2, 0, 1)),
    OpCase("T", [(3, 4)], lambda x: x.T),
    OpCase("squeeze_unsqueeze", [(3, 1, 4)], lambda x: x.squeeze(1).unsqueeze(0)),
    OpCase("getitem_slices", [(4, 5)], lambda x: x[1:, ::2]),
    OpCase("getitem_int", [(4, 5)], lambda x: x[2]),
    OpCase("getitem_int_array_repeats", [(5, 3)], lambda x, i: x[i], constants=(np.array([0, 2, 0, 4]),)),
    OpCase("getitem_bool_mask", [(5, 3)], lambda x, m: x[m], constants=(MASK,)),
    OpCase("cat", [(2, 3), (2, 4)], lambda a, b: tinynet.cat([a, b], dim=1),
           torch_fn=lambda a, b: torch_module().cat([a, b], dim=1)),
    OpCase("stack", [(2, 3), (2, 3)], lambda a, b: tinynet.stack([a, b], dim=1),
           torch_fn=lambda a, b: torch_module().stack([a, b], dim=1)),
    OpCase("pad", [(2, 3, 4)], lambda x: F.pad(x, (1, 2, 0, 1)), torch_fn=lambda x: torch_F().pad(x, (1, 2, 0, 1))),
    # matrix products
    OpCase("matmul_2d", [(3, 4), (4, 5)], lambda a, b: a @ b),
    OpCase("matmul_transposed_views", [(4, 3), (5, 4)], lambda a, b: a.T @ b.T),
    OpCase("matmul_batched", [(2, 3, 4), (4, 5)], lambda a, b: a @ b),
    OpCase("matmul_batch_broadcast", [(2, 1, 3, 4), (5, 4, 2)], lambda a, b: a @ b),
    OpCase("matmul_vec_mat", [(4,), (4, 5)], lambda a, b: a @ b),
    OpCase("matmul_mat_vec", [(3, 4), (4,)], lambda a, b: a @ b),
    OpCase("matmul_vec_vec", [(4,), (4,)], lambda a, b: a @ b),
    OpCase("matmul_vec_batched", [(4,), (2, 4, 3)], lambda a, b: a @ b),
    OpCase("linear", [(6, 4), (3, 4), (3,)], lambda x, w, b: F.linear(x, w, b),
           torch_fn=lambda x, w, b: torch_F().linear(x, w, b)),
    OpCase("linear_3d_no_bias", [(2, 5, 4), (3, 4)], lambda x, w: F.linear(x, w),
           torch_fn=lambda x, w: torch_F().linear(x, w)),
    # activations
    OpCase("sigmoid", [(3, 4)], lambda x: x.sigmoid(), low=-8, high=8),
    OpCase("tanh", [(3, 4)], lambda x: x.tanh()),
    OpCase("relu", [(3, 4)], lambda x: F.relu(x), torch_fn=lambda x: torch_F().relu(x), away_from=(0,)),
    OpCase("leaky_relu", [(3, 4)], lambda x: F.leaky_relu(x, 0.1), torch_fn=lambda x: torch_F().leaky_relu(x, 0.1),
           away_from=(0,)),
    OpCase("elu", [(3, 4)], lambda x: F.elu(x, alpha=0.7), torch_fn=lambda x: torch_F().elu(x, alpha=0.7),
           away_from=(0,)),
    OpCase("silu", [(3, 4)], lambda x: F.silu(x), torch_fn=lambda x: torch_F().silu(x)),
    # (hardsigmoid, celu: PyTorch's backward rounds a constant to float32, so they are compared with torch at 1e-6
    # in test_torch_edge_cases.py)
    OpCase("asin", [(3, 4)], lambda x: x.asin(), low=-0.9, high=0.9),
    OpCase("acos", [(3, 4)], lambda x: tinynet.acos(x), torch_fn=lambda x: torch_module().acos(x), low=-0.9, high=0.9),
    OpCase("atan", [(3, 4)], lambda x: x.atan(), low=-3, high=3),
    OpCase("sinh_cosh", [(3, 4)], lambda x: x.sinh() * x.cosh()),
    OpCase("asinh", [(3, 4)], lambda x: x.asinh(), low=-3, high=3),
    OpCase("acosh", [(3, 4)], lambda x: x.acosh(), low=1.1, high=3),
    OpCase("atanh", [(3, 4)], lambda x: x.atanh(), low=-0.9, high=0.9),
    OpCase("erf", [(3, 4)], lambda x: x.erf(), low=-3, high=3),
    OpCase("hardsigmoid", [(4, 5)], lambda x: F.hardsigmoid(x), low=-4, high=4, away_from=(-3, 3),
           compare_with_torch=False),
    OpCase("hardswish", [(4, 5)], lambda x: F.hardswish(x), torch_fn=lambda x: torch_F().hardswish(x),
           low=-4, high=4, away_from=(-3, 3)),
    OpCase("softsign", [(3, 4)], lambda x: F.softsign(x), torch_fn=lambda x: torch_F().softsign(x)),
    OpCase("celu", [(3, 4)], lambda x: F.celu(x, 0.7), away_from=(0,), compare_with_torch=False),
    OpCase("softmin", [(3, 4)], lambda x: F.softmin(x, 1), torch_fn=lambda x: torch_F().softmin(x, 1)),
    OpCase("threshold", [(3, 4)], lambda x: F.threshold(x, 0.1, -2.0),
           torch_fn=lambda x: torch_F().threshold(x, 0.1, -2.0), away_from=(0.1,)),
    OpCase("tril", [(2, 3, 4)], lambda x: x.tril(), torch_fn=lambda x: x.tril()),
    OpCase("triu_offset", [(4, 3)], lambda x: tinynet.triu(x, -1), torch_fn=lambda x: torch_module().triu(x, -1)),
    OpCase("masked_select_broadcast", [(3, 4)], lambda x, m: x.masked_select(m), constants=(MASK[:4],)),
    OpCase("softplus", [(3, 4)], lambda x: F.softplus(x, beta=2, threshold=1.5),
           torch_fn=lambda x: torch_F().softplus(x, beta=2, threshold=1.5), away_from=(0.75,)),
    OpCase("hardlim_has_zero_gradient", [(3, 4)], lambda x: F.hardlim(x) * 3 + x, away_from=(0,),
           compare_with_torch=False),
    OpCase("softmax_last", [(3, 5)], lambda x: F.softmax(x), torch_fn=lambda x: torch_F().softmax(x, dim=-1)),
    OpCase("softmax_dim0", [(3, 5)], lambda x: F.softmax(x, dim=0), torch_fn=lambda x: torch_F().softmax(x, dim=0)),
    OpCase("log_softmax", [(2, 3, 5)], lambda x: F.log_softmax(x, dim=1),
           torch_fn=lambda x: torch_F().log_softmax(x, dim=1)),
    # losses
    OpCase("mse_loss", [(4, 3), (4, 3)], lambda x, t: F.mse_loss(x, t), torch_fn=lambda x, t: torch_F().mse_loss(x, t)),
    OpCase("mse_loss_sum", [(4, 3), (4, 3)], lambda x, t: F.mse_loss(x, t, reduction="sum"),
           torch_fn=lambda x, t: torch_F().mse_loss(x, t, reduction="sum")),
    OpCase("cross_entropy", [(6, 5)], lambda x, y: F.cross_entropy(x, y), constants=(LABELS,),
           torch_fn=lambda x, y: torch_F().cross_entropy(x, y)),
    OpCase("cross_entropy_none", [(6, 5)], lambda x, y: F.cross_entropy(x, y, reduction="none"), constants=(LABELS,),
           torch_fn=lambda x, y: torch_F().cross_entropy(x, y, reduction="none")),
    OpCase("nll_loss", [(6, 5)], lambda x, y: F.nll_loss(F.log_softmax(x), y, reduction="sum"), constants=(LABELS,),
           torch_fn=lambda x, y: torch_F().nll_loss(torch_F().log_softmax(x, dim=-1), y, reduction="sum")),
    OpCase("binary_cross_entropy", [(4, 3)], lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t),
           constants=(np.linspace(0, 1, 12).reshape(4, 3),),
           torch_fn=lambda x, t: torch_F().binary_cross_entropy(torch_module().sigmoid(x), t)),
    OpCase("bce_with_logits", [(4, 3)], lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
           constants=(np.linspace(0, 1, 12).reshape(4, 3),), low=-30, high=30,
           torch_fn=lambda x, t: torch_F().binary_cross_entropy_with_logits(x, t, reduction="none")),
    # convolution and pooling through tinynet.kernels
    OpCase("conv2d", [(2, 3, 7, 6), (4, 3, 3, 3), (4,)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
           torch_fn=lambda x, w, b: torch_F().conv2d(x, w, b, stride=2, padding=1)),
    OpCase("conv2d_rect_padding_no_bias", [(1, 2, 5, 5), (3, 2, 2, 3)], lambda x, w: F.conv2d(x, w, padding=(1, 2)),
           torch_fn=lambda x, w: torch_F().conv2d(x, w, padding=(1, 2))),
    OpCase("max_pool2d", [(2, 3, 6, 6)], lambda x: F.max_pool2d(x, 2), torch_fn=lambda x: torch_F().max_pool2d(x, 2)),
    OpCase("max_pool2d_overlap_pad", [(1, 2, 7, 7)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
           torch_fn=lambda x: torch_F().max_pool2d(x, 3, stride=2, padding=1)),
    OpCase("avg_pool2d", [(2, 3, 6, 6)], lambda x: F.avg_pool2d(x, 2), torch_fn=lambda x: torch_F().avg_pool2d(x, 2)),
    OpCase("avg_pool2d_exclude_pad", [(1, 2, 7, 7)],
           lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
           torch_fn=lambda x: torch_F().avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)),
    # normalization and dropout
    OpCase("batch_norm_train_2d", [(6, 3), (3,), (3,)],
           lambda x, w, b: F.batch_norm(x, np.zeros(3), np.ones(3), w, b, training=True),
           torch_fn=lambda x, w, b: torch_F().batch_norm(x, torch_module().zeros(3, dtype=x.dtype),
                                                         torch_module().ones(3, dtype=x.dtype), w, b, training=True)),
    OpCase("batch_norm_train_4d", [(2, 3, 4, 4), (3,), (3,)],
           lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           torch_fn=lambda x, w, b: torch_F().batch_norm(x, None, None, w, b, training=True)),
    OpCase("batch_norm_eval", [(4, 3), (3,), (3,)],
           lambda x, w, b: F.batch_norm(x, np.array([0.1, -0.2, 0.3]), np.array([1.5, 0.5, 2.0]), w, b),
           torch_fn=lambda x, w, b: torch_F().batch_norm(
               x, torch_module().tensor([0.1, -0.2, 0.3], dtype=x.dtype),
               torch_module().tensor([1.5, 0.5, 2.0], dtype=x.dtype), w, b)),
    OpCase("dropout_fixed_mask", [(4, 5)], _dropout_with_fixed_mask, compare_with_torch=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck(case):
    check_gradients(case)


@pytest.mark.parametrize("case", [c for c in CASES if c.compare_with_torch], ids=repr)
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    check_against_torch(case, torch)


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


# ---- property-based: broadcasting and reductions over random shapes --------------------------

@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from(["add", "sub", "mul", "div"]))
def test_broadcast_binary_ops_gradcheck(shapes, op):
    rng = np.random.default_rng(0)
    a = tinynet.tensor(rng.uniform(0.5, 2, shapes.input_shapes[0]), requires_grad=True)
    b = tinynet.tensor(rng.uniform(0.5, 2, shapes.input_shapes[1]), requires_grad=True)
    functions = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
                 "mul": lambda a, b: a * b, "div": lambda a, b: a / b}
    out = functions[op](a, b)
    assert out.shape == shapes.result_shape
    assert tinynet.gradcheck(functions[op], (a, b))


@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
def test_reductions_over_random_axes_gradcheck(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    keepdims = data.draw(st.booleans())
    x = tinynet.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    expected = np.sum(x.numpy(), axis=tuple(axes), keepdims=keepdims)
    np.testing.assert_allclose(x.sum(tuple(axes), keepdims).numpy(), expected)
    assert tinynet.gradcheck(lambda t: t.sum(tuple(axes), keepdims) * t.mean(tuple(axes), keepdims), (x,))


# ---- behaviour that gradcheck alone does not pin down ------------------------------------------

def test_hardlim_forward_is_a_step_and_passes_no_gradient():
    x = tinynet.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = F.hardlim(x)
    assert y.numpy().tolist() == [0.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_softmax_and_cross_entropy_are_stable_for_huge_logits():
    logits = tinynet.tensor([[1000.0, 0.0, -1000.0]], dtype=np.float64, requires_grad=True)
    assert np.allclose(F.softmax(logits).numpy(), [[1, 0, 0]])
    assert np.all(np.isfinite(F.log_softmax(logits).numpy()))
    loss = F.cross_entropy(logits, np.array([1]))
    loss.backward()
    assert np.isclose(loss.item(), 1000.0)
    assert np.allclose(logits.grad.numpy(), [[1, -1, 0]])


def test_max_splits_gradient_between_ties():
    x = tinynet.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.5, 0.5]


def test_maximum_splits_gradient_on_ties():
    a = tinynet.tensor([1.0, 2.0], requires_grad=True)
    b = tinynet.tensor([1.0, 0.0], requires_grad=True)
    a.maximum(b).sum().backward()
    assert a.grad.numpy().tolist() == [0.5, 1.0]
    assert b.grad.numpy().tolist() == [0.5, 0.0]


def test_dropout_scales_survivors_and_is_identity_in_eval():
    tinynet.manual_seed(0)
    x = tinynet.ones(1000, 10)
    y = F.dropout(x, p=0.3)
    kept = y.numpy() != 0
    assert np.allclose(y.numpy()[kept], 1 / 0.7)
    assert 0.6 < kept.mean() < 0.8
    assert F.dropout(x, p=0.3, training=False) is x
    assert np.all(F.dropout(x, p=1.0).numpy() == 0)
    with pytest.raises(ValueError, match="probability"):
        F.dropout(x, p=1.5)


def test_batch_norm_updates_running_statistics_like_torch_formula():
    x = np.random.default_rng(0).standard_normal((8, 2, 3, 3))
    running_mean, running_var = np.zeros(2), np.ones(2)
    F.batch_norm(tinynet.tensor(x), running_mean, running_var, training=True, momentum=0.25)
    batch_mean = x.mean(axis=(0, 2, 3))
    batch_var_unbiased = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(running_mean, 0.25 * batch_mean)
    np.testing.assert_allclose(running_var, 0.75 + 0.25 * batch_var_unbiased)


def test_float32_ops_keep_float32():
    x = tinynet.randn(3, 4, requires_grad=True)
    w = tinynet.randn(5, 4, requires_grad=True)
    y = (F.linear(x, w).relu() * 2.0 + 1).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


# ---- errors -------------------------------------------------------------------------------------

def test_loss_shape_and_label_errors_are_clear():
    # The exception types are PyTorch's for the same mistakes.
    logits = tinynet.randn(4, 3)
    with pytest.raises(ValueError, match=r"batch_size \(4\).*batch_size \(3\).*\[4, 3\].*\[3\]"):
        F.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(IndexError, match="class labels must be in"):
        F.cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="class labels must be in"):
        F.nll_loss(logits, np.array([0, -1, 2, 1]))
    with pytest.raises(RuntimeError, match="integer"):
        F.cross_entropy(logits, np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"\[4, 3\].*\[3, 4\]"):
        F.mse_loss(logits, tinynet.randn(3, 4))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(logits, logits, reduction="average")
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(logits * 10, np.zeros((4, 3)))


def test_shape_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4, 5\)"):
        tinynet.randn(2, 3) @ tinynet.randn(4, 5)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4,\)"):
        tinynet.randn(2, 3).reshape(4)
    with pytest.raises(RuntimeError, match="in_features=5"):
        F.linear(tinynet.randn(2, 3), tinynet.randn(4, 5))
    with pytest.raises(RuntimeError, match="cat along dim 0"):
        tinynet.cat([tinynet.randn(2, 3), tinynet.randn(2, 4)])
    with pytest.raises(RuntimeError, match="pad widths"):
        F.pad(tinynet.randn(2, 3), (1, 2, 3))
    with pytest.raises(IndexError, match=r"out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        tinynet.randn(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="input channels"):
        F.conv2d(tinynet.randn(1, 2, 5, 5), tinynet.randn(3, 4, 3, 3))
    with pytest.raises(ValueError, match="batch_norm"):
        F.batch_norm(tinynet.randn(4, 3), np.zeros(2), np.ones(2))
