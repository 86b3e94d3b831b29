"""embedding_bag: the sum, mean or max of each bag of looked-up rows, without the (tokens, dim) tensor a loop
over bags would keep (the layer of PyTorch's text-classification tutorial).

Bags are given as rows of a 2-D ``input`` (every bag the same length) or as a 1-D ``input`` cut at ``offsets``
(bag b is input[offsets[b]:offsets[b + 1]]).  With E the rows looked up (``embedding``) and bag(i) the bag that
position i falls in, composed of ops that autograd differentiates:

    sum:  out[b] = sum over i in b of w_i E[i]          (w_i: per_sample_weights, else 1) -- one index_add
    mean: out[b] = (sum over i in b of E[i]) / |b|
    max:  out[b] = max over i in b of E[i]              (per coordinate)

An empty bag gives zeros; positions holding ``padding_idx`` are left out of their bag (and of its count).
"""

import numpy as np

from tinynet.ops.elementwise import div, mul
from tinynet.ops.embedding import check_padding_idx, embedding
from tinynet.ops.index_add import index_add
from tinynet.ops.operands import as_tensor
from tinynet.ops.reduce import amax
from tinynet.ops.shape import getitem, reshape, stack, unsqueeze
from tinynet.tensor import Tensor

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _bags(input, offsets, include_last_offset, owner):
    """The positions' ids (1-D), each position's bag number, and the number of bags."""
    ids = input._array
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        bags, length = ids.shape
        return ids.reshape(-1), np.repeat(np.arange(bags), length), bags
    if ids.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ids.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    starts = as_tensor(offsets)._array
    if starts.ndim != 1 or starts.dtype.kind not in "iu":
        raise ValueError(f"offsets has to be a 1D integer Tensor, got shape {starts.shape} and dtype {starts.dtype}")
    if include_last_offset:  # offsets ends with len(input): one bag fewer than offsets
        starts = starts[:-1]
    if starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > ids.size):
        raise RuntimeError(f"{owner}: offsets must start at 0 and not decrease, up to len(input), got "
                           f"{starts.tolist()}")
    # position i lies in the last bag starting at or before i
    return ids, np.searchsorted(starts, np.arange(ids.size), side="right") - 1, starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The ``mode`` ('sum', 'mean' or 'max') of the rows of ``weight`` looked up by each bag -> (bags, dim)."""
    owner = "embedding_bag"
    input, weight = as_tensor(input), as_tensor(weight)
    if mode not in _MODES:
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        per_sample_weights = as_tensor(per_sample_weights)
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not "
                             f"None, then it must have the same shape as the input ({tuple(input.shape)})")
    ids, bag_of, bags = _bags(input, offsets, bool(include_last_offset), owner)
    padding_idx = check_padding_idx(padding_idx, weight.shape[0], owner)
    kept = np.arange(ids.size) if padding_idx is None else np.flatnonzero(ids != padding_idx)
    ids, bag_of = ids[kept], bag_of[kept]
    rows = embedding(Tensor._from_array(ids, False), weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    dim = weight.shape[1]
    if mode == "max":
        empty = Tensor._from_array(np.zeros(dim, dtype=weight.dtype), False)
        # bag_of never decreases (offsets do not), so bag b is one run of positions: split where each bag starts
        picks = np.split(np.arange(bag_of.size), np.searchsorted(bag_of, np.arange(1, bags)))
        return stack([amax(getitem(rows, pick), 0) if pick.size else empty for pick in picks]) if bags else \
            Tensor._from_array(np.zeros((0, dim), dtype=weight.dtype), False)
    if per_sample_weights is not None:
        rows = mul(rows, unsqueeze(getitem(reshape(per_sample_weights, (-1,)), kept), 1))
    zeros = Tensor._from_array(np.zeros((bags, dim), dtype=rows.dtype), False)
    sums = index_add(zeros, 0, Tensor._from_array(bag_of, False), rows)
    if mode == "sum":
        return sums
    counts = np.maximum(np.bincount(bag_of, minlength=bags), 1).astype(rows.dtype)  # (an empty bag stays 0)
    return div(sums, Tensor._from_array(counts[:, None], False))
