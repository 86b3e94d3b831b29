"""The Tensor's operators and methods: each one is an op's public function.

``tinynet/tensor.py`` says what a Tensor is; this table says what you can do
with one.  ``x.exp()`` is ``elementwise.exp(x)``, ``x + y`` is
``elementwise.add(x, y)``, ``loss.backward()`` is ``engine.backward(loss)``:
follow the name to its ops file to find the op's Function, its forward, its
backward and its derivative side by side.  Adding a method is one line here.
"""

import numbers

from tinynet.autograd import engine
from tinynet import creation
from tinynet.ops import activations, cast, compare, elementwise, elementwise_math, indexing, inplace, linalg, matmul
from tinynet.ops import division, logical, masks, matrix_parts, norms, piecewise, rearrange, reduce, sort
from tinynet.ops import matrix_algebra
from tinynet.ops import shape as shape_ops
from tinynet.ops import counting, grids, index_add, pairwise_math, sampling, shrink_glu, trig_hyperbolic
from tinynet.ops import aliases, neighbours, scatter_reduce, special_functions, tensor_products
from tinynet.ops import index_put, running_extremes
from tinynet.tensor import Tensor


def _is_cpu(self):
    """True: tinynet's tensors live in the CPU's memory."""
    return True


def _is_signed(self):
    """Whether the dtype holds negative numbers (floats and signed integers; not uint8 or bool)."""
    return self.dtype.kind in "fi"


def _retains_grad(self):
    """Whether ``retain_grad()`` asked backward to fill this non-leaf tensor's ``.grad``."""
    return self._node is not None and self._node.retained is self


def _is_same_size(self, other):
    """Whether the two tensors have the same shape."""
    return tuple(self.shape) == tuple(other.shape)


def _reflected(function, name):
    """``other <op> tensor`` -> function(other, tensor): the method Python calls when the left operand is not a Tensor."""
    def reflected(self, other):
        return function(other, self)
    reflected.__name__ = name
    reflected.__doc__ = f"other {name} self: ``{function.__name__}(other, self)``."
    return reflected


def _shape_args(args):
    """Accept both x.reshape(2, 3) and x.reshape((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    for n in args:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"shape/axes entries must be integers, got {args!r}")
    return tuple(int(n) for n in args)


def _reshape(self, *shape):
    """The same elements in a new shape: x.reshape(2, 3) or x.reshape((2, 3)); one entry may be -1."""
    return shape_ops.reshape(self, _shape_args(shape))


def _view(self, *shape):
    """The same elements in a new shape, sharing memory: x.view(2, 3) or x.view((2, 3)); one entry may be -1.
    Refused, as in PyTorch, when the layout cannot be read so (x.t().view(-1)): use reshape."""
    return shape_ops.view(self, _shape_args(shape))


def _permute(self, *dims):
    """Reorder the dimensions: x.permute(2, 0, 1) or x.permute((2, 0, 1))."""
    return shape_ops.permute(self, _shape_args(dims))


def _transposed(self):
    """All dimensions reversed (the matrix transpose for 2-D)."""
    return shape_ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))


def _flip(self, *dims, **named):
    """Reverse the order of the elements along dims: x.flip(0, 1), x.flip((0, 1)) or x.flip(dims=(0, 1))."""
    if named:
        if dims or set(named) != {"dims"}:
            raise TypeError(f"flip() takes the dims positionally or as dims=, got {dims} and {sorted(named)}")
        return rearrange.flip(self, named["dims"])
    return rearrange.flip(self, _shape_args(dims))


def _tile(self, *dims):
    """Repeat the tensor along each dim (missing leading dims count as 1): x.tile(2, 2) or x.tile((2, 2))."""
    return rearrange.tile(self, _shape_args(dims))



def _dim(self):
    """The number of dimensions (``x.ndim``)."""
    return self.ndim


def _where(self, condition, other):
    """self where condition holds, else other: ``x.where(c, y)`` is ``where(c, x, y)``."""
    return elementwise.where(condition, self, other)


def _type_as(self, other):
    """This tensor converted to ``other``'s dtype."""
    return cast.to(self, other.dtype)


METHODS = {
    # autograd (engine.py)
    "backward": engine.backward, "retain_grad": engine.retain_grad, "register_hook": engine.register_hook,
    # arithmetic (elementwise.py, matmul.py)
    "__add__": elementwise.add, "__radd__": _reflected(elementwise.add, "+"),
    "__sub__": elementwise.sub, "__rsub__": _reflected(elementwise.sub, "-"),
    "__mul__": elementwise.mul, "__rmul__": _reflected(elementwise.mul, "*"),
    "__truediv__": elementwise.div, "__rtruediv__": _reflected(elementwise.div, "/"),
    "__pow__": elementwise.pow, "__rpow__": _reflected(elementwise.pow, "**"),
    "__matmul__": matmul.matmul, "__rmatmul__": _reflected(matmul.matmul, "@"),
    "__neg__": elementwise.neg, "__abs__": elementwise.abs,
    "__floordiv__": division.floor_divide, "__rfloordiv__": _reflected(division.floor_divide, "//"),
    "__mod__": division.remainder, "__rmod__": _reflected(division.remainder, "%"),
    "add": elementwise.add, "sub": elementwise.sub, "mul": elementwise.mul, "div": division.div,
    "pow": elementwise.pow, "neg": elementwise.neg, "matmul": matmul.matmul,
    "divide": division.div, "floor_divide": division.floor_divide, "remainder": division.remainder,
    "fmod": division.fmod,
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt, "abs": elementwise.abs,
    "clamp": elementwise.clamp, "clip": elementwise.clamp,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    # more elementwise math (elementwise_math.py, piecewise.py) and fixed-rank products (linalg.py)
    "square": elementwise_math.square, "rsqrt": elementwise_math.rsqrt, "reciprocal": elementwise_math.reciprocal,
    "sin": elementwise_math.sin, "cos": elementwise_math.cos, "tan": elementwise_math.tan,
    **{name: getattr(trig_hyperbolic, name) for name in trig_hyperbolic.__all__},
    "atan2": elementwise_math.atan2, "arctan2": elementwise_math.atan2,
    "log2": elementwise_math.log2, "log10": elementwise_math.log10, "log1p": elementwise_math.log1p,
    "expm1": elementwise_math.expm1, "exp2": elementwise_math.exp2, "lerp": elementwise_math.lerp,
    "addcmul": elementwise_math.addcmul, "addcdiv": elementwise_math.addcdiv,
    "floor": piecewise.floor, "ceil": piecewise.ceil, "round": piecewise.round, "trunc": piecewise.trunc,
    "fix": piecewise.trunc, "frac": piecewise.frac, "sign": piecewise.sign,
    "isnan": piecewise.isnan, "isinf": piecewise.isinf, "isfinite": piecewise.isfinite,
    "clamp_min": piecewise.clamp_min, "clamp_max": piecewise.clamp_max,
    "mm": linalg.mm, "bmm": linalg.bmm, "mv": linalg.mv, "dot": linalg.dot, "inner": linalg.inner,
    "outer": linalg.outer, "ger": linalg.outer,
    # comparisons (compare.py): bool tensors, no gradient
    "__eq__": compare.eq, "__ne__": compare.ne, "__lt__": compare.lt,
    "__le__": compare.le, "__gt__": compare.gt, "__ge__": compare.ge,
    # logic on masks (logical.py): ~ & | ^, no gradient
    "__invert__": logical.bitwise_not, "__and__": logical.bitwise_and, "__rand__": _reflected(logical.bitwise_and, "&"),
    "__or__": logical.bitwise_or, "__ror__": _reflected(logical.bitwise_or, "|"),
    "__xor__": logical.bitwise_xor, "__rxor__": _reflected(logical.bitwise_xor, "^"),
    "bitwise_not": logical.bitwise_not, "bitwise_and": logical.bitwise_and, "bitwise_or": logical.bitwise_or,
    "bitwise_xor": logical.bitwise_xor, "logical_not": logical.logical_not, "logical_and": logical.logical_and,
    "logical_or": logical.logical_or, "logical_xor": logical.logical_xor,
    "isclose": compare.isclose, "allclose": compare.allclose, "equal": compare.equal,
    "eq": compare.eq, "ne": compare.ne, "lt": compare.lt, "le": compare.le, "gt": compare.gt, "ge": compare.ge,
    "diag": matrix_parts.diag, "diagonal": matrix_parts.diagonal, "trace": matrix_parts.trace,
    "diag_embed": matrix_parts.diag_embed, "nansum": reduce.nansum, "nanmean": reduce.nanmean,
    "unique": matrix_parts.unique, "inverse": matrix_algebra.inverse, "det": matrix_algebra.det,
    "logdet": matrix_algebra.logdet, "slogdet": matrix_algebra.slogdet,
    "bincount": matrix_parts.bincount, "unique_consecutive": matrix_parts.unique_consecutive,
    "cummax": running_extremes.cummax, "cummin": running_extremes.cummin, "isin": compare.isin,
    "index_put": index_put.index_put, "index_put_": index_put.index_put_, "put": index_put.put,
    "put_": index_put.put_,
    "is_contiguous": rearrange.is_contiguous, "stride": rearrange.stride, "element_size": rearrange.element_size,
    "nbytes": property(rearrange.nbytes), "itemsize": property(rearrange.element_size), "data_ptr": rearrange.data_ptr,
    "storage_offset": rearrange.storage_offset,
    # reductions (reduce.py, norms.py)
    "sum": reduce.sum, "mean": reduce.mean, "prod": reduce.prod, "amax": reduce.amax, "amin": reduce.amin,
    "var": reduce.var, "std": reduce.std, "logsumexp": reduce.logsumexp, "any": reduce.any, "all": reduce.all,
    "cumsum": reduce.cumsum, "norm": norms.norm,
    # which element (sort.py): max/min with a dim return (values, indices)
    "max": sort.max, "min": sort.min, "argmax": sort.argmax, "argmin": sort.argmin, "sort": sort.sort,
    "nonzero": sort.nonzero, "argwhere": sort.argwhere,
    "argsort": sort.argsort, "topk": sort.topk, "kthvalue": sort.kthvalue, "median": sort.median, "mode": sort.mode,
    "quantile": sort.quantile,
    # shape (shape.py)
    "__getitem__": shape_ops.getitem,
    "reshape": _reshape, "view": _view, "flatten": shape_ops.flatten, "permute": _permute,
    "transpose": shape_ops.transpose, "T": property(_transposed),
    "squeeze": shape_ops.squeeze, "unsqueeze": shape_ops.unsqueeze,
    "expand": shape_ops.expand, "expand_as": shape_ops.expand_as, "view_as": shape_ops.view_as,
    "reshape_as": shape_ops.reshape_as, "movedim": shape_ops.movedim, "moveaxis": shape_ops.movedim,
    "swapaxes": shape_ops.swapaxes, "swapdims": shape_ops.swapdims, "t": shape_ops.t,
    "mT": property(shape_ops.matrix_transpose),
    # copies (rearrange.py) and indexing (indexing.py)
    "clone": rearrange.clone, "contiguous": rearrange.contiguous, "flip": _flip, "fliplr": rearrange.fliplr,
    "flipud": rearrange.flipud, "roll": rearrange.roll, "repeat": rearrange.repeat, "tile": _tile,
    "gather": indexing.gather, "scatter": indexing.scatter, "scatter_add": indexing.scatter_add,
    "take_along_dim": indexing.take_along_dim, "index_select": indexing.index_select,
    "index_fill": indexing.index_fill, "masked_fill": indexing.masked_fill, "narrow": indexing.narrow,
    "split": indexing.split, "chunk": indexing.chunk, "unbind": indexing.unbind,
    "tril": masks.tril, "triu": masks.triu, "tril_": masks.tril_, "triu_": masks.triu_,
    "masked_select": masks.masked_select,
    # lining up, placing by index, counting, two-operand math (grids.py, index_add.py, counting.py,
    # pairwise_math.py)
    "broadcast_to": grids.broadcast_to, "select": grids.select, "unflatten": grids.unflatten, "rot90": grids.rot90,
    "squeeze_": grids.squeeze_, "unsqueeze_": grids.unsqueeze_, "detach_": grids.detach_, "where": _where,
    "index_add": index_add.index_add, "index_add_": index_add.index_add_, "index_copy": index_add.index_copy,
    "index_copy_": index_add.index_copy_, "repeat_interleave": index_add.repeat_interleave, "take": index_add.take,
    "cumprod": counting.cumprod, "count_nonzero": counting.count_nonzero, "histc": counting.histc,
    "true_divide": pairwise_math.true_divide, "addmm": pairwise_math.addmm, "baddbmm": pairwise_math.baddbmm,
    "dist": pairwise_math.dist,
    "cross": pairwise_math.cross, "fmax": pairwise_math.fmax, "fmin": pairwise_math.fmin,
    "hypot": pairwise_math.hypot, "nan_to_num": pairwise_math.nan_to_num, "nan_to_num_": pairwise_math.nan_to_num_,
    "heaviside": pairwise_math.heaviside,
    # neighbours and products (neighbours.py, tensor_products.py)
    "diff": neighbours.diff, "unfold": neighbours.unfold, "kron": tensor_products.kron,
    "aminmax": reduce.aminmax,
    # facts about the tensor (the rest are in tensor.py) and new tensors like it (creation.py)
    "type_as": _type_as,
    "dim": _dim, "ndimension": _dim, "nelement": Tensor.numel,
    "new_tensor": creation.new_tensor, "new_zeros": creation.new_zeros, "new_ones": creation.new_ones,
    "new_empty": creation.new_empty, "new_full": creation.new_full,
    # activations (activations.py)
    "sigmoid": activations.sigmoid, "tanh": activations.tanh, "relu": activations.relu,
    "leaky_relu": activations.leaky_relu, "elu": activations.elu, "silu": activations.silu,
    "softplus": activations.softplus, "hardlim": activations.hardlim,
    "softmax": activations.softmax, "log_softmax": activations.log_softmax,
    "relu_": activations.relu_, "hardshrink": shrink_glu.hardshrink,
    # in place (inplace.py): change the tensor's own values, counting a new version
    "__setitem__": inplace.setitem,
    "__iadd__": inplace.iadd, "__isub__": inplace.isub, "__imul__": inplace.imul, "__itruediv__": inplace.itruediv,
    "add_": inplace.add_, "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_, "pow_": inplace.pow_,
    "clamp_": inplace.clamp_, "clip_": inplace.clamp_, "fill_": inplace.fill_, "zero_": inplace.zero_,
    "copy_": inplace.copy_, "uniform_": inplace.uniform_, "normal_": inplace.normal_,
    "bernoulli": sampling.bernoulli, "bernoulli_": sampling.bernoulli_, "multinomial": sampling.multinomial,
    "random_": sampling.random_,
    **{name + "_": inplace.twin(function) for name, function in [
        ("neg", elementwise.neg), ("abs", elementwise.abs), ("exp", elementwise.exp), ("log", elementwise.log),
        ("sqrt", elementwise.sqrt), ("sigmoid", activations.sigmoid), ("tanh", activations.tanh),
        ("floor", piecewise.floor), ("ceil", piecewise.ceil), ("round", piecewise.round), ("trunc", piecewise.trunc),
        ("sign", piecewise.sign), ("square", elementwise_math.square), ("reciprocal", elementwise_math.reciprocal),
        ("lerp", elementwise_math.lerp), ("addcmul", elementwise_math.addcmul), ("addcdiv", elementwise_math.addcdiv),
        ("floor_divide", division.floor_divide), ("remainder", division.remainder)]},
    "masked_fill_": indexing.masked_fill_, "index_fill_": indexing.index_fill_, "scatter_": indexing.scatter_,
    "fill_diagonal_": indexing.fill_diagonal_, "tensor_split": indexing.tensor_split, "hsplit": grids.hsplit,
    "vsplit": grids.vsplit, "dsplit": grids.dsplit,
    "scatter_add_": indexing.scatter_add_,
    "scatter_reduce": scatter_reduce.scatter_reduce, "scatter_reduce_": scatter_reduce.scatter_reduce_,
    # dtype and device (cast.py)
    "astype": cast.astype, "to": cast.to, "type": cast.tensor_type, "float": cast.to_float,
    "double": cast.to_double, "long": cast.to_long, "int": cast.to_int, "bool": cast.to_bool,
    "short": cast.to_short, "byte": cast.to_byte, "char": cast.to_char,
    "is_cpu": property(_is_cpu), "is_signed": _is_signed, "retains_grad": property(_retains_grad),
    "is_same_size": _is_same_size,
    "cpu": cast.cpu, "cuda": cast.cuda, "is_floating_point": cast.is_floating_point,
    "half": cast.half_precision, "bfloat16": cast.half_precision,
}

# special functions and PyTorch's other names (special_functions.py, aliases.py)
METHODS.update({name: getattr(special_functions, name) for name in special_functions.__all__})
METHODS.update({name: getattr(aliases, name) for name in aliases.__all__ if name != "concat"})

# The in-place twins of the ops above whose result fits the tensor: x.sin_() is x changed to sin(x).
_TWINNED = """acos acosh arccos arccosh arcsin arcsinh arctan arctan2 arctanh asin asinh atan2 atan atanh addmm baddbmm
    bitwise_and bitwise_not bitwise_or bitwise_xor clamp_max clamp_min cos cosh cumprod cumsum divide eq erf exp2 expm1
    fix fmod frac ge gt heaviside hypot le log10 log1p log2 logical_and logical_not logical_or logical_xor lt ne rsqrt
    sin sinh tan true_divide erfc erfinv lgamma digamma sinc logit xlogy deg2rad rad2deg multiply subtract negative
    greater greater_equal less less_equal not_equal absolute sgn""".split()
for _name in _TWINNED:
    METHODS.setdefault(_name + "_", inplace.twin(METHODS[_name]))

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
