"""Checking backward against finite differences -- the test every op (and your own Function) should pass.

The numeric derivative of a scalar function f at x, element i:
    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
(the central difference: its error shrinks like eps^2, not eps).

For a function with a non-scalar output y, ``gradcheck`` checks the scalar
f = sum(y * v) for a fixed random v: backward(v) must give exactly df/dx.
A random v makes it very unlikely that a wrong Jacobian passes.
Everything runs in float64: in float32 the rounding error of the
difference quotient would swamp the comparison.
"""

import numpy as np

from tinynet.autograd.grad_mode import no_grad
from tinynet.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by gradcheck when analytic and numeric gradients disagree."""


def central_difference(f, x, eps=1e-6):
    """Numeric gradient of a scalar function ``f(x) -> float`` at the float64 array ``x`` (x is restored)."""
    x = np.asarray(x)
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = f(x)
        flat_x[i] = original - eps
        f_minus = f(x)
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _outputs(result):
    return result if isinstance(result, (tuple, list)) else (result,)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Compare the gradients backward() computes for ``fn(*inputs)`` with central differences.

    ``inputs`` is a Tensor or a sequence of Tensors/other values; every
    float Tensor with ``requires_grad=True`` is checked (as a float64 copy).
    ``fn`` returns a Tensor (or a tuple of Tensors).  An element passes when
    |analytic - numeric| <= atol + rtol * |numeric|.  On failure, raises
    GradcheckError (or returns False with ``raise_exception=False``) with a
    message naming the worst element: input index, element index, analytic
    and numeric values.  Returns True when every element passes.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(
        Tensor._from_data(value._array.astype(np.float64), requires_grad=True)
        if isinstance(value, Tensor) and value.requires_grad else value
        for value in inputs
    )
    checked = [i for i, value in enumerate(inputs) if isinstance(value, Tensor) and value.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input is a Tensor with requires_grad=True, so there is nothing to check")

    outputs = [out for out in _outputs(fn(*inputs)) if isinstance(out, Tensor) and out.requires_grad]
    if not outputs:
        raise ValueError("gradcheck: fn returned no Tensor that requires grad (is it differentiable in its inputs?)")
    rng = np.random.default_rng(seed)
    # Random weights v_k: the check is on f = sum_k sum(output_k * v_k).
    weights = [rng.standard_normal(out.shape) for out in outputs]

    total = outputs[0] * weights[0]
    total = total.sum()
    for out, weight in zip(outputs[1:], weights[1:]):
        total = total + (out * weight).sum()
    total.backward()
    analytic = [inputs[i].grad._array if inputs[i].grad is not None else np.zeros(inputs[i].shape) for i in checked]

    def weighted_output(_):
        with no_grad():
            outs = [out for out in _outputs(fn(*inputs)) if isinstance(out, Tensor)]
            return float(sum(np.sum(out._array.astype(np.float64) * weight) for out, weight in zip(outs, weights)))

    worst = None  # (excess over tolerance, input index, element index, analytic, numeric)
    for position, i in enumerate(checked):
        numeric = central_difference(weighted_output, inputs[i]._array, eps)
        excess = np.abs(analytic[position] - numeric) - (atol + rtol * np.abs(numeric))
        if excess.size and (worst is None or excess.max() > worst[0]):
            flat = int(np.argmax(excess))
            element = np.unravel_index(flat, numeric.shape)
            worst = (excess.max(), i, element, analytic[position][element], numeric[element])
    if worst is None or worst[0] <= 0:
        return True
    _, i, element, analytic_value, numeric_value = worst
    message = (
        f"gradcheck failed: input {i}, element {tuple(int(e) for e in element)}: "
        f"analytic gradient {analytic_value:.10g} but numeric {numeric_value:.10g} "
        f"(atol={atol}, rtol={rtol}, eps={eps})"
    )
    if raise_exception:
        raise GradcheckError(message)
    print(message)
    return False
