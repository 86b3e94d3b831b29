"""Random sampling driven by tinynet's generator: multinomial, bernoulli (+ bernoulli_), normal, random_, and
get_rng_state / set_rng_state to save and restore that generator exactly.

``tinynet.manual_seed(n)`` makes every draw here repeatable; a ``generator=``
argument draws from a ``tinynet.Generator`` instead.  The streams are
numpy's (PCG64), not PyTorch's, so the same seed gives different -- equally
random -- numbers in the two libraries.  As in PyTorch, a sample passes a
zero gradient to the probabilities or moments it was drawn from (the draw
itself is not differentiable).
"""

import numbers

import numpy as np

from tinynet import checks, dtypes, random
from tinynet.generator import numpy_generator
from tinynet.ops import activations, elementwise
from tinynet.ops.inplace import _fill_with
from tinynet.ops.operands import as_tensor
from tinynet.tensor import Tensor

__all__ = ["multinomial", "bernoulli", "normal", "get_rng_state", "set_rng_state"]  # (and F.gumbel_softmax)


def _with_zero_gradient(sample, *sources):
    """``sample`` as a Tensor that passes 0 to each source tensor that requires grad (PyTorch's rule for draws)."""
    result = Tensor._from_array(sample, False)
    for source in sources:
        if isinstance(source, Tensor) and source.requires_grad:
            result = elementwise.add(result, elementwise.mul(source, 0))
    return result


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn with probability proportional to the weights in each row of ``input`` (1-d or 2-d,
    non-negative, not all zero): (num_samples,) or (rows, num_samples), int64.  Without replacement each index
    appears at most once per row (so num_samples <= the number of categories)."""
    input = as_tensor(input)
    if input.dtype not in dtypes.FLOAT_DTYPES:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-d tensor")
    num_samples = checks.integer(num_samples, "num_samples", "multinomial")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got {num_samples})")
    weights = input._array.reshape(-1, input.shape[-1]).astype(np.float64)
    if not replacement and num_samples > weights.shape[1]:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {weights.shape[1]})")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_generator(generator)
    if replacement:  # inverse-CDF sampling: the first category whose running total passes a uniform draw
        cumulative = np.cumsum(weights / totals, axis=1)
        draws = rng.random((weights.shape[0], num_samples))
        samples = np.stack([np.searchsorted(c, d, side="right") for c, d in zip(cumulative, draws)])
        samples = np.minimum(samples, weights.shape[1] - 1)
    else:  # E_i / w_i with E_i ~ Exp(1): the k smallest are a weighted draw of k without replacement
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=weights.shape) / weights
        samples = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64)
    return Tensor._from_array(samples.reshape(num_samples) if input.ndim == 1 else samples, False)


def _probabilities_in_range(array, owner):
    if array.size and not ((array >= 0) & (array <= 1)).all():
        raise RuntimeError(f"{owner}: Expected p_in >= 0 && p_in <= 1 (every probability in [0, 1])")


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 for each element, 1 with probability input[i] (or with probability ``p`` for all, when given);
    the result has input's shape and dtype."""
    input = as_tensor(input)
    if input.dtype not in dtypes.FLOAT_DTYPES:
        raise NotImplementedError(f"bernoulli is not implemented for dtype {input.dtype} (use a float tensor)")
    if p is None:
        probabilities = input._array
        _probabilities_in_range(probabilities, "bernoulli")
    else:
        probabilities = checks.probability(p, "p", "bernoulli")
    draws = numpy_generator(generator).random(input.shape) < probabilities
    return _with_zero_gradient(draws.astype(input.dtype), input)


def bernoulli_(input, p=0.5, *, generator=None):
    """Fill input, in place, with 0/1 draws that are 1 with probability ``p`` (a number or a tensor of
    probabilities broadcast to input's shape)."""
    if isinstance(p, Tensor):
        probabilities = p._array
        _probabilities_in_range(probabilities, "bernoulli_")
    elif isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    else:
        probabilities = float(p)
    rng = numpy_generator(generator)
    return _fill_with(input, lambda shape: rng.random(shape) < np.broadcast_to(probabilities, shape), "bernoulli_",
                      kinds="fiub")


def _std_not_negative(std):
    array = np.asarray(std)
    if array.size and (array < 0).any():
        raise RuntimeError(f"normal expects all elements of std >= 0.0, got {array.min()}")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Draws from N(mean, std^2): tensor mean and/or std give one draw per (broadcast) element, in their dtype;
    two numbers need ``size`` and give the default dtype."""
    rng = numpy_generator(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal: with a number mean and std, pass size= (e.g. normal(0.0, 1.0, size=(2, 3)))")
        mean = checks.real_number(mean, "mean", "normal")
        std = checks.real_number(std, "std", "normal")
        _std_not_negative(std)
        shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.resolve(dtype, "normal")
        sample = rng.normal(mean, std, size=shape).astype(dtype)
        return Tensor._from_array(sample, bool(requires_grad))
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        if t.dtype not in dtypes.FLOAT_DTYPES:
            raise NotImplementedError(f"normal is not implemented for dtype {t.dtype} (use float tensors)")
    out_dtype = tensors[0].dtype if len(tensors) == 1 or tensors[0].dtype == tensors[1].dtype else np.float64
    means, stds = (t._array if isinstance(t, Tensor) else t for t in (mean, std))
    _std_not_negative(stds)
    try:
        shape = np.broadcast_shapes(np.shape(means), np.shape(stds))
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {list(np.shape(means))} and std {list(np.shape(stds))} "
                           f"do not broadcast") from None
    sample = (means + stds * rng.standard_normal(shape)).astype(out_dtype)
    return _with_zero_gradient(sample, mean, std)


def random_(input, from_=0, to=None, *, generator=None):
    """Fill input, in place, with integers drawn uniformly: from [0, to) with one argument, [from, to) with two,
    and with none from 0 up to the largest integer the dtype holds exactly (2^24 for float32, 2^53 for float64)."""
    if to is None and from_ != 0:
        from_, to = 0, from_  # random_(to)
    low = checks.integer(from_, "from", "random_")
    if to is None:
        top = {np.dtype(np.float32): 2 ** 24, np.dtype(np.float64): 2 ** 53}.get(input.dtype)
        high = top + 1 if top is not None else int(np.iinfo(input.dtype).max) if input.dtype != np.bool_ else 2
    else:
        high = checks.integer(to, "to", "random_")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rng = numpy_generator(generator)
    return _fill_with(input, lambda shape: rng.integers(low, high, size=shape), "random_", kinds="fiub")


# ---- the generator's state: PCG64's 128-bit state and increment, and its buffered 32-bit half ---------------

_STATE_BYTES = 40  # 16 (state) + 16 (increment) + 4 (has a buffered uint32) + 4 (that uint32)


def get_rng_state():
    """tinynet's generator state as a uint8 tensor (PyTorch's ByteTensor); set_rng_state(it) resumes from it."""
    state = random.default_generator().bit_generator.state
    parts = (state["state"]["state"].to_bytes(16, "little"), state["state"]["inc"].to_bytes(16, "little"),
             int(state["has_uint32"]).to_bytes(4, "little"), int(state["uinteger"]).to_bytes(4, "little"))
    return Tensor._from_array(np.frombuffer(b"".join(parts), dtype=np.uint8).copy(), False)


def set_rng_state(new_state):
    """Restore tinynet's generator to a state from ``get_rng_state()``: the draws that followed it come again."""
    if not isinstance(new_state, Tensor):
        raise TypeError(f"set_rng_state: expected a uint8 Tensor (from get_rng_state()), but got "
                        f"{type(new_state).__name__}")
    if new_state.dtype != np.uint8:
        raise TypeError(f"set_rng_state: RNG state must be a uint8 tensor (a ByteTensor), got dtype {new_state.dtype}")
    if new_state.shape != (_STATE_BYTES,):
        raise RuntimeError(f"set_rng_state: expected a uint8 tensor of {_STATE_BYTES} bytes (from get_rng_state()), "
                           f"got dtype {new_state.dtype} and shape {list(new_state.shape)}")
    raw = new_state._array.tobytes()
    generator = random.default_generator()
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int.from_bytes(raw[:16], "little"), "inc": int.from_bytes(raw[16:32], "little")},
        "has_uint32": int.from_bytes(raw[32:36], "little"), "uinteger": int.from_bytes(raw[36:40], "little"),
    }


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A differentiable draw from the categorical distribution softmax(logits): softmax((logits + g) / tau) with
    g = -log(-log U) Gumbel noise (U uniform).  With ``hard``, the one-hot of its largest entry going forward
    and the soft sample's gradient going back (the straight-through estimator)."""
    logits = as_tensor(logits)
    if logits.dtype.kind != "f":  # (integer logits would truncate the noise added to them to whole numbers)
        raise RuntimeError(f"gumbel_softmax: expected floating-point logits, got dtype {logits.dtype}")
    tau = checks.real_number(tau, "tau", "gumbel_softmax")
    uniform = numpy_generator(None).random(logits.shape)
    with np.errstate(divide="ignore"):
        noise = -np.log(-np.log(uniform))  # (U = 0 gives -inf, as PyTorch's exponential draw can)
    soft = activations.softmax((logits + Tensor._from_array(noise.astype(logits.dtype), False)) / tau, dim)
    if not hard:
        return soft
    axis = checks.dim(dim, logits.ndim, "gumbel_softmax")
    one_hot = np.zeros(soft.shape, dtype=soft.dtype)
    np.put_along_axis(one_hot, np.expand_dims(soft._array.argmax(axis=axis), axis), 1, axis=axis)
    return soft + Tensor._from_array(one_hot - soft._array, False)  # (= one_hot forward; soft's gradient)
