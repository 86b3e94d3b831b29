"""Optimizer steps over many parameters in one call, checked: SGD (with momentum) and Adam.

Each function takes parallel lists -- parameter arrays, their gradients, their
running state -- and updates the parameters and state in place, by PyTorch's
rules (tinynet/optim/sgd.py and adam.py state them).  The numpy versions are
in ``reference.py``, the C in csrc/optim/; both give the very bits of the
optimizers' own numpy loops.

C can take a parameter when every array of it is a C-contiguous, aligned
ndarray of its dtype (float32 or float64) and size, the ones it writes are
writable, and no two of them share memory (C compares their address ranges
itself: a few instructions there, a microsecond per pair here).  A parameter
that does not fit (a gradient of another dtype, a read-only array, a buffer
that is a view of the parameter...) is left alone: each function returns
the positions of the parameters it did not update, for the caller's own
numpy loop.
"""

import numpy as np

from tinynet.kernels import config
from tinynet.kernels.arrays import FLOAT_DTYPES


def _fits(array, dtype, size, written):
    """Whether C may take ``array`` as one of a parameter's arrays: a C-contiguous, aligned ndarray of the
    parameter's ``dtype`` and ``size``, writable if C ``written`` to it.  (Whether arrays share memory, C
    checks.)"""
    if type(array) is not np.ndarray or array.dtype != dtype or array.size != size:
        return False
    flags = array.flags
    return flags.c_contiguous and flags.aligned and (flags.writeable or not written)


def _split(params, grads, states):
    """The positions C can take, grouped by dtype ({dtype: [k, ...]}), and the positions it cannot.

    ``states`` is a list of lists: each state (e.g. the momentum buffers) holds one array per parameter.
    A parameter fits when it is a float32/float64 array and ``_fits`` holds for it (written), its gradient
    (read only) and each of its states (written).
    """
    by_dtype, others = {}, []
    for k, param in enumerate(params):
        dtype, size = getattr(param, "dtype", None), getattr(param, "size", None)
        if (dtype in FLOAT_DTYPES and _fits(param, dtype, size, True) and _fits(grads[k], dtype, size, False)
                and all(_fits(state[k], dtype, size, True) for state in states)):
            by_dtype.setdefault(dtype, []).append(k)
        else:
            others.append(k)
    return by_dtype, others


def _check_lengths(params, *lists):
    for values in lists:
        if values is not None and len(values) != len(params):
            raise ValueError(f"optimizer step: {len(params)} parameters but a list of {len(values)} "
                             "gradients or states; each must have one entry per parameter")


def sgd_step(params, grads, buffers, fresh, lr, weight_decay, momentum, dampening, nesterov, maximize):
    """One SGD step: params[k] -= lr * (the gradient after weight decay and momentum), in place.

    ``buffers[k]`` is parameter k's momentum buffer, updated in place (``buffers`` is None when momentum is 0);
    ``fresh[k]`` true means it holds nothing yet and is set to the gradient.  Returns the positions of the
    parameters not updated (see the module docstring).
    """
    _check_lengths(params, grads, buffers, fresh)
    by_dtype, others = _split(params, grads, [buffers] if buffers is not None else [])
    settings = float(lr), float(weight_decay), float(momentum), float(dampening), bool(nesterov), bool(maximize)
    if not others and len(by_dtype) == 1:  # the usual step: every parameter, one dtype, one call as given
        return sorted(config.backend.sgd_step(params, grads, buffers, [bool(new) for new in fresh], *settings))
    for dtype, chosen in by_dtype.items():
        overlapping = config.backend.sgd_step(
            [params[k] for k in chosen], [grads[k] for k in chosen],
            None if buffers is None else [buffers[k] for k in chosen], [bool(fresh[k]) for k in chosen], *settings)
        others += [chosen[i] for i in overlapping]
    return sorted(others)


def adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1, beta2, eps, weight_decay,
              decoupled, maximize):
    """One Adam step (AdamW with ``decoupled``): parameters and both moments (and, for amsgrad, the largest
    second moments: ``max_exp_avg_sqs``, else None) updated in place; ``steps[k]`` >= 1 is parameter k's step
    number t.  Returns the positions of the parameters not updated (see the module docstring)."""
    _check_lengths(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps)
    states = [exp_avgs, exp_avg_sqs] + ([max_exp_avg_sqs] if max_exp_avg_sqs is not None else [])
    by_dtype, others = _split(params, grads, states)
    for k in [k for chosen in by_dtype.values() for k in chosen]:
        if not 1 <= steps[k] < 2**63:
            raise ValueError(f"adam_step: step numbers start at 1, got {steps[k]} for parameter {k}")
    for dtype, chosen in by_dtype.items():
        def pick(values):
            return None if values is None else [values[k] for k in chosen]
        overlapping = config.backend.adam_step(
            pick(params), pick(grads), pick(exp_avgs), pick(exp_avg_sqs), pick(max_exp_avg_sqs),
            [int(steps[k]) for k in chosen], float(lr), float(beta1), float(beta2), float(eps), float(weight_decay),
            bool(decoupled), bool(maximize))
        others += [chosen[i] for i in overlapping]
    return sorted(others)
