"""How a tensor prints: PyTorch's format, so a program prints the same text on tinynet as on PyTorch.

    >>> tinynet.tensor([[1.0, -2.5], [1e-3, 4.0]])
    tensor([[ 1.0000e+00, -2.5000e+00],
            [ 1.0000e-03,  4.0000e+00]])

The rules (PyTorch's ``torch/_tensor_str.py``, restated):

* One format for all elements, chosen from the non-zero finite ones.  Integers print as they are;
  floats that are all whole numbers print as ``3.``; otherwise ``precision`` (4) decimals -- or
  scientific notation when the largest over the smallest magnitude exceeds 1000, the largest
  exceeds 1e8, or the smallest is below 1e-4.  Every element is right-aligned to the widest.
* Rows wrap at ``linewidth`` (80) characters; dimensions nest with one more space of indent and
  a blank line per extra dimension; above ``threshold`` (1000) elements only the first and last
  ``edgeitems`` (3) of each dimension print, with ``...`` between.
* After the values: ``dtype=`` unless it is the default float dtype, int64 or bool (the dtypes a
  literal gives), then ``grad_fn=<...>`` or ``requires_grad=True``.
"""

import math

import numpy as np

OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
            "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
            "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Change how tensors print (as ``torch.set_printoptions``); ``profile`` is "default", "short" or "full"."""
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, got {profile!r}")
        OPTIONS.update(PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[name] = value
    OPTIONS["sci_mode"] = sci_mode


class _Formatter:
    """One element format for a whole tensor (see the module docstring)."""

    def __init__(self, array):
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        precision = OPTIONS["precision"]
        if not self.floating:
            self.width = max([1] + [len(str(value)) for value in array.ravel().tolist()])
        else:
            values = array[np.isfinite(array) & (array != 0)].astype(np.float64)
            if values.size:
                magnitudes = np.abs(values)
                smallest, largest = magnitudes.min(), magnitudes.max()
                self.int_mode = bool(np.all(values == np.ceil(values)))
                too_wide = largest / smallest > 1000.0 or largest > 1.0e8
                self.sci_mode = too_wide if self.int_mode else too_wide or smallest < 1.0e-4
                if OPTIONS["sci_mode"] is not None:  # (the user's choice, before the width is measured)
                    self.sci_mode = OPTIONS["sci_mode"]
                if self.sci_mode:
                    texts = [f"{value:.{precision}e}" for value in values.tolist()]
                elif self.int_mode:
                    texts = [f"{value:.0f}." for value in values.tolist()]
                else:
                    texts = [f"{value:.{precision}f}" for value in values.tolist()]
                self.width = max(len(text) for text in texts)
        if OPTIONS["sci_mode"] is not None and self.floating:
            self.sci_mode = OPTIONS["sci_mode"]

    def format(self, value):
        precision = OPTIONS["precision"]
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{precision}f}"
        return " " * (self.width - len(text)) + text


def _summarized(array):
    """The elements that print when a tensor is summarized: the first and last edgeitems of each dim."""
    edge = OPTIONS["edgeitems"]
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * edge:
        array = np.concatenate([array[:edge], array[-edge:]])
    return np.stack([_summarized(row) for row in array]) if array.ndim > 1 else array


def _body(array, indent, summarize, formatter):
    edge = OPTIONS["edgeitems"]
    if array.ndim == 0:
        return formatter.format(array.item())
    long = summarize and array.shape[0] > 2 * edge
    if array.ndim == 1:
        per_line = max(1, int((OPTIONS["linewidth"] - indent) // (formatter.width + 2)))
        items = [formatter.format(v) for v in array[:edge].tolist()] + [" ..."] + \
            [formatter.format(v) for v in array[-edge:].tolist()] if long else \
            [formatter.format(v) for v in array.tolist()]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(edge)) + [None] + list(range(array.shape[0] - edge, array.shape[0])) if long else \
        range(array.shape[0])
    parts = ["..." if i is None else _body(array[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(tensor, default_dtype):
    """``tensor(...)`` as PyTorch prints it (``default_dtype``: the float dtype that is not named)."""
    array = tensor._array
    prefix, suffixes = "tensor(", []
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype != default_dtype:
            suffixes.append(f"dtype={array.dtype}")
        body = "[]"
    else:
        if array.dtype not in (default_dtype, np.int64, np.bool_):
            suffixes.append(f"dtype={array.dtype}")
        summarize = array.size > OPTIONS["threshold"]
        formatter = _Formatter(_summarized(array) if summarize else array)
        body = _body(array, len(prefix), summarize, formatter)
    if tensor._node is not None:
        suffixes.append(f"grad_fn={tensor._node!r}")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    text, last_line = prefix + body, len(prefix + body) - (prefix + body).rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > OPTIONS["linewidth"]:
            text += ",\n" + " " * len(prefix) + suffix
            last_line = len(prefix) + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"


def tensor_format(tensor, spec):
    """``f"{t:.2f}"``: a 0-d tensor formats as its number; any tensor with an empty spec as str()."""
    if tensor._array.ndim == 0:
        return format(tensor._array.item(), spec)
    if not spec:
        return repr(tensor)
    raise TypeError("unsupported format string passed to Tensor.__format__")
