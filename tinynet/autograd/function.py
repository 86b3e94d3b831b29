"""Function and Node: how one op is recorded into the graph.

Every differentiable op is a ``Function`` subclass with a ``forward`` (numpy
arrays in, a numpy array out) and a ``backward`` (dL/d output in, dL/d each
input out).  ``Function.apply`` runs ``forward`` and, if any input requires a
gradient and grad mode is on, hangs a ``Node`` on the output tensor: the op,
its inputs, and whatever ``forward`` saved.

A node's ``edges`` say where each input's gradient goes next: to the node
that produced that input, or -- for a leaf that requires grad -- to the leaf
itself, whose ``.grad`` collects it.  The edges are fixed when the op runs, so
changing a tensor in place later (which gives it a new node) cannot reroute
gradients of ops that used its old value.  The engine (``engine.py``) walks
these edges backwards.
"""

import numpy as np

from tinynet import checks
from tinynet.autograd import grad_mode, hooks
from tinynet.tensor import Tensor, VersionCounter


class Node:
    """One application of an op in the graph; also the ``ctx`` its forward and backward share.

    ``function`` is the Function subclass, ``parents`` the inputs as given
    (Tensors, or other values such as Python scalars, which get no gradient),
    ``needs_input_grad[i]`` whether input i wants a gradient, ``edges[i]``
    where that gradient goes (a Node, a leaf Tensor, or None).  ``forward``
    may keep anything backward needs with ``save_for_backward`` or as attributes.
    """

    # The graph fields and the flags the engine reads for every node are slots (the quickest attributes to
    # read); whatever forward saves goes into the instance __dict__, so release() can drop it all at once.
    __slots__ = ("function", "parents", "needs_input_grad", "edges", "released", "watched", "saved_at",
                 "__dict__")

    # Set on the nodes that need them (in __dict__, so release() drops them too).
    # For the check that no value saved for backward has changed in place since (engine.check_saved_versions):
    input_versions = None  # each input's version when the op ran (None: every input was at version 0)
    output_counter = None  # the output's version counter, once it has one, when forward saved the output itself
    tensor_versions = ()  # (version counter, version) of each Tensor a user-defined Function saved
    # For the output tensor's retain_grad and register_hook, when watched is true:
    retained = None  # the output tensor, when it asked to keep its gradient (retain_grad)
    tensor_hooks = None  # the output tensor's gradient hooks (register_hook)

    def __init__(self, function, parents, needs_input_grad):
        self.function = function
        self.parents = parents
        self.needs_input_grad = needs_input_grad  # (edges are set when the node is recorded into a graph)
        self.released = False  # True once release() has dropped what forward saved
        self.watched = False  # True once the output tensor asks for retain_grad or a gradient hook
        self.saved_at = None  # VersionCounter.changes when forward saved values (None: nothing to check)

    @property
    def op_name(self):
        """The op's name, e.g. "Mul" -- what a graph drawing labels this node with."""
        return self.function.__name__

    def name(self):
        """PyTorch's name for this node, e.g. "MulBackward"."""
        return self.op_name + "Backward"

    @property
    def next_functions(self):
        """``((next node, 0), ...)``, one per input: where each input's gradient goes (PyTorch's grad_fn API).

        A leaf that requires grad appears as an ``AccumulateGrad`` whose ``variable`` is the leaf;
        an input that needs no gradient as None.
        """
        return tuple((AccumulateGrad(edge) if isinstance(edge, Tensor) else edge, 0) for edge in self.edges)

    def save_for_backward(self, *values):
        """Keep arrays (or anything) that backward will need; read them back as ``saved_tensors``."""
        self.saved_tensors = values
        self.saved_at = VersionCounter.changes  # (backward checks for in-place changes only if this has moved on)

    def note_output_counter(self, counter, array):
        """The output tensor (holding ``array``) has just been given a version counter, at 0: if forward saved
        the output itself, keep the counter, so that backward sees any later in-place change of it."""
        if any(saved is array for saved in self.__dict__.get("saved_tensors", ())):
            self.output_counter = counter

    def release(self):
        """Drop everything forward saved (the graph's memory); the node stays in the graph, unusable for backward."""
        self.__dict__.clear()
        self.released = True

    def __repr__(self):
        return f"<{self.name()}>"


class AccumulateGrad:
    """The end of a path in the graph: a leaf tensor, where backward adds the gradient into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    next_functions = ()

    def name(self):
        """PyTorch's name for it."""
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def saved_memory_of(node, index):
    """True if one of the arrays ``node`` saved is input ``index``'s array or a view of the same memory
    (numpy's ``base`` is the array that owns the memory)."""
    array = node.parents[index]._array
    for saved in node.__dict__.get("saved_tensors", ()):
        if type(saved) is np.ndarray and (saved is array or (saved.base is not None and (
                saved.base is array or saved.base is array.base))):
            return True
    return False


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

    An op whose output may be a view of its first input (reshape, permute,
    basic indexing) is a ``ViewFunction`` instead.
    """

    # True when backward returns only new arrays, a different one for each input, that nothing else refers
    # to: the engine may then make one a leaf's first .grad without copying it (engine.run_backward).
    fresh_gradients = False

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
        edges = []  # where each input's gradient goes: the node that made it, the leaf itself, or nowhere
        versioned = False  # whether an input has a version counter (has been changed in place, or has a view)
        for value in inputs:
            if isinstance(value, Tensor):
                arrays.append(value._array)
                needs_input_grad.append(value.requires_grad)
                edges.append((value._node or value) if value.requires_grad else None)
                if value._version is not None:
                    versioned = True
            else:
                arrays.append(value)
                needs_input_grad.append(False)
                edges.append(None)
        record = True in needs_input_grad and grad_mode.state.enabled
        ctx = Node(cls, inputs, needs_input_grad)
        try:
            output = cls.forward(ctx, *arrays, **options)
        except ValueError as error:  # numpy's broadcasting error is PyTorch's RuntimeError
            raise checks.broadcast_error(error, cls.__name__) from None
        if hooks.forward_check is not None:
            hooks.forward_check(ctx, output)
        result = Tensor._from_array(output, record)
        if record:
            ctx.edges = edges
            if versioned and ctx.saved_at is not None:
                # What backward's check of the saved values needs (engine.check_saved_versions).  An input
                # without a counter is at version 0; the output's counter, if it ever gets one, reaches the
                # node through note_output_counter.
                ctx.input_versions = [value._version_number if isinstance(value, Tensor) else 0 for value in inputs]
            result._node = ctx
        return result


def _edge(tensor):
    """Where a gradient for ``tensor`` goes: the node that made it, or the leaf itself."""
    return tensor._node if tensor._node is not None else tensor


class ViewFunction(Function):
    """An op whose output may be a view of its first input (reshape, permute, basic indexing).

    When numpy does return a view, the output shares that input's memory, so it shares its version counter
    too (an in-place change through either is a change of both) and remembers the tensor it views (``_base``).
    """

    @classmethod
    def apply(cls, *inputs, **options):
        """``Function.apply``, then the output joins its input's version counter if it is a view of it."""
        result = super().apply(*inputs, **options)
        base = inputs[0]
        if np.may_share_memory(result._array, base._array):
            result._version = base._version_counter()
            result._base = base._base if base._base is not None else base
        return result
