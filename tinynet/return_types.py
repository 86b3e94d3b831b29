"""The named tuples that PyTorch's value-and-index ops return: ``values, indices = x.max(dim=1)``.

Each is a tuple of two tensors, so ``x.max(1)[1]`` is the indices and
``_, predicted = tinynet.max(scores, 1)`` unpacks them, whatever the batch
size; the fields also have names, ``.values`` and ``.indices``.  They print as
PyTorch's do, one field a line: ``print(x.max(dim=1))`` in a notebook shows the
same text under either framework (with the framework's name in front).
"""

from collections import namedtuple


def _result_type(name, fields, doc):
    """A named tuple class ``name`` with ``fields``, printed as ``tinynet.return_types.name(\\nfield=...)``."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"{__name__}.{name}(\n{body})"

    result = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__,
                                  "__module__": __name__, "__doc__": doc})
    return result


max = _result_type("max", ["values", "indices"], "What ``max`` returns: (values, indices).")  # noqa: A001
min = _result_type("min", ["values", "indices"], "What ``min`` returns: (values, indices).")  # noqa: A001
sort = _result_type("sort", ["values", "indices"], "What ``sort`` returns: (values, indices).")
topk = _result_type("topk", ["values", "indices"], "What ``topk`` returns: (values, indices).")
kthvalue = _result_type("kthvalue", ["values", "indices"], "What ``kthvalue`` returns: (values, indices).")
median = _result_type("median", ["values", "indices"], "What ``median`` returns: (values, indices).")
mode = _result_type("mode", ["values", "indices"], "What ``mode`` returns: (values, indices).")
cummax = _result_type("cummax", ["values", "indices"], "What ``cummax`` returns: (values, indices).")
cummin = _result_type("cummin", ["values", "indices"], "What ``cummin`` returns: (values, indices).")
aminmax = _result_type("aminmax", ["min", "max"], "What ``aminmax`` returns: (min, max).")
slogdet = _result_type("slogdet", ["sign", "logabsdet"], "What ``slogdet`` returns: (sign, logabsdet).")
