"""In-place operations: ``x += y``, ``x.add_(y)``, ``x[i] = v``, ``x.zero_()``, ... as in PyTorch.

An in-place op writes its result into the tensor's own memory and adds one
to the tensor's version (see tensor.py).  Its gradient is that of the
out-of-place op it stands for -- ``x.mul_(y)`` differentiates like
``x * y`` -- so each one here is that op, run and then written back:

* Under ``no_grad`` (optimizer updates, initialisation) or when nothing
  involved requires grad, numpy does the work in place and nothing is recorded.
* Otherwise the out-of-place op is recorded on a stand-in for the old value
  (a copy that takes over the tensor's place in the graph), its result is
  written into the tensor, and the tensor's node becomes the new op's.
  Ops recorded earlier keep their edges to the old node, so their gradients
  still flow where they should; one that saved the old values will refuse
  to backpropagate (its saved version no longer matches).

As in PyTorch, a leaf that requires grad cannot be changed in place while
grad mode is on (its ``.grad`` would stop meaning anything), and the result
must keep the tensor's shape and fit its dtype.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd import grad_mode
from tinynet.autograd.function import Function
from tinynet.ops import elementwise
from tinynet.ops.broadcasting import sum_to_shape
from tinynet.ops.operands import operand
from tinynet.ops.shape import unwrap_index
from tinynet.generator import numpy_generator
from tinynet.tensor import Tensor


def _recording(tensor, others):
    """Whether the change must be recorded in the graph; raises for the changes PyTorch refuses."""
    if not grad_mode.is_grad_enabled():
        return False
    others_grad = any(isinstance(o, Tensor) and o.requires_grad for o in others)
    if tensor.requires_grad and tensor._node is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation. "
                           "(Change it under tinynet.no_grad(), as optimizers do.)")
    if tensor._base is not None and (tensor.requires_grad or others_grad or tensor._base.requires_grad):
        raise RuntimeError("an in-place change of a view of a tensor that takes part in autograd is not supported "
                           "by tinynet; change a copy instead (y = x.clone(); y[...] = ...)")
    return tensor.requires_grad or others_grad


def _write(tensor, values):
    """Copy ``values`` into the tensor's memory: same shape, and a dtype that casts to it (same kind)."""
    if values.shape != tensor.shape:
        raise RuntimeError(f"output with shape {list(tensor.shape)} doesn't match the broadcast shape "
                           f"{list(values.shape)} of the in-place operation")
    if not np.can_cast(values.dtype, tensor.dtype, casting="same_kind"):
        raise RuntimeError(f"result type {values.dtype} can't be cast to the desired output type {tensor.dtype}")
    np.copyto(tensor._array, values, casting="same_kind")
    tensor._bump_version()


def _rebase(tensor, result):
    """Make ``tensor`` the output of ``result``'s node (its gradient hooks and retain_grad move along)."""
    node = result._node
    old = tensor._node
    if old is not None:
        node.retained, node.tensor_hooks, node.watched = old.retained, old.tensor_hooks, old.watched
        old.retained, old.tensor_hooks, old.watched = None, None, False
    tensor._node = node
    tensor.requires_grad = True


def apply_inplace(tensor, out_of_place, *others, **options):
    """Change ``tensor`` to ``out_of_place(tensor, *others, **options)`` in place; returns ``tensor``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"in-place operations need a Tensor, got {type(tensor).__name__}")
    if not _recording(tensor, others):
        with grad_mode.no_grad():
            result = out_of_place(tensor, *others, **options)
        _write(tensor, result._array)
        return tensor
    stand_in = Tensor._from_array(tensor._array.copy(), tensor.requires_grad)
    stand_in._node = tensor._node
    result = out_of_place(stand_in, *others, **options)
    _write(tensor, result._array)
    _rebase(tensor, result)
    return tensor


def add_(input, other, *, alpha=1):
    """input += alpha * other, in place."""
    return apply_inplace(input, elementwise.add, operand(other), alpha=alpha)


def sub_(input, other, *, alpha=1):
    """input -= alpha * other, in place."""
    return apply_inplace(input, elementwise.sub, operand(other), alpha=alpha)


def mul_(input, other):
    """input *= other, in place."""
    return apply_inplace(input, elementwise.mul, operand(other))


def div_(input, other):
    """input /= other, in place."""
    return apply_inplace(input, elementwise.div, operand(other))


def pow_(input, exponent):
    """input **= exponent, in place."""
    return apply_inplace(input, elementwise.pow, operand(exponent))


def clamp_(input, min=None, max=None):
    """Limit input to [min, max], in place."""
    return apply_inplace(input, elementwise.clamp, min=min, max=max)


class Fill(Function):
    """x's shape filled with value (broadcast, cast to x's dtype).   d/dx = 0 (the old values are gone);
    d/dvalue = the gradient summed over the places value was copied to."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = np.shape(value)
        out = np.empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad
        return (np.zeros_like(grad) if need_x else None,
                sum_to_shape(grad, ctx.value_shape) if need_value else None)


def fill_(input, value):
    """Set every element to ``value`` (a number or a one-element tensor), in place."""
    return apply_inplace(input, Fill.apply, operand(value))


def zero_(input):
    """Set every element to 0, in place."""
    return apply_inplace(input, Fill.apply, 0)


def _fill_with(input, draw, owner, kinds="f"):
    """Write freshly drawn random values of input's shape into it (no gradient flows through random numbers);
    ``kinds``: the numpy dtype kinds the fill is defined for (float only, unless the draw is of integers)."""
    if input.dtype.kind not in kinds:
        raise NotImplementedError(f"{owner} is implemented for float tensors only, got dtype {input.dtype}")
    if _recording(input, ()):
        raise RuntimeError(f"{owner}: a random fill of a tensor inside the graph is not recorded by tinynet; "
                           f"fill it under tinynet.no_grad() (or fill x.data)")
    _write(input, draw(input.shape).astype(input.dtype, copy=False))  # (bool and integer draws cast exactly)
    return input


def uniform_(input, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from U(a, b), in place, from tinynet's generator (``tinynet.manual_seed`` seeds it)."""
    a, b = checks.real_number(a, "from", "uniform_"), checks.real_number(b, "to", "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill_with(input, lambda shape: numpy_generator(generator).uniform(a, b, size=shape), "uniform_")


def normal_(input, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2), in place, from tinynet's generator."""
    mean, std = checks.real_number(mean, "mean", "normal_"), checks.real_number(std, "std", "normal_")
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    return _fill_with(input, lambda shape: numpy_generator(generator).normal(mean, std, size=shape), "normal_")


def copy_(input, source):
    """Copy ``source`` into input's memory (broadcast to its shape, cast to its dtype), in place."""
    return apply_inplace(input, Fill.apply, operand(source))


class IndexPut(Function):
    """x with x[index] replaced by values.   d/dx = 1 outside the index, 0 inside; d/dvalues = grad[index]."""

    @staticmethod
    def forward(ctx, x, values, index):
        ctx.index = index
        ctx.values_shape = np.shape(values)
        out = x.copy()
        out[index] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_values = ctx.needs_input_grad[:2]
        grad_x = grad_values = None
        if need_x:
            grad_x = grad.copy()
            grad_x[ctx.index] = 0
        if need_values:
            grad_values = sum_to_shape(np.asarray(grad[ctx.index]), ctx.values_shape)
        return grad_x, grad_values


def _index_put(input, values, index):
    return IndexPut.apply(input, values, index)


def setitem(input, index, value):
    """``input[index] = value``: an in-place change of the selected elements (differentiable in both)."""
    index = unwrap_index(index)
    value = operand(value)
    if not _recording(input, (value,)):
        try:
            input._array[index] = value._array if isinstance(value, Tensor) else value
        except ValueError as error:  # numpy's broadcasting error is PyTorch's RuntimeError
            raise checks.broadcast_error(error, "setitem") from None
        input._bump_version()
        return
    apply_inplace(input, _index_put, value, index)


def _inplace_operator(function):
    """x += y must change x itself (PyTorch's semantics), then rebind the name to the same tensor."""
    def operator(self, other):
        return function(self, other)
    operator.__name__ = function.__name__
    operator.__doc__ = function.__doc__
    return operator


iadd = _inplace_operator(add_)
isub = _inplace_operator(sub_)
imul = _inplace_operator(mul_)
itruediv = _inplace_operator(div_)


def twin(function):
    """The in-place twin of a one-tensor op: ``x.exp_()`` is ``x`` changed to ``exp(x)``."""
    def method(input, *args, **kwargs):
        return apply_inplace(input, function, *args, **kwargs)
    method.__name__ = function.__name__ + "_"
    method.__doc__ = f"{function.__name__}, in place: the tensor itself is changed and returned."
    return method
