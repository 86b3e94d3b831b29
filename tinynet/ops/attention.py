"""Scaled dot-product attention (``F.scaled_dot_product_attention``), composed of tinynet's ops.

Each query asks every key how well it matches, and takes a mix of the values weighted by the answers:

    scores  = query @ key^T * scale               (..., L, S): scale = 1 / sqrt(E) unless given
    weights = softmax(scores + mask) over S        each query's weights sum to 1
    output  = weights @ value                      (..., L, Ev)

The mask says which keys a query may look at: a bool mask keeps the pairs that are True (the others get
-inf, so weight 0); a float mask is added to the scores; ``is_causal`` lets query i see keys 0..i only (a
language model must not read ahead).  A query that may look at no key at all gets an output of zeros, as
PyTorch's kernel gives.  ``dropout_p`` drops attention weights (and rescales the rest), as ``F.dropout`` does.
The gradient is autograd's through matmul, softmax and the mask.
"""

import math

import numpy as np

from tinynet import checks
from tinynet.ops.activations import softmax
from tinynet.ops.dropout import dropout
from tinynet.ops.elementwise import where
from tinynet.ops.index_add import repeat_interleave
from tinynet.ops.matmul import matmul
from tinynet.ops.operands import as_tensor

__all__ = ["scaled_dot_product_attention"]


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value (module docstring); query (..., L, E), key (..., S, E),
    value (..., S, Ev) -> (..., L, Ev)."""
    query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
    owner = "scaled_dot_product_attention"
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if tensor.ndim < 2:
            raise RuntimeError(f"{owner}: {name} must have at least 2 dimensions (..., length, features), got shape "
                               f"{tuple(tensor.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{owner}: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)} do not fit: query and key need one feature size, key and value "
                           "one length")
    dropout_p = checks.probability(dropout_p, "dropout_p", owner)
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{owner}: give either attn_mask or is_causal=True, not both")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3] != 0:
            raise RuntimeError(f"{owner}: with enable_gqa, query's {query.shape[-3]} heads must be a multiple of "
                               f"key's {key.shape[-3]}")
        groups = query.shape[-3] // key.shape[-3]
        key, value = repeat_interleave(key, groups, -3), repeat_interleave(value, groups, -3)
    if scale is not None:
        factor = checks.real_number(scale, "scale", owner)
    else:  # (with no features every score is an empty sum, 0, whatever it is scaled by)
        factor = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    scores = matmul(query, key.transpose(-2, -1)) * factor
    length, source = query.shape[-2], key.shape[-2]
    allowed = None  # (a bool array: which (query, key) pairs may attend; None: all)
    if is_causal:
        allowed = np.tril(np.ones((length, source), dtype=bool))
    elif attn_mask is not None:
        attn_mask = as_tensor(attn_mask)
        if attn_mask.dtype != np.bool_ and attn_mask.dtype.kind != "f":
            raise RuntimeError(f"{owner}: Expected attn_mask dtype to be bool or float, but got attn_mask.dtype "
                               f"{attn_mask.dtype}")
        if attn_mask.dtype == np.bool_:
            allowed = attn_mask._array
        else:
            scores = scores + attn_mask
    if allowed is not None:
        scores = where(allowed, scores, -math.inf)
    blind = np.isneginf(scores._array).all(axis=-1, keepdims=True) if attn_mask is not None else None
    if blind is not None and blind.any():  # (a query the mask lets see no key)  # (their softmax would be 0/0: give them zeros, and no NaN in any gradient)
        weights = where(blind, 0.0, softmax(where(blind, 0.0, scores), -1))
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, True)
    return matmul(weights, value)
