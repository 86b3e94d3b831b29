"""The Tensor: a numpy array plus what autograd needs (requires_grad, grad, and the node that made it).

A Tensor made by the user is a *leaf*.  A Tensor produced by an op on
tensors that require gradients carries ``_node``: the op that made it and
its parents (see ``tinynet.autograd``).  ``loss.backward()`` follows those
nodes back to the leaves and adds dL/d(leaf) to each leaf's ``.grad``.

The operators and methods here are thin: each calls one op's
``Function.apply`` from ``tinynet.ops``, where the math lives.
"""

import numbers

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SCALAR_TYPES = (int, float, bool)


def _as_array(data, dtype):
    """``data`` as an ndarray of an allowed dtype, without copying an ndarray that already fits."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        array = data if dtype is None or data.dtype == dtype else data.astype(dtype)
    else:
        array = np.asarray(data, dtype=dtype)
        # Python floats default to float32 (as in PyTorch), not numpy's float64.
        if dtype is None and array.dtype == np.float64 and not isinstance(data, np.floating):
            array = array.astype(np.float32)
    if array.dtype not in FLOAT_DTYPES and array.dtype.kind not in "iub":
        raise TypeError(
            f"Tensor data must be float32, float64, integer or bool, got dtype {array.dtype} "
            f"(from {type(data).__name__})"
        )
    return array


def _operand(value):
    """The other operand of a binary op: Tensors and Python numbers pass through, anything else becomes a Tensor."""
    if isinstance(value, np.generic):
        # A numpy scalar (np.float64(2.0)) acts like a Python number: it does not turn float32 into float64.
        return value.item()
    if isinstance(value, (Tensor,) + _SCALAR_TYPES):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Tensor(np.asarray(value))
    raise TypeError(f"cannot combine a Tensor with a {type(value).__name__}")


class Tensor:
    """An n-dimensional array that can record the operations applied to it and backpropagate.

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is an ndarray
    (kept without copying when its dtype fits), a nested list, a number or a
    Tensor.  Python floats become float32; float32 and float64 are
    differentiable; integer and bool tensors (labels, masks) are not.
    """

    __slots__ = ("data", "requires_grad", "grad", "_node", "_retains_grad", "__weakref__")
    # Make numpy hand `ndarray + Tensor` to Tensor.__radd__ instead of looping over the Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype not in FLOAT_DTYPES:
            raise TypeError(f"only float32/float64 tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None
        self._retains_grad = False

    @classmethod
    def _from_array(cls, array, requires_grad):
        """Wrap an op's output array without any checks (the fast path used by every op)."""
        tensor = Tensor.__new__(Tensor)
        tensor.data = array if type(array) is np.ndarray else np.asarray(array)
        tensor.requires_grad = requires_grad
        tensor.grad = None
        tensor._node = None
        tensor._retains_grad = False
        return tensor

    # ---- autograd ----------------------------------------------------------

    def backward(self, grad=None, retain_graph=False):
        """Backpropagate from this tensor, adding dL/d(leaf) into every leaf's ``.grad``.

        Gradients accumulate across calls until zeroed (``x.grad = None``).
        ``grad`` (dL/d this tensor) may be omitted only for a one-element
        tensor.  The graph's saved values are freed afterwards unless
        ``retain_graph=True``.
        """
        autograd.backward(self, grad, retain_graph)

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (the ones whose .grad backward fills)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The graph Node that produced this tensor (op name, parents), or None for a leaf."""
        return self._node

    def retain_grad(self):
        """Ask backward to also fill ``.grad`` of this non-leaf tensor."""
        self._retains_grad = True
        return self

    def detach(self):
        """A new leaf Tensor sharing this one's data, cut off from the graph."""
        return Tensor._from_array(self.data, False)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place (only float tensors can require it); returns self."""
        if requires_grad and self.data.dtype not in FLOAT_DTYPES:
            raise TypeError(f"only float32/float64 tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self):
        """Forget the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    # ---- array facts -------------------------------------------------------

    @property
    def shape(self):
        """The shape tuple."""
        return self.data.shape

    @property
    def dtype(self):
        """The numpy dtype."""
        return self.data.dtype

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.data.ndim

    def size(self, dim=None):
        """The shape (like PyTorch's ``size()``), or the length of one dimension."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self):
        """The number of elements."""
        return self.data.size

    def item(self):
        """The single element as a Python number (the tensor must hold exactly one)."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying numpy array (shared, not copied)."""
        return self.data

    def tolist(self):
        """The data as (nested) Python lists."""
        return self.data.tolist()

    def astype(self, dtype):
        """A copy converted to ``dtype``; differentiable between float dtypes (the gradient is converted back)."""
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:  # integer/bool results carry no gradient
            return Tensor(self.data.astype(dtype))
        return cast_op.Cast.apply(self, dtype=dtype)

    def float(self):
        """This tensor as float32."""
        return self.astype(np.float32)

    def double(self):
        """This tensor as float64."""
        return self.astype(np.float64)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self.dtype}")
        return int(self.item())

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__  # tensors are hashed by identity (== is elementwise)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype != np.float32:
            extras.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn={self._node.op_name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ---- arithmetic (the math is in tinynet/ops/elementwise.py) ----------------

    def __add__(self, other):
        return elementwise.Add.apply(self, _operand(other))

    def __radd__(self, other):
        return elementwise.Add.apply(_operand(other), self)

    def __sub__(self, other):
        return elementwise.Sub.apply(self, _operand(other))

    def __rsub__(self, other):
        return elementwise.Sub.apply(_operand(other), self)

    def __mul__(self, other):
        return elementwise.Mul.apply(self, _operand(other))

    def __rmul__(self, other):
        return elementwise.Mul.apply(_operand(other), self)

    def __truediv__(self, other):
        return elementwise.Div.apply(self, _operand(other))

    def __rtruediv__(self, other):
        return elementwise.Div.apply(_operand(other), self)

    def __pow__(self, exponent):
        return elementwise.Pow.apply(self, _operand(exponent))

    def __rpow__(self, base):
        return elementwise.Pow.apply(_operand(base), self)

    def __neg__(self):
        return elementwise.Neg.apply(self)

    def __matmul__(self, other):
        return matmul.MatMul.apply(self, _operand(other))

    def __rmatmul__(self, other):
        return matmul.MatMul.apply(_operand(other), self)

    def __getitem__(self, index):
        return shape_ops.GetItem.apply(self, _unwrap_index(index))

    # Comparisons give bool tensors, which carry no gradient.
    def __eq__(self, other):
        return Tensor._from_array(self.data == _data(other), False)

    def __ne__(self, other):
        return Tensor._from_array(self.data != _data(other), False)

    def __lt__(self, other):
        return Tensor._from_array(self.data < _data(other), False)

    def __le__(self, other):
        return Tensor._from_array(self.data <= _data(other), False)

    def __gt__(self, other):
        return Tensor._from_array(self.data > _data(other), False)

    def __ge__(self, other):
        return Tensor._from_array(self.data >= _data(other), False)

    def pow(self, exponent):
        """self ** exponent."""
        return self ** exponent

    def exp(self):
        """e^self."""
        return elementwise.Exp.apply(self)

    def log(self):
        """Natural logarithm."""
        return elementwise.Log.apply(self)

    def sqrt(self):
        """Square root."""
        return elementwise.Sqrt.apply(self)

    def abs(self):
        """Absolute value."""
        return elementwise.Abs.apply(self)

    def clip(self, min=None, max=None):
        """Limit the values to [min, max] (either bound may be None)."""
        return elementwise.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other):
        """Elementwise maximum with another tensor or number."""
        return elementwise.Maximum.apply(self, _operand(other))

    def minimum(self, other):
        """Elementwise minimum with another tensor or number."""
        return elementwise.Minimum.apply(self, _operand(other))

    def matmul(self, other):
        """Matrix product, numpy's @ rules."""
        return self @ other

    # ---- reductions --------------------------------------------------------

    def sum(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Sum over ``dim`` (int, tuple, or None for all); ``axis``/``keepdim`` are accepted aliases."""
        return reduce.Sum.apply(self, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim))

    def mean(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Mean over ``dim`` (int, tuple, or None for all)."""
        return reduce.Mean.apply(self, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim))

    def max(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Largest value over ``dim`` (the values only; use argmax for positions)."""
        return reduce.Max.apply(self, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim))

    def min(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Smallest value over ``dim``."""
        return reduce.Min.apply(self, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim))

    def var(self, dim=None, keepdims=False, *, axis=None, keepdim=None, correction=1, unbiased=None):
        """Variance over ``dim``; divides by n - correction (unbiased, n - 1, by default)."""
        if unbiased is not None:
            correction = 1 if unbiased else 0
        return reduce.Var.apply(self, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim), correction=correction)

    def argmax(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Index of the largest value (flat index when dim is None); an int64 tensor without gradient."""
        return Tensor._from_array(
            np.argmax(self.data, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim)).astype(np.int64), False
        )

    def argmin(self, dim=None, keepdims=False, *, axis=None, keepdim=None):
        """Index of the smallest value; an int64 tensor without gradient."""
        return Tensor._from_array(
            np.argmin(self.data, axis=_pick(dim, axis), keepdims=_keep(keepdims, keepdim)).astype(np.int64), False
        )

    # ---- shape -------------------------------------------------------------

    def reshape(self, *shape):
        """The same elements in a new shape (one entry may be -1)."""
        return shape_ops.Reshape.apply(self, _shape_arg(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions start_dim..end_dim into one."""
        return shape_ops_flatten(self, start_dim, end_dim)

    def permute(self, *axes):
        """Reorder the dimensions."""
        return shape_ops.Permute.apply(self, _shape_arg(axes))

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two dimensions (the last two by default)."""
        if self.ndim < 2:
            return self
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return shape_ops.Permute.apply(self, axes)

    @property
    def T(self):
        """All dimensions reversed (the matrix transpose for 2-D)."""
        return shape_ops.Permute.apply(self, tuple(range(self.ndim - 1, -1, -1)))

    def squeeze(self, dim=None):
        """Drop dimensions of length 1 (all of them, or just ``dim``)."""
        if dim is None:
            new_shape = tuple(n for n in self.shape if n != 1)
        else:
            dim = dim % self.ndim
            if self.shape[dim] != 1:
                return self
            new_shape = self.shape[:dim] + self.shape[dim + 1:]
        return shape_ops.Reshape.apply(self, new_shape)

    def unsqueeze(self, dim):
        """Insert a dimension of length 1 at ``dim``."""
        if dim < 0:
            dim += self.ndim + 1
        return shape_ops.Reshape.apply(self, self.shape[:dim] + (1,) + self.shape[dim:])

    # ---- activations (tinynet/ops/activations.py) --------------------------

    def sigmoid(self):
        """1 / (1 + e^-x)."""
        return activations.Sigmoid.apply(self)

    def tanh(self):
        """Hyperbolic tangent."""
        return activations.Tanh.apply(self)

    def relu(self):
        """max(x, 0)."""
        return activations.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        """x for x > 0, negative_slope * x otherwise."""
        return activations.LeakyReLU.apply(self, negative_slope=negative_slope)

    def elu(self, alpha=1.0):
        """x for x > 0, alpha (e^x - 1) otherwise."""
        return activations.ELU.apply(self, alpha=alpha)

    def silu(self):
        """x * sigmoid(x)."""
        return activations.SiLU.apply(self)

    def softplus(self, beta=1.0, threshold=20.0):
        """ln(1 + e^(beta x)) / beta."""
        return activations.Softplus.apply(self, beta=beta, threshold=threshold)

    def hardlim(self):
        """Step function: 1 where x >= 0, else 0 (zero gradient)."""
        return activations.Hardlim.apply(self)

    def softmax(self, dim=-1):
        """Softmax along ``dim``."""
        return activations.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim=-1):
        """log(softmax(x)) along ``dim``, computed stably."""
        return activations.LogSoftmax.apply(self, dim=dim)


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _unwrap_index(index):
    """Replace Tensors inside an index by their arrays (so x[mask] and x[idx] work with tensor masks/indices)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(part.data if isinstance(part, Tensor) else part for part in index)
    return index


def _pick(dim, axis):
    return axis if axis is not None else dim


def _keep(keepdims, keepdim):
    return bool(keepdim) if keepdim is not None else bool(keepdims)


def _shape_arg(args):
    """Accept both reshape(2, 3) and reshape((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    for n in args:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"shape/axes entries must be integers, got {args!r}")
    return tuple(int(n) for n in args)


def shape_ops_flatten(x, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim of x into one (a reshape)."""
    ndim = max(x.ndim, 1)
    for name, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"flatten: {name} must be an integer, got {dim!r}")
        if not -ndim <= dim < ndim:
            raise ValueError(f"flatten: {name}={dim} is out of range for a tensor of shape {x.shape} "
                             f"(valid: {-ndim} to {ndim - 1})")
    start, end = start_dim % ndim, end_dim % ndim
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape_in = x.shape
    merged = int(np.prod(shape_in[start:end + 1]))
    return shape_ops.Reshape.apply(x, shape_in[:start] + (merged,) + shape_in[end + 1:])


# Imported last: these modules import Function from tinynet.autograd, which imports Tensor from here.
from tinynet import autograd  # noqa: E402
from tinynet.ops import activations, elementwise, matmul, reduce  # noqa: E402
from tinynet.ops import cast as cast_op  # noqa: E402
from tinynet.ops import shape as shape_ops  # noqa: E402

