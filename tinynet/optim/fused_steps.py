"""The fused optimizer steps: a parameter group updated by one kernel call (``tinynet.kernels.sgd_step``,
``adam_step``) instead of a few numpy operations per parameter.

The optimizers use these when fused kernels are on (``tinynet.set_fused_kernels``, the default).  The
numbers are the same, bit for bit, as their own numpy loops, which stay the plain version of each rule
and take any parameter the kernel cannot (an unusual gradient dtype, a read-only array...: see
kernels/optim.py).  Each function returns those (parameter, gradient) pairs, the gradient negated when
the group maximizes, as ``Optimizer._parameters_with_grads`` gives them.
"""

import numpy as np

from tinynet import kernels


def _left_over(pairs, positions, maximize):
    return [(pairs[k][0], -pairs[k][1] if maximize else pairs[k][1]) for k in positions]


def sgd(optimizer, group):
    """One SGD step (sgd.py states the rule) for every parameter of ``group`` the kernel can take."""
    pairs = list(optimizer._gradients(group))
    if not pairs:
        return []
    params = [p._array for p, _ in pairs]
    buffers, fresh = None, [False] * len(pairs)
    if group["momentum"] != 0:
        state = optimizer.state
        buffers = [state[p].get("momentum_buffer") for p, _ in pairs]
        fresh = [buffer is None for buffer in buffers]
        if True in fresh:  # (the first step: new buffers, which the kernel fills with the gradient)
            buffers = [np.empty_like(array) if new else buffer for array, buffer, new in zip(params, buffers, fresh)]
    others = kernels.sgd_step(params, [grad for _, grad in pairs], buffers, fresh, group["lr"],
                              group["weight_decay"], group["momentum"], group["dampening"], group["nesterov"],
                              group["maximize"])
    if True in fresh:
        skipped = set(others)
        for k, (p, _) in enumerate(pairs):
            if fresh[k] and k not in skipped:  # the kernel filled the new buffer with the gradient
                optimizer.state[p]["momentum_buffer"] = buffers[k]
    return _left_over(pairs, others, group["maximize"]) if others else []


def adam(optimizer, group):
    """One Adam / AdamW step (adam.py states the rule) for every parameter of ``group`` the kernel can take."""
    pairs = list(optimizer._gradients(group))
    if not pairs:
        return []
    names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
    states = []
    for p, _ in pairs:
        state = optimizer.state[p]
        if not state:  # as the numpy loop starts it
            state.update(step=0, **{name: np.zeros_like(p._array) for name in names})
        states.append(state)
    moments = [[state.get(name) for state in states] for name in names]
    taken = [k for k, state in enumerate(states) if all(name in state for name in names)]
    others = [k for k in range(len(pairs)) if k not in taken]  # (a state without amsgrad's array, say)

    def pick(values):
        return [values[k] for k in taken]
    lr, (beta1, beta2) = group["lr"], group["betas"]
    steps = [states[k]["step"] + 1 for k in taken]
    skipped = kernels.adam_step(pick([p._array for p, _ in pairs]), pick([grad for _, grad in pairs]),
                                pick(moments[0]), pick(moments[1]), pick(moments[2]) if group["amsgrad"] else None,
                                steps, lr, beta1, beta2, group["eps"], group["weight_decay"],
                                group["decoupled_weight_decay"], group["maximize"])
    skipped = {taken[i] for i in skipped}
    for k, step in zip(taken, steps):
        if k not in skipped:
            states[k]["step"] = step
    return _left_over(pairs, sorted(set(others) | skipped), group["maximize"])
