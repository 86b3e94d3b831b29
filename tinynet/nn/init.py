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
``tinynet.manual_seed``) or from the ``generator=`` it is given, modifies its argument in place (counting a new
version of it) and returns it.  Formulas and argument names match
``torch.nn.init``; the random numbers themselves differ (another generator).

Beyond the scaled random draws: ``orthogonal_`` (a random orthogonal matrix,
which keeps every singular value at 1), ``trunc_normal_`` (a normal
distribution cut to [a, b]), ``eye_`` and ``dirac_`` (layers that start as
the identity).
"""

import math
import warnings

import numpy as np

from tinynet.ops.special import normal_cdf
from tinynet.generator import numpy_generator
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


LINEAR_LAYERS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The gain for a nonlinearity: the factor that restores the variance the nonlinearity removes.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2);
    leaky_relu with slope a (default 0.01): sqrt(2 / (1 + a^2)); selu: 3/4.
    """
    if nonlinearity in LINEAR_LAYERS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
                     f"{LINEAR_LAYERS + ('tanh', 'relu', 'leaky_relu', 'selu')}")


def calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: Linear (out, in) -> (in, out); Conv (out, in, kh, kw) -> (in*kh*kw, out*kh*kw)."""
    array = _array(tensor)
    if array.ndim < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 dimensions, got shape {array.shape}")
    receptive_field = int(np.prod(array.shape[2:])) if array.ndim > 2 else 1
    return array.shape[1] * receptive_field, array.shape[0] * receptive_field


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out  # PyTorch's (private) name, which custom layers use


def _fan(tensor, mode):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode {mode!r} is not supported, please use one of ['fan_in', 'fan_out']")


def _is_empty(tensor):
    """Initialising a tensor with no elements does nothing (PyTorch warns the same way)."""
    if _array(tensor).size == 0:
        warnings.warn("initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples from U(a, b)."""
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    array = _array(tensor)
    return _fill(tensor, numpy_generator(generator).uniform(a, b, size=array.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_ needs std >= 0, got {std}")
    array = _array(tensor)
    return _fill(tensor, numpy_generator(generator).normal(mean, std, size=array.shape))


def constant_(tensor, value):
    """Fill with a constant."""
    return _fill(tensor, value)


def zeros_(tensor):
    """Fill with 0 (the usual bias initialisation in hand-built nets, and BatchNorm's shift)."""
    return _fill(tensor, 0.0)


def ones_(tensor):
    """Fill with 1 (BatchNorm's scale)."""
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    PyTorch's default Linear/Conv2d weights are ``kaiming_uniform_(w, a=sqrt(5))``,
    which works out to b = 1 / sqrt(fan_in).
    """
    if _is_empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)



def layer_default_(weight, bias=None):
    """PyTorch's default start of Linear and the convolutions: weight ``kaiming_uniform_(a=sqrt(5))``
    (b = 1 / sqrt(fan_in)), then bias U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)) with the weight's fan_in."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1.0 / math.sqrt(calculate_fan_in_and_fan_out(weight)[0])
        uniform_(bias, -bound, bound)

def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, s^2) with s = gain / sqrt(fan)."""
    if _is_empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with samples from N(mean, std^2) restricted to [a, b] (a and b are values, not numbers of stds).

    Drawn by rejection: values outside [a, b] are drawn again (at least 1 in 20 lands inside, else ValueError).
    """
    if std < 0 or not a < b:
        raise ValueError(f"trunc_normal_ needs std >= 0 and a < b, got std={std}, a={a}, b={b}")
    if std == 0:
        return _fill(tensor, min(max(mean, a), b))
    inside = float(normal_cdf(np.array((b - mean) / std)) - normal_cdf(np.array((a - mean) / std)))
    if inside < 0.05:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds only {inside:.3g} of N({mean}, {std}^2); "
                         "choose bounds that hold at least 5% of it")
    generator = numpy_generator(generator)
    values = generator.normal(mean, std, size=_array(tensor).shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = generator.normal(mean, std, size=int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix times gain: the Q of a random Gaussian matrix's QR decomposition.

    A tensor with more than 2 dims is treated as (shape[0], everything else), as in PyTorch.
    """
    array = _array(tensor)
    if array.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {array.shape}")
    if array.size == 0:
        return tensor
    rows, columns = array.shape[0], array.size // array.shape[0]
    flat = numpy_generator(generator).normal(0.0, 1.0, size=(rows, columns))
    if rows < columns:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < columns:
        q = q.T
    return _fill(tensor, gain * q.reshape(array.shape))


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal), so a Linear layer starts as y = x."""
    array = _array(tensor)
    if array.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {array.shape}")
    return _fill(tensor, np.eye(*array.shape))


def dirac_(tensor, groups=1):
    """Fill a 3/4/5-D convolution weight with the Dirac delta, so the convolution starts as the identity
    (each output channel copies one input channel; with ``groups``, within each group)."""
    array = _array(tensor)
    if array.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {array.shape}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or array.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({array.shape[0]}) must be divisible by groups, got groups={groups!r}")
    per_group = array.shape[0] // groups
    values = np.zeros(array.shape)
    centre = tuple(size // 2 for size in array.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, array.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor from N(0, std^2), then zero ceil(sparsity * rows) randomly chosen entries of each column
    (Martens' sparse initialisation for deep networks)."""
    array = _array(tensor)
    if array.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, columns = array.shape
    zeros_per_column = int(math.ceil(sparsity * rows))
    draw = numpy_generator(generator)
    values = draw.normal(0.0, std, size=array.shape)
    for column in range(columns):
        values[draw.permutation(rows)[:zeros_per_column], column] = 0
    return _fill(tensor, values)
