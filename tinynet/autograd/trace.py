"""``with tinynet.trace_backward():`` -- watch the chain rule run, one op at a time.

Inside the block, every op that backward visits prints:
  * the op and its inputs (what produced each: an op name, a parameter's name, an input),
  * what it computes and its local derivative -- read from the op's docstring,
    where every op in ``tinynet.ops`` states its derivative,
  * the gradient flowing in, dL/d(output), and the gradient flowing out to
    each input, dL/d(input) = dL/d(output) * d(output)/d(input) -- shapes,
    and the values themselves for small tensors.

It listens through ``tinynet.autograd.hooks.backward_listeners``, which the engine
calls after each node's backward, so the ops are printed in the order
backward visits them: the result first, the leaves' producers last.
A leaf adds up every gradient that flows out to it in its ``.grad``.

    with tinynet.trace_backward(names=model):
        loss.backward()
"""

import re
import sys

import numpy as np

from tinynet.autograd import hooks
from tinynet.tensor import Tensor

# A docstring sentence states a derivative if it holds "d<something>/d", "d/d", "derivative" or "gradient".
# ("d e^x/dx", "d(a+b)/da", "ds_i/dx_j", "dL/dx" all match the first alternative.)
_DERIVATIVE_PATTERN = re.compile(r"\bd[^\n]{0,14}?/\s?d|derivative|gradient|backward", re.IGNORECASE)


def docstring_parts(function):
    """(what the op computes, its derivative) as read from a Function subclass's docstring.

    Docstrings in tinynet.ops read "formula.   derivative." on the first line
    (or the derivative in a following paragraph); the parts are separated by
    runs of 3+ spaces or blank lines.  A part is the derivative if it
    mentions d.../d, "derivative" or "gradient".  Missing parts are "".
    """
    doc = (function.__doc__ or "").replace("``", "")  # (reST's inline-code quotes: printed plain)
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", doc)]
    parts = [part.strip() for paragraph in paragraphs for part in re.split(r"\s{3,}", paragraph) if part.strip()]
    if not parts:
        return "", ""
    summary, rest = parts[0], parts[1:]
    derivative = " ".join(part for part in rest if _DERIVATIVE_PATTERN.search(part))
    if not derivative and _DERIVATIVE_PATTERN.search(summary):
        derivative = summary
    return summary, derivative


def describe_array(array, max_values=8, precision=4):
    """``(shape) values`` for an array with at most ``max_values`` elements, else its shape, norm and range."""
    array = np.asarray(array)
    shape = "scalar" if array.ndim == 0 else str(array.shape)
    if array.size <= max_values:
        values = np.array2string(array, separator=", ", max_line_width=10**6,
                                 formatter={"float_kind": lambda v: f"{v:.{precision}g}"})
        return f"{shape} {' '.join(values.split())}"  # rows of a matrix on one line
    wide = array.astype(np.float64)
    return (f"{shape} norm {np.linalg.norm(wide):.{precision}g}, "
            f"min {wide.min():.{precision}g}, max {wide.max():.{precision}g}")


class trace_backward:
    """Context manager that prints each op's step of every backward pass run inside it.

    ``file``: where to write (default sys.stdout, looked up when the block
    starts).  ``names``: a Module or a {name: tensor} dict, to call parameters
    by name.  ``max_values``: tensors with at most this many elements are
    printed in full.  ``precision``: significant digits.  ``steps`` counts the
    ops traced so far.
    """

    def __init__(self, file=None, names=None, max_values=8, precision=4):
        if isinstance(max_values, bool) or not isinstance(max_values, int) or max_values < 0:
            raise ValueError(f"max_values must be a non-negative int, got {max_values!r}")
        if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
            raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
        if file is not None and not hasattr(file, "write"):
            raise TypeError(f"file must have a write() method (e.g. sys.stdout or an open file), "
                            f"got {type(file).__name__}")
        self.file = file
        self.names = _names(names)
        self.max_values = max_values
        self.precision = precision
        self.steps = 0

    def __enter__(self):
        self._out = self.file if self.file is not None else sys.stdout
        hooks.backward_listeners.append(self._on_node)
        return self

    def __exit__(self, *exc_info):
        hooks.backward_listeners.remove(self._on_node)
        return False

    def _label(self, value):
        """How an op's input is called in the trace."""
        if isinstance(value, Tensor):
            if id(value) in self.names:
                return self.names[id(value)]
            if value._node is not None:
                return f"{value._node.op_name} output"
            return "leaf" if value.requires_grad else "input"
        text = repr(value)
        return text if len(text) <= 20 else text[:17] + "..."

    def _describe(self, array):
        return describe_array(array, self.max_values, self.precision)

    def _on_node(self, node, grad_output, input_grads):
        """The listener: print one block for the node whose backward has just run."""
        self.steps += 1
        summary, derivative = docstring_parts(node.function)
        tensors = [(i, p) for i, p in enumerate(node.parents) if p is not None]
        inputs = ", ".join(f"{self._label(p)}" for _, p in tensors)
        lines = [f"[{self.steps}] {node.op_name}({inputs})"]
        if summary and summary != derivative:
            lines.append(f"    computes:         {summary}")
        lines.append(f"    local derivative: {derivative or '(not stated in ' + node.op_name + '.__doc__)'}")
        lines.append(f"    grad in   dL/d(output) {self._describe(grad_output)}")
        for i, parent in enumerate(node.parents):
            if not isinstance(parent, Tensor):
                continue
            grad = input_grads[i] if i < len(input_grads) else None
            target = f"dL/d({self._label(parent)})"
            if grad is None:
                lines.append(f"    grad out  {target}: none (needs no gradient)")
            else:
                where = "   (a leaf: added to its .grad)" if parent._node is None else ""
                lines.append(f"    grad out  {target} {self._describe(grad)}{where}")
        self._out.write("\n".join(lines) + "\n")


def _names(names):
    """{id(tensor): name} from a Module, a {name: tensor} dict, or None."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        names = dict(names.named_parameters())
    if not isinstance(names, dict):
        raise TypeError(f"names must be a Module or a dict of name -> Tensor, got {type(names).__name__}")
    for name, tensor in names.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"names[{name!r}] must be a Tensor, got {type(tensor).__name__}")
    return {id(tensor): str(name) for name, tensor in names.items()}
