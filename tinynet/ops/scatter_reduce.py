"""scatter_reduce: combine src into input at ``index`` along ``dim`` with a reduction -- "sum", "prod", "mean",
"amax" or "amin" (a graph network's message aggregation; a per-class max).

For dim = 1, every src[i][j] joins the group of out[i][index[i][j]]; each output is the reduction of its group
together with input's own value (``include_self=True``) or of the group alone (False; an output no src reaches
keeps input's value).  Derivatives, for x an input or src element in the group of output y:

    sum:  dy/dx = 1                          mean: dy/dx = 1 / (size of the group)
    amax, amin: dy/dx = 1 / (how many of the group, and input's value, equal y) where x == y, else 0 (as PyTorch)
    prod: dy/dx = the product of the group's other members
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.indexing import _check_index_shape, _coordinates, _in_bounds, index_tensor
from tinynet.ops.inplace import apply_inplace
from tinynet.ops.operands import as_tensor

__all__ = ["scatter_reduce"]

_REDUCTIONS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


class ScatterReduce(Function):
    """out = input with each group of src folded in by ``reduce`` (see the module docstring for dy/dx)."""

    @staticmethod
    def forward(ctx, x, src, index, axis, reduce, include_self):
        where = _coordinates(index, axis)
        values = src[tuple(slice(n) for n in index.shape)]
        touched = np.zeros(x.shape, dtype=bool)
        touched[where] = True
        out = x.copy()
        if not include_self:  # the groups start empty: from the reduction's identity
            limits = (np.finfo if x.dtype.kind == "f" else np.iinfo)(x.dtype)
            out[touched] = {"sum": 0, "mean": 0, "prod": 1, "amax": limits.min, "amin": limits.max}[reduce]
        _REDUCTIONS[reduce].at(out, where, values)
        count = None  # (the members of each group: only a mean needs them)
        if reduce == "mean":
            count = np.zeros(x.shape, dtype=x.dtype)
            np.add.at(count, where, 1)
            count += 1 if include_self else 0
            out = np.where(touched, out / np.maximum(count, 1), out)
        ctx.save_for_backward(index)
        ctx.axis, ctx.reduce, ctx.include_self = axis, reduce, include_self
        ctx.saved = (x, values, out, touched, count)
        return out

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        x, values, out, touched, count = ctx.saved
        where = _coordinates(index, ctx.axis)
        reduce = ctx.reduce
        if reduce == "sum":
            per_group = grad
            weight_x = weight_src = 1
        elif reduce == "mean":
            per_group = grad / np.maximum(count, 1)
            weight_x = weight_src = 1
        elif reduce in ("amax", "amin"):
            # the members equal to the result share its gradient (input's own value counted among the ties even
            # without include_self, as PyTorch counts it)
            ties = (x == out).astype(x.dtype)
            np.add.at(ties, where, (values == out[where]).astype(x.dtype))
            per_group = grad / np.maximum(ties, 1)
            weight_x, weight_src = (x == out).astype(x.dtype), (values == out[where]).astype(x.dtype)
        else:  # prod: the product of the others = out / member, counted without dividing by 0
            weight_x, weight_src = _others_product(x, values, where, touched, ctx.include_self)
            per_group = grad
        if not ctx.include_self:
            grad_x = np.where(touched, 0, grad)  # (an untouched output is input's value itself)
        else:
            grad_x = np.where(touched, per_group * weight_x, grad)
        grad_src = np.zeros(ctx.parents[1]._array.shape, dtype=grad.dtype)
        grad_src[tuple(slice(n) for n in index.shape)] = per_group[where] * weight_src
        return grad_x, grad_src


def _others_product(x, values, where, touched, include_self):
    """For every member of every group, the product of the group's other members (zeros handled exactly)."""
    members_x = x if include_self else np.ones_like(x)
    nonzero_product = np.where(members_x != 0, members_x, 1).astype(x.dtype)
    np.multiply.at(nonzero_product, where, np.where(values != 0, values, 1))
    zeros = (members_x == 0).astype(np.int64)
    np.add.at(zeros, where, (values == 0).astype(np.int64))

    def others(member, group_product, group_zeros):
        with np.errstate(divide="ignore", invalid="ignore"):
            without = np.where(member != 0, group_product / np.where(member != 0, member, 1), group_product)
        # no zero in the group: product / member; the member is the only zero: the rest's product; else 0
        return np.where(group_zeros == 0, without, np.where((group_zeros == 1) & (member == 0), group_product, 0))

    return (others(x, nonzero_product, zeros) if include_self else np.zeros_like(x),
            others(values, nonzero_product[where], zeros[where]))


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input with src combined in at ``index`` along ``dim`` by ``reduce`` ("sum", "prod", "mean",
    "amax", "amin"): for dim = 1, out[i][index[i][j]] = reduce(out[i][index[i][j]], src[i][j])."""
    owner = "scatter_reduce"
    input, src = as_tensor(input), as_tensor(src)
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # (PyTorch also takes these names)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    axis = checks.dim(dim, input.ndim, owner)
    index = index_tensor(index, owner, dtypes="int64")
    if src.dtype != input.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    if src.ndim != index.ndim or input.ndim != index.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    _check_index_shape(input, index, axis, owner, src)
    _in_bounds(index._array, input.shape[axis], axis, owner)
    if reduce == "mean" and input.dtype.kind != "f":
        out = ScatterReduce.apply(input.double(), src.double(), index, axis, reduce, bool(include_self))
        return out.floor().to(input.dtype)  # (integer means round down, as PyTorch's)
    return ScatterReduce.apply(input, src, index, axis, reduce, bool(include_self))


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    """scatter_reduce, in place."""
    return apply_inplace(input, scatter_reduce, dim, index, src, reduce, include_self=include_self)
