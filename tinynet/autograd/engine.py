"""The autograd engine: running the chain rule backwards through the recorded graph.

``backward(root)`` orders the graph's tensors so that each comes after every
tensor computed from it (an iterative depth-first search, so a graph 100,000
ops deep is fine), then walks that order calling each node's ``backward``
once, with the sum of the gradients that flowed into it.  Leaf tensors (made
by the user, ``requires_grad=True``) add what reaches them to their ``.grad``.

Every node's backward goes through ``run_node_backward``, which then calls
each listener in ``hooks.backward_listeners`` -- how the tracing and anomaly
tools watch the backward pass.
"""

import numpy as np

from tinynet.autograd import hooks
from tinynet.tensor import Tensor


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
    for listener in hooks.backward_listeners:
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


def backward(root, gradient=None, retain_graph=False):
    """Backpropagate from ``root``: add dL/d(leaf) to the ``.grad`` of every leaf that requires grad.

    ``root.backward()`` calls this.  ``gradient`` is dL/d(root) (a Tensor or array shaped like root); it
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
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a single-element (scalar) output, got shape {root.shape}; "
                "reduce it first (e.g. .sum() or .mean()) or pass backward(grad) with grad shaped like the output"
            )
        grad = np.ones_like(root.data)
    else:
        grad = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=root.dtype)
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
