"""``tinynet.autograd.Function``: PyTorch's way to define your own op, with Tensors in and out.

tinynet's own ops (``tinynet/ops``) are ``function.Function`` subclasses whose
forward and backward see numpy arrays.  Code written for PyTorch defines ops
on Tensors instead::

    class Exp(tinynet.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    y = Exp.apply(x)

This class runs exactly that: ``forward`` gets the Tensors (and other
arguments) as given, with recording off, and returns a Tensor; ``backward``
gets dL/d(output) as a Tensor and returns one gradient per forward argument
(a Tensor, or None).  As in PyTorch, a tensor saved with ``save_for_backward``
must not be changed in place before backward runs.
"""

import functools

from tinynet.autograd import function, grad_mode
from tinynet.tensor import Tensor, VersionCounter


class FunctionCtx(function.Node):
    """The ``ctx`` of a user-defined Function: save_for_backward, saved_tensors, needs_input_grad."""

    def mark_dirty(self, *tensors):
        """Accepted for PyTorch compatibility (tinynet tracks in-place changes with version counters)."""

    def mark_non_differentiable(self, *tensors):
        """Accepted for PyTorch compatibility; such outputs simply get gradients nobody uses."""

    def set_materialize_grads(self, value):
        """Accepted for PyTorch compatibility: backward always receives a gradient tensor here."""


@functools.lru_cache(maxsize=None)
def _array_adapter(user_class):
    """A tinynet op (arrays in and out) that runs the user's Tensor-level backward."""

    def backward(ctx, grad_output):
        grads = user_class.backward(ctx, Tensor._from_array(grad_output, False))
        grads = grads if isinstance(grads, tuple) else (grads,)
        count = len(ctx.parents)  # one gradient per argument of forward, as PyTorch asks (extra Nones are fine)
        if len(grads) < count or any(grad is not None for grad in grads[count:]):
            raise RuntimeError(f"{user_class.__name__}.backward returned {len(grads)} gradients, but forward "
                               f"took {count} arguments: return one per argument (None where none)")
        return grads[:count]

    return type(user_class.__name__, (function.Function,), {"backward": staticmethod(backward),
                                                            "__doc__": user_class.__doc__})


class Function:
    """Base class for ops you define yourself, as in PyTorch: subclass it with static ``forward(ctx, ...)``
    and ``backward(ctx, grad_output)`` working on Tensors, and call ``YourOp.apply(...)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the output Tensor from the arguments; save what backward needs with ctx.save_for_backward."""
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, grad_output):
        """Return dL/d(argument) for each argument of forward (a Tensor, or None)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and, when a gradient is wanted, record a node whose backward is this class's."""
        needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = any(needs_input_grad) and grad_mode.is_grad_enabled()
        ctx = FunctionCtx(_array_adapter(cls), args, needs_input_grad)
        with grad_mode.no_grad():
            output = cls.forward(ctx, *args, **kwargs)
        if isinstance(output, (tuple, list)):
            raise NotImplementedError(f"{cls.__name__}.forward returned {len(output)} outputs; tinynet's "
                                      "user-defined Functions return a single Tensor")
        if not isinstance(output, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, got {type(output).__name__}")
        if any(output is a for a in args):  # returned an input as is: hand back a new tensor over its values
            output = output._view(output._array)
        if record:
            output.requires_grad = True
            output._node = ctx
            ctx.edges = tuple(function._edge(a) if needs else None for a, needs in zip(args, needs_input_grad))
            ctx.tensor_versions = tuple((t._version_counter(), t._version_counter().value)
                                        for t in ctx.__dict__.get("saved_tensors", ()) if isinstance(t, Tensor))
            ctx.saved_at = VersionCounter.changes
        return output
