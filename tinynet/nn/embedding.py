"""Embedding: a lookup table of learned vectors, one row per token id (the math is in ``tinynet/ops/embedding.py``).

``Embedding(num_embeddings, embedding_dim)`` holds a weight of shape
(num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch; calling it
on integer ids of any shape gives ids.shape + (embedding_dim,).  The
``padding_idx`` row starts at zeros and never gets a gradient.
``Embedding.from_pretrained(vectors)`` wraps existing vectors (frozen by default).
"""

import numpy as np

from tinynet import checks, devices
from tinynet.nn import init
from tinynet.nn.module import Module
from tinynet.nn.parameter import Parameter
from tinynet.ops import embedding
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
