"""The Tensor: a numpy array plus what autograd needs (requires_grad, grad, and the node that made it).

A Tensor made by the user is a *leaf*.  A Tensor produced by an op on
tensors that require gradients carries ``_node``: the op that made it and
its parents (see ``tinynet/autograd/function.py``).  ``loss.backward()``
follows those nodes back to the leaves and adds dL/d(leaf) to each leaf's
``.grad`` (``tinynet/autograd/engine.py``).

The values live in ``_array``, a numpy array (``x.numpy()`` hands it out).
Every change made to them in place -- ``x += 1``, ``x[0] = 5``, an optimizer
step -- adds one to the tensor's *version*.  A graph node remembers the
version of each value it saved for backward, and backward refuses to run
with a value that has changed since (as PyTorch does), instead of computing
a silently wrong gradient.  A view (``x.view(...)``, ``x[0]``, ``x.T``,
``x.detach()``, ``x.data``) shares its base's memory and its version counter.

This file says what a Tensor *is*.  What you can *do* with one -- ``x + y``,
``x.exp()``, ``x.sum(dim=1)``, ``loss.backward()`` -- is the ops' public
functions, attached as methods in one table, ``tinynet/ops/tensor_methods.py``:
``x.exp()`` is ``tinynet.exp(x)``, and the op's math sits beside that function
in its ``tinynet/ops`` file.  (That keeps this bottom layer free of imports
from the layers above it.)
"""

import numbers

import numpy as np

from tinynet import dtypes, printing
from tinynet.devices import CPU
from tinynet.devices import check as check_device
from tinynet.size import Size

FLOAT_DTYPES = dtypes.FLOAT_DTYPES


def as_array(data, dtype=None):
    """``data`` as an ndarray of an allowed dtype, without copying an ndarray that already fits."""
    if isinstance(data, Tensor):
        data = data._array
    dtype = dtypes.resolve(dtype)
    if isinstance(data, np.ndarray):
        array = data if dtype is None or data.dtype == dtype else data.astype(dtype)
    else:
        array = np.asarray(data, dtype=dtype)
        # Python floats become the default dtype (float32 unless changed, as in PyTorch), not numpy's float64.
        if dtype is None and array.dtype == np.float64 and not isinstance(data, np.floating):
            array = array.astype(dtypes.get_default_dtype(), copy=False)
    if not isinstance(data, np.ndarray) and (array.dtype == np.uint64 or (  # (numpy's types for ints past int64's)
            array.dtype == object and any(isinstance(value, numbers.Integral) for value in array.flat))):
        raise ValueError(f"Overflow when unpacking long long: an integer beyond int64's range in the data (from "
                         f"{type(data).__name__})")
    if array.dtype not in FLOAT_DTYPES and array.dtype.kind not in "iub":
        raise TypeError(
            f"Tensor data must be float32, float64, integer or bool, got dtype {array.dtype} "
            f"(from {type(data).__name__})"
        )
    return array


class VersionCounter:
    """How many times a tensor's values have been changed in place; shared by a tensor and its views."""

    __slots__ = ("value",)
    # In-place changes made to any tensor so far.  A graph node notes it when it saves values for backward;
    # if it is the same when backward runs, nothing at all has changed in place since, and backward skips
    # looking for changed values (the usual case: an optimizer changes the weights after backward, not before).
    changes = 0

    def __init__(self):
        self.value = 0


def check_can_require_grad(dtype):
    """Only floating-point tensors can require gradients (a step of 1 has no meaning for an integer)."""
    if dtype not in FLOAT_DTYPES:
        raise RuntimeError(f"only float32/float64 tensors can require gradients, got dtype {dtype}")


def legacy_array(args, dtype, owner):
    """The array of PyTorch's legacy constructors, ``torch.Tensor(...)`` and ``torch.FloatTensor(...)``.

    No arguments: empty.  Integers (or one Size): a new array of that shape, zero-filled (PyTorch leaves
    it uninitialised).  One list or array: its values in ``dtype``, sharing an array already of ``dtype``.
    """
    if not args:
        return np.zeros(0, dtype)
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) for n in args):
        if any(n < 0 for n in args):
            raise RuntimeError(f"{owner}: negative dimension in size {list(args)}")
        return np.zeros(tuple(int(n) for n in args), dtype)
    if len(args) != 1:
        raise TypeError(f"{owner}() takes data (a list or an array) or a shape of integers, got {args!r}")
    data = args[0]
    if not isinstance(data, (list, tuple, np.ndarray)):
        raise TypeError(f"{owner}(): data must be a sequence (got {type(data).__name__})")
    if isinstance(data, np.ndarray) and data.dtype.kind not in "fiub":
        raise TypeError(f"{owner}(): can't convert an array of dtype {data.dtype} (numbers or bools only)")
    return np.asarray(data, dtype=dtype)


class Tensor:
    """An n-dimensional array that can record the operations applied to it and backpropagate.

    ``Tensor(...)`` is PyTorch's legacy constructor, as ``torch.Tensor(...)``: ``Tensor(data)`` holds a
    list's or an array's values in the default dtype (float32 unless changed; an array already of that
    dtype is shared, not copied), ``Tensor(2, 3)`` is a new 2x3 tensor (zeros), ``Tensor()`` an empty one,
    and ``Tensor(t)`` of a Tensor shares ``t``'s values and dtype.  ``tinynet.tensor(data)`` keeps the
    data's own dtype.  float32 and float64 are differentiable; integer and bool tensors (labels, masks)
    are not.
    """

    __slots__ = ("_array", "requires_grad", "_grad", "_node", "_version", "_base", "_hooks", "__weakref__")
    # Make numpy hand `ndarray + Tensor` to Tensor.__radd__ instead of looping over the Tensor.
    __array_ufunc__ = None

    def __init__(self, *args, requires_grad=False, device=None):
        check_device(device, "Tensor")
        if len(args) == 1 and isinstance(args[0], Tensor):  # its values shared, in its own dtype
            self._init_leaf(args[0]._array, requires_grad)
            self._version = args[0]._version_counter()
        else:
            self._init_leaf(legacy_array(args, dtypes.get_default_dtype(), "Tensor"), requires_grad)

    @staticmethod
    def _from_data(data, requires_grad=False, dtype=None):
        """A leaf over ``data`` (an ndarray -- kept without copying when its dtype fits --, a list, a number)
        in the dtype ``tinynet.tensor`` would give it: how tinynet's own code wraps values."""
        tensor = Tensor.__new__(Tensor)
        tensor._init_leaf(as_array(data, dtype), requires_grad)
        return tensor

    def _init_leaf(self, array, requires_grad):
        """Make this a leaf tensor over ``array``."""
        if requires_grad:
            check_can_require_grad(array.dtype)
        self._array = array
        self.requires_grad = bool(requires_grad)
        self._grad = None
        self._node = None
        self._version = None  # a VersionCounter, made when first needed (_version_counter())
        self._base = None  # the tensor this one is a view of, if any
        self._hooks = None  # a leaf's gradient hooks (register_hook)

    @staticmethod
    def _from_array(array, requires_grad):
        """Wrap an op's output array without any checks (the fast path used by every op)."""
        tensor = Tensor.__new__(Tensor)
        tensor._array = array if type(array) is np.ndarray else np.asarray(array)
        tensor.requires_grad = requires_grad
        tensor._grad = None
        tensor._node = None
        tensor._version = None
        tensor._base = None
        tensor._hooks = None
        return tensor

    def _view(self, array):
        """A tensor over (part of) this one's memory: it shares the version counter, outside the graph."""
        view = Tensor._from_array(array, False)
        view._version = self._version_counter()
        return view

    # ---- the values ------------------------------------------------------------

    @property
    def data(self):
        """This tensor's values as a Tensor outside the graph (PyTorch's ``.data``): same memory, no gradient.

        Changing ``x.data`` in place changes ``x`` (and counts as a change of ``x``'s version).
        Assigning ``x.data = values`` replaces the values, shape and dtype included.
        """
        return self._view(self._array)

    @data.setter
    def data(self, values):
        array = values._array if isinstance(values, Tensor) else np.asarray(values)
        if self.requires_grad:
            check_can_require_grad(array.dtype)
        self._array = array

    def numpy(self):
        """The values as a numpy array, sharing memory (no copy).

        For a tensor that requires grad the array is read-only: writing into it would change values
        autograd relies on behind its back.  ``x.detach().numpy()`` gives a writable one.
        """
        if self.requires_grad:
            view = self._array.view()
            view.flags.writeable = False
            return view
        return self._array

    def __array__(self, dtype=None, copy=None):
        """numpy's conversion protocol: ``np.asarray(x)`` gives x's values."""
        array = self._array if dtype is None else self._array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def _version_counter(self):
        """This tensor's VersionCounter (shared with its views), made on first use: most tensors never need one.

        A tensor's values can only be changed in place through its counter (its own, or a view's, which is
        made from it), so the op that made the tensor is told when the counter is made: if that op saved its
        output for backward (tanh, exp, sigmoid), backward must check the counter is still at 0.
        """
        counter = self._version
        if counter is None:
            counter = self._version = VersionCounter()
            if self._node is not None:
                self._node.note_output_counter(counter, self._array)
        return counter

    def _bump_version(self):
        """Record that the values were just changed in place."""
        self._version_counter().value += 1
        VersionCounter.changes += 1

    # ---- autograd state ------------------------------------------------------

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (the ones whose .grad backward fills)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The graph Node that produced this tensor (op name, parents), or None for a leaf."""
        return self._node

    @property
    def _version_number(self):
        """How many in-place changes this tensor's values have seen (PyTorch's ``_version``)."""
        return 0 if self._version is None else self._version.value

    def detach(self):
        """A new leaf Tensor sharing this one's values (and version counter), cut off from the graph."""
        return self._view(self._array)

    @property
    def grad(self):
        """The gradient backward has accumulated for this tensor (a leaf's, or a retained one's); None before."""
        return self._grad

    @grad.setter
    def grad(self, value):
        """As in PyTorch, only a tensor of this tensor's shape and dtype (or None) can be its gradient: one of
        another shape would be broadcast into by the next backward, or refused only at the optimizer's step."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._array.shape != self._array.shape:
                raise RuntimeError(f"attempting to assign a gradient of size {list(value._array.shape)} to a tensor "
                                   f"of size {list(self._array.shape)}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype {value._array.dtype} to a tensor "
                                   f"with dtype {self._array.dtype}")
        self._grad = value

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place (only on a leaf, and only float tensors can require it); returns self."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; use detach() to get a "
                               "tensor that does not require grad")
        if requires_grad:
            check_can_require_grad(self._array.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self):
        """Forget the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    # ---- array facts -------------------------------------------------------

    @property
    def shape(self):
        """The shape: a ``tinynet.Size``, a tuple of ints (PyTorch's ``torch.Size``)."""
        return Size._of(self._array.shape)

    @property
    def dtype(self):
        """The dtype: a numpy dtype, equal to tinynet's (``x.dtype == tinynet.float32``; see ``tinynet/dtypes.py``)."""
        return self._array.dtype

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._array.ndim

    @property
    def device(self):
        """Where the values live: always the CPU (``tinynet.device("cpu")``; see ``tinynet/devices.py``)."""
        return CPU

    @property
    def is_cuda(self):
        """False: tinynet tensors live on the CPU."""
        return False

    def size(self, dim=None):
        """The shape (a Size, as PyTorch's ``size()``), or the length of dimension ``dim``."""
        return Size._of(self._array.shape) if dim is None else self._array.shape[dim]

    def numel(self):
        """The number of elements."""
        return self._array.size

    def item(self):
        """The single element as a Python number (the tensor must hold exactly one)."""
        if self._array.size != 1:
            raise RuntimeError(f"item() needs a one-element tensor, got shape {self.shape}")
        return self._array.item()

    def tolist(self):
        """The data as (nested) Python lists."""
        return self._array.tolist()

    # ---- Python protocols ----------------------------------------------------

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._array.size} elements is ambiguous")
        return bool(self._array)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self.dtype}")
        return int(self.item())

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # == is elementwise (attached in tensor_methods.py), so tensors are hashed by identity.
    __hash__ = object.__hash__

    def __repr__(self):
        return printing.tensor_repr(self, dtypes.get_default_dtype())  # PyTorch's format (printing.py)

    def __format__(self, spec):
        return printing.tensor_format(self, spec)
