"""Optimizers and LR schedules, checked against closed-form trajectories (torch comparisons are in test_vs_torch)."""

import math

import numpy as np
import pytest

import tinynet
from tinynet import nn, optim


def parameter(values):
    return nn.Parameter(np.array(values, dtype=np.float64))


def set_grad(p, values):
    p.grad = tinynet.tensor(np.array(values, dtype=p.dtype))


def test_sgd_plain_step():
    p = parameter([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    set_grad(p, [0.5, 3.0])
    opt.step()
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.05, -2.0 - 0.3])


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_with_constant_gradient(nesterov):
    """Constant g: the buffer after k steps is b_k = g (1 + m + ... + m^(k-1))."""
    lr, m, g, steps = 0.1, 0.9, np.array([1.0, -2.0]), 5
    p = parameter([0.0, 0.0])
    opt = optim.SGD([p], lr=lr, momentum=m, nesterov=nesterov)
    expected = np.zeros(2)
    for k in range(1, steps + 1):
        set_grad(p, g)
        opt.step()
        buffer = g * (1 - m**k) / (1 - m)
        expected -= lr * (g + m * buffer if nesterov else buffer)
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-12)


def test_sgd_dampening_scales_later_gradients():
    lr, m, d, g = 0.1, 0.5, 0.25, np.array([2.0])
    p = parameter([0.0])
    opt = optim.SGD([p], lr=lr, momentum=m, dampening=d)
    set_grad(p, g)
    opt.step()  # first step: buffer = g (no dampening on the first step, as in PyTorch)
    set_grad(p, g)
    opt.step()  # buffer = m g + (1 - d) g
    np.testing.assert_allclose(p.numpy(), -lr * g - lr * (m * g + (1 - d) * g))


def test_weight_decay_shrinks_geometrically_with_zero_gradient():
    p = parameter([4.0, -8.0])
    opt = optim.SGD([p], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        set_grad(p, [0.0, 0.0])
        opt.step()
    np.testing.assert_allclose(p.numpy(), np.array([4.0, -8.0]) * (1 - 0.1 * 0.5) ** 3)


def test_adam_with_constant_gradient_moves_lr_per_step():
    """Constant g: bias correction makes m_hat = g and v_hat = g^2 exactly, so each step is lr g / (|g| + eps)."""
    lr, eps = 0.01, 1e-8
    g = np.array([3.0, -0.001, 0.0])
    p = parameter([0.0, 0.0, 0.0])
    opt = optim.Adam([p], lr=lr, eps=eps)
    for k in range(1, 6):
        set_grad(p, g)
        opt.step()
        np.testing.assert_allclose(p.numpy(), -k * lr * g / (np.abs(g) + eps), rtol=1e-9, atol=1e-15)
    assert opt.state[p]["step"] == 5


def test_adam_first_step_formula_with_weight_decay():
    lr, (b1, b2), eps, wd = 0.1, (0.8, 0.9), 1e-6, 0.2
    p = parameter([2.0])
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    set_grad(p, [1.0])
    opt.step()
    g = 1.0 + wd * 2.0
    m_hat = (1 - b1) * g / (1 - b1)
    v_hat = (1 - b2) * g * g / (1 - b2)
    np.testing.assert_allclose(p.numpy(), [2.0 - lr * m_hat / (math.sqrt(v_hat) + eps)], rtol=1e-12)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.1)])
def test_optimizers_minimise_a_least_squares_problem(make):
    rng = np.random.default_rng(0)
    a = tinynet.tensor(rng.standard_normal((10, 3)))
    b = tinynet.tensor(rng.standard_normal(10))
    solution = np.linalg.lstsq(a.numpy(), b.numpy(), rcond=None)[0]
    x = parameter(np.zeros(3))
    opt = make([x])
    for _ in range(300):
        opt.zero_grad()
        residual = a @ x - b
        (residual * residual).mean().backward()
        opt.step()
    np.testing.assert_allclose(x.numpy(), solution, atol=1e-3)


def test_parameters_without_gradients_are_left_alone():
    p, q = parameter([1.0]), parameter([1.0])
    opt = optim.Adam([p, q], lr=0.1)
    set_grad(p, [1.0])
    opt.step()
    assert q.numpy()[0] == 1.0 and q not in opt.state
    assert p.numpy()[0] != 1.0


def test_updates_are_in_place_and_keep_dtype():
    layer = nn.Linear(3, 2)
    array = layer.weight.numpy()
    opt = optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    layer(tinynet.tensor(np.ones((4, 3), dtype=np.float32))).sum().backward()
    opt.step()
    assert np.shares_memory(layer.weight.numpy(), array) and array.dtype == np.float32
    opt.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_parameter_groups_get_their_own_lr():
    p, q = parameter([1.0]), parameter([1.0])
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 1.0}], lr=0.1)
    set_grad(p, [1.0])
    set_grad(q, [1.0])
    opt.step()
    assert p.numpy()[0] == pytest.approx(0.9) and q.numpy()[0] == pytest.approx(0.0)


def test_optimizer_argument_validation():
    p = parameter([1.0])
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="unknown"):
        optim.SGD([{"params": [p], "betas": (0.9, 0.99)}], lr=0.1)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.05)])
def test_optimizer_state_dict_resumes_identically(make, tmp_path):
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(3) for _ in range(6)]
    p = parameter([1.0, 2.0, 3.0])
    opt = make([p])
    for g in grads[:3]:
        set_grad(p, g)
        opt.step()
    tinynet.save(opt.state_dict(), tmp_path / "opt.npz")
    q = parameter(p.numpy().copy())
    resumed = make([q])
    resumed.load_state_dict(tinynet.load(tmp_path / "opt.npz"))
    for g in grads[3:]:
        set_grad(p, g)
        set_grad(q, g)
        opt.step()
        resumed.step()
    np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-12)


def test_optimizer_load_state_dict_rejects_mismatched_layout():
    p = parameter([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    set_grad(p, [1.0, 1.0])
    opt.step()
    state = opt.state_dict()
    other = optim.SGD([parameter([1.0, 2.0, 3.0])], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(state)
    with pytest.raises(ValueError, match="unexpected key"):
        opt.load_state_dict({"bogus": np.zeros(1)})


# ---- schedules ------------------------------------------------------------------

def test_step_lr():
    opt = optim.SGD([parameter([1.0])], lr=1.0)
    scheduler = optim.StepLR(opt, step_size=3, gamma=0.5)
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(7):
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    assert rates == [1.0 * 0.5 ** (t // 3) for t in range(8)]
    assert opt.param_groups[0]["lr"] == rates[-1]


def test_cosine_annealing_endpoints_and_midpoint():
    opt = optim.SGD([parameter([1.0])], lr=0.4)
    scheduler = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(10):
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    assert rates[0] == pytest.approx(0.4)
    assert rates[5] == pytest.approx(0.25)
    assert rates[10] == pytest.approx(0.1)
    assert all(a > b for a, b in zip(rates, rates[1:]))


def test_scheduler_validation():
    opt = optim.SGD([parameter([1.0])], lr=0.1)
    with pytest.raises(ValueError):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError):
        optim.StepLR("not an optimizer", step_size=1)
