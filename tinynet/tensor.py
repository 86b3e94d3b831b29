"""The Tensor: a numpy array plus what autograd needs (requires_grad, grad, and the node that made it).

A Tensor made by the user is a *leaf*.  A Tensor produced by an op on
tensors that require gradients carries ``_node``: the op that made it and
its parents (see ``tinynet/autograd/function.py``).  ``loss.backward()``
follows those nodes back to the leaves and adds dL/d(leaf) to each leaf's
``.grad`` (``tinynet/autograd/engine.py``).

This file says what a Tensor *is*.  What you can *do* with one -- ``x + y``,
``x.exp()``, ``x.sum(dim=1)``, ``loss.backward()`` -- is the ops' public
functions, attached as methods in one table, ``tinynet/ops/tensor_methods.py``:
``x.exp()`` is ``tinynet.exp(x)``, and the op's math sits beside that function
in its ``tinynet/ops`` file.  (That keeps this bottom layer free of imports
from the layers above it.)
"""

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_array(data, dtype=None):
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


def check_can_require_grad(dtype):
    """Only floating-point tensors can require gradients (a step of 1 has no meaning for an integer)."""
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"only float32/float64 tensors can require gradients, got dtype {dtype}")


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
        self.data = as_array(data, dtype)
        if requires_grad:
            check_can_require_grad(self.data.dtype)
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

    # ---- autograd state ------------------------------------------------------

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
        if requires_grad:
            check_can_require_grad(self.data.dtype)
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

    # ---- Python protocols ----------------------------------------------------

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

    # == is elementwise (attached in tensor_methods.py), so tensors are hashed by identity.
    __hash__ = object.__hash__

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
