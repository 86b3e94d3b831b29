"""Similarity and distance between vectors: ``cosine_similarity``, ``pairwise_distance``.

Both are compositions (products, sums, norms), so their gradients follow from those ops.

    cosine_similarity(x1, x2) = sum(x1/max(|x1|, eps) * x2/max(|x2|, eps)) along ``dim``
    pairwise_distance(x1, x2) = || x1 - x2 + eps ||_p along the last dim
    pdist(x) = || x[i] - x[j] ||_p for every pair of rows i < j, in row-major order
"""

import numpy as np


from tinynet import checks
from tinynet.ops.elementwise import add, div, mul, sub
from tinynet.ops.norms import norm
from tinynet.ops.operands import as_tensor
from tinynet.ops.piecewise import clamp_min
from tinynet.ops.shape import getitem

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along ``dim`` (broadcast together); each norm is at least eps."""
    x1, x2 = as_tensor(x1), as_tensor(x2)
    eps = checks.real_number(eps, "eps", "cosine_similarity", minimum=0)
    ndim = max(x1.ndim, x2.ndim)
    dim = checks.dim(dim, ndim, "cosine_similarity")
    unit1 = div(x1, clamp_min(norm(x1, 2, dim - ndim, keepdim=True), eps))
    unit2 = div(x2, clamp_min(norm(x2, 2, dim - ndim, keepdim=True), eps))
    return mul(unit1, unit2).sum(dim - ndim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim (broadcast together), as ``torch.nn.functional``'s."""
    x1, x2 = as_tensor(x1), as_tensor(x2)
    eps = checks.real_number(eps, "eps", "pairwise_distance")
    return norm(add(sub(x1, x2), eps), p, -1, keepdim=keepdim)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of the matrix ``input`` (N, M): N (N - 1) / 2 values,
    in the order (0, 1), (0, 2), ..., (1, 2), ... -- the upper triangle of ``cdist(input, input)``."""
    input = as_tensor(input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    p = checks.real_number(p, "p", "pdist")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = np.triu_indices(input.shape[0], k=1)
    return norm(sub(getitem(input, first), getitem(input, second)), p, -1)
