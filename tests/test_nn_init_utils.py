"""nn.init with PyTorch's names (statistics, in-place on Parameters, version counting) and nn.utils (gradient
clipping and parameters as a vector), the latter against torch.nn.utils on the same gradients."""

import math

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet.nn import init


@pytest.fixture(autouse=True)
def seeded():
    tinynet.manual_seed(0)


def parameter(*shape):
    return nn.Parameter(np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize("fill", [
    lambda w: init.uniform_(w, -1, 1), lambda w: init.normal_(w), lambda w: init.trunc_normal_(w, std=0.5),
    lambda w: init.constant_(w, 0.3), lambda w: init.ones_(w), lambda w: init.zeros_(w), lambda w: init.eye_(w),
    lambda w: init.xavier_uniform_(w), lambda w: init.xavier_normal_(w, gain=2.0),
    lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)), lambda w: init.kaiming_normal_(w, mode="fan_out"),
    lambda w: init.orthogonal_(w, gain=0.5),
])
def test_init_functions_fill_a_parameter_in_place_and_count_a_version(fill):
    w = parameter(6, 4)
    array, before = w.numpy(), w._version_number
    assert fill(w) is w
    assert w._version_number == before + 1 and w.numpy().base is array.base  # same memory, one new version
    assert w.dtype == np.float32 and w.requires_grad


def test_init_statistics_follow_the_formulas():
    w = parameter(400, 300)
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 700)
    assert -bound <= w.numpy().min() < -0.99 * bound and bound >= w.numpy().max() > 0.99 * bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)
    init.trunc_normal_(w, mean=0.1, std=1.0, a=-0.5, b=1.0)
    assert w.numpy().min() >= -0.5 and w.numpy().max() <= 1.0 and abs(w.numpy().mean() - 0.2) < 0.05
    init.orthogonal_(w, gain=3.0)
    q = w.numpy().astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 9 * np.eye(300), atol=1e-4)  # (400 x 300: orthonormal columns)


def test_orthogonal_of_a_wide_and_a_conv_weight():
    w = parameter(3, 2, 2, 2)  # rows 3 < columns 8: orthonormal rows
    init.orthogonal_(w)
    flat = w.numpy().reshape(3, 8).astype(np.float64)
    np.testing.assert_allclose(flat @ flat.T, np.eye(3), atol=1e-6)


def test_eye_and_dirac_start_layers_as_the_identity():
    w = parameter(3, 5)
    init.eye_(w)
    np.testing.assert_array_equal(w.numpy(), np.eye(3, 5))
    conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = tinynet.randn(2, 4, 5, 5)
    np.testing.assert_allclose(conv(x).numpy(), x.numpy(), rtol=1e-6)
    grouped = parameter(4, 1, 3)
    init.dirac_(grouped, groups=2)
    expected = np.zeros((4, 1, 3))
    expected[0, 0, 1] = expected[2, 0, 1] = 1
    np.testing.assert_array_equal(grouped.numpy(), expected)


def test_gain_and_fans_match_torch(torch):
    for name in ["linear", "conv2d", "conv_transpose2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name)), name
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    for shape in [(5, 3), (8, 4, 3, 3), (2, 6, 5)]:
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert init._calculate_fan_in_and_fan_out(parameter(*shape)) == expected


def test_initialising_an_empty_tensor_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(parameter(0, 3))


# ---- nn.utils -------------------------------------------------------------------------------

def _parameters_with_gradients(library, grads):
    params = []
    for grad in grads:
        p = library.nn.Parameter(library.tensor(np.zeros_like(grad)))
        p.grad = library.tensor(grad.copy())
        params.append(p)
    return params


GRADS = [np.array([[3.0, -4.0], [1.0, 2.0]], np.float32), np.array([0.5, -12.0, 2.0], np.float32)]


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (2.0, 1.0), (3.0, "inf"),
                                                  (3.0, math.inf), (0.5, 3)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type, torch):
    ours = _parameters_with_gradients(tinynet, GRADS)
    theirs = _parameters_with_gradients(torch, GRADS)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, tinynet.Tensor) and total.shape == () and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.ones(2, np.float32))], 1.0).item() == 0.0  # no gradients
    p = _parameters_with_gradients(tinynet, [np.array([np.nan, 1.0], np.float32)])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    single = _parameters_with_gradients(tinynet, [np.array([3.0, 4.0], np.float32)])[0]
    version = single.grad._version_number
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == pytest.approx(5.0)  # a lone Tensor is accepted
    np.testing.assert_allclose(single.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    assert single.grad._version_number == version + 1


def test_clip_grad_value_matches_torch(torch):
    ours = _parameters_with_gradients(tinynet, GRADS)
    theirs = _parameters_with_gradients(torch, GRADS)
    assert nn.utils.clip_grad_value_(ours, 2.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 2.5)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.grad.numpy(), reference.grad.numpy())


def test_parameters_to_vector_and_back(torch):
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    reference = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    vector = nn.utils.parameters_to_vector(model.parameters())
    expected = torch.nn.utils.parameters_to_vector(reference.parameters())
    assert vector.shape == (11,)
    np.testing.assert_array_equal(vector.numpy(), expected.detach().numpy())
    (vector * tinynet.arange(11).float()).sum().backward()  # differentiable: each parameter gets its positions
    np.testing.assert_array_equal(model[0].weight.grad.numpy().ravel(), np.arange(6))
    new = tinynet.tensor(np.linspace(-1, 1, 11).astype(np.float32))
    version = model[2].bias._version_number
    nn.utils.vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(model.parameters()).numpy(), new.numpy())
    assert model[2].bias._version_number == version + 1
    with pytest.raises(RuntimeError, match="only 5"):
        nn.utils.vector_to_parameters(new[:5], model.parameters())
