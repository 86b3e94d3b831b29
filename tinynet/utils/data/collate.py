"""Collation: turning a list of samples into one batch, as PyTorch's ``default_collate`` does.

A batch keeps the structure of one sample, with each leaf stacked along a new first dimension:

    Tensor / numpy array     -> stacked into one Tensor (the arrays' dtype; shapes must agree)
    numpy scalar             -> a 1-d Tensor of its dtype
    Python float             -> a float64 Tensor (PyTorch's choice, not the default dtype)
    Python int / bool        -> an int64 / bool Tensor
    str / bytes              -> the list, unchanged
    dict (any Mapping)       -> a dict of batches, key by key
    namedtuple               -> the same namedtuple of batches
    tuple / list             -> a list of batches, position by position (a tuple becomes a list, as in PyTorch)

So samples ``(image, label)`` give a batch ``[images, labels]`` and samples
``{"x": x, "y": 3}`` give ``{"x": xs, "y": tensor([3, ...])}``.

``default_convert`` is what a loader with ``batch_size=None`` applies to
each sample: arrays and numpy scalars become Tensors, nothing is stacked.
"""

import collections.abc
import copy

import numpy as np

from tinynet.ops.shape import stack
from tinynet.tensor import Tensor

ERROR_FORMAT = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_text_or_object(array):
    return array.dtype.kind in "SaUO"


def _batch_dtype(dtypes):
    """PyTorch's promotion for stacking: bool < integer < floating point, the widest of the highest kind."""
    floats = [d for d in dtypes if d.kind == "f"]
    return max(floats, key=lambda d: d.itemsize) if floats else np.result_type(*dtypes)


def _stack_arrays(arrays):
    shapes = [a.shape for a in arrays]
    for index, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                               f"{list(shapes[0])} at entry 0 and {list(shape)} at entry {index}")
    dtype = _batch_dtype({a.dtype for a in arrays})
    return Tensor._from_data(np.stack(arrays).astype(dtype, copy=False))


def _collate_tensors(batch):
    if any(t.requires_grad for t in batch):  # keep the graph, as torch.stack does
        _stack_arrays([t._array for t in batch])  # (checks the shapes with PyTorch's error)
        return stack(batch)
    return _stack_arrays([t._array for t in batch])


def _collate_ndarrays(batch):
    if _is_text_or_object(batch[0]):
        raise TypeError(ERROR_FORMAT.format(batch[0].dtype))
    return _stack_arrays([np.asarray(a) for a in batch])


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring for each kind of sample)."""
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)) or len(batch) == 0:
        raise TypeError(f"default_collate expects a non-empty list of samples, got {batch!r:.80}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, np.ndarray):
        return _collate_ndarrays(batch)
    if isinstance(elem, (np.bool_, np.number, np.object_)):  # before float: np.float64 is a Python float
        return Tensor._from_data(np.asarray(batch))
    if isinstance(elem, float):
        return Tensor._from_data(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):  # bools included: all bools give a bool tensor
        return Tensor._from_data(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([sample[key] for sample in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(samples) for samples in zip(*batch)]  # (text stays a tuple, as in PyTorch)
        return collated if isinstance(elem, tuple) else _same_sequence(elem, collated)
    raise TypeError(ERROR_FORMAT.format(type(elem)))


def default_convert(data):
    """One sample as Tensors without stacking: arrays and numpy scalars become Tensors, recursively."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text_or_object(data) else Tensor._from_data(data)
    if isinstance(data, (np.bool_, np.number)):
        return Tensor._from_data(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data


def _same_mapping(template, values):
    """``values`` in a mapping of ``template``'s type where that works (a plain dict otherwise)."""
    try:
        if isinstance(template, collections.abc.MutableMapping):
            clone = copy.copy(template)
            clone.update(values)
            return clone
        return type(template)(values)
    except TypeError:
        return values


def _same_sequence(template, values):
    """``values`` in a sequence of ``template``'s type where that works (a plain list otherwise)."""
    try:
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for index, value in enumerate(values):
                clone[index] = value
            return clone
        return type(template)(values)
    except TypeError:
        return values
