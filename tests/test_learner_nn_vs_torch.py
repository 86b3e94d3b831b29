"""More nn.functional that learner and textbook code uses, one line each, against PyTorch in float64 and float32
(values, shapes, dtypes, the gradient of every floating input) with a float64 gradcheck: glu, softshrink,
hardshrink, pixel_shuffle/unshuffle, unfold/fold, local_response_norm, instance_norm, and the margin, embedding
and likelihood losses.  Then the modules, alpha dropout's statistics, and the mistakes.
"""

import numpy as np
import pytest

import tinynet
import tinynet.nn as nn
import tinynet.nn.functional as tF
import test_nn_surface as surface
from test_nn_surface import Case

SIGNS = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
SIGNS_34 = np.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
PAIR_SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
COUNTS = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 5.0], [1.0, 4.0, 0.0], [7.0, 2.0, 1.0]])
RUNNING = (np.array([0.1, -0.2, 0.3]), np.array([1.5, 0.5, 2.0]))

CASES = [
    Case("glu", [(3, 4)], lambda F, x: F.glu(x)),
    Case("glu_dim0", [(4, 3)], lambda F, x: F.glu(x, 0)),
    Case("softshrink", [(3, 4)], lambda F, x: F.softshrink(x), away_from=(-0.5, 0.5)),
    Case("softshrink_lambd", [(3, 4)], lambda F, x: F.softshrink(x, 1.2), away_from=(-1.2, 1.2)),
    Case("hardshrink", [(3, 4)], lambda F, x: F.hardshrink(x), away_from=(-0.5, 0.5)),
    Case("hardshrink_lambd", [(3, 4)], lambda F, x: F.hardshrink(x, 1.0), away_from=(-1.0, 1.0)),
    Case("pixel_shuffle", [(2, 8, 3, 3)], lambda F, x: F.pixel_shuffle(x, 2)),
    Case("pixel_shuffle_unbatched", [(9, 2, 2)], lambda F, x: F.pixel_shuffle(x, 3)),
    Case("pixel_unshuffle", [(2, 2, 4, 6)], lambda F, x: F.pixel_unshuffle(x, 2)),
    Case("pixel_unshuffle_5d", [(2, 1, 2, 3, 6)], lambda F, x: F.pixel_unshuffle(x, 3)),
    Case("unfold", [(2, 3, 5, 6)], lambda F, x: F.unfold(x, 2)),
    Case("unfold_stride_pad_dilation", [(2, 2, 7, 6)], lambda F, x: F.unfold(x, (3, 2), dilation=(2, 1), padding=1,
                                                                              stride=(2, 3))),
    Case("unfold_unbatched", [(3, 4, 4)], lambda F, x: F.unfold(x, 3, padding=1)),
    Case("fold", [(2, 12, 20)], lambda F, x: F.fold(x, (5, 6), 2)),
    Case("fold_stride_pad", [(1, 8, 12)], lambda F, x: F.fold(x, (5, 6), 2, padding=1, stride=2)),
    Case("fold_unbatched_dilation", [(9, 4)], lambda F, x: F.fold(x, 6, 3, dilation=2)),
    Case("local_response_norm", [(2, 6, 3, 3)], lambda F, x: F.local_response_norm(x, 3)),
    Case("local_response_norm_even_3d", [(2, 5, 4)], lambda F, x: F.local_response_norm(x, 2, 0.1, 0.5, 2.0)),
    Case("local_response_norm_alexnet", [(1, 7, 2, 2)], lambda F, x: F.local_response_norm(x, 5, 1e-2, 0.75, 2.0)),
    Case("instance_norm_affine", [(2, 3, 4, 5), (3,), (3,)], lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b)),
    Case("instance_norm_1d", [(2, 3, 6)], lambda F, x: F.instance_norm(x, eps=1e-3)),
    Case("instance_norm_running", [(2, 3, 4), (3,), (3,)],
         lambda F, x, w, b, m, v: F.instance_norm(x, m, v, w, b, use_input_stats=False), constants=RUNNING),
    Case("margin_ranking", [(6,), (6,)], lambda F, a, b, y: F.margin_ranking_loss(a, b, y), constants=(SIGNS,),
         away_from=(0,)),
    Case("margin_ranking_margin_none", [(6,), (6,)], lambda F, a, b, y: F.margin_ranking_loss(a, b, y, 0.5,
                                                                                            reduction="none"),
         constants=(SIGNS,)),
    Case("hinge_embedding", [(3, 4)], lambda F, x, y: F.hinge_embedding_loss(x, y), constants=(SIGNS_34,),
         away_from=(1,)),
    Case("hinge_embedding_margin_sum", [(6,)], lambda F, x, y: F.hinge_embedding_loss(x, y, 0.5, reduction="sum"),
         constants=(SIGNS,), away_from=(0.5,)),
    Case("soft_margin", [(3, 4)], lambda F, x, y: F.soft_margin_loss(x, y), constants=(SIGNS_34,)),
    Case("soft_margin_none", [(6,)], lambda F, x, y: F.soft_margin_loss(x, y, reduction="none"), constants=(SIGNS,)),
    Case("cosine_embedding", [(4, 5), (4, 5)], lambda F, a, b, y: F.cosine_embedding_loss(a, b, y),
         constants=(PAIR_SIGNS,)),
    Case("cosine_embedding_margin_none", [(4, 5), (4, 5)],
         lambda F, a, b, y: F.cosine_embedding_loss(a, b, y, -0.3, reduction="none"), constants=(PAIR_SIGNS,)),
    Case("cosine_embedding_1d", [(5,), (5,)], lambda F, a, b, y: F.cosine_embedding_loss(a, b, y),
         constants=(np.array(1.0),)),
    Case("triplet_margin", [(4, 5), (4, 5), (4, 5)], lambda F, a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0)),
    Case("triplet_margin_p1_swap_none", [(4, 5), (4, 5), (4, 5)],
         lambda F, a, p, n: F.triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction="none")),
    Case("gaussian_nll", [(4, 3), (4, 3), (4, 3)], lambda F, x, t, v: F.gaussian_nll_loss(x, t, v), low=0.1),
    Case("gaussian_nll_per_sample_full", [(4, 3), (4, 3), (4,)],
         lambda F, x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction="sum"), low=0.1),
    Case("gaussian_nll_last_dim_1_none", [(4, 3), (4, 3), (4, 1)],
         lambda F, x, t, v: F.gaussian_nll_loss(x, t, v, reduction="none"), low=0.1),
    Case("gaussian_nll_clamped_var", [(4, 3), (4, 3), (4, 3)], lambda F, x, t, v: F.gaussian_nll_loss(x, t, v, eps=0.5),
         low=0.1, gradcheck=False),
    Case("poisson_nll", [(4, 3)], lambda F, x, t: F.poisson_nll_loss(x, t), constants=(COUNTS,)),
    Case("poisson_nll_rates_full", [(4, 3)], lambda F, x, t: F.poisson_nll_loss(x, t, log_input=False, full=True),
         constants=(COUNTS,), low=0.1),
    Case("poisson_nll_full_none", [(4, 3), (4, 3)], lambda F, x, t: F.poisson_nll_loss(x, t, full=True,
                                                                                       reduction="none"),
         low=0.5, high=3.0),
]


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=repr)
def test_gradcheck(case):
    surface.test_gradcheck(case)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_torch(case, dtype, torch):
    surface.test_matches_torch(case, dtype, torch)


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


# ---- modules, running statistics, alpha dropout, mistakes ------------------------------------------------------

MODULES = [
    ("GLU", (), (2, 6)), ("GLU", (0,), (4, 3)), ("Softshrink", (1.0,), (3, 4)), ("Hardshrink", (), (3, 4)),
    ("PixelShuffle", (2,), (1, 8, 2, 3)), ("PixelUnshuffle", (2,), (1, 2, 4, 4)), ("Unfold", (2,), (1, 2, 4, 4)),
    ("Fold", ((4, 5), 2), (1, 8, 12)), ("LocalResponseNorm", (3,), (2, 4, 3, 3)),
    ("UpsamplingNearest2d", (None, 2), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, args, shape", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
def test_modules_match_torch(name, args, shape, torch):
    x = np.random.default_rng(0).standard_normal(shape)
    ours = getattr(nn, name)(*args)(tinynet.tensor(x))
    theirs = getattr(torch.nn, name)(*args)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert repr(getattr(nn, name)(*args)).split("(")[0] == name


LOSS_MODULES = [
    ("MarginRankingLoss", dict(margin=0.3), 3), ("HingeEmbeddingLoss", dict(margin=0.7), 2),
    ("SoftMarginLoss", dict(reduction="sum"), 2), ("CosineEmbeddingLoss", dict(margin=0.1), 3),
    ("TripletMarginLoss", dict(margin=2.0, p=1.0, swap=True), 3), ("GaussianNLLLoss", dict(full=True), 3),
    ("PoissonNLLLoss", dict(full=True, reduction="none"), 2),
]


@pytest.mark.parametrize("name, settings, arity", LOSS_MODULES, ids=[m[0] for m in LOSS_MODULES])
def test_loss_modules_match_torch(name, settings, arity, torch):
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(0.2, 2.0, (4, 5)) for _ in range(arity)]
    if name in ("MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss"):
        arrays[-1] = np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0)
    if name == "MarginRankingLoss":
        arrays = [a[:, 0] for a in arrays]
    if name == "CosineEmbeddingLoss":
        arrays[-1] = np.array([1.0, -1.0, -1.0, 1.0])
    if name == "PoissonNLLLoss":
        arrays[-1] = np.round(arrays[-1] * 2)
    ours = getattr(nn, name)(**settings)(*[tinynet.tensor(a) for a in arrays])
    theirs = getattr(torch.nn, name)(**settings)(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_instance_norm_updates_running_statistics_as_torch_does(torch):
    x = np.random.default_rng(2).standard_normal((4, 3, 5))
    ours = [tinynet.tensor(a.copy()) for a in RUNNING]
    theirs = [torch.tensor(a.copy()) for a in RUNNING]
    tF.instance_norm(tinynet.tensor(x), *ours, momentum=0.3)
    torch.nn.functional.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-12)


def test_alpha_dropout_keeps_mean_and_variance_and_its_gradient_is_the_scale():
    tinynet.manual_seed(0)
    x = tinynet.randn(200000, dtype=tinynet.float64, requires_grad=True)
    y = tF.alpha_dropout(x, 0.2, training=True)
    assert abs(y.numpy().mean()) < 0.01 and abs(y.numpy().std() - 1) < 0.01
    y.sum().backward()
    a = (1 / (0.8 * (1 + 0.2 * 1.7580993408473766 ** 2))) ** 0.5
    assert set(np.round(np.unique(x.grad.numpy()), 12)) == {0.0, round(a, 12)}
    assert tF.alpha_dropout(x, 0.2) is x  # PyTorch's default is training=False
    layer = nn.AlphaDropout(0.5)
    layer.eval()
    assert layer(x) is x


x34 = tinynet.zeros(3, 4)
ERRORS = [
    (lambda: tF.glu(tinynet.zeros(3, 3)), RuntimeError, "even"),
    (lambda: tF.glu(tinynet.tensor(1.0)), RuntimeError, "scalars"),
    (lambda: tF.softshrink(x34, -1), RuntimeError, "lambda"),
    (lambda: tF.pixel_shuffle(tinynet.zeros(1, 3, 2, 2), 2), RuntimeError, "divisible"),
    (lambda: tF.pixel_shuffle(tinynet.zeros(4, 2), 2), RuntimeError, "at least 3 dimensions"),
    (lambda: tF.pixel_unshuffle(tinynet.zeros(1, 1, 3, 4), 2), RuntimeError, "divisible"),
    (lambda: tF.pixel_shuffle(tinynet.zeros(1, 4, 2, 2), 0), RuntimeError, "greater than 0"),
    (lambda: tF.unfold(x34, 2), IndexError, "4D"),
    (lambda: tF.unfold(tinynet.zeros(1, 1, 2, 2), 3), RuntimeError, "does not fit"),
    (lambda: tF.fold(tinynet.zeros(1, 4, 5), (3, 3), 2), RuntimeError, "sliding blocks"),
    (lambda: tF.fold(tinynet.zeros(1, 5, 4), (3, 3), 2), RuntimeError, "divisible"),
    (lambda: tF.local_response_norm(x34, 2), ValueError, "3D or higher"),
    (lambda: tF.instance_norm(x34), ValueError, "at least 3"),
    (lambda: tF.instance_norm(tinynet.zeros(2, 3, 4), use_input_stats=False), RuntimeError, "running_mean"),
    (lambda: tF.margin_ranking_loss(tinynet.zeros(3), tinynet.zeros(4), tinynet.zeros(3)), RuntimeError, "shape"),
    (lambda: tF.soft_margin_loss(x34, x34, reduction="avg"), ValueError, "reduction"),
    (lambda: tF.cosine_embedding_loss(tinynet.zeros(2, 3), tinynet.zeros(2, 4), tinynet.zeros(2)), RuntimeError,
     "shape"),
    (lambda: tF.triplet_margin_loss(x34, x34, x34, margin=0), ValueError, "margin"),
    (lambda: tF.gaussian_nll_loss(x34, x34, tinynet.zeros(3, 2)), ValueError, "incorrect size"),
    (lambda: tF.gaussian_nll_loss(x34, x34, -tinynet.ones(3, 4)), ValueError, "negative"),
    (lambda: tF.gaussian_nll_loss(x34, x34, tinynet.ones(3, 4), reduction="x"), ValueError, "reduction"),
    (lambda: tF.alpha_dropout(x34, 1.5, True), ValueError, "probability"),
    (lambda: nn.PixelShuffle(0), ValueError, "upscale_factor"),
]


@pytest.mark.parametrize("call, error, words", ERRORS, ids=[f"{e.__name__}-{w}" for _, e, w in ERRORS])
def test_mistakes_get_pytorchs_exception_type(call, error, words):
    with pytest.raises(error, match=words):
        call()
