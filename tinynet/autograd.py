"""The autograd engine: recording ops into a graph and running the chain rule backwards.

How it works, in four sentences.  Every differentiable op is a ``Function``
subclass with a ``forward`` (numpy arrays in, a numpy array out) and a
``backward`` (dL/d output in, dL/d each input out).  ``Function.apply`` runs
``forward`` and, if any input requires a gradient and grad mode is on, hangs a
``Node`` on the output tensor: the op's name, its parent tensors, and whatever
``forward`` saved.  ``backward(root)`` orders the nodes so that each one comes
after every node that uses its output (an iterative depth-first search, so a
graph 100,000 ops deep is fine), then walks that order calling each node's
``backward`` once, with the sum of the gradients that flowed into it.
Leaf tensors (made by the user, ``requires_grad=True``) add what reaches them
to their ``.grad``.

Tracing hook: every node's backward goes through ``run_node_backward``, and
each callable in ``backward_listeners`` is called as
``listener(node, grad_output, input_grads)`` right after it -- a visualiser
can append to that list to watch the backward pass.
"""

import functools

import numpy as np

# Whether ops record a graph.  One switch for the process (not per thread):
# tinynet is single-threaded at the Python level.
_grad_enabled = True

# Callables listener(node, grad_output, input_grads), called after each node's backward.
backward_listeners = []

# None, or a callable check(node, output) run after every op's forward: set only inside
# tinynet.detect_anomaly() (anomaly.py), so ops pay one `is not None` test otherwise.
forward_check = None


def is_grad_enabled():
    """True if ops currently record the graph that backward() needs."""
    return _grad_enabled


def set_grad_enabled(enabled):
    """Switch graph recording on or off for the whole process; returns the previous setting."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(enabled)
    return previous


class no_grad:
    """Context manager (and decorator) in which ops record no graph.

    Use it for evaluation and for optimizer updates: results have
    ``requires_grad=False`` and nothing is saved for a backward pass::

        with tinynet.no_grad():
            prediction = model(x)

        @tinynet.no_grad()
        def evaluate(model, x): ...
    """

    def __enter__(self):
        self._previous = set_grad_enabled(False)
        return self

    def __exit__(self, *exc_info):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)
        return without_grad


class enable_grad(no_grad):
    """Context manager (and decorator) that turns graph recording back on, e.g. inside no_grad."""

    def __enter__(self):
        self._previous = set_grad_enabled(True)
        return self

    def __call__(self, function):
        @functools.wraps(function)
        def with_grad(*args, **kwargs):
            with enable_grad():
                return function(*args, **kwargs)
        return with_grad


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
        record = _grad_enabled and True in needs_input_grad
        ctx = Node(cls, inputs, needs_input_grad)
        output = cls.forward(ctx, *arrays, **options)
        if forward_check is not None:
            forward_check(ctx, output)
        result = Tensor._from_array(output, record)
        if record:
            result._node = ctx
        return result


def run_node_backward(node, grad_output):
    """Apply one node's chain rule: dL/d(output) -> a tuple of dL/d(input) per positional input.

    This is the one call per node of the backward pass (wrap it, or use
    ``backward_listeners``, to trace backpropagation).
    """
    if node.released:
        raise RuntimeError(
            f"backward through {node.op_name} a second time: its saved values were freed after the first "
            "backward. Call backward(retain_graph=True) the first time if you need to backpropagate twice."
        )
    input_grads = node.function.backward(node, grad_output)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    for listener in backward_listeners:
        listener(node, grad_output, input_grads)
    return input_grads


def _parents(tensor):
    node = tensor._node
    return node.parents if node is not None else ()


def topological_order(root):
    """Tensors of root's graph that need a gradient, root first, each before all of its parents.

    Iterative depth-first search (no recursion, so no recursion limit):
    a tensor is emitted once all of its parents' subgraphs are done, and the
    emission list reversed puts every consumer before what it consumes.
    """
    order = []
    visited = {id(root)}
    # Each stack entry: a tensor and an iterator over the parents still to visit.
    stack = [(root, iter(_parents(root)))]
    while stack:
        tensor, parents = stack[-1]
        for parent in parents:
            if isinstance(parent, Tensor) and parent.requires_grad and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(_parents(parent))))
                break  # go deeper first; this tensor's iterator resumes later
        else:
            stack.pop()  # all parents done
            order.append(tensor)
    order.reverse()
    return order


def backward(root, grad_output=None, retain_graph=False):
    """Backpropagate from ``root``: add dL/d(leaf) to the ``.grad`` of every leaf that requires grad.

    ``grad_output`` is dL/d(root) (a Tensor or array shaped like root); it
    may be omitted only when root holds a single element (then it is 1).
    Gradients ACCUMULATE: ``.grad`` keeps growing over repeated backward
    calls until you zero it (``x.grad = None`` or ``optimizer.zero_grad()``).
    Unless ``retain_graph`` is true, each node's saved values are freed as
    soon as its backward has run, so a second backward through the same
    graph raises RuntimeError.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no input had requires_grad=True, "
            "or it was computed under no_grad()"
        )
    if grad_output is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a single-element (scalar) output, got shape {root.shape}; "
                "reduce it first (e.g. .sum() or .mean()) or pass backward(grad) with grad shaped like the output"
            )
        grad = np.ones_like(root.data)
    else:
        grad = grad_output.data if isinstance(grad_output, Tensor) else np.asarray(grad_output, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward(grad): grad has shape {grad.shape} but the output has shape {root.shape}")
        if grad.dtype != root.dtype:
            grad = grad.astype(root.dtype)

    # pending[id(t)] = sum of the gradients that have reached tensor t so far.
    pending = {id(root): grad}
    for tensor in topological_order(root):
        grad = pending.pop(id(tensor), None)
        if grad is None:  # no path carried a gradient here (e.g. all gradients were None)
            continue
        node = tensor._node
        if node is None or tensor._retains_grad:
            _accumulate_into_grad(tensor, grad)
        if node is None:
            continue
        input_grads = run_node_backward(node, grad)
        if len(input_grads) > len(node.parents):
            raise RuntimeError(
                f"{node.op_name}.backward returned {len(input_grads)} gradients for {len(node.parents)} inputs"
            )
        for parent, parent_grad in zip(node.parents, input_grads):
            if parent_grad is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            if parent_grad.shape != parent.data.shape:
                raise RuntimeError(
                    f"{node.op_name}.backward returned a gradient of shape {parent_grad.shape} "
                    f"for an input of shape {parent.data.shape}"
                )
            if parent_grad.dtype != parent.data.dtype:
                parent_grad = parent_grad.astype(parent.data.dtype)
            key = id(parent)
            if key in pending:
                # A tensor used twice (x*x + x) gets the SUM of the gradients from each use.
                pending[key] = pending[key] + parent_grad
            else:
                pending[key] = parent_grad
        if not retain_graph:
            node.release()


def _accumulate_into_grad(tensor, grad):
    """tensor.grad += grad, creating .grad (as a private copy) the first time."""
    if tensor.grad is None:
        # A copy: grad may be shared with other tensors' gradients, and .grad is later updated in place.
        tensor.grad = Tensor._from_array(np.array(grad, copy=True), False)
    else:
        tensor.grad.data += grad


# Imported last: tensor.py imports this module too, and Tensor is only needed when ops run.
from tinynet.tensor import Tensor  # noqa: E402
