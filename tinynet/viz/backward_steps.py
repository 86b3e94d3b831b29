"""A backward pass as rows of a table, one per op, with the graph drawing they belong to.

``tinynet.trace_backward`` prints each op as backward reaches it; ``backward_walk`` records the
same things -- the op, what it computes and its local derivative (from the op's docstring), the
gradient flowing in, dL/d(output), and out to each input, dL/d(input) -- as data, and pairs every
row with the box of that op in ``graph_svg``'s drawing, so a page can step through the chain rule
with the op lit up on the graph.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from tinynet.autograd import hooks
from tinynet.autograd.trace import describe_array, docstring_parts
from tinynet.viz.graph import record_gradients
from tinynet.viz.graph_svg import graph_svg


@dataclass
class BackwardStep:
    """One op of a backward pass.  ``grads_out``: (input label, gradient text, is a leaf) per input;
    ``box``: the op's box in the drawing; ``inputs_boxes``: the boxes its gradients flow to."""

    op: str
    inputs: list
    computes: str
    derivative: str
    grad_in: str
    grads_out: list
    node: object = None
    box: int = -1
    input_boxes: list = field(default_factory=list)


def _label(value, names):
    """How an op's input is called: a parameter's name, the op that made it, "input" or its value."""
    if hasattr(value, "requires_grad"):
        node = value.grad_fn
        if id(value) in names:
            return names[id(value)]
        if node is not None:
            return f"{node.op_name} output"
        return "leaf" if value.requires_grad else "input"
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


@contextmanager
def record_backward_steps(names=None, max_values=8, precision=4):
    """Inside the block, every op that backward runs is appended to the yielded list as a BackwardStep.

    ``names``: a Module (parameter names) or {name: tensor}, to call parameters by name.
    """
    if names is not None and hasattr(names, "named_parameters"):
        names = dict(names.named_parameters())
    table = {id(tensor): str(name) for name, tensor in (names or {}).items()}
    steps = []

    def describe(array):
        return describe_array(array, max_values, precision)

    def listener(node, grad_output, input_grads):
        """Keep one row for the node whose backward has just run."""
        summary, derivative = docstring_parts(node.function)
        tensors = [p for p in node.parents if hasattr(p, "requires_grad")]
        grads_out = []
        for i, parent in enumerate(node.parents):
            if not hasattr(parent, "requires_grad"):
                continue
            grad = input_grads[i] if i < len(input_grads) else None
            text = "none (needs no gradient)" if grad is None else describe(grad)
            grads_out.append((_label(parent, table), text, grad is not None and parent.grad_fn is None))
        steps.append(BackwardStep(node.op_name, [_label(p, table) for p in tensors],
                                  summary if summary != derivative else "", derivative, describe(grad_output),
                                  grads_out, node))

    hooks.backward_listeners.append(listener)
    try:
        yield steps
    finally:
        hooks.backward_listeners.remove(listener)


def backward_walk(loss, names=None, prefix="graph", max_values=8, precision=4):
    """Run ``loss.backward()`` and return (steps, svg): the BackwardStep rows in the order backward ran,
    each with ``box`` and ``input_boxes`` set, and the graph drawing as SVG text (box i has the id
    "{prefix}-box-{i}"), every box labelled with the norm of the gradient that reached it."""
    with record_gradients() as gradients, record_backward_steps(names, max_values, precision) as steps:
        loss.backward()
    svg, boxes, edges = graph_svg(loss, names, gradients, prefix=prefix)
    box_of = {id(box.node): box.index for box in boxes if box.node is not None}
    parents_of = {}
    for source, target in edges:
        parents_of.setdefault(target, []).append(source)
    for step in steps:
        step.box = box_of.get(id(step.node), -1)
        step.input_boxes = parents_of.get(step.box, [])
        step.node = None  # the graph's nodes are not needed any more
    return steps, svg
