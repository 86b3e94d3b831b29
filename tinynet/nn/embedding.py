"""Embedding: a lookup table of learned vectors, one row per token id (the math is in ``tinynet/ops/embedding.py``).

``Embedding(num_embeddings, embedding_dim)`` holds a weight of shape
(num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch; calling it
on integer ids of any shape gives ids.shape + (embedding_dim,).  The
``padding_idx`` row starts at zeros and never gets a gradient.
``Embedding.from_pretrained(vectors)`` wraps existing vectors (frozen by default).
``EmbeddingBag`` reduces each bag of looked-up vectors to one (sum, mean or max).
"""

import numpy as np

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops import embedding, embedding_bag
from tinynet.tensor import Tensor


class Embedding(Module):
    """A (num_embeddings, embedding_dim) table of vectors, looked up by integer ids."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        owner = "Embedding"
        self.num_embeddings = checks.integer(num_embeddings, "num_embeddings", owner, minimum=0)
        self.embedding_dim = checks.integer(embedding_dim, "embedding_dim", owner, minimum=0)
        self.padding_idx = embedding.check_padding_idx(padding_idx, self.num_embeddings, owner)
        self.max_norm = None if max_norm is None else checks.real_number(max_norm, "max_norm", owner, minimum=0)
        self.norm_type = checks.real_number(norm_type, "norm_type", owner)
        self.scale_grad_by_freq = bool(scale_grad_by_freq)
        if sparse:
            raise NotImplementedError(f"{owner}: sparse gradients are not supported by tinynet (use sparse=False)")
        self.sparse = False
        devices.check(device, owner)
        if _weight is None:
            dtype = checks.float_dtype(dtype, owner)
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            values = _weight._array if isinstance(_weight, Tensor) else np.asarray(_weight)
            if values.shape != (self.num_embeddings, self.embedding_dim):
                raise AssertionError(f"{owner}: shape of weight {values.shape} does not match num_embeddings and "
                                     f"embedding_dim ({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(values, requires_grad=not _freeze)

    def reset_parameters(self):
        """Weights from N(0, 1), the padding_idx row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._array[self.padding_idx] = 0

    def forward(self, input):
        """ids (any shape, integers) -> ids.shape + (embedding_dim,)."""
        return embedding.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                                   self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding holding a copy of the 2-D ``embeddings``; ``freeze`` (default) keeps them from training."""
        values = embeddings._array if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if values.ndim != 2:
            raise AssertionError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got shape "
                                 f"{values.shape}")
        return cls(values.shape[0], values.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=values, _freeze=freeze)

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text


class EmbeddingBag(Module):
    """A table of vectors like Embedding, giving one vector per bag of ids: their sum, mean or max (``mode``).

    ``bag(text, offsets)``: ``text`` holds every bag's ids one after another and ``offsets`` where each bag
    starts; or ``bag(ids)`` with one bag per row of a 2-D ``ids``.  The math is in ``tinynet/ops/embedding_bag.py``.
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None,
                 device=None, dtype=None):
        super().__init__()
        owner = "EmbeddingBag"
        # The table, its initialisation and its checks are Embedding's.
        table = Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                          _weight, device=device, dtype=dtype)
        self.num_embeddings, self.embedding_dim = table.num_embeddings, table.embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = table.padding_idx, table.max_norm, table.norm_type
        self.scale_grad_by_freq, self.sparse = table.scale_grad_by_freq, table.sparse
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"{owner}: mode has to be one of sum, mean or max, got {mode!r}")
        self.mode = mode
        self.include_last_offset = bool(include_last_offset)
        self.weight = table.weight

    def reset_parameters(self):
        """Weights from N(0, 1), the padding_idx row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._array[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        """ids (1-D with offsets, or 2-D: one bag a row) -> (bags, embedding_dim)."""
        return embedding_bag.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                                           self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                                           self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag holding a copy of the 2-D ``embeddings``; ``freeze`` (default) keeps them from training."""
        table = Embedding.from_pretrained(embeddings, freeze)
        bag = cls(table.num_embeddings, table.embedding_dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  table.weight, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self):
        """The settings shown in this layer's repr."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
