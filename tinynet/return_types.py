"""The named tuples that PyTorch's value-and-index ops return: ``values, indices = x.max(dim=1)``.

Each is a tuple of two tensors, so ``x.max(1)[1]`` is the indices and
``_, predicted = tinynet.max(scores, 1)`` unpacks them, whatever the batch
size; the fields also have names, ``.values`` and ``.indices``.
"""

from collections import namedtuple

max = namedtuple("max", ["values", "indices"])  # noqa: A001  (PyTorch's names)
min = namedtuple("min", ["values", "indices"])  # noqa: A001
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
kthvalue = namedtuple("kthvalue", ["values", "indices"])
median = namedtuple("median", ["values", "indices"])
mode = namedtuple("mode", ["values", "indices"])

for _result in (max, min, sort, topk, kthvalue, median, mode):
    _result.__module__ = __name__
    _result.__doc__ = f"What ``{_result.__name__}`` returns: (values, indices)."

slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
slogdet.__module__ = __name__
slogdet.__doc__ = "What ``slogdet`` returns: (sign, logabsdet)."
