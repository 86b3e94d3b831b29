"""The checks a user's arguments get where they enter tinynet, each written once.

A layer's constructor, a public function in ``tinynet/ops`` or an optimizer
checks its arguments with these, then passes the cleaned values on; nothing
below re-checks them (the kernels check only what C needs to stay in bounds).
Every message names who was called (``owner``), the argument, what was
expected and what was given.
"""

import math
import numbers

from tinynet import dtypes


def _prefix(owner):
    return f"{owner}: " if owner else ""


def integer(value, name, owner=None, minimum=None, maximum=None):
    """``value`` as a Python int (a bool is not an integer here), within [minimum, maximum] when given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_prefix(owner)}{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_prefix(owner)}{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{_prefix(owner)}{name} must be <= {maximum}, got {value}")
    return int(value)


def positive_int(value, name, owner=None):
    """``value`` as an int >= 1 (a size, a count of features or channels)."""
    return integer(value, name, owner, minimum=1)


def channels_and_groups(in_channels, out_channels, groups, owner):
    """(in_channels, out_channels, groups) of a convolution layer, each an int >= 1, and both channel counts
    divisible by groups (each group maps in_channels / groups inputs to out_channels / groups outputs)."""
    sizes = (positive_int(in_channels, "in_channels", owner), positive_int(out_channels, "out_channels", owner),
             positive_int(groups, "groups", owner))
    if sizes[0] % sizes[2] or sizes[1] % sizes[2]:
        raise ValueError(f"{owner}: in_channels and out_channels must be divisible by groups, got "
                         f"{in_channels}, {out_channels} and {groups}")
    return sizes


def int_pair(value, name, owner=None, minimum=1):
    """An int or an (h, w) pair of ints, each >= minimum -> (h, w): a convolution's or pooling's kernel size,
    stride, padding or dilation.  One below the minimum is PyTorch's RuntimeError for those ("non-positive
    stride is not supported"), raised here when the layer is made rather than at its first forward."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int \
            and value[0] >= minimum and value[1] >= minimum:
        return value  # already a checked pair (the common case when a layer passes its own settings)
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{_prefix(owner)}{name} must be an int or a pair (h, w), got {value!r}")
        pair = integer(value[0], name, owner), integer(value[1], name, owner)
    else:
        pair = (integer(value, name, owner),) * 2
    if min(pair) < minimum:
        raise RuntimeError(f"{_prefix(owner)}{name} must be >= {minimum}, got {value!r}")
    return pair


def _out_of_range(value, ndim, owner):
    """PyTorch's error for a dim that does not exist (a 0-d tensor counts as having one dim, -1 or 0)."""
    size = max(ndim, 1)
    return IndexError(f"{_prefix(owner)}Dimension out of range (expected to be in range of [{-size}, {size - 1}], "
                      f"but got {value})")


def dim(value, ndim, owner=None):
    """A dimension index of a tensor with ``ndim`` dimensions (negatives count from the end) -> 0..ndim-1.

    A 0-d tensor accepts dims 0 and -1, as in PyTorch; any other dim is an IndexError.
    """
    if type(value) is int and 0 <= value < ndim:
        return value  # the common case, checked cheaply
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_prefix(owner)}dim must be an integer, got {value!r}")
    size = max(ndim, 1)
    if not -size <= value < size:
        raise _out_of_range(value, ndim, owner)
    return int(value) % size


def dims(value, ndim, owner=None):
    """None or () (every dimension), an int or a sequence of ints -> a sorted tuple of distinct dims.

    A 0-d tensor accepts dim 0 or -1 and has no axes to reduce over, so it gets ().
    """
    if value is None:
        return tuple(range(ndim))
    if isinstance(value, numbers.Integral):
        values = (value,)
    elif isinstance(value, (tuple, list)):
        values = tuple(value)
    else:
        raise TypeError(f"{_prefix(owner)}dim must be an int or a tuple of ints, got {value!r}")
    if not values:
        return tuple(range(ndim))  # an empty list of dims reduces over all of them, as in PyTorch
    result = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{_prefix(owner)}dim must be an int or a tuple of ints, got {value!r}")
        if not -max(ndim, 1) <= v < max(ndim, 1):
            raise _out_of_range(v, ndim, owner)
        result.append(int(v) % max(ndim, 1))
    if len(set(result)) != len(result):
        repeated = next(d for d in result if result.count(d) > 1)
        raise RuntimeError(f"{_prefix(owner)}dim {repeated} appears multiple times in the list of dims {value!r}")
    return tuple(sorted(result)) if ndim else ()  # a 0-d tensor's dim 0 is itself: nothing to reduce over


def seed(value, owner):
    """A random seed as PyTorch reads it: an integer from -2**63 to 2**64 - 1, a negative one counted from 2**64
    (-1 is 2**64 - 1), so that every 64-bit pattern is one seed."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner} expects an integer seed, got {type(value).__name__}")
    if not -2 ** 63 <= value < 2 ** 64:
        raise ValueError(f"{owner}: Overflow when unpacking long long: a seed must be from -2**63 to 2**64 - 1, got "
                         f"{value}")
    return int(value) % 2 ** 64


def reshape_target(shape):
    """A reshape's target shape: sizes >= 0 and at most one -1 (the size inferred).  numpy would read any negative
    entry as -1, so x.reshape(-2, 3) is refused here, as PyTorch refuses it."""
    shape = tuple(shape)
    for index, size in enumerate(shape):
        if isinstance(size, numbers.Integral) and not isinstance(size, bool) and size < -1:
            raise RuntimeError(f"invalid shape dimension {size} at index {index} of shape {list(shape)}")
    if shape.count(-1) > 1:
        raise RuntimeError(f"only one dimension can be inferred, got shape {list(shape)}")
    return shape


def broadcast_error(error, owner):
    """numpy's "could not (be) broadcast" ValueError as the RuntimeError PyTorch raises for it; other errors as
    they are.  (Use: ``except ValueError as error: raise checks.broadcast_error(error, owner) from None``.)"""
    message = str(error).strip()
    if "could not be broadcast" not in message and "could not broadcast" not in message:
        return error
    return RuntimeError(f"{_prefix(owner)}the shapes of the operands do not broadcast: {message}")


def real_number(value, name, owner=None, minimum=None, maximum=None):
    """A finite real number (Python or numpy) as a float, within [minimum, maximum] when given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_prefix(owner)}{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{_prefix(owner)}{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_prefix(owner)}{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{_prefix(owner)}{name} must be <= {maximum}, got {value}")
    return value


def probability(value, name, owner=None):
    """A number in [0, 1], e.g. a dropout rate."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_prefix(owner)}{name} must be a number, got {value!r}")
    if not 0 <= value <= 1:  # (NaN fails both comparisons)
        raise ValueError(f"{_prefix(owner)}{name} must be a probability in [0, 1], got {value}")
    return float(value)


def tensor_shape(value, owner):
    """The shape of a layer's input (a Tensor or an array), or a TypeError naming the layer."""
    shape = getattr(value, "shape", None)
    if shape is None:
        raise TypeError(f"{owner} expects a Tensor, got {type(value).__name__}")
    return tuple(shape)


def float_dtype(dtype, owner=None):
    """Parameters are float32 or float64; None means the default dtype (float32 unless changed), as in PyTorch."""
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.resolve(dtype, owner)
    if dtype not in dtypes.FLOAT_DTYPES:
        raise TypeError(f"{_prefix(owner)}dtype must be float32 or float64, got {dtype}")
    return dtype


REDUCTIONS = ("mean", "sum", "none")


def reduction(value, owner=None):
    """A loss reduction: "mean", "sum" or "none"."""
    if value not in REDUCTIONS:
        raise ValueError(f"{_prefix(owner)}reduction must be one of {REDUCTIONS}, got {value!r}")
    return value
