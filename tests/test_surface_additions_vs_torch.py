"""Smaller pieces of PyTorch's surface learner code uses, against torch: std_mean/var_mean, tensor_split,
fill_diagonal_, heaviside, cartesian_prod, nn.utils.rnn.pad_sequence (values and gradients), Module.type, and
the clear error half precision gets."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tinynet

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 5))


def _grads_match(build, arrays, torch):
    """build(module, *tensors) -> a tensor or a tuple of tensors; values, shapes and input gradients equal torch's."""
    ours = [tinynet.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out_ours, out_theirs = build(tinynet, *ours), build(torch, *theirs)
    out_ours = out_ours if isinstance(out_ours, (tuple, list)) else (out_ours,)
    out_theirs = out_theirs if isinstance(out_theirs, (tuple, list)) else (out_theirs,)
    assert len(out_ours) == len(out_theirs)
    weights = [RNG.standard_normal(tuple(t.shape)) for t in out_theirs]
    for mine, reference in zip(out_ours, out_theirs):
        assert mine.shape == tuple(reference.shape) and mine.dtype == np.dtype(str(reference.dtype).split(".")[-1])
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-12, atol=1e-12)
    if any(t.requires_grad for t in out_theirs):
        sum((m * tinynet.tensor(w)).sum() for m, w in zip(out_ours, weights)).backward()
        sum((r * torch.tensor(w)).sum() for r, w in zip(out_theirs, weights)).backward()
        for mine, reference in zip(ours, theirs):
            if reference.grad is not None:
                np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("build", [
    lambda m, x: m.std_mean(x),
    lambda m, x: m.std_mean(x, dim=0),
    lambda m, x: m.var_mean(x, 1, keepdim=True),
    lambda m, x: m.var_mean(x, dim=(0, 1), correction=0),
    lambda m, x: m.tensor_split(x, 3),
    lambda m, x: m.tensor_split(x, 3, dim=1),
    lambda m, x: x.tensor_split([1, -2, 9], 1),
    lambda m, x: m.cartesian_prod(x[0], x[1, :2], x[2, :3]),
    lambda m, x: m.nn.utils.rnn.pad_sequence([x[:2], x, x[:1]]),
    lambda m, x: m.nn.utils.rnn.pad_sequence([x[:2], x], batch_first=True, padding_value=-1.0, padding_side="left"),
    lambda m, x: (x * 1).fill_diagonal_(7.0),
    lambda m, x: m.cat([x, x, x]).fill_diagonal_(7.0, wrap=True),
    lambda m, x: m.cat([x, x, x]).fill_diagonal_(7.0),
])
def test_additions_match_torch(build, torch):
    _grads_match(build, [A], torch)


def test_heaviside_and_three_d_diagonal(torch):
    x = np.array([-1.5, 0.0, 2.0, 0.0])
    values = np.array([0.5, 0.25, 9.0, 1.0])
    for ours, theirs in [(tinynet.heaviside(tinynet.tensor(x), tinynet.tensor(values)),
                          torch.heaviside(torch.tensor(x), torch.tensor(values))),
                         (tinynet.tensor([-2, 0, 3]).heaviside(tinynet.tensor([5])),
                          torch.tensor([-2, 0, 3]).heaviside(torch.tensor([5])))]:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.dtype(str(theirs.dtype).split(".")[-1]) and not ours.requires_grad
    cube_ours, cube_theirs = tinynet.zeros(3, 3, 3), torch.zeros(3, 3, 3)
    np.testing.assert_array_equal(cube_ours.fill_diagonal_(1.0).numpy(), cube_theirs.fill_diagonal_(1.0).numpy())
    with pytest.raises(RuntimeError, match="equal length"):
        tinynet.zeros(2, 3, 3).fill_diagonal_(1.0)


def test_module_type_and_half_precision():
    layer = tinynet.nn.Linear(2, 3)
    assert layer.type(tinynet.float64) is layer and layer.weight.dtype == tinynet.float64
    for call in (lambda: tinynet.ones(2).half(), lambda: tinynet.ones(2).bfloat16(), lambda: layer.half()):
        with pytest.raises(TypeError, match="16-bit"):
            call()


def test_in_place_triangles_match_torch(torch):
    _grads_match(lambda m, x: ((x * 1).triu_(1), (x * 1).tril_(-1)), [A], torch)


LOGITS = RNG.standard_normal((4, 5))
MULTI_LABELS = (RNG.random((4, 5)) > 0.5).astype(np.float64)
CLASSES = np.array([0, 3, 4, 3])
CLASS_WEIGHTS = RNG.random(5) + 0.5


@pytest.mark.parametrize("build", [
    lambda m, x: m.nn.MultiLabelSoftMarginLoss()(x, m.tensor(MULTI_LABELS)),
    lambda m, x: m.nn.MultiLabelSoftMarginLoss(weight=m.tensor(CLASS_WEIGHTS), reduction="none")(
        x, m.tensor(MULTI_LABELS)),
    lambda m, x: m.nn.functional.multilabel_soft_margin_loss(x[0], m.tensor(MULTI_LABELS[0]), reduction="sum"),
    lambda m, x: m.nn.MultiMarginLoss()(x, m.tensor(CLASSES)),
    lambda m, x: m.nn.MultiMarginLoss(p=2, margin=0.7, weight=m.tensor(CLASS_WEIGHTS), reduction="sum")(
        x, m.tensor(CLASSES)),
    lambda m, x: m.nn.functional.multi_margin_loss(x, m.tensor(CLASSES), reduction="none"),
    lambda m, x: m.nn.functional.multi_margin_loss(x[1], m.tensor(3)),
])
def test_multiclass_losses_match_torch(build, torch):
    _grads_match(build, [LOGITS], torch)


def test_bilinear_matches_torch(torch):
    theirs = torch.nn.Bilinear(3, 4, 2, dtype=torch.float64)
    ours = tinynet.nn.Bilinear(3, 4, 2, dtype=tinynet.float64)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    layers = {tinynet: ours, torch: theirs}
    _grads_match(lambda m, a, b: layers[m](a, b), [RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))], torch)
    _grads_match(lambda m, a, b, w: m.nn.functional.bilinear(a, b, w),
                 [RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 4)), RNG.standard_normal((2, 3, 4))],
                 torch)
    for lib in (torch, tinynet):  # (PyTorch's "target out of range" is a RuntimeError)
        with pytest.raises(RuntimeError, match="target out of range"):
            lib.nn.functional.multi_margin_loss(lib.tensor(LOGITS), lib.tensor([0, 9, 1, 1]))


WITH_NAN = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, -1.0]])


@pytest.mark.parametrize("build", [
    lambda m, x: m.nansum(x),
    lambda m, x: x.nansum(1, keepdim=True),
    lambda m, x: m.nanmean(x, 0),
    lambda m, x: x.nanmean(),
])
def test_nan_reductions_match_torch(build, torch):
    _grads_match(build, [WITH_NAN], torch)


@pytest.mark.parametrize("build", [
    lambda m, x: m.diag_embed(x),
    lambda m, x: x.diag_embed(2),
    lambda m, x: m.diag_embed(x, -1),
    lambda m, x: m.diag_embed(x, 1, dim1=0, dim2=2),
    lambda m, x: m.diag_embed(x, -2, dim1=-1, dim2=0),
    lambda m, x: m.baddbmm(m.ones(4, 5, 5, dtype=x.dtype), x[:, :, None], x[:, None, :], beta=0.5, alpha=2),
    lambda m, x: x[None].baddbmm(x[None, :, :2], x[None, :2, :]),
])
def test_matrix_builders_match_torch(build, torch):
    _grads_match(build, [A], torch)


def test_gumbel_softmax_draws_one_hot_forward_and_soft_gradient_back():
    tinynet.manual_seed(0)
    logits = tinynet.tensor(RNG.standard_normal((6, 5)), requires_grad=True)
    hard = tinynet.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0} and np.all(hard.numpy().sum(1) == 1)
    (hard * tinynet.arange(5.0, dtype=tinynet.float64)).sum().backward()
    assert np.abs(logits.grad.numpy()).sum() > 0 and np.allclose(logits.grad.numpy().sum(1), 0)
    soft = tinynet.nn.functional.gumbel_softmax(logits, dim=0)
    np.testing.assert_allclose(soft.detach().numpy().sum(0), 1.0)
    tinynet.manual_seed(1)
    counts = sum(tinynet.nn.functional.gumbel_softmax(tinynet.tensor([[0.0, np.log(3.0)]]), hard=True).numpy()
                 for _ in range(4000))
    assert abs(counts[0, 1] / 4000 - 0.75) < 0.03  # (a draw picks class k with probability softmax(logits)_k)


@pytest.mark.parametrize("build", [
    lambda m, x: m.quantile(x, 0.3, dim=0),
    lambda m, x: m.quantile(x, m.tensor([0.1, 0.9], dtype=x.dtype), dim=1, keepdim=True),
    lambda m, x: x.quantile(0.5),
    lambda m, x: m.quantile(x, m.tensor([0.0, 1.0], dtype=x.dtype), keepdim=True),
    lambda m, x: m.quantile(x, 0.25, interpolation="midpoint"),
    lambda m, x: m.quantile(x, 0.7, 1, interpolation="nearest"),
    lambda m, x: (m.quantile(x, 0.4, 0, interpolation="lower"), m.quantile(x, 0.4, 0, interpolation="higher")),
    lambda m, x: m.combinations(x[0], 2),
    lambda m, x: m.combinations(x[1, :3], 3, with_replacement=True),
    lambda m, x: m.hsplit(x, [1, 3]),
    lambda m, x: x.vsplit(2),
    lambda m, x: m.dsplit(x.reshape(2, 2, 5), [2]),
])
def test_quantiles_combinations_and_splits_match_torch(build, torch):
    _grads_match(build, [A], torch)


def test_triangle_indices_and_split_errors(torch):
    for args in [(3, 4, 1), (3, 3, -1), (4, 2), (0, 3)]:
        for name in ("tril_indices", "triu_indices"):
            np.testing.assert_array_equal(getattr(tinynet, name)(*args).numpy(), getattr(torch, name)(*args).numpy())
    with pytest.raises(RuntimeError, match="not divisible"):
        tinynet.hsplit(tinynet.zeros(2, 5), 2)
    with pytest.raises(RuntimeError, match="in the range"):
        tinynet.quantile(tinynet.zeros(3), 1.5)
    nan_row = tinynet.tensor([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(np.isnan(tinynet.quantile(nan_row, 0.5, dim=1).numpy()), [True, False])


@pytest.mark.parametrize("call", [
    lambda m: m.tril_indices(-1, 3),
    lambda m: m.triu_indices(3, -2),
    lambda m: m.tril_indices(3, 3, dtype=m.float32),
    lambda m: m.combinations(m.tensor([1.0, 2.0]), -1),
    lambda m: m.quantile(m.zeros(3), 0.5, interpolation="mean"),
    lambda m: m.quantile(m.zeros(3), m.tensor([0.5], dtype=m.float64)),
    lambda m: m.tensor_split(m.arange(10.0), m.tensor([2.5, 5.0])),
    lambda m: m.tensor_split(m.arange(10.0), m.tensor(3.0)),
    lambda m: m.diag_embed(m.zeros(2, 3), dim1=1, dim2=-2),
    lambda m: m.diag_embed(m.tensor(1.0)),
    lambda m: m.nn.functional.gumbel_softmax(m.tensor([[1, 2]])),  # (its noise was truncated to integers)
    lambda m: m.nn.utils.rnn.pad_sequence([m.zeros(2), m.zeros(1)], padding_side="middle"),
])
def test_bad_arguments_raise_torchs_exception(call, torch):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tinynet)


def test_triangle_indices_take_an_int32_dtype(torch):
    ours, theirs = tinynet.triu_indices(3, 4, 1, dtype=tinynet.int32), torch.triu_indices(3, 4, 1, dtype=torch.int32)
    assert ours.dtype == np.int32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_empty_edges_match_torch(torch):
    for lib in (tinynet, torch):
        assert tuple(lib.combinations(lib.tensor([1.0, 2.0, 3.0]), 0).shape) == (0,)
        assert tuple(lib.einsum("ij,jk->ik", lib.zeros(2, 0), lib.zeros(0, 3)).shape) == (2, 3)
        with pytest.raises(RuntimeError):
            lib.hsplit(lib.zeros(2, 4), 0)
        with pytest.raises(RuntimeError, match="floating point"):
            lib.autograd.functional.jacobian(lambda x: x, lib.tensor([1, 2]))


def test_zero_features_pass_through_linear_embedding_and_cumprod(torch):
    """Dims of size 0 where numpy cannot infer a -1 in a reshape: each op gives PyTorch's shapes."""
    for lib in (tinynet, torch):
        x, w = lib.zeros(3, 0, requires_grad=True), lib.zeros(2, 0, requires_grad=True)
        y = lib.nn.functional.linear(x, w, lib.ones(2))
        y.sum().backward()
        assert tuple(y.shape) == (3, 2) and tuple(w.grad.shape) == (2, 0) and tuple(x.grad.shape) == (3, 0)
        h, _ = lib.nn.LSTMCell(0, 2)(lib.zeros(3, 0))
        assert tuple(h.shape) == (3, 2)
        table = lib.nn.Embedding(5, 0)
        table(lib.tensor([1, 2])).sum().backward()
        assert tuple(table.weight.grad.shape) == (5, 0)
        z = lib.zeros(2, 0, requires_grad=True)
        lib.cumprod(z, 1).sum().backward()
        assert tuple(z.grad.shape) == (2, 0)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "zeros"])
@pytest.mark.parametrize("settings", [dict(padding=1), dict(padding=(2, 1), stride=2), dict(padding="same"),
                                      dict(padding=2, dilation=2, groups=3)], ids=str)
def test_conv2d_padding_modes_match_torch(mode, settings, torch):
    theirs = torch.nn.Conv2d(3, 6, 3, padding_mode=mode, dtype=torch.float64, **settings)
    ours = tinynet.nn.Conv2d(3, 6, 3, padding_mode=mode, dtype=tinynet.float64, **settings)
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    layers = {tinynet: ours, torch: theirs}
    _grads_match(lambda m, x: layers[m](x), [RNG.standard_normal((2, 3, 7, 6))], torch)
    _grads_match(lambda m, x: layers[m](x), [RNG.standard_normal((3, 5, 5))], torch)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        tinynet.nn.Conv2d(3, 6, 3, padding_mode="mirror")


def test_too_many_combinations_are_refused_at_once():
    """combinations listed every tuple before counting them: 400 choose 200 filled memory until the process was
    killed.  Run in a child with 2 GiB of address space, so that the old behaviour fails there and not here."""
    child = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        import tinynet
        for n, r, with_replacement in ((400, 200, False), (40, 20, False), (40, 20, True)):
            try:
                tinynet.combinations(tinynet.arange(float(n)), r, with_replacement=with_replacement)
            except (RuntimeError, MemoryError) as error:
                print(type(error).__name__, "refused")
        """)], capture_output=True, text=True, timeout=120)
    # (the count alone is past any memory: refused before a tuple is listed; the others when their array is made)
    assert child.stdout.split("\n")[:3] == ["RuntimeError refused", "MemoryError refused", "MemoryError refused"], \
        child.stdout + child.stderr[-2000:]
