"""Layers: output shapes, gradient checks (float64) through inputs AND parameters, input validation."""

import math

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet.autograd.gradcheck import gradcheck


def _away_from_zero(rng, shape, margin=0.1):
    """Random values with |x| >= margin, so kinks (ReLU at 0) are not straddled by finite differences."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


def check_module_gradients(module, x, **tolerances):
    """gradcheck d(module(x))/dx and d/d(every parameter), in float64.

    gradcheck differentiates with respect to the tensors it is given, so the
    module's parameters are swapped, for the duration of the call, for the
    copies gradcheck makes -- then restored.
    """
    module.double()
    named = list(module.named_parameters())
    originals = {name: p for name, p in named}

    def owner_of(name):
        *path, leaf = name.split(".")
        owner = module
        for part in path:
            owner = owner._modules[part]
        return owner, leaf

    def run(x, *values):
        for (name, _), value in zip(named, values):
            owner, leaf = owner_of(name)
            owner._parameters[leaf] = value
        return module(x)

    inputs = [tinynet.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)]
    inputs += [tinynet.tensor(p.numpy(), requires_grad=True) for _, p in named]
    try:
        assert gradcheck(run, inputs, **tolerances)
    finally:
        for name, parameter in originals.items():
            owner, leaf = owner_of(name)
            owner._parameters[leaf] = parameter


@pytest.fixture
def rng():
    tinynet.manual_seed(0)
    return np.random.default_rng(0)


# ---- Linear -------------------------------------------------------------------

def test_linear_shapes_and_math(rng):
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    x = rng.standard_normal((4, 2, 5)).astype(np.float32)
    y = layer(tinynet.tensor(x))
    assert y.shape == (4, 2, 3)
    np.testing.assert_allclose(y.numpy(), x @ layer.weight.numpy().T + layer.bias.numpy(), rtol=1e-5, atol=1e-6)


def test_linear_gradcheck(rng):
    check_module_gradients(nn.Linear(4, 3), rng.standard_normal((5, 4)))
    check_module_gradients(nn.Linear(4, 2, bias=False), rng.standard_normal((3, 4)))


def test_linear_rejects_wrong_width_naming_both_shapes():
    with pytest.raises(RuntimeError, match=r"last dimension 784, got shape \(8, 100\)"):  # (PyTorch's type)
        nn.Linear(784, 10)(tinynet.tensor(np.zeros((8, 100), dtype=np.float32)))


def test_linear_rejects_bad_arguments():
    with pytest.raises(ValueError):
        nn.Linear(0, 3)
    with pytest.raises(TypeError):
        nn.Linear(2.5, 3)
    with pytest.raises(TypeError):
        nn.Linear(2, 3, dtype=np.int32)


def test_default_initialisation_follows_pytorch_bounds():
    tinynet.manual_seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) works out to 1/sqrt(fan_in)
    assert np.abs(layer.weight.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.99 * bound  # spread over the whole range, not narrower
    assert abs(layer.weight.numpy().std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(layer.bias.numpy()).max() <= bound
    conv = nn.Conv2d(8, 16, 3)
    conv_bound = 1 / math.sqrt(8 * 9)
    assert np.abs(conv.weight.numpy()).max() <= conv_bound
    assert np.abs(conv.weight.numpy()).max() > 0.95 * conv_bound
    assert np.abs(conv.bias.numpy()).max() <= conv_bound


def test_initialisation_is_reproducible_with_manual_seed():
    tinynet.manual_seed(123)
    a = nn.Linear(3, 3).weight.numpy().copy()
    tinynet.manual_seed(123)
    b = nn.Linear(3, 3).weight.numpy().copy()
    np.testing.assert_array_equal(a, b)


def test_init_functions_statistics():
    tinynet.manual_seed(2)
    w = np.empty((256, 512))
    nn.init.xavier_uniform_(w)
    assert abs(w.var() - 2 / (256 + 512)) < 0.05 * 2 / (256 + 512)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.var() - 2 / 512) < 0.05 * 2 / 512
    nn.init.zeros_(w)
    assert not w.any()
    with pytest.raises(ValueError):
        nn.init.kaiming_uniform_(np.empty(3))
    with pytest.raises(ValueError):
        nn.init.calculate_gain("nope")
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))


# ---- Conv2d -------------------------------------------------------------------

@pytest.mark.parametrize("kernel, stride, padding, expected_hw", [
    (3, 1, 0, (5, 6)),
    (3, 1, "valid", (5, 6)),
    (3, 1, "same", (7, 8)),
    (4, 1, "same", (7, 8)),          # even kernel: asymmetric padding
    ((2, 3), 1, "same", (7, 8)),
    (3, 1, "full", (9, 10)),
    (3, 2, 1, (4, 4)),
    ((3, 1), (2, 1), (1, 0), (4, 8)),
])
def test_conv2d_output_shapes(rng, kernel, stride, padding, expected_hw):
    conv = nn.Conv2d(2, 3, kernel, stride=stride, padding=padding)
    y = conv(tinynet.tensor(rng.standard_normal((2, 2, 7, 8)).astype(np.float32)))
    assert y.shape == (2, 3) + expected_hw


@pytest.mark.parametrize("kernel, stride, padding", [(3, 1, 1), (2, 2, 0), (4, 1, "same"), (2, 1, "full"),
                                                     (3, 1, "valid")])
def test_conv2d_gradcheck(rng, kernel, stride, padding):
    check_module_gradients(nn.Conv2d(2, 3, kernel, stride=stride, padding=padding), rng.standard_normal((2, 2, 5, 5)))


def test_conv2d_same_even_kernel_pads_bottom_right(rng):
    """With a 2x2 kernel 'same' pads one row below and one column right (as PyTorch), not above/left."""
    conv = nn.Conv2d(1, 1, 2, padding="same", bias=False)
    conv.weight.data[...] = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])  # picks the top-left of each window
    x = rng.standard_normal((1, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(conv(tinynet.tensor(x)).numpy(), x, rtol=1e-6)


def test_conv2d_validation_messages():
    # Shape mistakes found when the layer runs are RuntimeErrors, as in PyTorch.
    conv = nn.Conv2d(3, 16, 3)
    with pytest.raises(RuntimeError, match=r"Conv2d\(3→16\) expects input with 3 channels, got shape \(8, 1, 28, 2"):
        conv(tinynet.tensor(np.zeros((8, 1, 28, 28), dtype=np.float32)))
    with pytest.raises(RuntimeError, match="4-D"):
        conv(tinynet.tensor(np.zeros((28, 28), dtype=np.float32)))
    with pytest.raises(RuntimeError, match="kernel size can't be greater than actual input size"):
        conv(tinynet.tensor(np.zeros((1, 3, 2, 2), dtype=np.float32)))
    with pytest.raises(ValueError, match="stride 1"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding"):
        nn.Conv2d(3, 4, 3, padding="half")
    with pytest.raises(RuntimeError):  # (PyTorch's type for a kernel size, stride or padding out of range)
        nn.Conv2d(3, 4, 0)
    with pytest.raises(RuntimeError):
        nn.Conv2d(3, 4, 3, padding=-1)


# ---- pooling ---------------------------------------------------------------------

def test_pool_shapes_and_values(rng):
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    y = nn.MaxPool2d(2)(tinynet.tensor(x))
    np.testing.assert_allclose(y.numpy(), x.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    y = nn.AvgPool2d(3)(tinynet.tensor(x))
    np.testing.assert_allclose(y.numpy(), x.reshape(2, 3, 2, 3, 2, 3).mean(axis=(3, 5)), rtol=1e-5)
    assert nn.MaxPool2d(3, stride=1, padding=1)(tinynet.tensor(x)).shape == (2, 3, 6, 6)


def test_pool_gradchecks(rng):
    x = rng.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) / 10.0  # distinct values: a unique max per window
    check_module_gradients(nn.MaxPool2d(2), x)
    check_module_gradients(nn.MaxPool2d(3, stride=2, padding=1), x)
    check_module_gradients(nn.AvgPool2d(2, stride=1), x)
    check_module_gradients(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), x)


def test_pool_validation():
    # PyTorch raises RuntimeError for each of these.
    with pytest.raises(RuntimeError, match=r"4-D.*\(3, 4\)"):
        nn.MaxPool2d(2)(tinynet.tensor(np.zeros((3, 4), dtype=np.float32)))
    with pytest.raises(RuntimeError, match="too small"):
        nn.AvgPool2d(5)(tinynet.tensor(np.zeros((1, 1, 3, 3), dtype=np.float32)))
    with pytest.raises(RuntimeError, match="half"):
        nn.MaxPool2d(2, padding=2)


# ---- activations, dropout, flatten -------------------------------------------------------

ACTIVATIONS = [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(0.7), nn.SiLU(), nn.Softplus(),
               nn.Softmax(dim=1), nn.LogSoftmax(dim=-1), nn.Identity()]


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda m: type(m).__name__)
def test_activation_gradcheck(rng, activation):
    check_module_gradients(activation, _away_from_zero(rng, (3, 4)))


def test_activation_values(rng):
    x = _away_from_zero(rng, (3, 4))
    t = tinynet.tensor(x)
    np.testing.assert_allclose(nn.Sigmoid()(t).numpy(), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.ReLU()(t).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(t).numpy(), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.ELU(0.7)(t).numpy(), np.where(x > 0, x, 0.7 * np.expm1(x)))
    np.testing.assert_allclose(nn.SiLU()(t).numpy(), x / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.Softplus()(t).numpy(), np.log1p(np.exp(x)))
    np.testing.assert_allclose(nn.Hardlim()(t).numpy(), (x >= 0).astype(np.float64))
    np.testing.assert_allclose(nn.Softmax(dim=0)(t).numpy().sum(axis=0), np.ones(4))
    np.testing.assert_allclose(np.exp(nn.LogSoftmax()(t).numpy()).sum(axis=1), np.ones(3))


def test_hardlim_has_zero_gradient(rng):
    x = tinynet.tensor(_away_from_zero(rng, (5,)), requires_grad=True)
    nn.Hardlim()(x).sum().backward()
    assert x.grad is None or not np.any(x.grad.numpy())


def test_dropout_train_and_eval(rng):
    tinynet.manual_seed(3)
    layer = nn.Dropout(0.5)
    x = tinynet.tensor(np.ones((200, 50)))
    y = layer(x).numpy()
    kept = y != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(y[kept], 2.0)  # survivors scaled by 1/(1-p)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_gradcheck_with_a_fixed_mask(rng):
    layer = nn.Dropout(0.3)
    original = layer.forward

    def seeded_forward(x):
        tinynet.manual_seed(7)  # the same mask on every call gradcheck makes
        return original(x)

    layer.forward = seeded_forward
    check_module_gradients(layer, rng.standard_normal((4, 5)))


def test_flatten(rng):
    x = tinynet.tensor(rng.standard_normal((2, 3, 4, 5)))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(start_dim=2)(x).shape == (2, 3, 20)
    check_module_gradients(nn.Flatten(), rng.standard_normal((2, 3, 2)))


# ---- BatchNorm -------------------------------------------------------------------------------

def test_batchnorm2d_training_normalises_and_updates_running_stats(rng):
    bn = nn.BatchNorm2d(3, momentum=0.1)
    x = rng.standard_normal((4, 3, 5, 5)) * 3 + 2
    y = bn(tinynet.tensor(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=(0, 2, 3), ddof=1), rtol=1e-5)
    assert int(bn.num_batches_tracked) == 1


def test_batchnorm_eval_uses_running_stats(rng):
    bn = nn.BatchNorm1d(2)
    bn.running_mean[...] = [1.0, -1.0]
    bn.running_var[...] = [4.0, 9.0]
    bn.eval()
    x = rng.standard_normal((3, 2)).astype(np.float32)
    y = bn(tinynet.tensor(x)).numpy()
    np.testing.assert_allclose(y, (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 9.0]) + bn.eps), rtol=1e-5)
    assert int(bn.num_batches_tracked) == 0
    np.testing.assert_array_equal(bn.running_mean, [1.0, -1.0])


def test_batchnorm_gradcheck_train_mode(rng):
    check_module_gradients(nn.BatchNorm2d(3), rng.standard_normal((3, 3, 2, 2)))
    check_module_gradients(nn.BatchNorm1d(4), rng.standard_normal((5, 4)))
    check_module_gradients(nn.BatchNorm1d(2), rng.standard_normal((3, 2, 4)))


def test_batchnorm1d_on_sequences_uses_batch_and_length_statistics(rng):
    bn = nn.BatchNorm1d(3)
    x = (rng.standard_normal((4, 3, 6)) * [[[1.0], [2.0], [5.0]]] + 1).astype(np.float32)
    y = bn(tinynet.tensor(x))
    assert y.shape == (4, 3, 6)
    np.testing.assert_allclose(y.numpy().mean(axis=(0, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(y.numpy().var(axis=(0, 2)), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=(0, 2)), rtol=1e-4)


def test_batchnorm_gradcheck_eval_mode(rng):
    bn = nn.BatchNorm1d(4)
    bn.running_var[...] = [0.5, 1.0, 2.0, 3.0]
    bn.eval()
    check_module_gradients(bn, rng.standard_normal((5, 4)))


def test_batchnorm_validation():
    with pytest.raises(RuntimeError, match=r"4 channels.*\(2, 3, 5, 5\)"):
        nn.BatchNorm2d(4)(tinynet.tensor(np.zeros((2, 3, 5, 5), dtype=np.float32)))
    with pytest.raises(ValueError, match="4-D"):
        nn.BatchNorm2d(3)(tinynet.tensor(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="more than one value"):
        nn.BatchNorm1d(3)(tinynet.tensor(np.zeros((1, 3), dtype=np.float32)))
    with pytest.raises(ValueError):
        nn.BatchNorm1d(3, momentum=2)


# ---- ResidualBlock --------------------------------------------------------------------------------

def test_residual_block_shapes_and_shortcut_kind(rng):
    same = nn.ResidualBlock(4, 4)
    assert isinstance(same.shortcut, nn.Identity)
    projecting = nn.ResidualBlock(4, 8, stride=2)
    assert isinstance(projecting.shortcut, nn.Sequential)
    x = tinynet.tensor(rng.standard_normal((2, 4, 6, 6)).astype(np.float32))
    assert same(x).shape == (2, 4, 6, 6)
    assert projecting(x).shape == (2, 8, 3, 3)
    assert np.all(projecting(x).numpy() >= 0)  # ends in a ReLU


def test_residual_block_identity_shortcut_passes_input_through(rng):
    """With conv weights zero the residual branch is 0, so the block is relu(x)."""
    block = nn.ResidualBlock(3, 3)
    block.conv2.weight.data[...] = 0
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(block(tinynet.tensor(x)).numpy(), np.maximum(x, 0), atol=1e-6)


def test_residual_block_gradcheck(rng):
    check_module_gradients(nn.ResidualBlock(2, 2), rng.standard_normal((2, 2, 3, 3)), atol=1e-5, rtol=1e-3)
    check_module_gradients(nn.ResidualBlock(2, 3, stride=2), rng.standard_normal((2, 2, 4, 4)),
                           atol=1e-5, rtol=1e-3)


# ---- losses -------------------------------------------------------------------------------------

def test_loss_modules_compute_their_formulas(rng):
    logits = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected_ce = -log_probs[np.arange(4), labels]
    t_logits = tinynet.tensor(logits)
    assert nn.CrossEntropyLoss()(t_logits, labels).item() == pytest.approx(expected_ce.mean())
    assert nn.CrossEntropyLoss(reduction="sum")(t_logits, labels).item() == pytest.approx(expected_ce.sum())
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(t_logits, labels).numpy(), expected_ce)
    assert nn.NLLLoss()(tinynet.tensor(log_probs), labels).item() == pytest.approx(expected_ce.mean())
    target = rng.random((4, 3))
    assert nn.MSELoss()(t_logits, tinynet.tensor(target)).item() == pytest.approx(((logits - target) ** 2).mean())
    p = 1 / (1 + np.exp(-logits))
    bce = -(target * np.log(p) + (1 - target) * np.log(1 - p))
    assert nn.BCELoss()(tinynet.tensor(p), tinynet.tensor(target)).item() == pytest.approx(bce.mean())
    assert nn.BCEWithLogitsLoss()(t_logits, tinynet.tensor(target)).item() == pytest.approx(bce.mean())
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")


@pytest.mark.parametrize("loss_class", [nn.CrossEntropyLoss, nn.MSELoss, nn.BCEWithLogitsLoss])
def test_loss_gradcheck(rng, loss_class):
    logits = rng.standard_normal((4, 3))
    target = np.array([0, 2, 1, 2]) if loss_class is nn.CrossEntropyLoss else tinynet.tensor(rng.random((4, 3)))
    loss = loss_class()
    assert gradcheck(lambda z: loss(z, target), [tinynet.tensor(logits, requires_grad=True)])
