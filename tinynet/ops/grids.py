"""Views and stacks that line tensors up: broadcast_to, broadcast_tensors, meshgrid, select, unflatten, rot90,
atleast_1d/2d/3d, column_stack, dstack; and the in-place shape changes squeeze_, unsqueeze_, detach_.

All are compositions of reshape, expand, indexing, flip, permute and cat,
so each gradient follows from theirs: an expanded element sums the
gradients of its copies, a selected slice receives its own gradient.
A decision-boundary plot is the typical use of meshgrid::

    xx, yy = torch.meshgrid(torch.linspace(-3, 3, 100), torch.linspace(-2, 2, 80), indexing="xy")
    grid = torch.stack([xx.flatten(), yy.flatten()], dim=1)   # (8000, 2): one point per row
"""

import itertools
import math
import numbers

import numpy as np

from tinynet import checks
from tinynet.autograd import grad_mode
from tinynet.ops.indexing import tensor_split
from tinynet.ops.inplace import _rebase
from tinynet.ops.operands import as_tensor
from tinynet.ops.rearrange import flip
from tinynet.ops.shape import GetItem, cat, expand, permute, reshape, squeeze, unsqueeze
from tinynet.size import Size
from tinynet.tensor import Tensor

__all__ = ["broadcast_to", "broadcast_tensors", "broadcast_shapes", "meshgrid", "select", "unflatten", "rot90",
           "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "dstack", "cartesian_prod", "combinations",
           "hsplit", "vsplit", "dsplit"]


def _tensors(tensors, owner):
    """f(a, b) and f([a, b]) both mean (a, b); every entry must be a Tensor."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{owner}: expected Tensors, got {type(t).__name__}")
    return tensors


def broadcast_to(input, size):
    """input expanded to ``size`` (a view; -1 keeps a dim's size), by the broadcasting rules."""
    return expand(as_tensor(input), tuple(size))


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (a Size); RuntimeError if they do not."""
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {shapes} cannot be broadcast together") from None


def broadcast_tensors(*tensors):
    """Every tensor expanded to the shape they broadcast to together (views), as a tuple."""
    tensors = _tensors(tensors, "broadcast_tensors")
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise RuntimeError(f"broadcast_tensors: the shapes {[list(t.shape) for t in tensors]} cannot be broadcast "
                           f"together") from None
    return tuple(expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors: with indexing="ij" output i varies along dim i; with "xy" the first two
    dims swap (the first tensor varies along the columns, as for images and plots).  None means "ij"."""
    tensors = _tensors(tensors, "meshgrid")
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing!r}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.ndim}-D tensor")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype, got {tensors[0].dtype} "
                               f"and {t.dtype}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0  # x varies along the columns (dim 1), y along the rows (dim 0)
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        lined_up = [1] * len(tensors)
        lined_up[axis] = -1
        grids.append(expand(reshape(t, lined_up), shape))
    return tuple(grids)


def select(input, dim, index):
    """The slice of input at ``index`` along ``dim`` (a view with that dim removed): select(x, 1, 0) is x[:, 0]."""
    input = as_tensor(input)
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = checks.dim(dim, input.ndim, "select")
    index = checks.integer(index.item() if isinstance(index, Tensor) else index, "index", "select")
    size = input.shape[axis]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {axis}")
    return GetItem.apply(input, (slice(None),) * axis + (index % size,))


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (a view; one size may be -1): unflatten(x, 1, (2, 3)) on (4, 6)."""
    input = as_tensor(input)
    axis = checks.dim(dim, input.ndim, "unflatten")
    if not isinstance(sizes, (tuple, list)) or not sizes:
        raise RuntimeError(f"unflatten: sizes must be a non-empty tuple or list of ints, got {sizes!r}")
    sizes = [checks.integer(n, "sizes", "unflatten") for n in sizes]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred (-1)")
    known = math.prod(n for n in sizes if n != -1)
    size = input.shape[axis] if input.ndim else 1
    if -1 in sizes:
        if known == 0 or size % known:
            raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
                               f"({size}) in the input tensor")
        sizes[sizes.index(-1)] = size // known
    elif known != size:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({size}) "
                           f"in the input tensor")
    return reshape(input, input.shape[:axis] + tuple(sizes) + input.shape[axis + 1:])


def rot90(input, k=1, dims=(0, 1)):
    """input rotated by 90 degrees k times in the plane of ``dims``, from the first dim towards the second
    (a flip along one dim, then a transpose of the two; k may be negative)."""
    input = as_tensor(input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    first, second = (checks.dim(d, input.ndim, "rot90") for d in dims)
    if first == second:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {first} and "
                           f"dim1 = {second}")
    k = checks.integer(k, "k", "rot90") % 4
    order = list(range(input.ndim))
    order[first], order[second] = second, first
    if k == 1:
        return permute(flip(input, second), order)
    if k == 2:
        return flip(input, (first, second))
    if k == 3:
        return permute(flip(input, first), order)
    return input.clone()


def _at_least(ndim, place, tensors, owner):
    tensors = _tensors(tensors, owner)
    results = tuple(reshape(t, place(t.shape)) if t.ndim < ndim else t for t in tensors)
    return results[0] if len(results) == 1 else results


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes (1,)); one tensor in, one out; several give a tuple."""
    return _at_least(1, lambda shape: (1,), tensors, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: 0-d -> (1, 1), (n,) -> (1, n)."""
    return _at_least(2, lambda shape: (1,) * (2 - len(shape)) + shape, tensors, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: 0-d -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1) (numpy's rule)."""
    def place(shape):
        return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
    return _at_least(3, place, tensors, "atleast_3d")


def column_stack(tensors):
    """Tensors side by side as columns: 0-d and 1-d ones become (n, 1) columns, then all are joined along dim 1."""
    tensors = _tensors((tensors,), "column_stack")
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat([reshape(t, (t.numel(), 1)) if t.ndim < 2 else t for t in tensors], dim=1)


def dstack(tensors):
    """Tensors stacked depthwise: each made at least 3-d (atleast_3d), then joined along dim 2."""
    tensors = _tensors((tensors,), "dstack")
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat([atleast_3d(t) for t in tensors], dim=2)


# ---- in-place shape changes: the tensor itself takes the new shape ---------------------------------------------

def _reshape_in_place(input, view, *args):
    """Give ``input`` the shape of ``view(input, *args)``, keeping its memory; its graph node becomes the view's.
    (The view is taken of a stand-in holding input's old shape and node, which backward needs.)"""
    if not isinstance(input, Tensor):
        raise TypeError(f"in-place operations need a Tensor, got {type(input).__name__}")
    if input.requires_grad and input._node is None and grad_mode.is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    stand_in = Tensor._from_array(input._array, input.requires_grad)
    stand_in._node = input._node
    with grad_mode.set_grad_enabled(input._node is not None):  # a non-leaf's node must always learn the new shape
        result = view(stand_in, *args)
    input._array = result._array
    if result._node is not None:
        _rebase(input, result)
    return input


def squeeze_(input, dim=None):
    """squeeze, in place: the tensor itself loses the dimensions of length 1 (all, or those of ``dim``)."""
    return _reshape_in_place(input, squeeze, dim)


def unsqueeze_(input, dim):
    """unsqueeze, in place: the tensor itself gains a dimension of length 1 at ``dim``."""
    return _reshape_in_place(input, unsqueeze, dim)


def detach_(input):
    """Cut the tensor out of the graph in place: no grad_fn, requires_grad False (a view cannot be detached)."""
    if input._base is not None and (input.requires_grad or input._base.requires_grad):
        raise RuntimeError("Can't detach views in-place. Use detach() instead.")
    input._node = None
    input.requires_grad = False
    return input


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, one per row, the last tensor varying fastest
    (meshgrid's grids, flattened and side by side); one tensor comes back as it is."""
    tensors = _tensors(tensors, "cartesian_prod")
    if any(t.ndim != 1 for t in tensors):
        raise RuntimeError(f"cartesian_prod expects 1D tensors, got shapes {[tuple(t.shape) for t in tensors]}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return cat([reshape(grid, (-1, 1)) for grid in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Every r-element combination of a 1-d tensor's elements, one per row, in itertools' order (as PyTorch)."""
    input = as_tensor(input)
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    r = checks.integer(r, "r", "combinations")
    if r < 0:
        raise RuntimeError(f"combinations: expected a non-negative r, but got {r}")
    if r == 0:
        return GetItem.apply(input, (slice(0, 0),))
    n = input.shape[0]
    count = math.comb(n + r - 1, r) if with_replacement else math.comb(n, r)
    if count * r > np.iinfo(np.int64).max // 8:  # (more bytes than any memory: refused before enumerating)
        raise RuntimeError(f"combinations: {count} combinations of {r} out of {n} elements are too many to hold")
    chooser = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    positions = np.empty(count * r, dtype=np.int64)  # (allocated first: too large fails here, at once)
    positions[:] = np.fromiter(itertools.chain.from_iterable(chooser(range(n), r)), np.int64, count * r)
    return GetItem.apply(input, (positions.reshape(count, r),))


def _split_along(input, sections, axis, owner, minimum_dims):
    input = as_tensor(input)
    if input.ndim < minimum_dims:
        raise RuntimeError(f"{owner} requires a tensor with at least {minimum_dims} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(sections, numbers.Integral) and sections > 0 and input.shape[axis] % sections != 0:
        raise RuntimeError(f"{owner} attempted to split along dimension {axis}, but the size of the dimension "
                           f"{input.shape[axis]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, axis)


def hsplit(input, sections):
    """Split into columns: along dim 1 (dim 0 for a 1-d tensor); equal pieces, or at the given indices."""
    input = as_tensor(input)
    return _split_along(input, sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, sections):
    """Split into rows: along dim 0 of a tensor with at least 2 dims."""
    return _split_along(input, sections, 0, "vsplit", 2)


def dsplit(input, sections):
    """Split along depth: dim 2 of a tensor with at least 3 dims."""
    return _split_along(input, sections, 2, "dsplit", 3)
