"""Weight initialisation: fill a Parameter's array in place with well-scaled random numbers.

Why scale matters: a layer computes y = W x with fan_in terms per output.  If
each weight has variance s^2 and the inputs have variance v, each output has
variance fan_in * s^2 * v.  Choosing s^2 = gain^2 / fan_in keeps the
variance roughly constant from layer to layer, so signals (and gradients)
neither vanish nor explode in a deep network.

- Xavier/Glorot (tanh/sigmoid nets): s^2 = gain^2 * 2 / (fan_in + fan_out),
  a compromise between the forward (fan_in) and backward (fan_out) passes.
- Kaiming/He (ReLU nets): s^2 = gain^2 / fan, gain = sqrt(2) for ReLU because
  ReLU zeroes half of its inputs, halving the variance.

A uniform distribution U(-b, b) has variance b^2 / 3, so b = sqrt(3) * s.
Every function draws from ``tinynet.random.default_generator()`` (seed it with
``tinynet.manual_seed``), modifies its argument in place and returns it.
Formulas and argument names match ``torch.nn.init``.
"""

import math

import numpy as np

from tinynet.random import default_generator
from tinynet.tensor import Tensor


def _array(tensor):
    """The numpy array to fill: a Tensor's values or the array itself."""
    array = tensor._array if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(f"init functions expect a Tensor/Parameter or numpy array, got {type(tensor).__name__}")
    if array.dtype.kind != "f":
        raise TypeError(f"init functions fill floating-point arrays, got dtype {array.dtype}")
    return array


def _fill(tensor, values):
    array = _array(tensor)
    array[...] = values
    if isinstance(tensor, Tensor):
        tensor._bump_version()
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The gain for a nonlinearity: the factor that restores the variance the nonlinearity removes.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu with slope a (default 0.01): sqrt(2 / (1 + a^2)).
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise TypeError(f"leaky_relu slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of "
        "'linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'"
    )


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: Linear (out, in) -> (in, out); Conv (out, in, kh, kw) -> (in*kh*kw, out*kh*kw)."""
    array = _array(tensor)
    if array.ndim < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 dimensions, got shape {array.shape}")
    receptive_field = int(np.prod(array.shape[2:])) if array.ndim > 2 else 1
    return array.shape[1] * receptive_field, array.shape[0] * receptive_field


def _fan(tensor, mode):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    array = _array(tensor)
    return _fill(tensor, default_generator().uniform(a, b, size=array.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_ needs std >= 0, got {std}")
    array = _array(tensor)
    return _fill(tensor, default_generator().normal(mean, std, size=array.shape))


def constant_(tensor, value):
    """Fill with a constant."""
    return _fill(tensor, value)


def zeros_(tensor):
    """Fill with 0 (the usual bias initialisation in hand-built nets, and BatchNorm's shift)."""
    return _fill(tensor, 0.0)


def ones_(tensor):
    """Fill with 1 (BatchNorm's scale)."""
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    PyTorch's default Linear/Conv2d weights are ``kaiming_uniform_(w, a=sqrt(5))``,
    which works out to b = 1 / sqrt(fan_in).
    """
    fan = _fan(tensor, mode)
    if fan == 0:
        raise ValueError(f"kaiming_uniform_ on a weight with no elements along {mode} (shape {_array(tensor).shape})")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, s^2) with s = gain / sqrt(fan)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        raise ValueError(f"kaiming_normal_ on a weight with no elements along {mode} (shape {_array(tensor).shape})")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))
