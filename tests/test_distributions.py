"""tinynet.distributions against torch.distributions: log_prob, entropy, moments, kl_divergence and the gradients
they send to the parameters (Normal, Bernoulli, Categorical, from probs or logits); shapes, dtypes and frequencies
of draws; rsample's gradient; and the ValueError for invalid parameters."""

import numpy as np
import pytest

import tinynet

RNG = np.random.default_rng(0)
MU, SIGMA, X = RNG.standard_normal(3), RNG.random(3) + 0.5, RNG.standard_normal(3)
LOGITS, PROBS = RNG.standard_normal((2, 4)), RNG.random(3)


def _everything(lib):
    """Every quantity of the three distributions, and the gradients of their sum with respect to the parameters."""
    D = lib.distributions
    loc, scale = lib.tensor(MU, requires_grad=True), lib.tensor(SIGMA, requires_grad=True)
    logits, probs = lib.tensor(LOGITS, requires_grad=True), lib.tensor(PROBS, requires_grad=True)
    normal, other = D.Normal(loc, scale), D.Normal(lib.tensor(MU * 0.5), lib.tensor(SIGMA * 2))
    categorical, from_probs = D.Categorical(logits=logits), D.Categorical(probs=lib.tensor(np.abs(LOGITS)))
    bernoulli, from_logits = D.Bernoulli(probs=probs), D.Bernoulli(logits=lib.tensor(LOGITS[0, :3]))
    values = [normal.log_prob(lib.tensor(X)), normal.entropy(), normal.mean, normal.stddev, normal.variance,
              D.kl_divergence(normal, other), categorical.log_prob(lib.tensor([1, 3])), categorical.entropy(),
              categorical.probs, D.kl_divergence(categorical, from_probs), from_probs.logits,
              bernoulli.log_prob(lib.tensor([1.0, 0.0, 1.0], dtype=lib.float64)), bernoulli.entropy(), bernoulli.logits,
              D.kl_divergence(bernoulli, from_logits), bernoulli.mean, bernoulli.variance]
    sum(value.sum() for value in values).backward()
    return values, [loc.grad, scale.grad, logits.grad, probs.grad], normal, categorical


def test_distributions_match_torch(torch):
    ours, theirs = _everything(tinynet), _everything(torch)
    for mine, reference in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert mine.shape == tuple(reference.shape) and mine.dtype == np.dtype(str(reference.dtype)[6:])
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-9, atol=1e-12)
    normal, categorical = ours[2], ours[3]
    assert normal.batch_shape == (3,) and categorical.batch_shape == (2,)
    assert repr(normal) == repr(theirs[2]).replace("torch", "tinynet")
    assert normal.sample((5,)).shape == (5, 3) and not normal.sample().requires_grad
    assert categorical.sample((4,)).shape == (4, 2) and categorical.sample().dtype == tinynet.int64


def test_draws_follow_the_distribution_and_rsample_carries_gradients():
    tinynet.manual_seed(0)
    counts = np.bincount(tinynet.distributions.Categorical(probs=tinynet.tensor([0.1, 0.6, 0.3])).sample(
        (20000,)).numpy(), minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.6, 0.3], atol=0.015)
    assert abs(tinynet.distributions.Bernoulli(probs=tinynet.tensor(0.3)).sample((20000,)).numpy().mean() - 0.3) < 0.015
    loc, scale = tinynet.tensor([1.0], requires_grad=True), tinynet.tensor([2.0], requires_grad=True)
    draws = tinynet.distributions.Normal(loc, scale).rsample((5000,))
    assert abs(draws.numpy().mean() - 1.0) < 0.1 and abs(draws.numpy().std() - 2.0) < 0.1
    draws.sum().backward()  # d(loc + scale * eps)/d loc = 1 per draw, d/d scale = eps
    assert loc.grad.item() == 5000 and abs(scale.grad.item() - ((draws.detach() - 1.0) / 2.0).sum().item()) < 1e-2


@pytest.mark.parametrize("make", [lambda L: L.distributions.Normal(0.0, -1.0),
                                  lambda L: L.distributions.Categorical(probs=L.tensor([0.5, -0.1])),
                                  lambda L: L.distributions.Bernoulli(probs=L.tensor([1.5])),
                                  lambda L: L.distributions.Categorical(probs=L.zeros(3)),
                                  lambda L: L.distributions.Bernoulli(probs=L.tensor([0.5]), logits=L.tensor([0.0])),
                                  lambda L: L.distributions.Normal(L.tensor(float("nan")), 1.0),
                                  lambda L: L.distributions.Bernoulli(logits=L.tensor(float("nan"))),
                                  lambda L: L.distributions.Categorical(logits=L.tensor([0.0, float("inf")])),
                                  lambda L: L.distributions.Categorical(probs=L.zeros(0)),
                                  lambda L: L.distributions.Categorical(probs=L.ones(3)).log_prob(L.tensor(-1)),
                                  lambda L: L.distributions.Categorical(probs=L.ones(3)).log_prob(L.tensor(3)),
                                  lambda L: L.distributions.Categorical(probs=L.ones(3)).log_prob(L.tensor(1.5)),
                                  lambda L: L.distributions.Bernoulli(probs=L.tensor(0.3)).log_prob(L.tensor(0.5)),
                                  lambda L: L.distributions.Normal(0.0, 1.0).log_prob(L.tensor(float("nan")))])
def test_invalid_parameters_raise_value_error(make, torch):
    with pytest.raises(ValueError):
        make(torch)
    with pytest.raises(ValueError):
        make(tinynet)


def test_number_parameters_take_the_tensor_parameters_dtype(torch):
    for lib in (tinynet, torch):
        normal = lib.distributions.Normal(lib.zeros(2, dtype=lib.float64), 1.0)
        assert str(normal.scale.dtype).endswith("float64") and str(normal.entropy().dtype).endswith("float64")
        assert str(lib.distributions.Normal(0.0, 1.0).loc.dtype).endswith("float32")


def uniform_values(lib, low, high, at):
    u = lib.distributions.Uniform(lib.tensor(low, requires_grad=True), lib.tensor(high, requires_grad=True))
    log_prob = u.log_prob(lib.tensor(at))
    (log_prob.sum() + u.entropy().sum() + u.mean.sum() + u.variance.sum()).backward()
    return [log_prob.detach().numpy(), u.entropy().detach().numpy(), u.mean.detach().numpy(),
            u.stddev.detach().numpy(), u.cdf(lib.tensor(at)).detach().numpy(),
            u.icdf(lib.tensor([0.25, 0.5])).detach().numpy(), u.low.grad.numpy(), u.high.grad.numpy()]


def test_uniform_matches_torch(torch):
    low, high, at = [0.0, 1.0], [2.0, 5.0], [[1.0, 4.5], [0.0, 1.0]]
    for ours, theirs in zip(uniform_values(tinynet, low, high, at), uniform_values(torch, low, high, at)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert repr(tinynet.distributions.Uniform(0.0, 1.0)) == repr(torch.distributions.Uniform(0.0, 1.0))
    for lib in (tinynet, torch):
        with pytest.raises(ValueError):  # low must lie below high
            lib.distributions.Uniform(lib.tensor([1.0]), lib.tensor([0.0]))
        with pytest.raises(ValueError):  # a value outside the support
            lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(1.5))


def test_uniform_draws_lie_in_the_interval_and_rsample_carries_gradients():
    tinynet.manual_seed(0)
    low = tinynet.tensor([-1.0, 2.0], requires_grad=True)
    high = tinynet.tensor([1.0, 2.5], requires_grad=True)
    draws = tinynet.distributions.Uniform(low, high).rsample((4000,))
    values = draws.detach().numpy()
    assert draws.shape == (4000, 2) and np.all(values >= [-1.0, 2.0]) and np.all(values < [1.0, 2.5])
    np.testing.assert_allclose(values.mean(0), [0.0, 2.25], atol=0.03)
    draws.sum().backward()  # d draw / d low = 1 - u and d draw / d high = u, u ~ U[0, 1): each sums to ~2000
    np.testing.assert_allclose(low.grad.numpy() + high.grad.numpy(), [4000.0, 4000.0])
    np.testing.assert_allclose(high.grad.numpy(), [2000.0, 2000.0], rtol=0.05)


@pytest.mark.parametrize("measure", [
    lambda L: L.distributions.Categorical(logits=L.tensor([0.0, -float("inf"), 1.0])).entropy(),
    lambda L: L.distributions.kl_divergence(L.distributions.Categorical(logits=L.tensor([0.0, -float("inf"), 0.0])),
                                            L.distributions.Categorical(logits=L.tensor([0.0, 1.0, 2.0]))),
    lambda L: L.distributions.kl_divergence(L.distributions.Categorical(probs=L.tensor([0.5, 0.2, 0.3])),
                                            L.distributions.Categorical(probs=L.tensor([0.5, 0.0, 0.5]))),
    lambda L: L.distributions.kl_divergence(L.distributions.Bernoulli(probs=L.tensor([0.5, 0.5, 0.0, 1.0])),
                                            L.distributions.Bernoulli(probs=L.tensor([0.0, 1.0, 0.5, 0.5]))),
])
def test_impossible_outcomes_in_entropy_and_divergence_match_torch(measure, torch):
    """0 log 0 is 0 and p log(p / 0) infinite: -inf logits gave NaN, and clamped probabilities a finite divergence."""
    np.testing.assert_allclose(measure(tinynet).numpy(), measure(torch).numpy(), rtol=1e-6)
