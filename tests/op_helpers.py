"""One helper, many one-line op cases (in the style of tinygrad's helper_test_op).

An ``OpCase`` names an op, the shapes of its float64 inputs, the tinynet
function to apply and (when it differs) the same function written for
PyTorch.  ``check_gradients`` runs tinynet's float64 gradcheck on it;
``check_against_torch`` compares forward values and backward gradients
with PyTorch to ~1e-9.
"""

from dataclasses import dataclass, field

import numpy as np

import tinynet


@dataclass
class OpCase:
    """One op under test: ``fn(*tensors, *constants)``, with tensors of ``shapes`` drawn from ``low..high``.

    ``constants`` (labels, masks) are passed after the tensors, as numpy
    arrays to tinynet and as torch tensors to ``torch_fn``.  ``low``/``high``
    keep inputs inside the op's domain (e.g. positive for log); ``away_from``
    nudges values off points where the op has a kink (|x - a| >= 0.05).
    """

    name: str
    shapes: list
    fn: object
    torch_fn: object = None
    low: float = -2.0
    high: float = 2.0
    constants: tuple = ()
    away_from: tuple = ()
    compare_with_torch: bool = True
    gradcheck_kwargs: dict = field(default_factory=dict)

    def __repr__(self):
        return self.name


def torch_module():
    """torch, imported only when a torch comparison runs (a case's lambdas are built when its module is imported)."""
    import torch
    return torch


def both(name, shapes, call, **options):
    """An OpCase calling ``call(lib, *tensors)`` with lib = tinynet, and with lib = torch for the reference."""
    return OpCase(name, shapes, lambda *ts: call(tinynet, *ts), torch_fn=lambda *ts: call(torch_module(), *ts),
                  **options)


def make_arrays(case, seed=0):
    """The case's random float64 input arrays, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in case.shapes:
        values = rng.uniform(case.low, case.high, size=shape)
        for kink in case.away_from:
            too_close = np.abs(values - kink) < 0.05
            values[too_close] = kink + 0.1
        arrays.append(values)
    return arrays


def check_gradients(case):
    """Assert tinynet's backward agrees with central differences for the case (float64)."""
    tensors = [tinynet.tensor(a, requires_grad=True) for a in make_arrays(case)]
    constants = case.constants
    assert tinynet.gradcheck(lambda *ts: case.fn(*ts, *constants), tensors, **case.gradcheck_kwargs)


def check_against_torch(case, torch, rtol=1e-9, atol=1e-9):
    """Assert tinynet's forward output and input gradients equal PyTorch's for the same inputs and output gradient."""
    arrays = make_arrays(case)
    ours = [tinynet.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    torch_constants = [torch.from_numpy(np.asarray(c)) for c in case.constants]
    out_ours = case.fn(*ours, *case.constants)
    out_theirs = (case.torch_fn or case.fn)(*theirs, *torch_constants)
    np.testing.assert_allclose(out_ours.numpy(), out_theirs.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=f"{case.name}: forward differs from PyTorch")

    grad_out = np.random.default_rng(1).standard_normal(out_ours.shape)
    out_ours.backward(grad_out)
    out_theirs.backward(torch.from_numpy(grad_out.copy()))
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        expected = np.zeros(mine.shape) if reference.grad is None else reference.grad.numpy()
        actual = np.zeros(mine.shape) if mine.grad is None else mine.grad.numpy()
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol,
                                   err_msg=f"{case.name}: gradient of input {index} differs from PyTorch")
