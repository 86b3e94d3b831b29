"""The benchmark's models in JAX: the same layer list, the same starting weights, one jit-compiled training step.

JAX has no modules: a model is a function of its parameters.  ``forward``
walks the layer list of models.py, taking the parameters in the order the
tinynet and PyTorch models create them (so models.initial_parameters fits all
three), and BatchNorm's running statistics are carried as state, updated the
way PyTorch updates them.  ``training_step`` compiles forward, backward
(``jax.value_and_grad``) and PyTorch's SGD with momentum into one XLA program.

Thread count: XLA has no call like ``set_num_threads``.  ``limit_threads``
must run before jax is imported: for one thread it turns off XLA's
multi-threaded Eigen and sizes its pool to one thread; for fewer threads than
the machine has it also pins the process to that many CPUs.
"""

import os

from benchmarks.models import block_layers, split_spec

BATCHNORM_EPS = 1e-5
BATCHNORM_MOMENTUM = 0.1  # PyTorch's default: running = (1 - m) * running + m * batch


def limit_threads(threads):
    """Make this process's XLA use ``threads`` threads (call before importing jax)."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count()))
    flags = f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'} intra_op_parallelism_threads={threads}"
    os.environ["XLA_FLAGS"] = f"{flags} {os.environ.get('XLA_FLAGS', '')}".strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if threads < len(cpus) and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus[:threads])


def _apply(spec, params, stats, new_stats, x, train):
    """One layer of the list (a BasicBlock as its parts), taking its parameters from the iterator ``params``."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    kind, args, options = split_spec(spec)
    if kind == "Linear":
        weight, bias = next(params), next(params)
        return x @ weight.T + bias
    if kind == "Conv2d":
        stride, padding = options.get("stride", 1), options.get("padding", 0)
        y = lax.conv_general_dilated(x, next(params), (stride, stride), [(padding, padding)] * 2,
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return y + next(params)[None, :, None, None] if options.get("bias", True) else y
    if kind == "BatchNorm2d":
        weight, bias = next(params), next(params)
        running_mean, running_var = next(stats)
        if train:
            mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))  # biased variance normalises, as in PyTorch
            count = x.size // x.shape[1]
            new_stats.append(((1 - BATCHNORM_MOMENTUM) * running_mean + BATCHNORM_MOMENTUM * mean,
                              (1 - BATCHNORM_MOMENTUM) * running_var
                              + BATCHNORM_MOMENTUM * var * count / (count - 1)))  # unbiased in the running one
        else:
            mean, var = running_mean, running_var
            new_stats.append((running_mean, running_var))
        scale = weight * lax.rsqrt(var + BATCHNORM_EPS)
        return (x - mean[None, :, None, None]) * scale[None, :, None, None] + bias[None, :, None, None]
    if kind == "BasicBlock":
        main, shortcut = block_layers(*args)
        out = x
        for index, layer in enumerate(main):
            out = _apply(layer, params, stats, new_stats, out, train)
            if index == 1:
                out = jax.nn.relu(out)
        for layer in shortcut:
            x = _apply(layer, params, stats, new_stats, x, train)
        return jax.nn.relu(out + x)
    if kind == "MaxPool2d":
        k = args[0]
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, k, k), "VALID")
    if kind == "ReLU":
        return jax.nn.relu(x)
    if kind == "Tanh":
        return jnp.tanh(x)
    if kind == "Flatten":
        return x.reshape(x.shape[0], -1)
    if kind == "GlobalAvgPool":
        return x.mean((2, 3))
    raise ValueError(f"unknown layer kind {kind!r}")


def batchnorm_stats(layers):
    """Fresh running statistics, (mean 0, var 1) per BatchNorm2d, in the order forward meets them."""
    import jax.numpy as jnp

    stats = []
    for spec in layers:
        kind, args, _ = split_spec(spec)
        if kind == "BatchNorm2d":
            stats.append((jnp.zeros(args[0], jnp.float32), jnp.ones(args[0], jnp.float32)))
        elif kind == "BasicBlock":
            main, shortcut = block_layers(*args)
            stats += batchnorm_stats(main + shortcut)
    return stats


def forward(layers, params, stats, x, train=True):
    """The model's output (logits) and BatchNorm's updated running statistics."""
    params, stats, new_stats = iter(params), iter(stats), []
    for spec in layers:
        x = _apply(spec, params, stats, new_stats, x, train)
    return x, new_stats


def cross_entropy(logits, labels):
    """Mean over the batch of -log softmax(logits)[label]."""
    import jax
    import jax.numpy as jnp

    log_probs = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=1))


def training_step(layers, lr, momentum):
    """A jit-compiled step(state, x, y) -> (state, loss), state = (params, velocities, batchnorm stats).

    SGD as PyTorch does it: v = momentum * v + grad, p = p - lr * v (v starts
    at 0, so the first v is the gradient, as in PyTorch).
    """
    import jax

    def loss_fn(params, stats, x, y):
        logits, new_stats = forward(layers, params, stats, x)
        return cross_entropy(logits, y), new_stats

    def step(state, x, y):
        params, velocities, stats = state
        (loss, new_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, stats, x, y)
        velocities = [momentum * v + g for v, g in zip(velocities, grads)]
        params = [p - lr * v for p, v in zip(params, velocities)]
        return (params, velocities, new_stats), loss

    return jax.jit(step, donate_argnums=0)  # the old state's buffers are reused for the new one


def initial_state(layers, arrays):
    """(params, velocities, stats) on the device, from initial_parameters' arrays."""
    import jax.numpy as jnp

    params = [jnp.asarray(array) for array in arrays]
    return params, [jnp.zeros_like(p) for p in params], batchnorm_stats(layers)
