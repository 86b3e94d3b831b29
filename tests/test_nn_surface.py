"""The nn functions PyTorch code uses, each one line: float64 gradcheck, and against PyTorch in float64 and float32
(values, shapes, dtypes, and the gradients of every floating input -- targets included where PyTorch gives one).

A case's ``fn(F, *inputs, *constants)`` is called once with ``tinynet.nn.functional`` and once with
``torch.nn.functional``, so one line states the call for both.  ``constants`` (labels, class weights) are numpy
arrays handed to each library as its own tensor; float constants follow the case's dtype.
"""

from dataclasses import dataclass

import numpy as np
import pytest

import tinynet
import tinynet.nn.functional as tF

LABELS = np.array([2, 0, 4, 1, 2, 3])
LABELS_IGNORED = np.array([2, -100, 4, 1, -100, 3])
LABELS_2D = np.array([[[0, 2, 1], [2, 2, 0]], [[1, -1, 0], [2, 1, -1]]])  # (N=2, d1=2, d2=3); -1 ignored below
CLASS_WEIGHTS = np.array([0.5, 2.0, 1.0, 0.25, 3.0])
WEIGHTS_3 = np.array([0.2, 1.5, 0.7])
IDS = np.array([[0, 2, 4], [4, 1, 0]])  # embedding ids, with repeats


@dataclass
class Case:
    """``fn(F, *tensors, *constants)``; tensors of ``shapes`` drawn from [low, high] (nudged ``away_from`` kinks)."""

    name: str
    shapes: list
    fn: object
    low: float = -2.0
    high: float = 2.0
    constants: tuple = ()
    away_from: tuple = ()
    gradcheck: bool = True
    tolerance32: float = 2e-5
    tolerance64: float = 1e-10

    def __repr__(self):
        return self.name


def inputs(case, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in case.shapes:
        values = rng.uniform(case.low, case.high, size=shape)
        for kink in case.away_from:
            values[np.abs(values - kink) < 0.05] = kink + 0.1
        arrays.append(values.astype(dtype))
    return arrays


def constants_for(case, dtype, to_tensor):
    return [to_tensor(c.astype(dtype) if c.dtype.kind == "f" else c) for c in case.constants]


CASES = [
    # activations
    Case("gelu", [(3, 4)], lambda F, x: F.gelu(x), low=-6, high=6),
    Case("gelu_tanh", [(3, 4)], lambda F, x: F.gelu(x, approximate="tanh"), low=-6, high=6),
    Case("gelu_far_tails", [(4, 5)], lambda F, x: F.gelu(x), low=-30, high=30),
    Case("relu6", [(4, 5)], lambda F, x: F.relu6(x), low=-3, high=9, away_from=(0, 6)),
    Case("hardtanh", [(4, 5)], lambda F, x: F.hardtanh(x, -0.5, 1.5), away_from=(-0.5, 1.5)),
    Case("mish", [(3, 4)], lambda F, x: F.mish(x), low=-8, high=8),
    Case("prelu_one_slope", [(2, 3, 4), (1,)], lambda F, x, w: F.prelu(x, w), away_from=(0,)),
    Case("prelu_per_channel", [(2, 3, 4, 2), (3,)], lambda F, x, w: F.prelu(x, w), away_from=(0,)),
    Case("prelu_1d_input", [(5,), (1,)], lambda F, x, w: F.prelu(x, w), away_from=(0,)),
    Case("selu", [(3, 4)], lambda F, x: F.selu(x), away_from=(0,)),
    Case("logsigmoid", [(3, 4)], lambda F, x: F.logsigmoid(x), low=-40, high=40),
    Case("softplus_beta", [(3, 4)], lambda F, x: F.softplus(x, beta=0.5, threshold=3), away_from=(6,), low=-8, high=8),
    Case("elu_0d", [()], lambda F, x: F.elu(x, 0.5), away_from=(0,)),
    # normalization
    Case("layer_norm_affine", [(4, 6), (6,), (6,)], lambda F, x, w, b: F.layer_norm(x, (6,), w, b)),
    Case("layer_norm_2d_shape", [(2, 3, 4, 5), (4, 5), (4, 5)], lambda F, x, w, b: F.layer_norm(x, (4, 5), w, b, 1e-3)),
    Case("layer_norm_plain", [(3, 5)], lambda F, x: F.layer_norm(x, [5])),
    Case("group_norm_affine", [(2, 6, 3, 4), (6,), (6,)], lambda F, x, w, b: F.group_norm(x, 3, w, b)),
    Case("group_norm_instance", [(2, 4, 5), (4,), (4,)], lambda F, x, w, b: F.group_norm(x, 4, w, b, 1e-3)),
    Case("group_norm_plain_2d", [(3, 6)], lambda F, x: F.group_norm(x, 2)),
    # similarity, distance and resizing (compositions)
    Case("cosine_similarity", [(4, 6), (4, 6)], lambda F, x, y: F.cosine_similarity(x, y)),
    Case("cosine_similarity_broadcast", [(3, 4, 5), (1, 5)], lambda F, x, y: F.cosine_similarity(x, y, dim=-1)),
    Case("pairwise_distance", [(4, 6), (4, 6)], lambda F, x, y: F.pairwise_distance(x, y)),
    Case("pairwise_distance_p1", [(3, 5), (3, 5)], lambda F, x, y: F.pairwise_distance(x, y, p=1.0, keepdim=True),
         away_from=(0,)),
    # (PyTorch uses 1/6 rounded to float32 in these even for float64: it agrees to about 1e-8 there)
    Case("hardsigmoid", [(4, 6)], lambda F, x: F.hardsigmoid(x), low=-5, high=5, away_from=(-3, 3), tolerance64=1e-7),
    Case("hardswish", [(4, 6)], lambda F, x: F.hardswish(x), low=-5, high=5, away_from=(-3, 3), tolerance64=1e-7),
    Case("softsign", [(3, 4)], lambda F, x: F.softsign(x), away_from=(0,)),
    Case("tanhshrink", [(3, 4)], lambda F, x: F.tanhshrink(x)),
    Case("softmin", [(3, 5)], lambda F, x: F.softmin(x, dim=1)),
    Case("threshold", [(3, 5)], lambda F, x: F.threshold(x, 0.1, 20.0), away_from=(0.1,)),
    Case("conv1d", [(2, 4, 9), (6, 4, 3), (6,)], lambda F, x, w, b: F.conv1d(x, w, b)),
    Case("conv1d_stride_pad_dilation_groups", [(2, 4, 11), (6, 2, 3)],
         lambda F, x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2, groups=2)),
    Case("conv1d_same_unbatched", [(3, 8), (5, 3, 4)], lambda F, x, w: F.conv1d(x, w, padding="same")),
    Case("conv_transpose2d", [(2, 3, 4, 5), (3, 2, 3, 3), (2,)], lambda F, x, w, b: F.conv_transpose2d(x, w, b)),
    Case("conv_transpose2d_stride_pads", [(2, 4, 3, 4), (4, 3, 3, 2)],
         lambda F, x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)),
    Case("conv_transpose2d_groups_dilation_crop", [(1, 4, 5, 5), (4, 1, 3, 3)],
         lambda F, x, w: F.conv_transpose2d(x, w, stride=(2, 1), padding=(3, 0), groups=2, dilation=(1, 2))),
    Case("conv_transpose2d_unbatched", [(3, 4, 4), (3, 5, 2, 2)], lambda F, x, w: F.conv_transpose2d(x, w, stride=2)),
    Case("max_pool1d", [(2, 3, 9)], lambda F, x: F.max_pool1d(x, 3, 2, padding=1)),
    Case("avg_pool1d", [(2, 3, 9)], lambda F, x: F.avg_pool1d(x, 2)),
    Case("adaptive_avg_pool1d", [(2, 3, 10)], lambda F, x: F.adaptive_avg_pool1d(x, 4)),
    Case("adaptive_max_pool1d", [(2, 3, 10)], lambda F, x: F.adaptive_max_pool1d(x, 3)),
    Case("interpolate_nearest_2x", [(2, 3, 4, 5)], lambda F, x: F.interpolate(x, scale_factor=2)),
    Case("interpolate_nearest_size", [(1, 2, 5, 4)], lambda F, x: F.interpolate(x, size=(7, 3))),
    Case("interpolate_nearest_1d", [(2, 3, 5)], lambda F, x: F.interpolate(x, scale_factor=1.5)),
    Case("interpolate_linear", [(2, 3, 5)], lambda F, x: F.interpolate(x, scale_factor=1.7, mode="linear")),
    Case("interpolate_bilinear_up", [(2, 3, 4, 5)], lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    Case("interpolate_bilinear_corners", [(1, 2, 5, 4)],
         lambda F, x: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True)),
    Case("interpolate_bilinear_down", [(1, 2, 7, 9)], lambda F, x: F.interpolate(x, size=(3, 4), mode="bilinear")),
    Case("interpolate_bicubic", [(1, 2, 4, 5)], lambda F, x: F.interpolate(x, scale_factor=(2, 1.5), mode="bicubic")),
    Case("interpolate_bicubic_corners", [(1, 1, 5, 4)],
         lambda F, x: F.interpolate(x, size=(3, 7), mode="bicubic", align_corners=True)),
    Case("interpolate_trilinear", [(1, 2, 3, 4, 3)], lambda F, x: F.interpolate(x, scale_factor=2, mode="trilinear")),
    # convolution: groups, dilation, string padding, unbatched input
    Case("conv2d_groups", [(2, 4, 6, 5), (6, 2, 3, 3), (6,)], lambda F, x, w, b: F.conv2d(x, w, b, 1, 1, 1, 2)),
    Case("conv2d_depthwise", [(2, 3, 5, 5), (3, 1, 3, 3)], lambda F, x, w: F.conv2d(x, w, stride=2, groups=3)),
    Case("conv2d_dilation", [(1, 2, 7, 8), (3, 2, 3, 3), (3,)], lambda F, x, w, b: F.conv2d(x, w, b, dilation=2)),
    Case("conv2d_dilation_stride_pad", [(2, 2, 9, 7), (4, 1, 3, 2)],
         lambda F, x, w: F.conv2d(x, w, stride=(2, 1), padding=(2, 1), dilation=(2, 3), groups=2)),
    Case("conv2d_same_odd", [(1, 2, 5, 6), (3, 2, 3, 5)], lambda F, x, w: F.conv2d(x, w, padding="same")),
    Case("conv2d_same_even_dilated", [(1, 2, 6, 6), (2, 2, 2, 4)],
         lambda F, x, w: F.conv2d(x, w, padding="same", dilation=(1, 2))),
    Case("conv2d_valid", [(1, 1, 4, 5), (2, 1, 2, 2)], lambda F, x, w: F.conv2d(x, w, padding="valid")),
    Case("conv2d_unbatched", [(2, 5, 5), (3, 2, 3, 3), (3,)], lambda F, x, w, b: F.conv2d(x, w, b, padding=1)),
    # pooling: ceil_mode, divisor_override, unbatched input
    Case("max_pool2d_ceil", [(2, 2, 5, 5)], lambda F, x: F.max_pool2d(x, 2, ceil_mode=True)),
    Case("max_pool2d_ceil_pad", [(1, 2, 6, 7)], lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    Case("max_pool2d_ceil_last_window_dropped", [(1, 1, 5, 5)], lambda F, x: F.max_pool2d(x, 2, 2, 1, ceil_mode=True)),
    Case("max_pool2d_unbatched", [(2, 4, 4)], lambda F, x: F.max_pool2d(x, 2)),
    Case("avg_pool2d_ceil", [(2, 2, 5, 5)], lambda F, x: F.avg_pool2d(x, 2, ceil_mode=True)),
    Case("avg_pool2d_ceil_pad", [(1, 2, 6, 7)], lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)),
    Case("avg_pool2d_ceil_exclude_pad", [(1, 2, 6, 7)],
         lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    Case("avg_pool2d_ceil_last_window_dropped", [(1, 1, 5, 5)], lambda F, x: F.avg_pool2d(x, 2, 2, 1, True)),
    Case("avg_pool2d_divisor_override", [(1, 2, 5, 5)], lambda F, x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4)),
    Case("avg_pool2d_unbatched", [(2, 4, 4)], lambda F, x: F.avg_pool2d(x, 2, 1)),
    Case("adaptive_avg_global", [(2, 3, 5, 4)], lambda F, x: F.adaptive_avg_pool2d(x, 1)),
    Case("adaptive_avg_divisible", [(2, 3, 6, 4)], lambda F, x: F.adaptive_avg_pool2d(x, (3, 2))),
    Case("adaptive_avg_uneven", [(2, 3, 5, 7)], lambda F, x: F.adaptive_avg_pool2d(x, (3, 4))),
    Case("adaptive_avg_larger", [(1, 2, 3, 5)], lambda F, x: F.adaptive_avg_pool2d(x, (4, None))),
    Case("adaptive_avg_unbatched", [(3, 5, 5)], lambda F, x: F.adaptive_avg_pool2d(x, 2)),
    Case("adaptive_max_global", [(2, 3, 5, 4)], lambda F, x: F.adaptive_max_pool2d(x, (1, 1))),
    Case("adaptive_max_divisible", [(2, 3, 6, 4)], lambda F, x: F.adaptive_max_pool2d(x, (2, 2))),
    Case("adaptive_max_uneven", [(2, 3, 5, 7)], lambda F, x: F.adaptive_max_pool2d(x, (3, 4))),
    Case("adaptive_max_larger_unbatched", [(2, 3, 5)], lambda F, x: F.adaptive_max_pool2d(x, (4, 7))),
    # embedding
    Case("embedding", [(5, 3)], lambda F, w, i: F.embedding(i, w), constants=(IDS,)),
    Case("embedding_padding_idx", [(5, 3)], lambda F, w, i: F.embedding(i, w, padding_idx=4), constants=(IDS,),
         gradcheck=False),  # (the padding row gets no gradient by design, though it is looked up)
    Case("embedding_scale_grad_by_freq", [(5, 3)], lambda F, w, i: F.embedding(i, w, scale_grad_by_freq=True),
         constants=(IDS,), gradcheck=False),  # (a rescaled gradient by design)
    # regression losses, target gradients included
    Case("mse_loss", [(4, 3), (4, 3)], lambda F, x, t: F.mse_loss(x, t)),
    Case("l1_loss", [(4, 3), (4, 3)], lambda F, x, t: F.l1_loss(x, t)),
    Case("l1_loss_sum_0d", [(), ()], lambda F, x, t: F.l1_loss(x, t, reduction="sum")),
    Case("smooth_l1_loss", [(4, 3), (4, 3)], lambda F, x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.5)),
    Case("smooth_l1_loss_beta0", [(4, 3), (4, 3)], lambda F, x, t: F.smooth_l1_loss(x, t, beta=0.0)),
    Case("huber_loss", [(4, 3), (4, 3)], lambda F, x, t: F.huber_loss(x, t, reduction="sum", delta=0.7)),
    Case("kl_div_batchmean", [(4, 5), (4, 5)], lambda F, x, t: F.kl_div(x, t, reduction="batchmean"), low=0.05, high=1),
    Case("kl_div_none", [(4, 5), (4, 5)], lambda F, x, t: F.kl_div(x, t, reduction="none"), low=0.05, high=1),
    Case("kl_div_log_target_sum", [(4, 5), (4, 5)], lambda F, x, t: F.kl_div(x, t, reduction="sum", log_target=True)),
    Case("kl_div_broadcast_mean", [(3, 5), (5,)], lambda F, x, t: F.kl_div(x, t), low=0.05, high=1),
    # binary cross-entropy: weights, pos_weight, target gradients
    Case("bce", [(4, 3), (4, 3)], lambda F, p, t: F.binary_cross_entropy(p, t), low=0.05, high=0.95),
    Case("bce_weight_none", [(4, 3), (4, 3)], lambda F, p, t, w: F.binary_cross_entropy(p, t, w, reduction="none"),
         constants=(WEIGHTS_3,), low=0.05, high=0.95),
    Case("bce_logits", [(4, 3), (4, 3)], lambda F, z, t: F.binary_cross_entropy_with_logits(z, t), low=-4, high=4),
    Case("bce_logits_pos_weight", [(4, 3), (4, 3)],
         lambda F, z, t, q: F.binary_cross_entropy_with_logits(z, t, pos_weight=q), constants=(WEIGHTS_3,)),
    Case("bce_logits_both_weights_sum", [(4, 3), (4, 3)],
         lambda F, z, t, q: F.binary_cross_entropy_with_logits(z, t, q[:1], reduction="sum", pos_weight=q * 2),
         constants=(WEIGHTS_3,)),
    # cross-entropy and nll: weight, ignore_index, label_smoothing, probability targets, (N, C, d1, d2)
    Case("ce_weight", [(6, 5)], lambda F, x, y, w: F.cross_entropy(x, y, w), constants=(LABELS, CLASS_WEIGHTS)),
    Case("ce_ignore_index", [(6, 5)], lambda F, x, y: F.cross_entropy(x, y), constants=(LABELS_IGNORED,)),
    Case("ce_weight_ignore_none", [(6, 5)], lambda F, x, y, w: F.cross_entropy(x, y, w, reduction="none"),
         constants=(LABELS_IGNORED, CLASS_WEIGHTS)),
    Case("ce_label_smoothing", [(6, 5)], lambda F, x, y: F.cross_entropy(x, y, label_smoothing=0.2),
         constants=(LABELS,)),
    Case("ce_smoothing_weight_ignore", [(6, 5)],
         lambda F, x, y, w: F.cross_entropy(x, y, w, ignore_index=-100, label_smoothing=0.3),
         constants=(LABELS_IGNORED, CLASS_WEIGHTS)),
    Case("ce_smoothing_weight_sum", [(6, 5)],
         lambda F, x, y, w: F.cross_entropy(x, y, w, reduction="sum", label_smoothing=0.1),
         constants=(LABELS, CLASS_WEIGHTS)),
    Case("ce_probabilities", [(4, 5), (4, 5)], lambda F, x, t: F.cross_entropy(x, t), low=0, high=1),
    Case("ce_probabilities_weight_smoothing", [(4, 5), (4, 5)],
         lambda F, x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.25), constants=(CLASS_WEIGHTS,), low=0, high=1),
    Case("ce_probabilities_kdim_none", [(2, 3, 2, 2), (2, 3, 2, 2)],
         lambda F, x, t: F.cross_entropy(x, t, reduction="none"), low=0, high=1),
    Case("ce_kdim_weight_ignore", [(2, 3, 2, 3)], lambda F, x, y, w: F.cross_entropy(x, y, w, ignore_index=-1),
         constants=(LABELS_2D, WEIGHTS_3)),
    Case("ce_kdim_none_smoothing", [(2, 3, 2, 3)],
         lambda F, x, y: F.cross_entropy(x, y, ignore_index=-1, reduction="none", label_smoothing=0.1),
         constants=(LABELS_2D,)),
    Case("ce_single_sample", [(5,)], lambda F, x, y: F.cross_entropy(x, y, reduction="none"), constants=(np.array(3),)),
    Case("nll_weight", [(6, 5)], lambda F, x, y, w: F.nll_loss(x, y, w), constants=(LABELS, CLASS_WEIGHTS)),
    Case("nll_ignore_sum", [(6, 5)], lambda F, x, y: F.nll_loss(x, y, reduction="sum"), constants=(LABELS_IGNORED,)),
    Case("nll_kdim_weight_ignore_none", [(2, 3, 2, 3)],
         lambda F, x, y, w: F.nll_loss(x, y, w, ignore_index=-1, reduction="none"), constants=(LABELS_2D, WEIGHTS_3)),
    Case("nll_single_sample", [(5,)], lambda F, x, y: F.nll_loss(x, y), constants=(np.array(1),)),
]


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=repr)
def test_gradcheck(case):
    tensors = [tinynet.tensor(a, requires_grad=True) for a in inputs(case, np.float64)]
    constants = constants_for(case, np.float64, tinynet.tensor)
    assert tinynet.gradcheck(lambda *ts: case.fn(tF, *ts, *constants), tensors)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    import torch.nn.functional as torch_F

    tolerance = case.tolerance64 if dtype == np.float64 else case.tolerance32
    arrays = inputs(case, dtype)
    ours = [tinynet.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = case.fn(tF, *ours, *constants_for(case, dtype, tinynet.tensor))
    expected = case.fn(torch_F, *theirs, *constants_for(case, dtype, torch.from_numpy))
    assert out.shape == tuple(expected.shape), f"{case.name}: shape {out.shape} != PyTorch's {tuple(expected.shape)}"
    assert out.dtype == np.dtype(dtype), f"{case.name}: dtype {out.dtype}, expected {np.dtype(dtype)}"
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=tolerance, atol=tolerance,
                               err_msg=f"{case.name}: forward differs from PyTorch")
    grad_out = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(tinynet.tensor(grad_out))
    expected.backward(torch.from_numpy(grad_out.copy()))
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        assert (mine.grad is None) == (reference.grad is None), f"{case.name}: input {index} gradient presence"
        if reference.grad is not None:
            assert mine.grad.dtype == np.dtype(dtype)
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=tolerance, atol=tolerance,
                                       err_msg=f"{case.name}: gradient of input {index} differs from PyTorch")


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


# ---- what the table cannot state ------------------------------------------------------------

def test_binary_cross_entropy_passes_a_gradient_to_its_target():
    # The bug this issue fixed: the target's gradient was None.
    p = tinynet.tensor([0.2, 0.7], dtype=np.float64, requires_grad=True)
    t = tinynet.tensor([0.0, 0.5], dtype=np.float64, requires_grad=True)
    tF.binary_cross_entropy(p, t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.numpy(), np.log1p(-p.numpy()) - np.log(p.numpy()))
    z = tinynet.tensor([-1.0, 2.0], dtype=np.float64, requires_grad=True)
    t.grad = None
    tF.binary_cross_entropy_with_logits(z, t, reduction="sum").backward()
    np.testing.assert_allclose(t.grad.numpy(), -z.numpy())


def test_cross_entropy_when_every_target_is_ignored_is_nan_as_in_torch(torch):
    ours = tF.cross_entropy(tinynet.randn(3, 4), np.array([-100, -100, -100]))
    theirs = torch.nn.functional.cross_entropy(torch.randn(3, 4), torch.tensor([-100, -100, -100]))
    assert np.isnan(ours.item()) and torch.isnan(theirs)


def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    tinynet.manual_seed(0)
    x = tinynet.ones(64, 16, 3, 3)
    y = tF.dropout2d(x, p=0.25).numpy()
    per_channel = y.reshape(64, 16, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # one value per (sample, channel)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert 0.15 < (per_channel[:, :, 0] == 0).mean() < 0.35
    assert tF.dropout2d(x, p=0.25, training=False) is x


def test_dropout2d_gradient_is_the_mask():
    tinynet.manual_seed(3)
    x = tinynet.randn(4, 5, 2, 2, requires_grad=True)
    y = tF.dropout2d(x, p=0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (y.numpy() != 0) * 2.0)


def test_gelu_of_a_large_float32_tensor_stays_float32():
    x = tinynet.randn(1000, 100)
    y = tF.gelu(x)
    assert y.dtype == np.float32 and y.shape == (1000, 100)


def test_inplace_activations_change_the_input_and_keep_gradients_right(torch):
    base = np.random.default_rng(0).standard_normal((3, 4))
    for name, call in [("relu", lambda F, h: F.relu(h, inplace=True)),
                       ("hardtanh", lambda F, h: F.hardtanh(h, -0.5, 0.5, inplace=True)),
                       ("selu", lambda F, h: F.selu(h, inplace=True)), ("mish", lambda F, h: F.mish(h, True))]:
        x = tinynet.tensor(base.copy(), requires_grad=True)
        h = x * 2
        out = call(tF, h)
        assert out is h, name
        (h * h).sum().backward()
        xt = torch.tensor(base.copy(), requires_grad=True)
        ht = xt * 2
        call(torch.nn.functional, ht)
        (ht * ht).sum().backward()
        np.testing.assert_allclose(h.detach().numpy(), ht.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, err_msg=name)


def test_tensor_relu_in_place():
    x = tinynet.tensor([-1.0, 2.0])
    assert x.relu_() is x and x.numpy().tolist() == [0.0, 2.0]


def test_inplace_on_a_leaf_that_requires_grad_raises_like_torch():
    with pytest.raises(RuntimeError, match="leaf"):
        tF.relu(tinynet.randn(3, requires_grad=True), inplace=True)


def test_adaptive_windows_follow_pytorch_formula():
    from tinynet.ops.adaptive_pool import adaptive_windows
    assert adaptive_windows(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert adaptive_windows(10, 4) == [(0, 3), (2, 5), (5, 8), (7, 10)]
    assert adaptive_windows(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]


def test_embedding_max_norm_renormalises_rows_in_place_like_torch(torch):
    weight = np.random.default_rng(0).standard_normal((5, 3)) * 3
    ours = tinynet.tensor(weight.copy(), requires_grad=True)
    theirs = torch.tensor(weight.copy(), requires_grad=True)
    before = ours._version_number
    out = tF.embedding(np.array([[0, 2], [2, 3]]), ours, max_norm=1.5)
    with torch.no_grad():
        expected = torch.nn.functional.embedding(torch.tensor([[0, 2], [2, 3]]), theirs, max_norm=1.5)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)  # rows 0, 2, 3 shrunk, 1, 4 not
    assert ours._version_number > before


# ---- random settings against PyTorch: the index arithmetic of ceil mode, adaptive windows, groups and dilation ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _compare_forward_backward(torch, ours_fn, theirs_fn, x):
    ours_x = tinynet.tensor(x.copy(), requires_grad=True)
    theirs_x = torch.tensor(x.copy(), requires_grad=True)
    ours, theirs = ours_fn(ours_x), theirs_fn(theirs_x)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    grad = np.random.default_rng(1).standard_normal(ours.shape)
    ours.backward(tinynet.tensor(grad))
    theirs.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-10, atol=1e-12)


@settings(max_examples=60)
@given(size=st.tuples(st.integers(1, 9), st.integers(1, 9)), kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       stride=st.tuples(st.integers(1, 4), st.integers(1, 4)), data=st.data(),
       average=st.booleans(), include_pad=st.booleans())
def test_pooling_in_ceil_mode_matches_torch_for_random_settings(size, kernel, stride, data, average, include_pad):
    torch = pytest.importorskip("torch")
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
    if any(s + 2 * p < k for s, p, k in zip(size, padding, kernel)):
        return  # no window fits: both raise (see the mistakes table)
    x = np.random.default_rng(0).permutation(2 * size[0] * size[1]).reshape(1, 2, *size) / 7.0  # distinct values
    if average:
        options = dict(ceil_mode=True, count_include_pad=include_pad)
        ours = lambda t: tF.avg_pool2d(t, kernel, stride, padding, **options)  # noqa: E731
        theirs = lambda t: torch.nn.functional.avg_pool2d(t, kernel, stride, padding, **options)  # noqa: E731
    else:
        ours = lambda t: tF.max_pool2d(t, kernel, stride, padding, ceil_mode=True)  # noqa: E731
        theirs = lambda t: torch.nn.functional.max_pool2d(t, kernel, stride, padding, ceil_mode=True)  # noqa: E731
    _compare_forward_backward(torch, ours, theirs, x)


@settings(max_examples=40)
@given(size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       out=st.tuples(st.one_of(st.none(), st.integers(1, 10)), st.integers(1, 10)), average=st.booleans())
def test_adaptive_pooling_matches_torch_for_random_sizes(size, out, average):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).permutation(2 * size[0] * size[1]).reshape(2, 1, *size) / 7.0
    name = "adaptive_avg_pool2d" if average else "adaptive_max_pool2d"
    _compare_forward_backward(torch, lambda t: getattr(tF, name)(t, out),
                              lambda t: getattr(torch.nn.functional, name)(t, out), x)


@settings(max_examples=40)
@given(groups=st.integers(1, 3), per_group=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       stride=st.tuples(st.integers(1, 2), st.integers(1, 2)), padding=st.one_of(st.integers(0, 2), st.just("same")),
       size=st.tuples(st.integers(4, 8), st.integers(4, 8)))
def test_grouped_dilated_convolution_matches_torch_for_random_settings(groups, per_group, kernel, dilation, stride,
                                                                       padding, size):
    torch = pytest.importorskip("torch")
    if padding == "same":
        stride = (1, 1)
    pad = 0 if padding == "same" else padding
    if any(s + 2 * pad < d * (k - 1) + 1 for s, d, k in zip(size, dilation, kernel)):
        return
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, groups * per_group[0], *size))
    w = rng.standard_normal((groups * per_group[1], per_group[0], *kernel))
    b = rng.standard_normal(groups * per_group[1])
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    ours_w, theirs_w = tinynet.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    _compare_forward_backward(torch, lambda t: tF.conv2d(t, ours_w, tinynet.tensor(b), **options),
                              lambda t: torch.nn.functional.conv2d(t, theirs_w, torch.tensor(b), **options), x)
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["linear", "bilinear", "bicubic"])
def test_interpolate_carries_a_nan_only_to_the_outputs_that_read_it(mode, torch):
    """A resize used to be a product with the whole weight matrix, so one NaN reached every output of its row."""
    values = np.arange(20.0).reshape(1, 1, 4, 5) if mode != "linear" else np.arange(10.0).reshape(1, 2, 5)
    values.flat[1] = np.nan
    size = (6, 7) if mode != "linear" else 8
    ours = tinynet.nn.functional.interpolate(tinynet.tensor(values), size=size, mode=mode).numpy()
    theirs = torch.nn.functional.interpolate(torch.tensor(values), size=size, mode=mode).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)
    assert np.isfinite(ours).any()


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), size=(0, 3)),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=-1.0),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=float("nan")),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=float("inf")),
    lambda lib: lib.nn.functional.interpolate(lib.zeros(2, 4), size=3),
    lambda lib: lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, dtype=lib.int64), size=3, mode="bilinear"),
])
def test_interpolate_refuses_what_torch_refuses_with_its_exception(call, torch):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tinynet)


@pytest.mark.parametrize("name, args", [("threshold", (0.5, -3.0)), ("hardshrink", ())])
def test_threshold_and_hardshrink_keep_a_nan_as_torch_does(name, args, torch):
    """They kept x where x > threshold, so a NaN (never >) became the fill value: a NaN hidden, not passed on."""
    values = np.array([np.nan, -1.0, 0.2, 2.0])
    ours = getattr(tinynet.nn.functional, name)(tinynet.tensor(values), *args).numpy()
    theirs = getattr(torch.nn.functional, name)(torch.tensor(values), *args).numpy()
    np.testing.assert_array_equal(ours, theirs)
