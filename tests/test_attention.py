"""Attention against PyTorch: F.scaled_dot_product_attention (masks, causal, scale, grouped heads; float64 gradcheck),
nn.MultiheadAttention (layouts, kdim/vdim, no bias, masks, per-head weights) and the Transformer layers with
PyTorch's weights loaded (eval mode: no dropout), values and every gradient; then PyTorch's choices at the edges
(a query that may see no key) and its errors."""

import numpy as np
import pytest

import tinynet
from tinynet import nn
from tinynet.nn import functional as F

RNG = np.random.default_rng(0)
Q, K, V = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((2, 3, 6, 7))
BOOL_MASK = RNG.random((4, 6)) > 0.4
FLOAT_MASK = RNG.standard_normal((4, 6))


def _compare(ours_fn, theirs_fn, arrays, torch, tolerance=1e-9):
    """The outputs (a tensor or a tuple, None allowed) and the gradient of every float input agree with torch's."""
    ours = [tinynet.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out_ours, out_theirs = ours_fn(*ours), theirs_fn(*theirs)
    out_ours = out_ours if isinstance(out_ours, tuple) else (out_ours,)
    out_theirs = out_theirs if isinstance(out_theirs, tuple) else (out_theirs,)
    loss_ours = loss_theirs = 0
    rng = np.random.default_rng(1)
    for mine, reference in zip(out_ours, out_theirs):
        if reference is None:
            assert mine is None
            continue
        assert mine.shape == tuple(reference.shape)
        np.testing.assert_allclose(mine.numpy(), reference.detach().numpy(), atol=tolerance, rtol=tolerance)
        weights = rng.standard_normal(mine.shape)
        loss_ours = loss_ours + (mine * tinynet.tensor(weights)).sum()
        loss_theirs = loss_theirs + (reference * torch.tensor(weights)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for mine, reference in zip(ours, theirs):
        if reference.grad is not None:
            np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), atol=tolerance, rtol=tolerance)
    return out_ours


SDPA_CASES = {
    "plain": {},
    "causal": {"is_causal": True},
    "bool mask": {"attn_mask": BOOL_MASK},
    "float mask, scale": {"attn_mask": FLOAT_MASK, "scale": 0.3},
}


@pytest.mark.parametrize("name", SDPA_CASES)
def test_scaled_dot_product_attention_matches_torch(name, torch):
    options = SDPA_CASES[name]

    def call(module, to_tensor):
        settings = {k: to_tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
        return lambda q, k, v: module.nn.functional.scaled_dot_product_attention(q, k, v, **settings)
    _compare(call(tinynet, tinynet.tensor), call(torch, torch.tensor), [Q, K, V], torch)
    q, k, v = (tinynet.tensor(a[:1, :1], requires_grad=True) for a in (Q, K, V))
    assert tinynet.gradcheck(call(tinynet, tinynet.tensor), [q, k, v])


def test_grouped_query_attention_and_blind_queries(torch):
    q, kv = RNG.standard_normal((1, 4, 3, 2)), RNG.standard_normal((1, 2, 3, 2))
    _compare(lambda a, b: F.scaled_dot_product_attention(a, b, b, enable_gqa=True),
             lambda a, b: torch.nn.functional.scaled_dot_product_attention(a, b, b, enable_gqa=True), [q, kv], torch)
    blind = FLOAT_MASK.copy()
    blind[1] = -np.inf  # query 1 may see no key: PyTorch's kernel gives it zeros
    out = _compare(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=tinynet.tensor(blind)),
                   lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c,
                                                                                    attn_mask=torch.tensor(blind)),
                   [Q, K, V], torch)
    assert np.all(out[0].numpy()[:, :, 1] == 0)
    with pytest.raises(RuntimeError, match="not both"):
        F.scaled_dot_product_attention(tinynet.tensor(Q), tinynet.tensor(K), tinynet.tensor(V),
                                       attn_mask=tinynet.tensor(BOOL_MASK), is_causal=True)


def _loaded(ours, theirs):
    ours.load_state_dict({name: value.detach().numpy() for name, value in theirs.state_dict().items()})
    return ours


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("settings", [{}, {"kdim": 3, "vdim": 2}, {"bias": False}], ids=str)
def test_multihead_attention_matches_torch(settings, batch_first, torch):
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=torch.float64, **settings)
    ours = _loaded(nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=tinynet.float64, **settings), theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    x = RNG.standard_normal((3, 4, 8))
    k = RNG.standard_normal((5, 4, settings.get("kdim", 8)))
    v = RNG.standard_normal((5, 4, settings.get("vdim", 8)))
    if batch_first:
        x, k, v = (a.transpose(1, 0, 2).copy() for a in (x, k, v))
    _compare(ours, theirs, [x, k, v], torch)
    padding = RNG.random((4, 5)) > 0.6
    padding[:, 0] = False  # (every query keeps a key to look at)
    causal = np.triu(np.full((3, 5), -np.inf), 1)

    def masked(module, to_tensor, layer):
        return lambda a, b, c: layer(a, b, c, key_padding_mask=to_tensor(padding), attn_mask=to_tensor(causal),
                                     average_attn_weights=False)
    _compare(masked(tinynet, tinynet.tensor, ours), masked(torch, torch.tensor, theirs), [x, k, v], torch)
    unbatched = [a[0] if batch_first else a[:, 0] for a in (x, k, v)]
    _compare(lambda a, b, c: ours(a, b, c, need_weights=False), lambda a, b, c: theirs(a, b, c, need_weights=False),
             unbatched, torch)


def test_multihead_attention_edges_and_errors(torch):
    theirs = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    ours = _loaded(nn.MultiheadAttention(4, 2, dtype=tinynet.float64), theirs)
    x = RNG.standard_normal((3, 2, 4))
    padding = np.zeros((2, 3), bool)
    padding[1] = True  # batch 1 may look at no key: NaN, as in PyTorch
    out, weights = ours(tinynet.tensor(x), tinynet.tensor(x), tinynet.tensor(x), key_padding_mask=padding)
    reference, _ = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(out.numpy(), reference.detach().numpy(), equal_nan=True, atol=1e-12)
    assert np.isnan(out.numpy()[:, 1]).all() and np.isfinite(out.numpy()[:, 0]).all()
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        ours(*[tinynet.tensor(x)] * 3, is_causal=True)
    with pytest.raises(RuntimeError, match="shape of the attn_mask"):
        ours(*[tinynet.tensor(x)] * 3, attn_mask=tinynet.zeros(2, 2))
    with pytest.raises(NotImplementedError):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_layers_match_torch(norm_first, torch):
    settings = dict(dim_feedforward=16, norm_first=norm_first, activation="gelu")
    layer = torch.nn.TransformerEncoderLayer(8, 2, batch_first=True, dtype=torch.float64, **settings)
    theirs = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()
    ours = _loaded(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True, dtype=tinynet.float64,
                                                                    **settings), 2), theirs).eval()
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=np.float64)
    np.testing.assert_array_equal(mask.numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64).numpy())
    _compare(lambda x: ours(x, mask=mask, is_causal=True),
             lambda x: theirs(x, mask=torch.tensor(mask.numpy()), is_causal=True),
             [RNG.standard_normal((2, 5, 8))], torch)
    whole = torch.nn.Transformer(8, 2, 2, 2, 16, dtype=torch.float64, norm_first=norm_first).eval()
    mine = _loaded(nn.Transformer(8, 2, 2, 2, 16, dtype=tinynet.float64, norm_first=norm_first), whole).eval()
    assert list(mine.state_dict()) == list(whole.state_dict())
    target_mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    _compare(lambda s, t: mine(s, t, tgt_mask=target_mask),
             lambda s, t: whole(s, t, tgt_mask=torch.tensor(target_mask.numpy())),
             [RNG.standard_normal((6, 2, 8)), RNG.standard_normal((4, 2, 8))], torch)


def test_transformer_layer_repr_and_training_dropout(torch):
    assert repr(nn.TransformerEncoderLayer(8, 2, 16)) == repr(torch.nn.TransformerEncoderLayer(8, 2, 16))
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = tinynet.randn(3, 2, 8)
    assert not np.array_equal(layer(x).numpy(), layer(x).numpy())  # training: dropout draws anew
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_transformer_layers_refuse_a_gpu():
    for make in (lambda: nn.TransformerEncoderLayer(8, 2, 16, device="cuda"),
                 lambda: nn.TransformerDecoderLayer(8, 2, 16, device="cuda"),
                 lambda: nn.Transformer(8, 2, 1, 1, 16, device="cuda")):
        with pytest.raises(RuntimeError, match="CPU only"):
            make()


@pytest.mark.parametrize("call", [
    lambda m, x: m.nn.functional.scaled_dot_product_attention(x, x, x, attn_mask=m.ones(2, 2, dtype=m.int64)),
    lambda m, x: m.nn.MultiheadAttention(4, 2)(x, x, x, attn_mask=m.ones(3, 3, dtype=m.int64)),
    lambda m, x: m.nn.MultiheadAttention(4, 2)(x, x, x, key_padding_mask=m.ones(2, 3, dtype=m.int64)),
    lambda m, x: m.nn.MultiheadAttention(4, 2)(x, x, m.cat([x, x])),
    lambda m, x: m.nn.MultiheadAttention(4, 2)(x, x[..., :3], x),
])
def test_masks_of_integers_and_keys_that_do_not_match_values_raise_as_in_torch(call, torch):
    """An integer mask was added to the scores, and a key/value mismatch failed deep inside a matrix product."""
    array = RNG.standard_normal((3, 2, 4)).astype(np.float32)
    with pytest.raises(Exception) as theirs:
        call(torch, torch.tensor(array))
    with pytest.raises(type(theirs.value)):
        call(tinynet, tinynet.tensor(array))


def test_attention_with_no_features_weighs_every_key_equally(torch):
    """With a feature size of 0 every score is 0 (1/sqrt(0) divided by zero before)."""
    query, key, value = np.zeros((2, 3, 0)), np.zeros((2, 5, 0)), RNG.standard_normal((2, 5, 6))
    ours = F.scaled_dot_product_attention(*map(tinynet.tensor, (query, key, value)))
    theirs = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (query, key, value)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.Transformer(4, 2, 1, 1, 8)(lib.zeros(3, 2, 4), lib.zeros(5, 2, 5)),
    lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(-1),
])
def test_transformer_checks_its_inputs_as_torch_does(call, torch):
    """src and tgt of another feature size failed in attention with an AssertionError; PyTorch's is a RuntimeError."""
    for lib in (torch, tinynet):
        with pytest.raises(RuntimeError):
            call(lib)
