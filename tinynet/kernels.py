"""tinynet's low-level kernels: GEMM, 2-D convolution and 2-D pooling on numpy arrays.

This is the seam between the Python engine and the C code.  Every function
here checks all of its arguments -- dtypes, ranks, shapes, sizes -- and only
then hands contiguous buffers to the active backend (``tinynet.backends``):
the C kernels, or their numpy reference.  Because C trusts what it is given,
these checks are what keep a mistake in Python from becoming a crash.

Conventions follow PyTorch: images are NCHW, convolution weights are
(C_out, C_in, kernel_h, kernel_w), max pooling pads with -inf, average
pooling with zeros.
"""

import functools
import numbers

import numpy as np

from tinynet import backends
from tinynet.backends.geometry import ConvGeometry, PoolGeometry, output_size

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_PLAIN_REALS = (float, int)
MAX_PLANE = 2**31 - 1  # pooling argmax is int32: a plane's flat index must fit
# Limits that keep every size C derives (products of shapes, times threads and
# sizeof) far from int64/size_t overflow; anything near them could never be
# allocated or finish anyway.
MAX_DIM = 2**31 - 1  # a stride, padding, kernel size or padded side
MAX_ELEMENTS = 2**48  # a buffer C allocates (e.g. the zero-bordered copy of an image)
MAX_WORK = 2**60  # multiply-adds of one call


# ---- argument checking ----------------------------------------------------

def _as_float_array(value, name):
    """A C-contiguous float32/float64 ndarray made from ``value`` (copied only if needed)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    if value.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {value.dtype}")
    return np.ascontiguousarray(value)


def _same_dtype(arrays):
    """Raise unless every named array has the dtype of the first."""
    first_name, first = arrays[0]
    for name, array in arrays[1:]:
        if array is not None and array.dtype != first.dtype:
            raise TypeError(f"{name} has dtype {array.dtype} but {first_name} has dtype {first.dtype}; they must match")


def _check_rank(array, rank, name, layout):
    if array.ndim != rank:
        raise ValueError(f"{name} must be {rank}-D {layout}, got shape {array.shape}")


def _int(value, name, minimum, maximum=MAX_DIM):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def _check_size(who, what, count, limit):
    """Raise when a size C would compute (count) is beyond what any machine could hold or run."""
    if count > limit:
        raise ValueError(f"{who}: {what} would be {count}, more than the {limit} this kernel accepts")


def _pair(value, name, minimum):
    """An int or a pair of ints -> (h, w), each checked to be >= minimum."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), got {value!r}")
        return _int(value[0], name, minimum), _int(value[1], name, minimum)
    n = _int(value, name, minimum)
    return n, n


def _shape4(shape, name):
    if type(shape) is tuple and len(shape) == 4 and all(type(s) is int and s >= 0 for s in shape):
        return shape  # the common case, an array's .shape, without the per-entry checks below
    if not isinstance(shape, (tuple, list)) or len(shape) != 4:
        raise ValueError(f"{name} must be a 4-tuple (N, C, H, W), got {shape!r}")
    return tuple(_int(s, name, 0, maximum=None) for s in shape)


# ---- GEMM -------------------------------------------------------------------

def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """Matrix multiply: ``alpha * op(a) @ op(b) + beta * out``, op(x) = x or x.T.

    ``a`` and ``b`` are 2-D float32 or float64 arrays of the same dtype.  With
    ``out`` given, the result is written into it (it must be C-contiguous,
    writable, of the result's shape and dtype) and returned; ``beta`` scales
    what ``out`` held.  Without ``out``, a new array is returned and ``beta``
    must be 0.
    """
    a = _as_float_array(a, "a")
    b = _as_float_array(b, "b")
    _same_dtype([("a", a), ("b", b)])
    _check_rank(a, 2, "a", "(a matrix)")
    _check_rank(b, 2, "b", "(a matrix)")
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if k != k_b:
        raise ValueError(
            f"gemm: op(a) has shape {(m, k)} and op(b) has shape {(k_b, n)}; "
            f"their inner dimensions must agree (a {a.shape} trans_a={trans_a}, b {b.shape} trans_b={trans_b})"
        )
    # type() first: the common float/int case skips the slower abstract-base-class check.
    if not (type(alpha) in _PLAIN_REALS or isinstance(alpha, numbers.Real)) or \
            not (type(beta) in _PLAIN_REALS or isinstance(beta, numbers.Real)):
        raise TypeError(f"alpha and beta must be real numbers, got {alpha!r} and {beta!r}")
    if out is None:
        if beta != 0:
            raise ValueError(f"gemm: beta={beta} scales out, but no out array was given")
        out = np.empty((m, n), dtype=a.dtype)
    else:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
        if out.shape != (m, n) or out.dtype != a.dtype:
            raise ValueError(f"out must have shape {(m, n)} and dtype {a.dtype}, got {out.shape} {out.dtype}")
        if not out.flags.c_contiguous or not out.flags.writeable:
            raise ValueError("out must be C-contiguous and writable")
        # C reads a and b while it writes out: they must not share memory.
        if np.may_share_memory(out, a):
            a = a.copy()
        if np.may_share_memory(out, b):
            b = b.copy()
    if m == 0 or n == 0:
        return out
    if k == 0:  # an empty sum: op(a) @ op(b) is all zeros
        if beta == 0:
            out.fill(0)
        else:
            out *= beta
        return out
    backends.active.gemm(a, b, bool(trans_a), bool(trans_b), float(alpha), float(beta), out)
    return out


# ---- convolution --------------------------------------------------------------

def _conv_geometry(x, weight, stride, padding):
    _check_rank(x, 4, "conv2d input", "(N, C, H, W)")
    _check_rank(weight, 4, "conv2d weight", "(C_out, C_in, kernel_h, kernel_w)")
    batch, in_channels, in_h, in_w = x.shape
    out_channels, weight_in, kernel_h, kernel_w = weight.shape
    if weight_in != in_channels:
        raise ValueError(
            f"conv2d: weight {weight.shape} expects {weight_in} input channels, "
            f"but the input {x.shape} has {in_channels}"
        )
    if in_channels == 0 or out_channels == 0 or kernel_h == 0 or kernel_w == 0:
        raise ValueError(f"conv2d: channels and kernel sizes must be >= 1, got input {x.shape}, weight {weight.shape}")
    stride_h, stride_w = _pair(stride, "stride", 1)
    pad_h, pad_w = _pair(padding, "padding", 0)
    if kernel_h > in_h + 2 * pad_h or kernel_w > in_w + 2 * pad_w:
        raise ValueError(
            f"conv2d: kernel {(kernel_h, kernel_w)} is larger than the padded input "
            f"{(in_h + 2 * pad_h, in_w + 2 * pad_w)} (input {x.shape}, padding {(pad_h, pad_w)})"
        )
    out_h = output_size(in_h, kernel_h, stride_h, pad_h)
    out_w = output_size(in_w, kernel_w, stride_w, pad_w)
    _check_size("conv2d", "the padded input's side", max(in_h + 2 * pad_h, in_w + 2 * pad_w), MAX_DIM)
    _check_size("conv2d", "the zero-bordered copy of one image", in_channels * (in_h + 2 * pad_h) * (in_w + 2 * pad_w),
                MAX_ELEMENTS)
    _check_size("conv2d", "the number of multiply-adds",
                batch * out_channels * in_channels * kernel_h * kernel_w * out_h * out_w, MAX_WORK)
    return ConvGeometry(batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w,
                        stride_h, stride_w, pad_h, pad_w, out_h, out_w)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as in PyTorch), NCHW.

    y[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] * x[n, c, i*sh + p - ph, j*sw + q - pw]
    with x zero outside its bounds.  Returns y of shape (N, C_out, out_h, out_w).
    """
    x = _as_float_array(x, "conv2d input")
    weight = _as_float_array(weight, "conv2d weight")
    if bias is not None:
        bias = _as_float_array(bias, "conv2d bias")
    _same_dtype([("conv2d input", x), ("weight", weight), ("bias", bias)])
    g = _conv_geometry(x, weight, stride, padding)
    if bias is not None and bias.shape != (g.out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({g.out_channels},) for weight {weight.shape}, got {bias.shape}")
    if g.batch == 0:
        return np.empty((0, g.out_channels, g.out_h, g.out_w), dtype=x.dtype)
    return backends.active.conv2d_forward(g, x, weight, bias)


def conv2d_backward(x, weight, grad_out, stride=1, padding=0, input_grad=True, weight_grad=True, bias_grad=True):
    """Gradients of a convolution's loss with respect to its input, weight and bias.

    Given dL/dy (``grad_out``, shaped like the forward output), returns
    ``(dL/dx, dL/dweight, dL/dbias)``; a gradient not asked for is None.
    """
    x = _as_float_array(x, "conv2d input")
    weight = _as_float_array(weight, "conv2d weight")
    grad_out = _as_float_array(grad_out, "conv2d grad_out")
    _same_dtype([("conv2d input", x), ("weight", weight), ("grad_out", grad_out)])
    g = _conv_geometry(x, weight, stride, padding)
    expected = (g.batch, g.out_channels, g.out_h, g.out_w)
    if grad_out.shape != expected:
        raise ValueError(f"conv2d_backward: grad_out must have the output's shape {expected}, got {grad_out.shape}")
    if g.batch == 0:
        return (
            np.zeros_like(x) if input_grad else None,
            np.zeros_like(weight) if weight_grad else None,
            np.zeros(g.out_channels, dtype=x.dtype) if bias_grad else None,
        )
    if not (input_grad or weight_grad or bias_grad):
        return None, None, None
    return backends.active.conv2d_backward(g, x, weight, grad_out, bool(input_grad), bool(weight_grad), bool(bias_grad))


# ---- pooling ------------------------------------------------------------------

def _plain_ints(value):
    """True for None, an int, or a tuple of ints -- exactly those types (a bool is an int to a cache, not to _int)."""
    return value is None or type(value) is int or (type(value) is tuple and all(type(v) is int for v in value))


def _pool_geometry(input_shape, kernel_size, stride, padding, who):
    """The checked geometry of a pooling call, remembered per distinct plain-int arguments.

    A training loop pools the same shapes at every step, and the checks in
    _check_pool_geometry cost more than the C kernel at LeNet's sizes.  (A
    call that raises is not remembered.)
    """
    if all(_plain_ints(a) for a in (input_shape, kernel_size, stride, padding)):
        return _remembered_pool_geometry(input_shape, kernel_size, stride, padding, who)
    return _check_pool_geometry(input_shape, kernel_size, stride, padding, who)


def _check_pool_geometry(input_shape, kernel_size, stride, padding, who):
    batch, channels, in_h, in_w = input_shape
    kernel_h, kernel_w = _pair(kernel_size, "kernel_size", 1)
    stride_h, stride_w = (kernel_h, kernel_w) if stride is None else _pair(stride, "stride", 1)
    pad_h, pad_w = _pair(padding, "padding", 0)
    if 2 * pad_h > kernel_h or 2 * pad_w > kernel_w:
        raise ValueError(f"{who}: padding {(pad_h, pad_w)} must be at most half the kernel {(kernel_h, kernel_w)}")
    if kernel_h > in_h + 2 * pad_h or kernel_w > in_w + 2 * pad_w:
        raise ValueError(
            f"{who}: kernel {(kernel_h, kernel_w)} is larger than the padded input "
            f"{(in_h + 2 * pad_h, in_w + 2 * pad_w)} (input {tuple(input_shape)}, padding {(pad_h, pad_w)})"
        )
    if channels == 0 or in_h == 0 or in_w == 0:
        # (an empty plane would leave windows with nothing to pool, as in PyTorch)
        raise ValueError(f"{who}: input must have at least one channel, row and column, got shape {tuple(input_shape)}")
    if in_h * in_w > MAX_PLANE:
        raise ValueError(f"{who}: an input plane of {in_h}x{in_w} is too large (at most {MAX_PLANE} elements)")
    out_h = output_size(in_h, kernel_h, stride_h, pad_h)
    out_w = output_size(in_w, kernel_w, stride_w, pad_w)
    _check_size(who, "the number of window reads", batch * channels * out_h * out_w * kernel_h * kernel_w, MAX_WORK)
    return PoolGeometry(batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out_h, out_w)



_remembered_pool_geometry = functools.lru_cache(maxsize=4096)(_check_pool_geometry)


def _pool_input(x, who):
    x = _as_float_array(x, f"{who} input")
    _check_rank(x, 4, f"{who} input", "(N, C, H, W)")
    return x


def _pool_grad(grad_out, input_shape, kernel_size, stride, padding, who):
    grad_out = _as_float_array(grad_out, f"{who} grad_out")
    _check_rank(grad_out, 4, f"{who} grad_out", "(N, C, out_h, out_w)")
    g = _pool_geometry(_shape4(input_shape, "input_shape"), kernel_size, stride, padding, who)
    expected = (g.batch, g.channels, g.out_h, g.out_w)
    if grad_out.shape != expected:
        raise ValueError(f"{who}: grad_out must have shape {expected} for input {tuple(input_shape)}, got {grad_out.shape}")
    return grad_out, g


def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling: each output is the largest input in its window (padding counts as -inf).

    Returns ``(y, argmax)``: argmax (int32, shaped like y) is where each maximum
    was, as ``row * W + col`` within its input plane -- the first one in
    row-major order on ties -- which the backward pass needs.
    """
    x = _pool_input(x, "max_pool2d")
    g = _pool_geometry(x.shape, kernel_size, stride, padding, "max_pool2d")
    if g.batch == 0:
        return np.empty((0, g.channels, g.out_h, g.out_w), x.dtype), np.empty((0, g.channels, g.out_h, g.out_w), np.int32)
    return backends.active.max_pool2d_forward(g, x)


def max_pool2d_backward(grad_out, argmax, input_shape, kernel_size, stride=None, padding=0):
    """dL/dx for max pooling: each output's gradient goes to the input that was its maximum."""
    grad_out, g = _pool_grad(grad_out, input_shape, kernel_size, stride, padding, "max_pool2d_backward")
    if not isinstance(argmax, np.ndarray) or argmax.dtype != np.int32:
        raise TypeError(f"argmax must be the int32 array max_pool2d_forward returned, got {getattr(argmax, 'dtype', type(argmax).__name__)}")
    if argmax.shape != grad_out.shape:
        raise ValueError(f"argmax has shape {argmax.shape} but grad_out has shape {grad_out.shape}; they must match")
    argmax = np.ascontiguousarray(argmax)
    if g.batch == 0:
        return np.zeros(tuple(input_shape), dtype=grad_out.dtype)
    # C writes dx[argmax]: an index outside the plane would write out of bounds.
    # (Seen as unsigned, a negative index is huge: one pass checks both ends.)
    if argmax.view(np.uint32).max() >= g.in_h * g.in_w:
        raise ValueError(f"argmax holds indices outside the {g.in_h}x{g.in_w} input plane")
    return backends.active.max_pool2d_backward(g, grad_out, argmax)


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling: each output is the mean of its window (zero padding).

    With ``count_include_pad`` (PyTorch's default) the divisor is always
    kernel_h * kernel_w; without it, only the in-bounds elements count.
    """
    x = _pool_input(x, "avg_pool2d")
    g = _pool_geometry(x.shape, kernel_size, stride, padding, "avg_pool2d")
    if g.batch == 0:
        return np.empty((0, g.channels, g.out_h, g.out_w), x.dtype)
    return backends.active.avg_pool2d_forward(g, x, bool(count_include_pad))


def avg_pool2d_backward(grad_out, input_shape, kernel_size, stride=None, padding=0, count_include_pad=True):
    """dL/dx for average pooling: each output's gradient, divided by its divisor, to every input of its window."""
    grad_out, g = _pool_grad(grad_out, input_shape, kernel_size, stride, padding, "avg_pool2d_backward")
    if g.batch == 0:
        return np.zeros(tuple(input_shape), dtype=grad_out.dtype)
    return backends.active.avg_pool2d_backward(g, grad_out, bool(count_include_pad))
