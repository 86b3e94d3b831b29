"""nn.EmbeddingBag and F.embedding_bag against PyTorch: each bag's sum, mean or max, with offsets or 2-D input,
include_last_offset, per_sample_weights and padding_idx; values and the gradients of the weight (and of the
per-sample weights) in float32 and float64, a float64 gradcheck, the text-classification tutorial's model, the
repr, and PyTorch's exception types for bad arguments.
"""

import numpy as np
import pytest

import tinynet
from tinynet.nn import functional as F

TEXT = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFFSETS = np.array([0, 4, 4, 6])  # the third bag is empty
ROWS = np.array([[1, 2, 3], [4, 4, 0], [9, 8, 7]])

CASES = {
    "sum_offsets": dict(input=TEXT, offsets=OFFSETS, mode="sum"),
    "mean_offsets": dict(input=TEXT, offsets=OFFSETS, mode="mean"),
    "max_offsets": dict(input=np.array([1, 2, 4, 5, 3, 9]), offsets=np.array([0, 3, 3]), mode="max"),
    "mean_rows": dict(input=ROWS, mode="mean"),
    "sum_rows": dict(input=ROWS, mode="sum"),
    "sum_last_offset": dict(input=TEXT, offsets=np.array([0, 3, 8]), mode="sum", include_last_offset=True),
    "mean_padding": dict(input=np.array([1, 0, 4, 0, 0]), offsets=np.array([0, 2, 4]), mode="mean", padding_idx=0),
    "sum_per_sample_weights": dict(input=TEXT, offsets=OFFSETS, mode="sum", per_sample_weights=True),
}


def run(lib, weight, case, dtype):
    """F.embedding_bag of ``case`` with ``lib``; returns (output, weight, per-sample weights or None)."""
    options = dict(case)
    tensor = lib.tensor
    weight = tensor(weight.astype(dtype), requires_grad=True)
    per_sample = None
    if options.pop("per_sample_weights", False):
        per_sample = tensor(np.linspace(0.5, 2.0, options["input"].size).astype(dtype), requires_grad=True)
    ids = tensor(options.pop("input"))
    offsets = options.pop("offsets", None)
    offsets = None if offsets is None else tensor(offsets)
    out = lib.nn.functional.embedding_bag(ids, weight, offsets, per_sample_weights=per_sample, **options)
    return out, weight, per_sample


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_embedding_bag_matches_torch(torch, name, dtype):
    weight = np.random.default_rng(0).normal(size=(10, 3))
    ours, theirs = run(tinynet, weight, CASES[name], dtype), run(torch, weight, CASES[name], dtype)
    assert tuple(ours[0].shape) == tuple(theirs[0].shape) and ours[0].dtype == dtype
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), **tolerance)
    upstream = np.random.default_rng(1).normal(size=tuple(theirs[0].shape)).astype(dtype)
    (ours[0] * tinynet.tensor(upstream)).sum().backward()
    (theirs[0] * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ours[1].grad.numpy(), theirs[1].grad.numpy(), **tolerance)
    if theirs[2] is not None:
        np.testing.assert_allclose(ours[2].grad.numpy(), theirs[2].grad.numpy(), **tolerance)


@pytest.mark.parametrize("name", ["sum_offsets", "mean_padding", "max_offsets", "sum_per_sample_weights"])
def test_embedding_bag_gradcheck(name):
    case = dict(CASES[name])
    ids = tinynet.tensor(case.pop("input"))
    offsets = tinynet.tensor(case.pop("offsets"))
    weight = tinynet.tensor(np.random.default_rng(2).normal(size=(10, 3)), requires_grad=True)
    if case.pop("per_sample_weights", False):
        scales = tinynet.tensor(np.linspace(0.5, 2.0, ids.numel()), requires_grad=True)
        assert tinynet.gradcheck(lambda w, s: F.embedding_bag(ids, w, offsets, per_sample_weights=s, **case),
                                 [weight, scales])
    else:
        assert tinynet.gradcheck(lambda w: F.embedding_bag(ids, w, offsets, **case), [weight])


def text_classifier(lib, vocab_size=20, embed_dim=4, num_class=3):
    """The model of PyTorch's text-classification tutorial."""

    class TextClassificationModel(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = lib.nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = lib.nn.Linear(embed_dim, num_class)

        def forward(self, text, offsets):
            return self.fc(self.embedding(text, offsets))

    return TextClassificationModel()


def test_text_classification_model_trains_as_in_torch(torch):
    ours, theirs = text_classifier(tinynet), text_classifier(torch)
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    text, offsets, labels = np.array([1, 5, 7, 3, 2, 11, 19]), np.array([0, 2, 5]), np.array([2, 0, 1])
    losses = []
    for lib, model in ((tinynet, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(model.parameters(), lr=5.0)
        for _ in range(3):
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(text), lib.tensor(offsets)), lib.tensor(labels))
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    np.testing.assert_allclose(ours.embedding.weight.detach().numpy(), theirs.embedding.weight.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build", [
    lambda nn: nn.EmbeddingBag(10, 3),
    lambda nn: nn.EmbeddingBag(10, 3, mode="max", padding_idx=1),
    lambda nn: nn.EmbeddingBag(10, 3, mode="sum", max_norm=1.0),
])
def test_repr_matches_torch(torch, build):
    assert repr(build(tinynet.nn)) == repr(build(torch.nn))


def test_from_pretrained_freezes_by_default(torch):
    for lib in (tinynet, torch):
        vectors = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert not lib.nn.EmbeddingBag.from_pretrained(vectors).weight.requires_grad
        assert lib.nn.EmbeddingBag.from_pretrained(vectors, freeze=False).weight.requires_grad


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), lib.ones(5, 2), lib.tensor([0])), ValueError),
    (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2)), ValueError),
    (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]), mode="min"),
     ValueError),
    (lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]),
                                                 per_sample_weights=lib.ones(2)), NotImplementedError),
])
def test_mistakes_raise_torchs_exception_types(torch, call, error):
    for lib in (tinynet, torch):
        with pytest.raises(error):
            call(lib)
