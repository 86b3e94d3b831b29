"""The nn Modules PyTorch code uses, against torch.nn: the same weights (copied through state_dict), the same
input, then outputs, input gradients and parameter gradients compared, in float64 and float32.  Also state_dict
keys, reprs, a small ResNeXt-style model end to end, and bad arguments raising PyTorch's exception types.

Each case builds the module from a namespace ``nn`` (tinynet.nn or torch.nn), so one line states both.
"""

import numpy as np
import pytest

import tinynet
from tinynet import nn as tnn

pytestmark = pytest.mark.usefixtures("torch")


def floats(*shape, low=-2.0, high=2.0):
    return lambda rng: rng.uniform(low, high, size=shape)


def ints(high, *shape):
    return lambda rng: rng.integers(0, high, size=shape)


WEIGHTS_5 = [0.5, 2.0, 1.0, 0.25, 3.0]

# (name, module builder, input makers)
MODULES = [
    ("GELU", lambda nn: nn.GELU(), [floats(3, 4, low=-5, high=5)]),
    ("GELU_tanh", lambda nn: nn.GELU(approximate="tanh"), [floats(3, 4, low=-5, high=5)]),
    ("ReLU6", lambda nn: nn.ReLU6(), [floats(4, 5, low=-3, high=8)]),
    ("Hardtanh", lambda nn: nn.Hardtanh(-2.0, 0.5), [floats(4, 5, low=-3, high=3)]),
    ("Mish", lambda nn: nn.Mish(), [floats(3, 4)]),
    ("PReLU", lambda nn: nn.PReLU(), [floats(2, 3, 4)]),
    ("PReLU_channels", lambda nn: nn.PReLU(3, init=0.1), [floats(2, 3, 4, 4)]),
    ("SELU", lambda nn: nn.SELU(), [floats(3, 4)]),
    ("LogSigmoid", lambda nn: nn.LogSigmoid(), [floats(3, 4, low=-30, high=30)]),
    ("Softplus", lambda nn: nn.Softplus(beta=2.0, threshold=5.0), [floats(3, 4, low=-5, high=5)]),
    ("ELU_inplace", lambda nn: nn.ELU(0.5, inplace=True), [floats(3, 4)]),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), [floats(3, 4)]),
    ("SiLU", lambda nn: nn.SiLU(), [floats(3, 4)]),
    ("LayerNorm", lambda nn: nn.LayerNorm(5), [floats(3, 5)]),
    ("LayerNorm_2d", lambda nn: nn.LayerNorm((3, 4), eps=1e-3), [floats(2, 2, 3, 4)]),
    ("LayerNorm_no_bias", lambda nn: nn.LayerNorm(5, bias=False), [floats(3, 5)]),
    ("LayerNorm_no_affine", lambda nn: nn.LayerNorm([5], elementwise_affine=False), [floats(3, 5)]),
    ("Conv2d_groups", lambda nn: nn.Conv2d(4, 6, 3, padding=1, groups=2), [floats(2, 4, 5, 5)]),
    ("Conv2d_depthwise", lambda nn: nn.Conv2d(3, 3, 3, groups=3, bias=False), [floats(2, 3, 5, 6)]),
    ("Conv2d_dilated_same", lambda nn: nn.Conv2d(2, 4, 3, dilation=2, padding="same"), [floats(1, 2, 7, 6)]),
    ("Conv2d_even_same", lambda nn: nn.Conv2d(2, 4, (2, 3), padding="same"), [floats(2, 2, 5, 5)]),
    ("Conv2d_strided_dilated", lambda nn: nn.Conv2d(2, 3, 3, stride=2, padding=1, dilation=(1, 2)),
     [floats(2, 2, 7, 8)]),
    ("Conv2d_unbatched", lambda nn: nn.Conv2d(2, 3, 3, padding=1), [floats(2, 4, 4)]),
    ("MaxPool2d_ceil", lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [floats(2, 2, 6, 7)]),
    ("AvgPool2d_ceil", lambda nn: nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False), [floats(2, 2, 6, 7)]),
    ("AvgPool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), [floats(2, 2, 4, 4)]),
    ("AdaptiveAvgPool2d_1", lambda nn: nn.AdaptiveAvgPool2d((1, 1)), [floats(2, 3, 7, 7)]),
    ("AdaptiveAvgPool2d_3", lambda nn: nn.AdaptiveAvgPool2d(3), [floats(2, 3, 7, 5)]),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d((2, 3)), [floats(2, 3, 5, 7)]),
    ("AdaptiveMaxPool2d_1", lambda nn: nn.AdaptiveMaxPool2d(1), [floats(2, 3, 4, 4)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 6)), [floats(3, 12)]),
    ("Unflatten_minus_one", lambda nn: nn.Unflatten(-1, (3, -1)), [floats(2, 2, 12)]),
    ("Identity", lambda nn: nn.Identity(54, unused="ignored"), [floats(3, 4)]),
    ("Dropout2d_eval", lambda nn: nn.Dropout2d(0.3).eval(), [floats(2, 3, 4, 4)]),
    ("BatchNorm2d_without_running_stats_eval", lambda nn: nn.BatchNorm2d(3, track_running_stats=False).eval(),
     [floats(2, 3, 4, 4)]),
    ("BatchNorm1d_without_running_stats", lambda nn: nn.BatchNorm1d(3, affine=False, track_running_stats=False),
     [floats(4, 3)]),
    ("Linear_device_cpu", lambda nn: nn.Linear(3, 2, True, "cpu"), [floats(4, 3)]),
    ("Embedding", lambda nn: nn.Embedding(6, 3, padding_idx=0), [ints(6, 2, 5)]),
    ("Embedding_negative_padding", lambda nn: nn.Embedding(6, 3, padding_idx=-1), [ints(6, 4)]),
    ("MSELoss_sum", lambda nn: nn.MSELoss(reduction="sum"), [floats(4, 3), floats(4, 3)]),
    ("L1Loss", lambda nn: nn.L1Loss(), [floats(4, 3), floats(4, 3)]),
    ("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.3), [floats(4, 3), floats(4, 3)]),
    ("HuberLoss", lambda nn: nn.HuberLoss(reduction="none", delta=2.0), [floats(4, 3), floats(4, 3)]),
    ("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True), [floats(4, 3), floats(4, 3)]),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(), [floats(6, 5), ints(5, 6)]),
    ("CrossEntropyLoss_options",
     lambda nn: nn.CrossEntropyLoss(weight=_tensor(nn, WEIGHTS_5), ignore_index=1, label_smoothing=0.1),
     [floats(6, 5), ints(5, 6)]),
    ("CrossEntropyLoss_probabilities", lambda nn: nn.CrossEntropyLoss(), [floats(6, 5), floats(6, 5, low=0, high=1)]),
    ("CrossEntropyLoss_pixels", lambda nn: nn.CrossEntropyLoss(reduction="sum"),
     [floats(2, 5, 3, 3), ints(5, 2, 3, 3)]),
    ("NLLLoss_weight", lambda nn: nn.NLLLoss(weight=_tensor(nn, WEIGHTS_5)), [floats(6, 5), ints(5, 6)]),
    ("BCELoss_weight", lambda nn: nn.BCELoss(weight=_tensor(nn, [1.0, 0.5, 2.0])),
     [floats(4, 3, low=0.05, high=0.95), floats(4, 3, low=0, high=1)]),
    ("BCEWithLogitsLoss_pos_weight", lambda nn: nn.BCEWithLogitsLoss(pos_weight=_tensor(nn, [1.0, 3.0, 0.5])),
     [floats(4, 3), floats(4, 3, low=0, high=1)]),
]


def _tensor(nn, values):
    """A float32 tensor of the library ``nn`` belongs to (torch.nn -> torch, tinynet.nn -> tinynet)."""
    if nn is tnn:
        return tinynet.tensor(values)
    import torch
    return torch.tensor(values)


def _copy_weights(ours, theirs, dtype):
    ours.to(dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict()), "state_dict keys differ from PyTorch's"
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, build, makers", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(name, build, makers, dtype, torch):
    tolerance = 1e-10 if dtype == np.float64 else 3e-5
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    theirs = build(torch.nn).to(torch_dtype)
    ours = build(tnn)
    _copy_weights(ours, theirs, dtype)
    rng = np.random.default_rng(0)
    arrays = [make(rng) for make in makers]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    our_inputs = [tinynet.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    their_inputs = [torch.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    # (in-place layers change their input: feed them a non-leaf copy, as they would see in a model)
    out = ours(*[x * 1 if x.requires_grad else x for x in our_inputs])
    expected = theirs(*[x * 1 if x.requires_grad else x for x in their_inputs])
    assert out.shape == tuple(expected.shape) and out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=tolerance, atol=tolerance)
    if not expected.requires_grad:
        return
    grad = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(tinynet.tensor(grad))
    expected.backward(torch.from_numpy(grad.copy()))
    for index, (mine, reference) in enumerate(zip(our_inputs, their_inputs)):
        if reference.grad is not None:
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=tolerance, atol=tolerance,
                                       err_msg=f"{name}: gradient of input {index}")
    their_parameters = dict(theirs.named_parameters())
    for parameter_name, parameter in ours.named_parameters():
        reference = their_parameters[parameter_name].grad
        assert (parameter.grad is None) == (reference is None), parameter_name
        if reference is not None:
            np.testing.assert_allclose(parameter.grad.numpy(), reference.numpy(), rtol=tolerance, atol=tolerance,
                                       err_msg=f"{name}: gradient of {parameter_name}")


def resnext_like(nn):
    """A small network with every new piece a ResNeXt / MobileNet-style model uses."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
        nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), nn.BatchNorm2d(8), nn.ReLU6(inplace=True),
        nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.Conv2d(8, 8, 3, padding="same", dilation=2), nn.GELU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LayerNorm(8), nn.Dropout(0.0), nn.Linear(8, 5),
    )


def test_small_resnext_trains_like_torch(torch):
    torch.manual_seed(0)
    theirs = resnext_like(torch.nn).double()
    ours = resnext_like(tnn)
    _copy_weights(ours, theirs, np.float64)
    x = np.random.default_rng(0).standard_normal((4, 3, 9, 9))
    y = np.array([0, 3, 1, 4])
    loss = tnn.CrossEntropyLoss(label_smoothing=0.1)(ours(tinynet.tensor(x)), y)
    expected = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(theirs(torch.tensor(x)), torch.tensor(y))
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-10)
    loss.backward()
    expected.backward()
    grads = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), grads[name], rtol=1e-8, atol=1e-10, err_msg=name)
    for name, value in theirs.state_dict().items():  # BatchNorm's running statistics too
        np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), rtol=1e-10, err_msg=name)


@pytest.mark.parametrize("build", [
    lambda nn: nn.Conv2d(4, 6, 3, padding=1, groups=2), lambda nn: nn.Conv2d(2, 4, 3, dilation=2, bias=False),
    lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), lambda nn: nn.AvgPool2d(2), lambda nn: nn.GELU(),
    lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(), lambda nn: nn.Hardtanh(-2.0, 0.5), lambda nn: nn.PReLU(3),
    lambda nn: nn.LayerNorm((3, 4)), lambda nn: nn.Embedding(10, 3, padding_idx=0), lambda nn: nn.Unflatten(1, (2, 6)),
    lambda nn: nn.AdaptiveAvgPool2d((1, 1)), lambda nn: nn.Dropout(0.2), lambda nn: nn.Dropout2d(),
    lambda nn: nn.Softplus(beta=2.0), lambda nn: nn.SELU(), lambda nn: nn.LogSigmoid(),
])
def test_repr_matches_torch(build, torch):
    assert repr(build(tnn)) == repr(build(torch.nn))


def test_embedding_from_pretrained_freezes_by_default(torch):
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    frozen = tnn.Embedding.from_pretrained(tinynet.tensor(vectors))
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(vectors))
    assert not frozen.weight.requires_grad and not theirs.weight.requires_grad
    ids = np.array([[3, 0], [1, 1]])
    np.testing.assert_array_equal(frozen(tinynet.tensor(ids)).numpy(), theirs(torch.tensor(ids)).numpy())
    trainable = tnn.Embedding.from_pretrained(vectors, freeze=False, padding_idx=1)
    trainable(tinynet.tensor(ids)).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[:, 0], [1, 0, 0, 1])  # padding row 1: no gradient
    assert repr(trainable) == "Embedding(4, 3, padding_idx=1)"


def test_sigmoid_and_tanh_of_integers_give_the_default_float_dtype(torch):
    for name in ("sigmoid", "tanh"):
        ours = getattr(tinynet, name)(tinynet.tensor([1, -2, 3]))
        theirs = getattr(torch, name)(torch.tensor([1, -2, 3]))
        assert ours.dtype == np.float32 and theirs.dtype == torch.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_new_layers_follow_the_default_dtype():
    tinynet.set_default_dtype(tinynet.float64)
    try:
        layers = [tnn.Linear(2, 3), tnn.Conv2d(1, 2, 3), tnn.LayerNorm(4), tnn.PReLU(), tnn.Embedding(3, 2),
                  tnn.BatchNorm2d(2)]
        assert all(p.dtype == np.float64 for layer in layers for p in layer.parameters())
    finally:
        tinynet.set_default_dtype(tinynet.float32)
    assert tnn.LayerNorm(4).weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU"):
        tnn.Conv2d(1, 2, 3, device="cuda")


def test_containers_register_like_torch(torch):
    def model(nn, parameter):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleDict({"conv": nn.Conv2d(1, 2, 3), "act": nn.ReLU()})
                self.scales = nn.ParameterList([parameter(np.ones(2)), parameter(np.zeros(3))])
                self.extra = nn.ParameterDict({"shift": parameter(np.ones(4))})
        return Net()

    ours = model(tnn, lambda a: tnn.Parameter(a.astype(np.float32)))
    theirs = model(torch.nn, lambda a: torch.nn.Parameter(torch.tensor(a, dtype=torch.float32)))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.blocks.keys()) == ["conv", "act"] and "conv" in ours.blocks and len(ours.blocks) == 2
    assert ours.blocks.pop("act").__class__ is tnn.ReLU and list(ours.blocks) == ["conv"]
    ours.scales.append(tinynet.zeros(5))  # a Tensor becomes a Parameter
    assert isinstance(ours.scales[-1], tnn.Parameter) and len(list(ours.parameters())) == 6
    ours.extra["scale"] = tinynet.ones(1)
    assert list(ours.extra) == ["shift", "scale"] and ours.extra.get("nothing") is None
    with pytest.raises(TypeError):
        tnn.ModuleDict({"f": lambda x: x})
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        tnn.ParameterDict({"training": tinynet.ones(1)})


# ---- bad arguments: the same exception type as PyTorch ------------------------------------------

class _Library:
    """tinynet or torch behind one set of names, so each mistake is written once for both."""

    def __init__(self, module):
        self.module = module
        self.nn = module.nn
        self.F = module.nn.functional
        self.init = module.nn.init
        self.utils = module.nn.utils

    def tensor(self, values, **options):
        return self.module.tensor(values, **options)

    def randn(self, *shape):
        return self.module.randn(*shape)


def _nonfinite_clip(lib):
    parameter = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
    parameter.grad = lib.tensor([float("inf"), 1.0])
    return lib.utils.clip_grad_norm_([parameter], 1.0, error_if_nonfinite=True)


MISTAKES = [
    ("Conv2d groups vs in_channels", lambda lib: lib.nn.Conv2d(4, 4, 3, groups=3)),
    ("Conv2d groups vs out_channels", lambda lib: lib.nn.Conv2d(4, 5, 3, groups=2)),
    ("Conv2d groups 0", lambda lib: lib.nn.Conv2d(4, 4, 3, groups=0)),
    ("Conv2d same with stride", lambda lib: lib.nn.Conv2d(4, 4, 3, stride=2, padding="same")),
    ("F.conv2d same with stride", lambda lib: lib.F.conv2d(lib.randn(1, 4, 5, 5), lib.randn(4, 4, 3, 3), stride=2,
                                                           padding="same")),
    ("F.conv2d padding string", lambda lib: lib.F.conv2d(lib.randn(1, 4, 5, 5), lib.randn(4, 4, 3, 3), padding="x")),
    ("F.conv2d groups vs channels", lambda lib: lib.F.conv2d(lib.randn(1, 4, 5, 5), lib.randn(4, 4, 3, 3), groups=2)),
    ("F.conv2d 2-D input", lambda lib: lib.F.conv2d(lib.randn(5, 5), lib.randn(4, 4, 3, 3))),
    ("F.conv2d dilated kernel too big", lambda lib: lib.F.conv2d(lib.randn(1, 1, 5, 5), lib.randn(1, 1, 3, 3),
                                                                 dilation=3)),
    ("Conv2d channels", lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.randn(1, 2, 5, 5))),
    ("F.max_pool2d padding over half", lambda lib: lib.F.max_pool2d(lib.randn(1, 1, 5, 5), 3, padding=2)),
    ("MaxPool2d padding over half", lambda lib: lib.nn.MaxPool2d(3, padding=2)(lib.randn(1, 1, 5, 5))),
    ("F.avg_pool2d output too small", lambda lib: lib.F.avg_pool2d(lib.randn(1, 1, 3, 3), 5)),
    ("F.max_pool2d 2-D input", lambda lib: lib.F.max_pool2d(lib.randn(4, 4), 2)),
    ("F.adaptive_avg_pool2d 2-D input", lambda lib: lib.F.adaptive_avg_pool2d(lib.randn(5, 5), 2)),
    ("F.adaptive_max_pool2d 2-D input", lambda lib: lib.F.adaptive_max_pool2d(lib.randn(5, 5), 2)),
    ("cross_entropy float class indices", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0.0, 1, 2]))),
    ("cross_entropy label out of range", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 7]))),
    ("cross_entropy negative label", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0, -3, 1]))),
    ("cross_entropy batch mismatch", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1]))),
    ("cross_entropy label_smoothing > 1", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]),
                                                                          label_smoothing=1.5)),
    ("cross_entropy weight size", lambda lib: lib.F.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2]),
                                                                  weight=lib.tensor([1.0, 1.0, 1.0]))),
    ("cross_entropy probabilities with ignore_index", lambda lib: lib.F.cross_entropy(
        lib.randn(3, 4), lib.randn(3, 4).abs(), ignore_index=1)),
    ("cross_entropy 1-D input, 2 labels", lambda lib: lib.F.cross_entropy(lib.randn(4), lib.tensor([0, 1]))),
    ("nll_loss pixel target shape", lambda lib: lib.F.nll_loss(lib.randn(3, 4, 5), lib.tensor(np.zeros((3, 6),
                                                                                                       np.int64)))),
    ("binary_cross_entropy outside [0, 1]", lambda lib: lib.F.binary_cross_entropy(lib.tensor([1.5]),
                                                                                   lib.tensor([1.0]))),
    ("binary_cross_entropy shapes", lambda lib: lib.F.binary_cross_entropy(lib.randn(3).sigmoid(),
                                                                           lib.randn(3, 1).sigmoid())),
    ("bce_with_logits shapes", lambda lib: lib.F.binary_cross_entropy_with_logits(lib.randn(3), lib.randn(3, 1))),
    ("bce weight requires grad", lambda lib: lib.F.binary_cross_entropy(
        lib.randn(3).sigmoid(), lib.randn(3).sigmoid(), weight=lib.tensor([1.0, 2, 3], requires_grad=True))),
    ("mse_loss shapes", lambda lib: lib.F.mse_loss(lib.randn(3), lib.randn(4))),
    ("l1_loss shapes", lambda lib: lib.F.l1_loss(lib.randn(3), lib.randn(4))),
    ("mse_loss reduction", lambda lib: lib.F.mse_loss(lib.randn(3), lib.randn(3), reduction="avg")),
    ("kl_div reduction", lambda lib: lib.F.kl_div(lib.randn(3), lib.randn(3), reduction="avg")),
    ("smooth_l1_loss negative beta", lambda lib: lib.F.smooth_l1_loss(lib.randn(3), lib.randn(3), beta=-1.0)),
    ("huber_loss delta 0", lambda lib: lib.F.huber_loss(lib.randn(3), lib.randn(3), delta=0.0)),
    ("embedding id too big", lambda lib: lib.F.embedding(lib.tensor([5]), lib.randn(3, 2))),
    ("embedding negative id", lambda lib: lib.F.embedding(lib.tensor([-1]), lib.randn(3, 2))),
    ("embedding float ids", lambda lib: lib.F.embedding(lib.tensor([1.0]), lib.randn(3, 2))),
    ("Embedding padding_idx too big", lambda lib: lib.nn.Embedding(3, 2, padding_idx=3)),
    ("Embedding padding_idx too small", lambda lib: lib.nn.Embedding(3, 2, padding_idx=-4)),
    ("Embedding.from_pretrained 1-D", lambda lib: lib.nn.Embedding.from_pretrained(lib.randn(4))),
    ("prelu slopes vs channels", lambda lib: lib.F.prelu(lib.randn(2, 3), lib.tensor([0.25, 0.25]))),
    ("gelu approximate", lambda lib: lib.F.gelu(lib.randn(3), approximate="fast")),
    ("hardtanh min > max", lambda lib: lib.F.hardtanh(lib.randn(3), 2.0, 1.0)),
    ("Hardtanh min > max", lambda lib: lib.nn.Hardtanh(2.0, 1.0)),
    ("layer_norm shape", lambda lib: lib.F.layer_norm(lib.randn(3, 4), (5,))),
    ("LayerNorm input", lambda lib: lib.nn.LayerNorm(4)(lib.randn(3, 5))),
    ("Unflatten sizes", lambda lib: lib.nn.Unflatten(1, (2, 3))(lib.randn(2, 5))),
    ("clip_grad_norm_ non-finite", _nonfinite_clip),
    ("vector_to_parameters list", lambda lib: lib.utils.vector_to_parameters([1.0, 2.0], [lib.randn(2)])),
    ("init.eye_ 3-D", lambda lib: lib.init.eye_(lib.randn(2, 2, 2))),
    ("init.orthogonal_ 1-D", lambda lib: lib.init.orthogonal_(lib.randn(3))),
    ("init.dirac_ 2-D", lambda lib: lib.init.dirac_(lib.randn(2, 2))),
    ("init.calculate_gain unknown", lambda lib: lib.init.calculate_gain("swish")),
    ("init.kaiming mode", lambda lib: lib.init.kaiming_uniform_(lib.randn(2, 2), mode="fan")),
    ("init.kaiming 1-D", lambda lib: lib.init.kaiming_normal_(lib.randn(3))),
    ("ModuleDict of a function", lambda lib: lib.nn.ModuleDict({"f": len})),
    # integer inputs to ops that only have float versions (a silently wrong integer result otherwise)
    ("gelu of integers", lambda lib: lib.F.gelu(lib.tensor([1, -2, 3]))),
    ("mish of integers", lambda lib: lib.F.mish(lib.tensor([1, -2, 3]))),
    ("softplus of integers", lambda lib: lib.F.softplus(lib.tensor([1, -2, 3]))),
    ("leaky_relu of integers", lambda lib: lib.F.leaky_relu(lib.tensor([1, -2, 3]))),
    ("softmax of integers", lambda lib: lib.F.softmax(lib.tensor([1, -2, 3]), 0)),
    ("layer_norm of integers", lambda lib: lib.F.layer_norm(lib.tensor([1, -2, 3]), (3,))),
    ("prelu of integers", lambda lib: lib.F.prelu(lib.tensor([1, -2, 3]), lib.tensor([0.25]))),
    ("dropout of integers", lambda lib: lib.F.dropout(lib.tensor([1, -2, 3]), 0.5)),
    ("dropout2d of integers", lambda lib: lib.F.dropout2d(lib.tensor([[[[1]], [[2]]]]), 0.5)),
    ("mse_loss of integers", lambda lib: lib.F.mse_loss(lib.tensor([1, 2]), lib.tensor([1, 3]))),
    ("cross_entropy of integer scores", lambda lib: lib.F.cross_entropy(lib.tensor([[1, 2]]), lib.tensor([0]))),
    ("nll_loss of integer scores", lambda lib: lib.F.nll_loss(lib.tensor([[1, 2]]), lib.tensor([0]))),
    ("binary_cross_entropy of integers", lambda lib: lib.F.binary_cross_entropy(lib.tensor([0, 1]),
                                                                                lib.tensor([0.0, 1.0]))),
]


@pytest.mark.parametrize("call", [m[1] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_mistake_raises_the_exception_type_torch_raises(call, torch):
    with pytest.raises(Exception) as theirs:
        call(_Library(torch))
    with pytest.raises(Exception) as ours:
        call(_Library(tinynet))
    assert isinstance(ours.value, type(theirs.value)), (
        f"tinynet raised {type(ours.value).__name__} ({ours.value}); PyTorch raises {type(theirs.value).__name__}")
    assert len(str(ours.value)) > 20  # a message that says something
