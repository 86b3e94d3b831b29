"""``detect_anomaly()``: stop at the first op that turns numbers into NaN or infinity.

A NaN loss is usually born many ops earlier -- a log of 0, an exp that
overflowed, a division by a variance of 0 -- and then spreads through every
later op, so by the time you see it the culprit is hidden.  Inside::

    with tinynet.detect_anomaly():
        loss = loss_fn(model(x), y)
        loss.backward()

every op's forward output, and every gradient its backward hands to its
inputs, is checked with ``np.isfinite``; the first op that produces a
non-finite value raises ``AnomalyError`` naming the op (for backward: which
input's gradient), and the line of your code that called it.  The checks cost
a pass over every array, so use it to debug, not to train.  Outside the
block nothing is checked (the autograd engine tests one module-level hook).
"""

import os
import sys

import numpy as np

from tinynet.autograd import hooks
from tinynet.tensor import Tensor

# The tinynet package folder (this file is tinynet/autograd/anomaly.py): frames outside it are the user's.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnomalyError(RuntimeError):
    """An op produced NaN or infinity while ``detect_anomaly()`` was on."""


def _describe_bad(array):
    """'nan' / 'inf' / 'nan and inf', with how many of how many elements."""
    nan = int(np.isnan(array).sum())
    inf = int(np.isinf(array).sum())
    kinds = " and ".join(kind for kind, count in (("nan", nan), ("inf", inf)) if count)
    return f"{kinds} ({nan + inf} of {array.size} elements)"


def _is_finite(value):
    """True for anything that is not a float array holding NaN or infinity."""
    array = value._array if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc":
        return True
    return bool(np.isfinite(array).all())


def _caller():
    """'file:line in function' of the innermost stack frame outside the tinynet package (the user's code)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "unknown"


def _check_forward(node, output):
    """hooks.forward_check: raise if the op's output holds NaN/inf."""
    if _is_finite(output):
        return
    where = _caller()
    bad_inputs = [i for i, value in enumerate(node.parents) if not _is_finite(value)]
    cause = (f"its input(s) {bad_inputs} already held nan/inf (made outside autograd, e.g. by the data)"
             if bad_inputs else "all of its inputs were finite")
    raise AnomalyError(
        f"detect_anomaly: the forward pass of {node.op_name} produced {_describe_bad(np.asarray(output))}; "
        f"{cause}. Called from {where}"
    )


def _check_backward(node, grad_output, input_grads):
    """backward listener: raise if a gradient the node passes to an input holds NaN/inf."""
    for index, grad in enumerate(input_grads):
        if grad is None or _is_finite(grad):
            continue
        incoming = "finite" if _is_finite(grad_output) else "already non-finite"
        raise AnomalyError(
            f"detect_anomaly: the backward pass of {node.op_name} produced {_describe_bad(np.asarray(grad))} "
            f"in the gradient for its input {index} (shape {np.shape(grad)}); the gradient flowing into "
            f"{node.op_name} was {incoming}"
            + (f". {node.op_name} was called from {node.anomaly_caller}" if hasattr(node, "anomaly_caller") else "")
        )


def _check_forward_and_remember_caller(node, output):
    _check_forward(node, output)
    node.anomaly_caller = _caller()  # so a backward anomaly can point at the forward line


class detect_anomaly:
    """Context manager: raise ``AnomalyError`` at the first op whose output or input-gradient is NaN/inf.

    Nested blocks are fine; checking stops when the outermost one exits.
    """

    _depth = 0

    def __enter__(self):
        if detect_anomaly._depth == 0:
            hooks.forward_check = _check_forward_and_remember_caller
            hooks.backward_listeners.append(_check_backward)
        detect_anomaly._depth += 1
        return self

    def __exit__(self, *exc_info):
        detect_anomaly._depth -= 1
        if detect_anomaly._depth == 0:
            hooks.forward_check = None
            hooks.backward_listeners.remove(_check_backward)
        return False


def is_anomaly_enabled():
    """True inside a ``detect_anomaly()`` block."""
    return detect_anomaly._depth > 0
