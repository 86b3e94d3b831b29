"""Embedding lookup: integer indices pick rows of a weight matrix (word vectors, learned per token).

out[..., :] = weight[indices[...], :], so the gradient of row r of the weight is
the sum of the output gradients at every position whose index is r -- rows not
looked up get 0, and so does the ``padding_idx`` row (padding never learns).

Options (PyTorch's): ``max_norm`` first rescales, in place, every looked-up
row whose ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides each
row's gradient by how often it occurs in the batch.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.operands import as_tensor

__all__ = ["embedding"]


class Embedding(Function):
    """out = weight[indices] (one row per index).

    d out/d weight[r] = sum of the output gradients at the positions whose index is r (0 for padding_idx);
    indices get no gradient.
    """

    @staticmethod
    def forward(ctx, indices, weight, padding_idx=None, scale_grad_by_freq=False):
        ctx.save_for_backward(indices)
        ctx.weight_shape, ctx.padding_idx, ctx.scale_grad_by_freq = weight.shape, padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.size, ctx.weight_shape[1])  # (not -1: numpy cannot infer it for 0 columns)
        if ctx.scale_grad_by_freq:
            rows = rows / np.bincount(flat, minlength=ctx.weight_shape[0])[flat][:, np.newaxis]
        grad_weight = np.zeros(ctx.weight_shape, dtype=grad.dtype)
        np.add.at(grad_weight, flat, rows)  # a row looked up several times adds up its gradients
        if ctx.padding_idx is not None:
            grad_weight[ctx.padding_idx] = 0
        return None, grad_weight


def check_padding_idx(padding_idx, num_embeddings, owner):
    """``padding_idx`` in [-num_embeddings, num_embeddings) as a row number (or None); PyTorch asserts this."""
    if padding_idx is None:
        return None
    padding_idx = checks.integer(padding_idx, "padding_idx", owner)
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(f"{owner}: padding_idx must be within num_embeddings ({num_embeddings}), "
                             f"got {padding_idx}")
    return padding_idx % num_embeddings


def renormalize_rows(weight, indices, max_norm, norm_type):
    """Scale, in place, each looked-up row whose norm exceeds max_norm down to max_norm (as PyTorch does)."""
    rows = np.unique(indices)
    values = weight._array[rows]
    norms = np.linalg.norm(values, ord=norm_type, axis=1) if norm_type != 2 else np.sqrt((values * values).sum(1))
    too_long = norms > max_norm
    if too_long.any():
        scale = (max_norm / (norms[too_long] + 1e-7)).astype(values.dtype)
        weight._array[rows[too_long]] = values[too_long] * scale[:, np.newaxis]
        weight._bump_version()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input`` -> input.shape + (dim,)."""
    owner = "embedding"
    input, weight = as_tensor(input), as_tensor(weight)
    if weight.ndim != 2:
        raise RuntimeError(f"{owner}: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")
    if input._array.dtype.kind not in "iu":
        raise RuntimeError(f"{owner}: expected integer indices (int64 or int32), got dtype {input._array.dtype}")
    if sparse:
        raise NotImplementedError(f"{owner}: sparse gradients are not supported by tinynet (use sparse=False)")
    count = weight.shape[0]
    indices = input._array
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].flat[0]
        raise IndexError(f"{owner}: index {bad} out of range for a table of {count} rows (valid: 0 to {count - 1})")
    padding_idx = check_padding_idx(padding_idx, count, owner)
    if max_norm is not None:
        max_norm = checks.real_number(max_norm, "max_norm", owner, minimum=0)
        renormalize_rows(weight, indices, max_norm, checks.real_number(norm_type, "norm_type", owner))
    return Embedding.apply(input, weight, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq))
