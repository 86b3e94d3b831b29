"""Random sampling: multinomial, bernoulli(_), normal, random_, get/set_rng_state.

The streams are numpy's, not PyTorch's, so these tests check what PyTorch documents and what a user relies on:
shapes, dtypes, ranges, the distribution (frequencies within a few standard errors on a fixed seed), that
manual_seed repeats a draw, that a saved generator state replays it, and PyTorch's exception types.
"""

import numpy as np
import pytest

import tinynet


def test_multinomial_with_replacement_follows_the_weights(torch):
    tinynet.manual_seed(0)
    weights = tinynet.tensor([[1.0, 2.0, 0.0, 5.0], [0.0, 0.0, 3.0, 1.0]])
    samples = tinynet.multinomial(weights, 20000, replacement=True)
    expected = torch.multinomial(torch.tensor(weights.numpy()), 20000, replacement=True)
    assert samples.shape == tuple(expected.shape) and samples.dtype == np.int64
    for row, w in zip(samples.numpy(), weights.numpy()):
        frequencies = np.bincount(row, minlength=4) / row.size
        np.testing.assert_allclose(frequencies, w / w.sum(), atol=0.015)
        assert frequencies[w == 0].sum() == 0


def test_multinomial_without_replacement_never_repeats_and_prefers_heavy_categories():
    tinynet.manual_seed(1)
    weights = tinynet.tensor([10.0, 1.0, 1.0, 1.0, 0.0])
    firsts = []
    for _ in range(2000):
        sample = weights.multinomial(4).numpy()
        assert sorted(sample.tolist()) == [0, 1, 2, 3]  # each once; the zero-weight category only when needed
        firsts.append(sample[0])
    np.testing.assert_allclose(np.mean(np.array(firsts) == 0), 10 / 13, atol=0.03)
    assert sorted(tinynet.multinomial(weights, 5).tolist()) == [0, 1, 2, 3, 4]  # all five: the zero one last
    assert tinynet.multinomial(weights, 5)[-1].item() == 4


def test_multinomial_of_a_vector_is_a_vector_of_indices(torch):
    ours = tinynet.multinomial(tinynet.tensor([0.2, 0.8]), 3, replacement=True)
    theirs = torch.multinomial(torch.tensor([0.2, 0.8]), 3, replacement=True)
    assert ours.shape == tuple(theirs.shape) == (3,) and ours.dtype == np.int64


def test_bernoulli_draws_ones_at_the_given_rates_in_the_input_dtype(torch):
    tinynet.manual_seed(2)
    rates = tinynet.tensor(np.linspace(0, 1, 5), dtype=tinynet.float64).expand(20000, 5)
    draws = tinynet.bernoulli(rates)
    assert draws.dtype == np.float64 and draws.shape == (20000, 5)
    assert set(np.unique(draws.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.numpy().mean(axis=0), np.linspace(0, 1, 5), atol=0.015)
    fixed = tinynet.zeros(20000).bernoulli(0.25)
    assert fixed.dtype == np.float32 and abs(fixed.numpy().mean() - 0.25) < 0.015


def test_bernoulli_passes_a_zero_gradient_to_its_probabilities_as_torch_does(torch):
    p = tinynet.full((4,), 0.5, requires_grad=True)
    sample = tinynet.bernoulli(p)
    assert sample.requires_grad == torch.bernoulli(torch.full((4,), 0.5, requires_grad=True)).requires_grad
    sample.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(4))


def test_bernoulli_in_place_with_a_number_or_a_tensor_of_rates():
    tinynet.manual_seed(3)
    x = tinynet.empty(10000)
    assert x.bernoulli_(0.3) is x and abs(x.numpy().mean() - 0.3) < 0.02
    rates = tinynet.tensor([0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tinynet.zeros(4).bernoulli_(rates).numpy(), [0, 1, 0, 1])
    ints = tinynet.zeros(1000, dtype=tinynet.int64).bernoulli_()
    assert ints.dtype == np.int64 and set(np.unique(ints.numpy())) == {0, 1}


def test_normal_forms_give_torchs_shapes_and_dtypes_and_the_moments(torch):
    tinynet.manual_seed(4)
    forms = [
        (lambda lib: lib.normal(lib.zeros(2, 1), lib.ones(3))),
        (lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), 2.0)),
        (lambda lib: lib.normal(1.0, lib.ones(4))),
        (lambda lib: lib.normal(2.0, 3.0, size=(2, 5))),
        (lambda lib: lib.normal(2.0, 3.0, (4,))),
    ]
    for form in forms:
        ours, theirs = form(tinynet), form(torch)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    means = tinynet.tensor([-5.0, 0.0, 5.0]).expand(20000, 3)
    stds = tinynet.tensor([0.5, 1.0, 2.0])
    sample = tinynet.normal(means, stds).numpy()
    np.testing.assert_allclose(sample.mean(axis=0), [-5, 0, 5], atol=0.05)
    np.testing.assert_allclose(sample.std(axis=0), [0.5, 1.0, 2.0], rtol=0.03)


def test_normal_passes_zero_gradients_to_mean_and_std_as_torch_does():
    mean, std = tinynet.zeros(3, requires_grad=True), tinynet.ones(3, requires_grad=True)
    tinynet.normal(mean, std).sum().backward()
    np.testing.assert_array_equal(mean.grad.numpy(), np.zeros(3))
    np.testing.assert_array_equal(std.grad.numpy(), np.zeros(3))


def test_random_fills_with_integers_in_range():
    tinynet.manual_seed(5)
    x = tinynet.zeros(5000)
    assert x.random_(3, 7) is x
    assert set(np.unique(x.numpy())) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(tinynet.zeros(5000, dtype=tinynet.int64).random_(4).numpy())) == {0, 1, 2, 3}
    wide = tinynet.zeros(5000).random_().numpy()
    assert wide.min() >= 0 and wide.max() <= 2 ** 24 and wide.max() > 2 ** 23
    assert np.all(wide == np.round(wide))


def test_manual_seed_repeats_every_draw():
    def draws():
        return [tinynet.multinomial(tinynet.tensor([1.0, 2.0, 3.0]), 2).numpy(),
                tinynet.multinomial(tinynet.tensor([1.0, 2.0, 3.0]), 6, True).numpy(),
                tinynet.bernoulli(tinynet.full((6,), 0.5)).numpy(), tinynet.normal(0.0, 1.0, size=(4,)).numpy(),
                tinynet.zeros(4).random_(100).numpy(), tinynet.zeros(4).bernoulli_(0.5).numpy()]
    tinynet.manual_seed(11)
    first = draws()
    tinynet.manual_seed(11)
    for a, b in zip(first, draws()):
        np.testing.assert_array_equal(a, b)


def test_a_generator_argument_draws_from_that_stream():
    one = tinynet.multinomial(tinynet.ones(10), 5, generator=tinynet.Generator().manual_seed(7))
    two = tinynet.multinomial(tinynet.ones(10), 5, generator=tinynet.Generator().manual_seed(7))
    np.testing.assert_array_equal(one.numpy(), two.numpy())


def test_rng_state_round_trips_exactly():
    tinynet.manual_seed(0)
    tinynet.rand(3)
    state = tinynet.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    after = [tinynet.rand(5).numpy(), tinynet.randint(0, 100, (3,)).numpy(), tinynet.randn(2).numpy()]
    tinynet.manual_seed(99)  # somewhere else entirely
    tinynet.set_rng_state(state)
    again = [tinynet.rand(5).numpy(), tinynet.randint(0, 100, (3,)).numpy(), tinynet.randn(2).numpy()]
    for a, b in zip(after, again):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tinynet.get_rng_state().numpy(), tinynet.get_rng_state().numpy())


ERRORS = [
    (lambda: tinynet.multinomial(tinynet.tensor([1.0, 1.0]), 3), RuntimeError, "without replacement"),
    (lambda: tinynet.multinomial(tinynet.tensor([1, 1]), 1), RuntimeError, "floating-point"),
    (lambda: tinynet.multinomial(tinynet.tensor([-1.0, 1.0]), 1), RuntimeError, "element < 0"),
    (lambda: tinynet.multinomial(tinynet.tensor([float("nan"), 1.0]), 1), RuntimeError, "nan"),
    (lambda: tinynet.multinomial(tinynet.tensor([0.0, 0.0]), 1), RuntimeError, "sum of probabilities"),
    (lambda: tinynet.multinomial(tinynet.tensor(1.0), 1), RuntimeError, "1 or 2 dim"),
    (lambda: tinynet.multinomial(tinynet.tensor([1.0, 1.0]), 0), RuntimeError, "n_sample <= 0"),
    (lambda: tinynet.bernoulli(tinynet.tensor([1.5])), RuntimeError, "p_in"),
    (lambda: tinynet.bernoulli(tinynet.tensor([1])), NotImplementedError, "int64"),
    (lambda: tinynet.zeros(2).bernoulli_(1.5), RuntimeError, r"\[0, 1\]"),
    (lambda: tinynet.zeros(2, requires_grad=True).bernoulli_(), RuntimeError, "leaf|graph"),
    (lambda: tinynet.normal(tinynet.zeros(2), -1.0), RuntimeError, "std >= 0"),
    (lambda: tinynet.normal(tinynet.zeros(2), tinynet.tensor([1.0, -1.0])), RuntimeError, "std >= 0"),
    (lambda: tinynet.normal(tinynet.zeros(2), tinynet.ones(3)), RuntimeError, "broadcast"),
    (lambda: tinynet.zeros(2).random_(5, 2), RuntimeError, "less than"),
    (lambda: tinynet.zeros(2, requires_grad=True).random_(), RuntimeError, "leaf|graph"),
    (lambda: tinynet.set_rng_state([1, 2]), TypeError, "uint8 Tensor"),
    (lambda: tinynet.set_rng_state(tinynet.zeros(3)), TypeError, "uint8"),
    (lambda: tinynet.set_rng_state(tinynet.zeros(3, dtype=tinynet.uint8)), RuntimeError, "40 bytes"),
]


@pytest.mark.parametrize("call, error, words", ERRORS, ids=[f"{e.__name__}-{w}" for _, e, w in ERRORS])
def test_mistakes_get_pytorchs_exception_type(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_generator_keyword_gives_a_stream_of_its_own():
    """randn/rand/randint/randperm, Tensor.normal_/uniform_ and nn.init take PyTorch's ``generator=``: the same seed
    gives the same numbers whatever the shared generator has drawn since."""
    from tinynet import nn

    def draws(seed):
        g = tinynet.Generator().manual_seed(seed)
        tinynet.rand(7)  # (the shared generator moves on between the draws; g must not)
        values = [tinynet.randn(3, generator=g), tinynet.rand(2, generator=g), tinynet.randint(0, 9, (4,), generator=g),
                  tinynet.randperm(5, generator=g), tinynet.empty(3).normal_(generator=g),
                  tinynet.empty(3).uniform_(-1, 1, generator=g)]
        for init in (nn.init.uniform_, nn.init.normal_, nn.init.xavier_uniform_, nn.init.xavier_normal_,
                     nn.init.kaiming_uniform_, nn.init.kaiming_normal_, nn.init.trunc_normal_, nn.init.orthogonal_):
            values.append(init(tinynet.empty(3, 4), generator=g))
            tinynet.rand(1)
        return [v.numpy().copy() for v in values]

    first, again, other = draws(5), draws(5), draws(6)
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c) or a.size == 0
    with pytest.raises(TypeError):
        tinynet.randn(2, generator=3)


def test_seeds_cover_64_bits_as_in_torch(torch):
    """A negative seed is counted from 2**64 (tinynet refused it); one beyond 64 bits is refused (tinynet took it)."""
    for lib in (torch, tinynet):
        assert lib.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
        lib.manual_seed(-5)
        for seed in (2 ** 64, -2 ** 63 - 1):
            with pytest.raises(ValueError):
                lib.Generator().manual_seed(seed)
            with pytest.raises(ValueError):
                lib.manual_seed(seed)
    tinynet.manual_seed(-1)
    first = tinynet.rand(3)
    tinynet.manual_seed(2 ** 64 - 1)
    np.testing.assert_array_equal(tinynet.rand(3).numpy(), first.numpy())
