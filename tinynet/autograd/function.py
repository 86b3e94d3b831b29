"""Function and Node: how one op is recorded into the graph.

Every differentiable op is a ``Function`` subclass with a ``forward`` (numpy
arrays in, a numpy array out) and a ``backward`` (dL/d output in, dL/d each
input out).  ``Function.apply`` runs ``forward`` and, if any input requires a
gradient and grad mode is on, hangs a ``Node`` on the output tensor: the op,
its parent tensors, and whatever ``forward`` saved.  The engine
(``engine.py``) later walks those nodes backwards.
"""

from tinynet.autograd import grad_mode, hooks
from tinynet.tensor import Tensor


class Node:
    """One application of an op in the graph; also the ``ctx`` its forward and backward share.

    ``function`` is the Function subclass, ``parents`` the inputs as given
    (Tensors, or other values such as Python scalars, which get no gradient),
    ``needs_input_grad[i]`` whether input i wants a gradient.  ``forward`` may
    keep anything backward needs with ``save_for_backward`` or as attributes.
    """

    # The graph fields are slots; whatever forward saves goes into the instance __dict__,
    # so release() can drop it all at once.
    __slots__ = ("function", "parents", "needs_input_grad", "released", "__dict__")

    def __init__(self, function, parents, needs_input_grad):
        self.function = function
        self.parents = parents
        self.needs_input_grad = needs_input_grad
        self.released = False

    @property
    def op_name(self):
        """The op's name, e.g. "Mul" -- what a graph drawing labels this node with."""
        return self.function.__name__

    def save_for_backward(self, *values):
        """Keep arrays (or anything) that backward will need; read them back as ``saved_tensors``."""
        self.saved_tensors = values

    def release(self):
        """Drop everything forward saved (the graph's memory); the node stays in the graph, unusable for backward."""
        self.__dict__.clear()
        self.released = True

    def __repr__(self):
        return f"<Node {self.op_name}>"


class Function:
    """Base class of every differentiable op.

    Subclasses define two static methods::

        forward(ctx, *inputs, **options) -> numpy array
        backward(ctx, grad_output) -> one gradient per positional input (numpy array or None)

    Trailing positional inputs that are settings rather than tensors (a
    shape, an index) may be left out of backward's result: zip stops early.

    ``forward`` receives the inputs' numpy arrays (Tensors are unwrapped;
    other values pass through).  ``backward`` receives dL/d(output), shaped
    like the output, and returns dL/d(input i) shaped exactly like input i --
    gradients of broadcast inputs must be summed back to the input's shape.
    Call an op with ``MyOp.apply(*inputs, **options)``; it returns a Tensor.
    """

    @staticmethod
    def forward(ctx, *inputs):
        """Compute the op's output from numpy inputs, saving what backward needs on ctx."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        """Return the gradient of the loss with respect to each positional input."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run ``forward`` on the inputs and, when a gradient is wanted, record a Node on the result."""
        arrays = []
        needs_input_grad = []
        for value in inputs:
            if isinstance(value, Tensor):
                arrays.append(value.data)
                needs_input_grad.append(value.requires_grad)
            else:
                arrays.append(value)
                needs_input_grad.append(False)
        record = True in needs_input_grad and grad_mode.is_grad_enabled()
        ctx = Node(cls, inputs, needs_input_grad)
        output = cls.forward(ctx, *arrays, **options)
        if hooks.forward_check is not None:
            hooks.forward_check(ctx, output)
        result = Tensor._from_array(output, record)
        if record:
            result._node = ctx
        return result
