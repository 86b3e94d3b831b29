"""tinynet.nn.functional: the layer functions that Modules call (import it as F).

Stateless: every parameter and buffer is an argument.  The math lives in
``tinynet/ops``; this module checks arguments and picks the op.
"""

import numpy as np

from tinynet.functions import (  # noqa: F401  (re-exported: F.relu, F.softmax, ...)
    as_tensor,
    elu,
    hardlim,
    leaky_relu,
    log_softmax,
    pad,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from tinynet.ops import conv, dropout as dropout_ops, loss, matmul, normalization, pool
from tinynet.tensor import Tensor, shape_ops_flatten


def _target(value):
    """Targets may be Tensors, arrays or lists; they never need gradients unless they are Tensors that ask."""
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))


def maxout(x, pieces, dim=-1):
    """Maxout: split dimension ``dim`` (size out * pieces) into ``out`` groups of ``pieces`` consecutive
    entries and keep each group's largest value, so that dimension shrinks to ``out``.

    Composed of a reshape and a max, so its derivative is max's: 1 for the winning entry of each
    group, 0 for the others.  After a linear layer with out * pieces outputs this is Goodfellow et
    al.'s maxout unit, y_j = max_k (w_jk . x + b_jk) (see ``nn.Maxout``).
    """
    x = as_tensor(x)
    if isinstance(pieces, bool) or not isinstance(pieces, (int, np.integer)) or pieces < 1:
        raise ValueError(f"maxout: pieces must be a positive integer, got {pieces!r}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"maxout: dim must be an integer, got {dim!r}")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"maxout: dim {dim} is out of range for a tensor with {x.ndim} dimension(s)")
    dim = int(dim) % x.ndim
    size = x.shape[dim]
    if size % pieces:
        raise ValueError(f"maxout: dimension {dim} has size {size}, which is not a multiple of pieces={pieces}")
    grouped = x.reshape(*x.shape[:dim], size // pieces, int(pieces), *x.shape[dim + 1:])
    return grouped.max(dim + 1)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, with weight of shape (out_features, in_features) and x of shape (..., in_features)."""
    return matmul.Linear.apply(as_tensor(x), weight, bias)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution of x (N, C_in, H, W) with weight (C_out, C_in, kh, kw); stride/padding an int or (h, w)."""
    return conv.Conv2d.apply(as_tensor(x), weight, bias, stride=stride, padding=padding)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling over kernel_size windows (stride defaults to kernel_size; padding counts as -inf)."""
    return pool.MaxPool2d.apply(as_tensor(x), kernel_size, stride=stride, padding=padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling over kernel_size windows (stride defaults to kernel_size; zero padding)."""
    return pool.AvgPool2d.apply(as_tensor(x), kernel_size, stride=stride, padding=padding,
                                count_include_pad=count_include_pad)


def flatten(x, start_dim=1, end_dim=-1):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension)."""
    return shape_ops_flatten(as_tensor(x), start_dim, end_dim)


def dropout(x, p=0.5, training=True):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p); identity if not training."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be a number in [0, 1], got {p!r}")
    x = as_tensor(x)
    if not training or p == 0:
        return x
    return dropout_ops.Dropout.apply(x, p=float(p))


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalization of x (N, C) or (N, C, H, W) per channel; see tinynet/ops/normalization.py.

    In training, normalizes with the batch statistics and updates the numpy
    arrays running_mean / running_var in place (unbiased variance); otherwise
    normalizes with the running statistics.
    """
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        if buffer is not None and not isinstance(buffer, np.ndarray):
            raise TypeError(f"batch_norm: {name} must be a numpy array or None, got {type(buffer).__name__}")
    return normalization.BatchNorm.apply(as_tensor(x), weight, bias, running_mean, running_var,
                                         training=training, momentum=momentum, eps=eps)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (x - t)^2, reduced by "mean", "sum" or "none"."""
    return loss.MSELoss.apply(as_tensor(input), _target(target), reduction=reduction)


def cross_entropy(logits, target, reduction="mean"):
    """Cross-entropy of logits (N, C) against integer class labels (N,), with a fused stable log-softmax."""
    return loss.CrossEntropy.apply(as_tensor(logits), _target(target), reduction=reduction)


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities (N, C) against integer labels (N,)."""
    return loss.NLLLoss.apply(as_tensor(log_probs), _target(target), reduction=reduction)


def binary_cross_entropy(p, target, reduction="mean"):
    """Binary cross-entropy of probabilities p in [0, 1] against targets of the same shape."""
    return loss.BinaryCrossEntropy.apply(as_tensor(p), _target(target), reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Binary cross-entropy of sigmoid(logits) against targets, computed stably from the logits."""
    return loss.BinaryCrossEntropyWithLogits.apply(as_tensor(logits), _target(target), reduction=reduction)
