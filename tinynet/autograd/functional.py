"""``tinynet.autograd.functional``: derivatives of a whole function, as ``torch.autograd.functional``.

``vjp(func, inputs, v)`` is one backward pass: the vector-Jacobian product v^T J, what ``backward`` computes
with v as the output's gradient.  ``jacobian(func, inputs)`` is the whole matrix J = d outputs / d inputs,
built one row at a time: for each element k of an output, a backward pass with the one-hot gradient e_k gives
row k (d output_k / d every input).  So it costs one backward per output element -- fine for the small
functions one inspects by hand, which is what it is for.  Shapes follow PyTorch: output.shape + input.shape for
each (output, input) pair, nested in tuples when the function takes or returns several.  With ``strict=True``
an output that does not depend on an input is an error (PyTorch's RuntimeError) rather than zeros.  Second derivatives
(``hessian``, ``hvp``, ``jvp`` by the double-vjp trick) need gradients of gradients, which tinynet does not
record: they raise NotImplementedError.
"""

import numpy as np

from tinynet.autograd import engine
from tinynet.autograd.grad_mode import enable_grad
from tinynet.tensor import Tensor

__all__ = ["jacobian", "vjp", "hessian", "jvp", "hvp", "vhp"]


def _as_tuple(values, what):
    single = isinstance(values, Tensor)
    values = (values,) if single else tuple(values)
    for value in values:
        if not isinstance(value, Tensor):
            raise TypeError(f"The {what} given to the function must be Tensors or a tuple of Tensors, but got "
                            f"{type(value).__name__}.")
    return values, single


def _run(func, inputs):
    """(the inputs as fresh leaves that require grad, the outputs as a tuple, whether func returned one tensor)."""
    for x in inputs:
        if x.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got an input of {x.dtype}")
    leaves = tuple(Tensor._from_array(np.array(x._array, copy=True), x.dtype.kind == "f") for x in inputs)
    with enable_grad():
        outputs, single = _as_tuple(func(*leaves), "outputs of the user-provided function")
    return leaves, outputs, single


def _check_strict(outputs):
    """strict=True: every output must have been computed from the inputs in a differentiable way."""
    for index, output in enumerate(outputs):
        if not output.requires_grad:
            raise RuntimeError(f"Output {index} of the user-provided function does not require gradients. The "
                               "outputs must be computed in a differentiable manner from the input when running in "
                               "strict mode.")


def _gradients(output, leaves, grad_output, strict=False):
    """d(sum of output * grad_output)/d each leaf (zeros where the output does not depend on it; with ``strict``,
    a RuntimeError)."""
    if not output.requires_grad:
        return [np.zeros(leaf.shape, dtype=leaf.dtype) for leaf in leaves]
    wanted = [leaf for leaf in leaves if leaf.requires_grad]
    found = iter(engine.grad(output, wanted, grad_output, retain_graph=True, allow_unused=True))
    gradients = []
    for index, leaf in enumerate(leaves):
        value = next(found) if leaf.requires_grad else None
        if value is None and strict:
            raise RuntimeError(f"The output of the user-provided function is independent of input {index}. This is "
                               "not allowed in strict mode.")
        gradients.append(np.zeros(leaf.shape, dtype=leaf.dtype) if value is None else value._array)
    return gradients


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the outputs and the gradient of sum(output * v) with respect to each input."""
    engine._check_create_graph(create_graph)
    inputs, single_input = _as_tuple(inputs, "inputs")
    leaves, outputs, single_output = _run(func, inputs)
    if v is None:
        if len(outputs) != 1 or outputs[0]._array.size != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                               "with a single element.")
        v = (Tensor._from_array(np.ones(outputs[0].shape, dtype=outputs[0].dtype), False),)
    else:
        v, _ = _as_tuple(v, "v")
        if len(v) != len(outputs):  # (zip would drop the outputs without a v)
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(outputs)} but got {len(v)}.")
    if strict:
        _check_strict(outputs)
    total = [np.zeros(leaf.shape, dtype=leaf.dtype) for leaf in leaves]
    for output, weights in zip(outputs, v):
        for k, gradient in enumerate(_gradients(output, leaves, weights, strict)):
            total[k] = total[k] + gradient
    detached = tuple(Tensor._from_array(out._array, False) for out in outputs)
    products = tuple(Tensor._from_array(t, False) for t in total)
    return (detached[0] if single_output else detached), (products[0] if single_input else products)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for each output and input, a tensor of shape output.shape + input.shape."""
    engine._check_create_graph(create_graph)
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(f'Expected strategy to be either "forward-mode" or "reverse-mode", got {strategy!r}')
    if strategy != "reverse-mode":
        raise NotImplementedError("jacobian: tinynet computes Jacobians in reverse mode only")
    inputs, single_input = _as_tuple(inputs, "inputs")
    leaves, outputs, single_output = _run(func, inputs)
    if strict:
        _check_strict(outputs)
    result = []
    for output in outputs:
        rows = [np.zeros(output.shape + leaf.shape, dtype=leaf.dtype) for leaf in leaves]
        for k in range(output._array.size):
            one_hot = np.zeros(output.shape, dtype=output.dtype)
            one_hot.flat[k] = 1
            for row, gradient in zip(rows, _gradients(output, leaves, Tensor._from_array(one_hot, False), strict)):
                row.reshape((output._array.size,) + row.shape[output.ndim:])[k] = gradient
        per_input = tuple(Tensor._from_array(row, False) for row in rows)
        result.append(per_input[0] if single_input else per_input)
    return result[0] if single_output else tuple(result)


def _second_order(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(f"{name}: second derivatives need gradients of gradients, which tinynet does not "
                                  "record (its backward passes compute with numpy arrays)")
    refuse.__name__ = name
    refuse.__doc__ = f"Not available in tinynet: {name} needs gradients of gradients."
    return refuse


hessian, jvp, hvp, vhp = (_second_order(name) for name in ("hessian", "jvp", "hvp", "vhp"))
