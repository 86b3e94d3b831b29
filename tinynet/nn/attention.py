"""MultiheadAttention: attention run by several heads side by side, each on its own slice of learned projections.

For queries q, keys k and values v of embed_dim E, with H heads of E / H features each:

    Q = q W_q^T + b_q,  K = k W_k^T + b_k,  V = v W_v^T + b_v      (W_q, W_k, W_v: in_proj_weight's thirds)
    per head h:  A_h = softmax(Q_h K_h^T / sqrt(E / H) + mask)      the attention weights (L, S)
                 O_h = A_h V_h
    output = concat(O_1 .. O_H) W_o^T + b_o                         (out_proj)

Masks follow PyTorch: ``attn_mask`` (L, S) or (N * H, L, S) and ``key_padding_mask`` (N, S) are either bool,
True where a key must NOT be looked at (the opposite of ``F.scaled_dot_product_attention``'s bool mask), or
float, added to the scores.  A query that may look at no key gets NaN, as in PyTorch.  With ``need_weights``
the weights come back too, averaged over the heads unless ``average_attn_weights=False``.  Weights, names,
start and shapes are PyTorch's, so a state dict copies over; the gradient is autograd's through the ops.
"""

import math

import numpy as np

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.linear import Linear
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops.activations import softmax
from tinynet.ops.dropout import dropout as dropout_op
from tinynet.ops.elementwise import where
from tinynet.ops.matmul import linear, matmul
from tinynet.ops.operands import as_tensor

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's output projection: a Linear (PyTorch names it so; the name shows in its repr)."""


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads over embed_dim features (module docstring)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        owner = "MultiheadAttention"
        self.embed_dim = checks.positive_int(embed_dim, "embed_dim", owner)
        self.num_heads = checks.positive_int(num_heads, "num_heads", owner)
        if self.embed_dim % self.num_heads != 0:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(f"{owner}: add_bias_kv and add_zero_attn are not supported by tinynet")
        self.kdim = self.embed_dim if kdim is None else checks.positive_int(kdim, "kdim", owner)
        self.vdim = self.embed_dim if vdim is None else checks.positive_int(vdim, "vdim", owner)
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout = checks.probability(dropout, "dropout", owner)
        self.batch_first = bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        devices.check(device, owner)
        dtype = checks.float_dtype(dtype, owner)
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's start: Xavier-uniform projections, zero biases (out_proj's weight keeps Linear's start)."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """(output, weights or None): output shaped like query (module docstring for the masks)."""
        query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
        owner = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise AssertionError(f"{owner}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got "
                                 f"shapes {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = as_tensor(key_padding_mask).unsqueeze(0)
        elif self.batch_first:  # (to (length, batch, features), the layout the steps below use)
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        length, batch, features = query.shape
        if features != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {features}")
        if self._qkv_same_embed_dim and key.shape != value.shape:
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        source = key.shape[0]
        q, k, v = self._project(query, key, value)
        heads = batch * self.num_heads  # each (length, batch, E) -> (batch * heads, length, head_dim)
        q, k, v = (t.reshape(t.shape[0], heads, self.head_dim).transpose(0, 1) for t in (q, k, v))
        scores = matmul(q, k.transpose(1, 2)) * (1.0 / math.sqrt(self.head_dim))  # (batch * heads, L, S)
        scores = self._masked(scores, attn_mask, key_padding_mask, batch, length, source)
        weights = softmax(scores, -1)
        if self.training and self.dropout > 0:
            weights = dropout_op(weights, self.dropout, True)
        output = matmul(weights, v).transpose(0, 1).reshape(length, batch, self.embed_dim)
        output = self.out_proj(output)
        if unbatched:
            output = output.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        weights = weights.reshape(batch, self.num_heads, length, source)
        if average_attn_weights:
            weights = weights.mean(1)
        return output, (weights.squeeze(0) if unbatched else weights)

    def _project(self, query, key, value):
        """Q, K, V: the inputs through their projections (in_proj_weight's thirds, or the three weights)."""
        e = self.embed_dim
        biases = (None,) * 3 if self.in_proj_bias is None else \
            (self.in_proj_bias[:e], self.in_proj_bias[e:2 * e], self.in_proj_bias[2 * e:])
        if self._qkv_same_embed_dim:
            weights = self.in_proj_weight[:e], self.in_proj_weight[e:2 * e], self.in_proj_weight[2 * e:]
        else:
            weights = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))

    def _masked(self, scores, attn_mask, key_padding_mask, batch, length, source):
        """The scores with attn_mask and key_padding_mask applied (bool: True = may not look; float: added)."""
        if attn_mask is not None:
            attn_mask = as_tensor(attn_mask)
            expected = [(length, source), (batch * self.num_heads, length, source)]
            if tuple(attn_mask.shape) not in expected:
                raise RuntimeError(f"The shape of the attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{expected[0]} or {expected[1]}.")
            scores = _apply(scores, attn_mask, "attn_mask")
        if key_padding_mask is not None:
            key_padding_mask = as_tensor(key_padding_mask)
            if tuple(key_padding_mask.shape) != (batch, source):
                raise AssertionError(f"expecting key_padding_mask shape of {(batch, source)}, but got "
                                     f"{tuple(key_padding_mask.shape)}")
            per_head = scores.reshape(batch, self.num_heads, length, source)
            per_head = _apply(per_head, key_padding_mask.reshape(batch, 1, 1, source), "key_padding_mask")
            scores = per_head.reshape(batch * self.num_heads, length, source)
        return scores

    def extra_repr(self):
        """Nothing beyond the submodule (PyTorch's repr shows only out_proj)."""
        return ""


def _apply(scores, mask, name):
    """A bool mask (True: may not look) as -inf, a float mask added."""
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported, got {mask.dtype}")
    if mask.dtype == np.bool_:
        return where(mask._array, -math.inf, scores)
    return scores + mask
