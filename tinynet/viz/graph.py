"""The computation graph behind a result: drawn with matplotlib (PNG, SVG, PDF) or written as DOT text.

Every tensor an op produces carries a ``Node`` (``tensor.grad_fn``): the op's
name and its parents.  Following parents from a result back to the leaves
gives the graph that ``backward()`` walks.  ``draw_graph`` lays it out in
columns by depth -- the result on the right, each node one column left of
the furthest node that uses it -- so every arrow points the way the forward
pass ran, and backward runs right to left.

Boxes:  an op (light blue: name, output shape), a parameter or other leaf
that requires grad (orange: its name if you pass ``names``), an input that
needs no gradient (grey), a plain number or setting passed to an op (white,
dashed).  The result has a thick border.

What can be drawn, and when:
  * Before backward: the whole graph (no gradient norms yet).
  * After backward: still the whole graph -- backward frees what each op
    *saved* (unless ``retain_graph=True``) but keeps the parent links, so
    the structure survives.  Leaves show the norm of their ``.grad``.
    Intermediate results keep no gradient, so to see dL/d(every node) run
    backward inside ``record_gradients()`` and pass what it recorded::

        with tinynet.viz.record_gradients() as gradients:
            loss.backward()
        tinynet.viz.draw_graph(loss, "graph.png", names=model, gradients=gradients)

    (``retain_grad()`` on a tensor also makes its box show its gradient.)
"""

from collections import deque
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from tinynet.autograd import hooks
from tinynet.tensor import Tensor
from tinynet.viz.style import new_figure, savefig

OP_COLOR = "#d6e6f5"
PARAMETER_COLOR = "#fdd9b5"
INPUT_COLOR = "#e6e6e6"
CONSTANT_COLOR = "#ffffff"
COLORS = {"op": OP_COLOR, "parameter": PARAMETER_COLOR, "input": INPUT_COLOR, "constant": CONSTANT_COLOR}

# Layout in data units: a box is BOX_WIDTH x BOX_HEIGHT; columns and rows are spaced wider than that.
BOX_WIDTH, BOX_HEIGHT = 1.7, 0.72
COLUMN_SPACING, ROW_SPACING = 2.4, 1.0
INCHES_PER_UNIT = 0.85
LEGEND = ("blue: op (output shape)   orange: leaf that requires grad (parameter)   grey: input without grad   "
          "dashed: number passed to an op   |grad|: norm of dL/d(that value)")


class GradientRecord(dict):
    """{graph Node: norm of dL/d(that node's output)}, filled by ``record_gradients`` during backward."""


@contextmanager
def record_gradients():
    """Record the gradient norm arriving at every node while backward runs inside the ``with`` block.

    Yields a ``GradientRecord`` to pass to ``draw_graph``/``to_dot`` as
    ``gradients=``.  It listens through ``tinynet.autograd.hooks.backward_listeners``
    and removes its listener on exit, even if backward raised.
    """
    record = GradientRecord()

    def listener(node, grad_output, input_grads):
        """Keep ||dL/d output|| of the node backward has just processed."""
        record[node] = float(np.linalg.norm(np.asarray(grad_output, dtype=np.float64)))

    hooks.backward_listeners.append(listener)
    try:
        yield record
    finally:
        hooks.backward_listeners.remove(listener)


class GraphBox:
    """One box of the drawing: ``kind`` is "op", "parameter", "input" or "constant"."""

    def __init__(self, index, kind, title, shape=None, grad_norm=None):
        self.index = index
        self.kind = kind
        self.title = title
        self.shape = shape
        self.grad_norm = grad_norm
        self.depth = 0          # columns left of the result
        self.consumers = []     # indices of the boxes this one feeds
        self.row = 0.0

    def label_lines(self):
        """The lines of text in the box: title, shape, and the gradient norm when known."""
        lines = [self.title]
        if self.shape is not None:
            lines.append(str(tuple(self.shape)) if len(self.shape) else "scalar")
        if self.grad_norm is not None:
            lines.append(f"|grad| {self.grad_norm:.3g}")
        return lines


def _name_table(names):
    """``names`` (a Module, a {name: tensor} dict, or (name, tensor) pairs) -> {id(tensor): name}."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        pairs = names.named_parameters()
    elif isinstance(names, dict):
        pairs = names.items()
    else:
        try:
            pairs = list(names)
        except TypeError:
            raise TypeError(f"names must be a Module, a dict of name -> Tensor or (name, Tensor) pairs, "
                            f"got {type(names).__name__}") from None
    table = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], Tensor)):
            raise TypeError(f"names must pair each name with a Tensor, got {pair!r:.60}")
        table[id(pair[1])] = str(pair[0])
    return table


def _short_repr(value, width=18):
    """A constant's value as at most ``width`` characters."""
    text = repr(value) if not isinstance(value, float) else f"{value:.4g}"
    if isinstance(value, np.ndarray):
        text = f"array{value.shape}"
    return text if len(text) <= width else text[:width - 3] + "..."


def _tensor_grad_norm(tensor, gradients):
    """The gradient norm to show for ``tensor``: recorded during backward, else its .grad, else None."""
    node = tensor._node
    if gradients is not None and node is not None and node in gradients:
        return float(gradients[node])
    if tensor.grad is not None:
        return float(np.linalg.norm(tensor.grad.numpy().astype(np.float64)))
    return None


def build_graph(tensor, names=None, gradients=None, show_constants=True, max_nodes=400):
    """The boxes and arrows of ``tensor``'s graph: (boxes, edges) with edges as (from_index, to_index).

    Box 0 is ``tensor`` itself; depths are set (0 for the result, a producer
    one more than the furthest box it feeds).  Raises ValueError if the graph
    has more than ``max_nodes`` boxes (such a drawing would be unreadable).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"expected a tinynet Tensor (the result whose graph to draw), got {type(tensor).__name__}")
    if gradients is not None and not isinstance(gradients, dict):
        raise TypeError(f"gradients must be what record_gradients() yields (a dict), got {type(gradients).__name__}")
    name_of = _name_table(names)
    boxes, edges = [], []
    index_of = {}  # id(tensor) -> box index

    def add_tensor(t):
        if t._node is not None:
            kind, title = "op", t._node.op_name
            if id(t) in name_of:
                title = f"{title}: {name_of[id(t)]}"
        elif t.requires_grad:
            kind, title = "parameter", name_of.get(id(t), "leaf")
        else:
            kind, title = "input", name_of.get(id(t), "input")
        box = GraphBox(len(boxes), kind, title, t.shape, _tensor_grad_norm(t, gradients))
        boxes.append(box)
        index_of[id(t)] = box.index
        if len(boxes) > max_nodes:
            raise ValueError(f"the graph has more than max_nodes={max_nodes} boxes; draw a smaller piece "
                             "(e.g. one layer's output) or pass a larger max_nodes")
        return box.index

    # Breadth-first from the result; each tensor gets one box however many ops use it.
    add_tensor(tensor)
    queue = deque([tensor])
    while queue:
        t = queue.popleft()
        if t._node is None:
            continue
        child = index_of[id(t)]
        for parent in t._node.parents:
            if isinstance(parent, Tensor):
                if id(parent) not in index_of:
                    add_tensor(parent)
                    queue.append(parent)
                edges.append((index_of[id(parent)], child))
            elif parent is not None and show_constants:
                box = GraphBox(len(boxes), "constant", _short_repr(parent))
                boxes.append(box)
                edges.append((box.index, child))
    for source, target in edges:
        boxes[source].consumers.append(target)
    _assign_depths(boxes, edges)
    return boxes, edges


def _assign_depths(boxes, edges):
    """Longest distance from the result (box 0), so each box sits left of everything it feeds.

    Repeated relaxation in the order of a depth-first finish (consumers first);
    the graph is acyclic, so one pass over a topological order suffices.
    """
    parents_of = {box.index: [] for box in boxes}
    for source, target in edges:
        parents_of[target].append(source)
    # Topological order, consumers before producers: iterative DFS finish order, reversed.
    order, visited, stack = [], {0}, [(0, iter(parents_of[0]))]
    while stack:
        index, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parents_of[parent])))
                break
        else:
            stack.pop()
            order.append(index)
    for index in reversed(order):
        for parent in parents_of[index]:
            boxes[parent].depth = max(boxes[parent].depth, boxes[index].depth + 1)


def _assign_rows(boxes):
    """Order each column by the mean row of the boxes it feeds (fewer crossing arrows), then centre it."""
    columns = {}
    for box in boxes:
        columns.setdefault(box.depth, []).append(box)
    for depth in sorted(columns):
        column = columns[depth]
        if depth > 0:
            column.sort(key=lambda b: (np.mean([boxes[c].row for c in b.consumers]), b.index))
        for position, box in enumerate(column):
            box.row = (len(column) - 1) / 2 - position
    return columns


def to_dot(tensor, names=None, gradients=None, show_constants=True):
    """The graph behind ``tensor`` as Graphviz DOT text (render with ``dot -Tpng``), left to right."""
    boxes, edges = build_graph(tensor, names, gradients, show_constants, max_nodes=10**6)
    lines = ["digraph tinynet {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontsize=10];']
    for box in boxes:
        label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in box.label_lines())
        extra = ", penwidth=2" if box.index == 0 else ""
        if box.kind == "constant":
            extra += ', style="rounded,dashed"'
        lines.append(f'  n{box.index} [label="{label}", fillcolor="{COLORS[box.kind]}"{extra}];')
    for source, target in edges:
        lines.append(f"  n{source} -> n{target};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_graph(tensor, path, names=None, gradients=None, title=None, show_constants=True, max_nodes=400):
    """Draw the graph behind ``tensor`` to ``path`` (.png, .svg or .pdf); returns the Path.

    ``names``: a Module (its parameter names label their boxes) or a
    {name: tensor} dict.  ``gradients``: what ``record_gradients()`` yielded
    around ``backward()``, to show each op's gradient norm (leaves show their
    ``.grad`` norm anyway).  See the module docstring for what is drawable when.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"draw_graph writes .png, .svg or .pdf files, got {str(path)!r}")
    boxes, edges = build_graph(tensor, names, gradients, show_constants, max_nodes)
    columns = _assign_rows(boxes)
    deepest = max(columns)
    tallest = max(len(column) for column in columns.values())

    def centre(box):
        return (deepest - box.depth) * COLUMN_SPACING, box.row * ROW_SPACING

    width = deepest * COLUMN_SPACING + BOX_WIDTH + 0.4
    height = (tallest - 1) * ROW_SPACING + BOX_HEIGHT + 0.4
    fig = new_figure(max(width * INCHES_PER_UNIT, 2.5), max(height * INCHES_PER_UNIT, 1.2) + (0.3 if title else 0))
    ax = fig.add_axes((0, 0, 1, 0.92 if title else 1))
    ax.set_xlim(-BOX_WIDTH / 2 - 0.2, deepest * COLUMN_SPACING + BOX_WIDTH / 2 + 0.2)
    half_rows = (tallest - 1) / 2 * ROW_SPACING + BOX_HEIGHT / 2 + 0.2
    ax.set_ylim(-half_rows, half_rows)
    ax.axis("off")

    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    for source, target in edges:
        (x0, y0), (x1, y1) = centre(boxes[source]), centre(boxes[target])
        # An arrow that skips columns would run through the boxes between: bend it over them.
        skipped = boxes[source].depth - boxes[target].depth - 1
        bend = f"arc3,rad={-min(0.15 + 0.1 * skipped, 0.5) if skipped > 0 else 0}"
        ax.add_patch(FancyArrowPatch((x0 + BOX_WIDTH / 2, y0), (x1 - BOX_WIDTH / 2, y1), arrowstyle="-|>",
                                     connectionstyle=bend, mutation_scale=9, color="#555555", linewidth=0.8,
                                     shrinkA=1, shrinkB=1))
    for box in boxes:
        x, y = centre(box)
        ax.add_patch(FancyBboxPatch((x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
                                    boxstyle="round,pad=0,rounding_size=0.1", facecolor=COLORS[box.kind],
                                    edgecolor="#333333", linewidth=2.0 if box.index == 0 else 0.8,
                                    linestyle="--" if box.kind == "constant" else "-"))
        first, *rest = box.label_lines()
        # The title in bold on top, shape and gradient norm below; together centred on the box.
        offset = 0.11 * len(rest)
        # Long names (e.g. "features.0.weight") get a smaller font so they stay inside the box.
        title_size = 8 if len(first) <= 18 else max(5, 8 * 18 / len(first))
        ax.text(x, y + offset, first, ha="center", va="center", fontsize=title_size, fontweight="bold")
        if rest:
            ax.text(x, y - 0.11, "\n".join(rest), ha="center", va="center", fontsize=7.5, linespacing=1.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.text(0.0, -0.02, LEGEND, fontsize=7, color="#444444", ha="left", va="top")
    return savefig(fig, path, dpi=110)

