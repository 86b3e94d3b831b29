"""The autograd engine: running the chain rule backwards through the recorded graph.

The graph's positions are the nodes (one per recorded op) and the leaves
that require grad.  ``backward(root)`` orders the positions reachable from
the root so that each comes after every position its gradient flows in from
(an iterative depth-first search, so a graph 100,000 ops deep is fine), then
walks that order once: each node's ``backward`` is called with the sum of the
gradients that reached it and hands one gradient to each of its edges; each
leaf adds what reaches it to its ``.grad``.

Every node's backward goes through ``run_node_backward``, which first checks
that no value the node saved was changed in place since (the version
counters, see tensor.py), and afterwards calls each listener in
``hooks.backward_listeners`` -- how the tracing and anomaly tools watch.
"""

import numpy as np

from tinynet.autograd import hooks
from tinynet.autograd.function import Node, saved_memory_of
from tinynet.autograd.partial_gradient import PartialGradient, materialized
from tinynet.tensor import Tensor, VersionCounter


def _describe(array):
    kind = {"float32": "FloatTensor", "float64": "DoubleTensor"}.get(array.dtype.name, f"{array.dtype} tensor")
    return f"[{kind} {list(array.shape)}]"


def check_saved_versions(node):
    """Raise if a value this node saved for backward was changed in place after it was saved."""
    for index, parent in enumerate(node.parents):
        counter = parent._version if isinstance(parent, Tensor) else None  # (None too if never changed: at 0)
        if counter is not None:
            version = 0 if node.input_versions is None else node.input_versions[index]
            if counter.value != version and saved_memory_of(node, index):
                _refuse_changed(f"{_describe(parent._array)}, which is input {index} of {node.name()},",
                                counter.value, version)
    if node.output_counter is not None and node.output_counter.value != 0:
        _refuse_changed(f"the output of {node.name()},", node.output_counter.value, 0)
    for counter, version in node.tensor_versions:
        if counter.value != version:
            _refuse_changed(f"a tensor saved by {node.name()},", counter.value, version)


def _refuse_changed(what, current, version):
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what} is at version {current}; expected version {version} instead. "
        "Change it out of place (x = x + 1 rather than x += 1), or clone() it before changing it."
    )


def run_node_backward(node, grad_output):
    """Apply one node's chain rule: dL/d(output) -> a tuple of dL/d(input) per positional input.

    This is the one call per node of the backward pass (wrap it, or use
    ``hooks.backward_listeners``, to trace backpropagation).
    """
    if node.released:
        raise RuntimeError(
            f"backward through {node.op_name} a second time: its saved values were freed after the first "
            "backward. Call backward(retain_graph=True) the first time if you need to backpropagate twice."
        )
    if node.saved_at is not None and node.saved_at != VersionCounter.changes:  # (something changed in place since)
        check_saved_versions(node)
    input_grads = node.function.backward(node, grad_output)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if hooks.backward_listeners:  # (a listener sees whole arrays)
        input_grads = tuple(materialized(grad) for grad in input_grads)
    for listener in hooks.backward_listeners:
        listener(node, grad_output, input_grads)
    return input_grads


def topological_order(starts):
    """The graph positions reachable from ``starts`` (Nodes and leaf Tensors), each before every position
    its gradient flows on to.

    Iterative depth-first search (no recursion, so no recursion limit): a
    position is emitted once everything it feeds into has been emitted, and
    the emission list reversed puts every consumer before what it consumes.
    A leaf has no edges, so it is emitted as soon as it is reached.
    """
    order = []
    visited = set()
    for start in starts:
        if start in visited:
            continue
        visited.add(start)
        if not isinstance(start, Node):
            order.append(start)
            continue
        # Each stack entry: a node and an iterator over its edges still to visit.
        stack = [(start, iter(start.edges))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is not None and edge not in visited:
                    visited.add(edge)
                    if isinstance(edge, Node):
                        stack.append((edge, iter(edge.edges)))
                        break  # go deeper first; this node's iterator resumes later
                    order.append(edge)  # a leaf
            else:
                stack.pop()  # all edges done
                order.append(node)
    order.reverse()
    return order


def _one_like(array):
    """A new array holding 1, shaped like the single-element ``array`` (quicker than np.ones_like)."""
    return np.array(1, dtype=array.dtype).reshape(array.shape)


def _initial_gradient(root, gradient):
    if gradient is None:
        if root._array.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a single-element (scalar) output, got shape {root.shape}; "
                "reduce it first (e.g. .sum() or .mean()) or pass backward(grad) with grad shaped like the output"
            )
        return _one_like(root._array)
    array = root._array
    if isinstance(gradient, Tensor):
        grad = gradient._array
    elif type(gradient) is np.ndarray:
        grad = gradient  # (its dtype is made the output's below)
    else:
        grad = np.asarray(gradient, dtype=array.dtype)
    if grad.shape != array.shape:
        raise RuntimeError(f"backward(grad): grad has shape {grad.shape} but the output has shape {array.shape}")
    return grad if grad.dtype is array.dtype else grad.astype(array.dtype)


def _call_hooks(hook_list, grad):
    """Each hook sees the gradient; one that returns a value replaces it (as in PyTorch's register_hook)."""
    for hook in hook_list:
        replaced = hook(Tensor._from_array(grad, False))
        if replaced is not None:
            replaced = replaced._array if isinstance(replaced, Tensor) else np.asarray(replaced, dtype=grad.dtype)
            if replaced.shape != grad.shape:  # (a gradient of another shape would reach .grad or the next node)
                raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value: it "
                                   f"returned a gradient of shape {replaced.shape} for one of shape {grad.shape}")
            grad = replaced
    return grad


def _as_gradient(node, index, parent, grad):
    """A backward's result for input ``index``, checked: an array of the input's shape and dtype."""
    if isinstance(grad, Tensor):
        grad = grad._array
    elif isinstance(grad, np.generic):  # numpy arithmetic on 0-d arrays gives scalars
        grad = np.asarray(grad)
    if not isinstance(grad, np.ndarray):
        raise TypeError(f"{node.op_name}.backward returned a {type(grad).__name__} as the gradient of input "
                        f"{index}; it must return a numpy array shaped like the input (or None)")
    if grad.shape != parent.shape:
        raise RuntimeError(f"{node.op_name}.backward returned a gradient of shape {grad.shape} "
                           f"for an input of shape {parent.shape}")
    return grad if grad.dtype == parent.dtype else grad.astype(parent.dtype)


def run_backward(roots, gradients, retain_graph=False, capture=None):
    """Backpropagate from each root (with its gradient) through the graph.

    Without ``capture``, every leaf that requires grad adds what reaches it to
    its ``.grad`` (``backward``).  With ``capture`` -- a list of tensors --
    nothing's ``.grad`` changes and the gradient reaching each captured tensor
    is returned instead, one per tensor (None where none reached it)
    (``tinynet.autograd.grad``).
    """
    pending = {}  # position -> sum of the gradients that have reached it so far (positions hash by identity)
    owned = set()  # positions whose pending gradient is a new array nothing else refers to (a leaf's .grad may keep it)
    starts = []
    for root, grad in zip(roots, gradients):
        start = root._node if root._node is not None else root
        pending[start] = pending[start] + grad if start in pending else grad
        starts.append(start)
    wanted = captured = None
    if capture is not None:
        wanted = {t._node if t._node is not None else t: i for i, t in enumerate(capture)}
        captured = [None] * len(capture)
    for position in topological_order(starts):
        grad = pending.pop(position, None)
        if grad is None:  # no path carried a gradient here (e.g. all gradients were None)
            continue
        if not isinstance(position, Node):  # a leaf: its hooks, then its .grad
            if position._hooks:
                grad = _call_hooks(position._hooks, grad)
            if wanted is None:
                _accumulate_into_grad(position, grad, position in owned and not position._hooks)
            elif position in wanted:
                captured[wanted[position]] = grad
            continue
        node = position
        if node.watched:  # the output tensor's hooks and retain_grad
            if node.tensor_hooks:
                grad = _call_hooks(node.tensor_hooks, grad)
            if node.retained is not None and wanted is None:
                _accumulate_into_grad(node.retained, grad)
        if wanted is not None and node in wanted:
            captured[wanted[node]] = grad
        input_grads = run_node_backward(node, grad)
        fresh = node.function.fresh_gradients and not hooks.backward_listeners  # (a listener may keep them)
        for index, (edge, parent, parent_grad) in enumerate(zip(node.edges, node.parents, input_grads)):
            if parent_grad is None or edge is None:
                continue
            array = parent._array
            if type(parent_grad) is PartialGradient:  # (zero but at an index: added into the sum there)
                _accumulate_partial(pending, owned, edge, parent_grad, array.dtype)
                continue
            if type(parent_grad) is not np.ndarray or parent_grad.dtype is not array.dtype or \
                    parent_grad.shape != array.shape:  # (checked, converted if need be; `is` is the fast test)
                parent_grad = _as_gradient(node, index, parent, parent_grad)
            # A tensor used twice (x*x + x) gets the SUM of the gradients from each use (a new array).
            if edge in pending:
                if edge in owned:  # (a new array nothing else refers to: add into it, no new memory)
                    pending[edge] += parent_grad
                else:
                    pending[edge] = pending[edge] + parent_grad
                    owned.add(edge)
            else:
                pending[edge] = parent_grad
                if fresh:
                    owned.add(edge)
        if not retain_graph:
            node.release()
    return captured


def _accumulate_partial(pending, owned, edge, partial, dtype):
    """pending[edge] += partial (partial_gradient.py): into the sum itself when it is a new array of its own."""
    if edge not in pending:
        total = np.zeros(partial.shape, dtype=dtype)
    elif edge in owned:
        total = pending[edge]
    else:
        total = np.array(pending[edge], copy=True)
    partial.add_into(total)
    pending[edge] = total
    owned.add(edge)


def _check_create_graph(create_graph):
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (gradients of gradients) is not supported: tinynet's backward functions compute "
            "with numpy arrays, so the backward pass itself is not recorded")


def backward(root, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Backpropagate from ``root``: add dL/d(leaf) to the ``.grad`` of every leaf that requires grad.

    ``root.backward()`` calls this.  ``gradient`` is dL/d(root) (a Tensor or array shaped like root); it
    may be omitted only when root holds a single element (then it is 1).
    Gradients ACCUMULATE: ``.grad`` keeps growing over repeated backward
    calls until you zero it (``x.grad = None`` or ``optimizer.zero_grad()``).
    Unless ``retain_graph`` is true, each node's saved values are freed as
    soon as its backward has run, so a second backward through the same
    graph raises RuntimeError.  ``inputs`` (tensors) limits the update to their ``.grad``.
    """
    if create_graph:
        _check_create_graph(create_graph)
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no input had requires_grad=True, "
            "or it was computed under no_grad()"
        )
    if gradient is None and root._array.size == 1:  # the usual loss.backward(): dL/dL = 1
        grad = _one_like(root._array)
    else:
        grad = _initial_gradient(root, gradient)
    if inputs is None:
        run_backward((root,), (grad,), retain_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for tensor, tensor_grad in zip(inputs, run_backward([root], [grad], bool(retain_graph), capture=inputs)):
        if tensor_grad is not None:
            _accumulate_into_grad(tensor, tensor_grad)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None):
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple (no ``.grad`` changes).

    As ``torch.autograd.grad``: ``outputs`` and ``inputs`` are tensors or sequences of them,
    ``grad_outputs`` the dL/d(output) for each output (may be left out for single-element outputs).
    An input that no output depends on raises, unless ``allow_unused=True`` (then its gradient is None).
    """
    _check_create_graph(create_graph)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for tensor in outputs + inputs:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"grad: outputs and inputs must be Tensors, got {type(tensor).__name__}")
    for index, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {index} does not require grad")
    for index, tensor in enumerate(outputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: output {index} does not require grad and has no grad_fn")
    gradients = [_initial_gradient(out, g) for out, g in zip(outputs, grad_outputs)]
    captured = run_backward(outputs, gradients, bool(retain_graph), capture=inputs)
    if not allow_unused:
        for index, value in enumerate(captured):
            if value is None:
                raise RuntimeError(f"grad: input {index} was not used to compute the outputs "
                                   "(pass allow_unused=True to get None for it)")
    return tuple(None if value is None else Tensor._from_array(value, False) for value in captured)


def retain_grad(tensor):
    """Ask backward to also fill ``.grad`` of this non-leaf tensor (leaves get theirs anyway); returns it."""
    if tensor._node is None:
        if not tensor.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        return tensor
    tensor._node.retained = tensor
    tensor._node.watched = True
    return tensor


def register_hook(tensor, hook):
    """Call ``hook(grad)`` whenever the gradient with respect to ``tensor`` is computed; a hook that
    returns a tensor replaces the gradient.  Returns a handle with ``remove()``."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_hook expects a callable, got {type(hook).__name__}")
    if tensor._node is None:
        if tensor._hooks is None:
            tensor._hooks = []
        hook_list = tensor._hooks
    else:
        if tensor._node.tensor_hooks is None:
            tensor._node.tensor_hooks = []
            tensor._node.watched = True
        hook_list = tensor._node.tensor_hooks
    hook_list.append(hook)
    return _HookHandle(hook_list, hook)


class _HookHandle:
    """What register_hook returns: ``handle.remove()`` takes the hook away again."""

    def __init__(self, hook_list, hook):
        self._hook_list, self._hook = hook_list, hook

    def remove(self):
        """Unregister the hook (removing twice is harmless)."""
        if self._hook in self._hook_list:
            self._hook_list.remove(self._hook)


def _accumulate_into_grad(tensor, grad, owned=False):
    """tensor.grad += grad, creating .grad (as a private copy, unless grad is ``owned`` by nothing else) the
    first time."""
    # (._grad, not the checked .grad setter: the engine's sum already has the tensor's shape and dtype)
    if tensor._grad is None:
        # A copy: grad may be shared with other tensors' gradients, and .grad is later updated in place.
        tensor._grad = Tensor._from_array(grad if owned else np.array(grad, copy=True), False)
    else:
        tensor._grad._array += grad
