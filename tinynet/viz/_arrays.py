"""Turning what users pass to the viz functions (Tensors, Parameters, Modules, lists) into numpy arrays."""

import numpy as np


def to_numpy(value, name="value"):
    """``value`` as a numpy array: Tensors and Parameters give their data, Linear/Conv layers their weight."""
    if hasattr(value, "weight") and hasattr(value, "parameters"):  # a layer: show its weight
        value = value.weight
    if hasattr(value, "data") and isinstance(getattr(value, "data"), np.ndarray):  # Tensor / Parameter
        value = value.data
    try:
        array = np.asarray(value)
    except Exception as error:
        raise TypeError(f"{name}: expected an array or a Tensor, got {type(value).__name__} ({error})") from None
    if array.dtype == object:
        raise TypeError(f"{name}: expected numbers, got an array of Python objects")
    return array


def call_model(model_fn, inputs):
    """Run ``model_fn`` on a numpy batch and return numpy.

    A tinynet Module is given a Tensor and run without recording a graph;
    any other callable is given the numpy array.  A Tensor result is
    converted back to numpy.
    """
    import tinynet
    from tinynet.nn import Module

    if isinstance(model_fn, Module):
        with tinynet.no_grad():
            output = model_fn(tinynet.as_tensor(inputs))
    elif callable(model_fn):
        output = model_fn(inputs)
    else:
        raise TypeError(f"expected a model or a function, got {type(model_fn).__name__}")
    return to_numpy(output, "model output")
