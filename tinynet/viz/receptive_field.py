"""How much of the input image one unit of each layer can see: its receptive field.

Walk a chain of layers from the input.  Keep three numbers per axis:

* ``size``  -- the receptive field: how many input pixels one unit depends on;
* ``jump``  -- how many input pixels apart two neighbouring units of this layer are
  (the product of all strides so far);
* ``start`` -- the input coordinate of the centre of the first unit's field.

A layer with kernel ``k``, stride ``s`` and padding ``p`` (dilation ``d`` widens the kernel
to ``d (k - 1) + 1``) updates them as

    size_out  = size_in + (k - 1) * jump_in
    jump_out  = jump_in * s
    start_out = start_in + ((k - 1) / 2 - p) * jump_in

so a 3x3 convolution adds 2 pixels at full resolution but 2 * 4 = 8 pixels after two 2x poolings.
Element-wise layers (activations, batch norm, dropout) change nothing.  A layer that flattens or
connects everything (Flatten, Linear) sees the whole image, so the table stops there.

Works on a user's own model: ``receptive_fields(model)`` reads ``kernel_size``, ``stride``,
``padding`` (and ``dilation`` if present) from every Conv2d / MaxPool2d / AvgPool2d it finds,
walking sub-modules in the order they were registered.  That order is the order of application
for a ``Sequential``; for a model with branches (e.g. residual blocks) build the chain yourself
with ``LayerSpec`` entries.
"""

import numbers
from pathlib import Path
from typing import NamedTuple

_SPATIAL_KINDS = ("conv", "maxpool", "avgpool")
# Class names that end the spatial part of a network: every unit after them sees the whole input.
_GLOBAL_KINDS = ("Flatten", "Linear")


class LayerSpec(NamedTuple):
    """Geometry of one spatial layer: kind ('conv', 'maxpool', 'avgpool') and (h, w) pairs."""

    name: str
    kind: str
    kernel: tuple
    stride: tuple
    padding: tuple = (0, 0)
    dilation: tuple = (1, 1)


class ReceptiveField(NamedTuple):
    """One row of the table: a layer and the receptive field of one of its units, per axis (h, w)."""

    name: str
    kind: str
    kernel: tuple
    stride: tuple
    size: tuple
    jump: tuple
    start: tuple


def _pair(value, what, minimum):
    """An int or an (h, w) pair of ints >= minimum, as a tuple of two ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{what} must be an int or an (h, w) pair, got {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(f"{what} must be integers >= {minimum}, got {value!r}")
    return tuple(int(v) for v in pair)


def make_spec(name, kind, kernel, stride=None, padding=0, dilation=1):
    """A checked ``LayerSpec``; ``stride=None`` means 1 for a conv and the kernel size for a pool
    (PyTorch's defaults)."""
    if kind not in _SPATIAL_KINDS:
        raise ValueError(f"layer kind must be one of {_SPATIAL_KINDS}, got {kind!r}")
    kernel = _pair(kernel, f"{name}: kernel", 1)
    if stride is None:
        stride = (1, 1) if kind == "conv" else kernel
    stride = _pair(stride, f"{name}: stride", 1)
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding {padding!r} is a mode; give the padding in pixels instead")
    return LayerSpec(name, kind, kernel, stride, _pair(padding, f"{name}: padding", 0),
                     _pair(dilation, f"{name}: dilation", 1))


def _kind_of(module):
    """'conv', 'maxpool', 'avgpool', 'global' or None (element-wise) from the class name."""
    cls = type(module).__name__
    if cls.startswith("Conv") and cls.endswith("2d"):
        return "conv"
    if cls == "MaxPool2d":
        return "maxpool"
    if cls == "AvgPool2d":
        return "avgpool"
    if cls in _GLOBAL_KINDS:
        return "global"
    return None


def _padding_pixels(module, kernel):
    """The padding of a layer in pixels, resolving the 'valid' / 'same' / 'full' modes."""
    padding = getattr(module, "padding", 0)
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        return tuple((k - 1) // 2 for k in kernel)  # the left/top side; the odd pixel goes right
    if padding == "full":
        return tuple(k - 1 for k in kernel)
    return padding


def layer_specs(model):
    """The chain of spatial layers of ``model`` (a Module), in registration order, up to the
    first Flatten/Linear."""
    specs = []
    for name, module in _leaf_modules(model, ""):
        kind = _kind_of(module)
        if kind == "global":
            break
        if kind is None:
            continue
        kernel = _pair(getattr(module, "kernel_size"), f"{name}: kernel_size", 1)
        specs.append(make_spec(name, kind, kernel, getattr(module, "stride", None),
                               _padding_pixels(module, kernel), getattr(module, "dilation", 1)))
    return specs


def _leaf_modules(module, prefix):
    """(dotted name, module) for each module without children, depth first, registration order."""
    children = list(module.named_children()) if hasattr(module, "named_children") else []
    if not children:
        yield (prefix or type(module).__name__), module
        return
    for child_name, child in children:
        yield from _leaf_modules(child, f"{prefix}.{child_name}" if prefix else str(child_name))


def receptive_fields(model_or_specs):
    """Receptive field of every spatial layer: a list of ``ReceptiveField`` rows.

    ``model_or_specs`` is a Module (see ``layer_specs``) or a list of ``LayerSpec``.
    Example: conv 3x3 -> conv 3x3 -> maxpool 2 -> conv 3x3 gives sizes 3, 5, 6, 10.
    """
    if hasattr(model_or_specs, "named_children"):
        specs = layer_specs(model_or_specs)
    else:
        specs = list(model_or_specs)
        for spec in specs:
            if not isinstance(spec, LayerSpec):
                raise TypeError(f"receptive_fields expects a Module or a list of LayerSpec, "
                                f"got an element of type {type(spec).__name__}")
    size, jump, start = (1, 1), (1, 1), (0.0, 0.0)
    rows = []
    for spec in specs:
        k_eff = tuple(d * (k - 1) + 1 for k, d in zip(spec.kernel, spec.dilation))
        size = tuple(r + (k - 1) * j for r, k, j in zip(size, k_eff, jump))
        start = tuple(s0 + ((k - 1) / 2 - p) * j for s0, k, p, j in zip(start, k_eff, spec.padding, jump))
        jump = tuple(j * s for j, s in zip(jump, spec.stride))
        rows.append(ReceptiveField(spec.name, spec.kind, spec.kernel, spec.stride, size, jump, start))
    return rows


def format_pair(pair):
    """'3' for a square pair (3, 3), '3x5' otherwise; floats shown without a useless '.0'."""
    text = [f"{v:g}" if isinstance(v, float) else str(v) for v in pair]
    return text[0] if text[0] == text[1] else "x".join(text)


_HEADER = ("layer", "kind", "kernel", "stride", "receptive field", "jump", "first centre")


def _table_cells(rows):
    """The table as lists of strings, header first."""
    cells = [list(_HEADER)]
    for r in rows:
        cells.append([r.name, r.kind, format_pair(r.kernel), format_pair(r.stride), format_pair(r.size),
                      format_pair(r.jump), format_pair(r.start)])
    return cells


def format_table(rows):
    """The table as aligned plain text, for printing."""
    cells = _table_cells(rows)
    widths = [max(len(row[i]) for row in cells) for i in range(len(_HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    """The table in Markdown (receptive field, jump and first centre in input pixels)."""
    cells = _table_cells(rows)
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines) + "\n"


def plot_table(rows, path, title="Receptive field of each layer (input pixels)"):
    """Draw the table as a PNG figure at ``path``; returns the path."""
    from matplotlib.figure import Figure

    cells = _table_cells(rows)
    fig = Figure(figsize=(8, 0.45 * len(cells) + 0.8))
    ax = fig.add_subplot()
    ax.axis("off")
    table = ax.table(cellText=cells[1:], colLabels=cells[0], loc="center", cellLoc="center")
    table.scale(1, 1.4)
    for (row, _), cell in table.get_celld().items():
        if row == 0:
            cell.set_text_props(weight="bold")
    ax.set_title(title)
    path = Path(path)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path
