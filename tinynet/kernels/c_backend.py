"""The C backend: hands checked numpy arrays to the kernels in csrc/ (declared in csrc/tinynet.h).

Each function here is a thin call: pick the float32 ("s") or float64 ("d")
C function from the table ``KERNELS``, pass pointers into the numpy buffers,
allocate the outputs.  The
arguments were checked by the API modules (gemm.py, conv.py, pool.py, norm.py), which
is what makes it safe to give C raw pointers.

Importing this module fails with ImportError when the extension
``tinynet._tinynet_c`` was not built; ``config.py`` then falls back to the
numpy reference.
"""

import functools
from types import SimpleNamespace

import numpy as np

from tinynet._tinynet_c import ffi, lib

NAME = "c"

TN_ERR_NOMEM, TN_ERR_UNSUPPORTED = -1, -2  # (csrc/tinynet.h) malloc failed; a C entry refused its arrays

SIMD_LEVELS = {"portable": 0, "avx2": 1, "avx512": 2}
SIMD_NAMES = {level: name for name, level in SIMD_LEVELS.items()}

# cffi type objects, not names: a name is looked up in cffi's cache at every call (about a quarter of
# _ptr's time, and a small network's training step makes some 30 of these calls)
_C_TYPE = {np.dtype(np.float32): ffi.typeof("float[]"), np.dtype(np.float64): ffi.typeof("double[]")}
from_buffer = ffi.from_buffer  # (a module name: one lookup fewer per call than ffi.from_buffer)

# The C function of each kernel, per dtype (csrc/tinynet.h declares them all).
KERNELS = {
    np.dtype(np.float32): SimpleNamespace(
        gemm=lib.tn_sgemm, conv2d_forward=lib.tn_sconv2d_forward, conv2d_backward=lib.tn_sconv2d_backward,
        max_pool2d_forward=lib.tn_smax_pool2d_forward, max_pool2d_backward=lib.tn_smax_pool2d_backward,
        avg_pool2d_forward=lib.tn_savg_pool2d_forward, avg_pool2d_backward=lib.tn_savg_pool2d_backward,
        linear_forward=lib.tn_slinear_forward, linear_backward=lib.tn_slinear_backward,
        cross_entropy=lib.tn_scross_entropy, sgd_step=lib.tn_ssgd_step, adam_step=lib.tn_sadam_step,
        batch_norm_forward=lib.tn_sbatch_norm_forward, batch_norm_backward=lib.tn_sbatch_norm_backward,
        relu_forward=lib.tn_srelu_forward, relu_backward=lib.tn_srelu_backward,
        tanh_backward=lib.tn_stanh_backward, add=lib.tn_sadd),
    np.dtype(np.float64): SimpleNamespace(
        gemm=lib.tn_dgemm, conv2d_forward=lib.tn_dconv2d_forward, conv2d_backward=lib.tn_dconv2d_backward,
        max_pool2d_forward=lib.tn_dmax_pool2d_forward, max_pool2d_backward=lib.tn_dmax_pool2d_backward,
        avg_pool2d_forward=lib.tn_davg_pool2d_forward, avg_pool2d_backward=lib.tn_davg_pool2d_backward,
        linear_forward=lib.tn_dlinear_forward, linear_backward=lib.tn_dlinear_backward,
        cross_entropy=lib.tn_dcross_entropy, sgd_step=lib.tn_dsgd_step, adam_step=lib.tn_dadam_step,
        batch_norm_forward=lib.tn_dbatch_norm_forward, batch_norm_backward=lib.tn_dbatch_norm_backward,
        relu_forward=lib.tn_drelu_forward, relu_backward=lib.tn_drelu_backward,
        tanh_backward=lib.tn_dtanh_backward, add=lib.tn_dadd),
}


def _ptr(array):
    """A C pointer into a contiguous numpy array's buffer (no copy)."""
    return from_buffer(_C_TYPE[array.dtype], array)


def _ptr_or_null(array):
    """_ptr(array), or NULL for None (an optional argument C may be given or not)."""
    return ffi.NULL if array is None else _ptr(array)


@functools.lru_cache(maxsize=4096)
def _c_struct(type_name, geometry):
    """The C struct (e.g. tn_conv2d_shape) holding a geometry NamedTuple's fields.

    Made once per distinct geometry and then reused: the kernels only read it,
    and building one (ffi.new from a dict) costs about 20 times a cache lookup.
    """
    return ffi.new(type_name + " *", geometry._asdict())


# Whether any kernel has run in this process (and so may have started OpenMP's worker threads).
kernels_have_run = False


def _kernels(dtype):
    """The C kernels for arrays of ``dtype`` (float32: tn_s..., float64: tn_d...)."""
    global kernels_have_run
    kernels_have_run = True
    return KERNELS[dtype]


def _check_status(status, what):
    if status != 0:
        raise MemoryError(f"{what}: the C kernel could not allocate its scratch memory")


# ---- run-time settings ------------------------------------------------------

def set_num_threads(n):
    lib.tn_set_num_threads(n)


def get_num_threads():
    return lib.tn_get_num_threads()


def watch_cores():
    """Look at how busy the cores are now, so that the first kernels can already compare (busy_elsewhere.c)."""
    lib.tn_threads_now()


def set_share_cores(on):
    """Whether kernels use fewer threads while other programs keep cores busy (csrc/common/busy_elsewhere.c)."""
    lib.tn_set_share_cores(1 if on else 0)


def set_simd(name):
    """Force a SIMD path ('portable', 'avx2', 'avx512'); returns the one in use
    (never more than the CPU supports)."""
    if name not in SIMD_LEVELS:
        raise ValueError(f"SIMD path must be one of {sorted(SIMD_LEVELS)}, got {name!r}")
    return SIMD_NAMES[lib.tn_set_simd_level(SIMD_LEVELS[name])]


def get_simd():
    return SIMD_NAMES[lib.tn_get_simd_level()]


def cpu_simd():
    """The widest SIMD path this CPU supports."""
    return SIMD_NAMES[lib.tn_cpu_simd_level()]


_memory_kept = False


def keep_freed_memory():
    """Ask the C library to keep freed blocks for reuse instead of returning them (csrc/runtime.c)."""
    global _memory_kept
    _memory_kept = bool(lib.tn_keep_freed_memory())
    return _memory_kept


def info():
    return {
        "malloc_keeps_freed_memory": _memory_kept,
        "compiler": ffi.string(lib.tn_build_compiler()).decode(),
        "flags": ffi.string(lib.tn_build_flags()).decode(),
        "openmp": bool(lib.tn_has_openmp()),
        "simd": get_simd(),
        "cpu_simd": cpu_simd(),
        "share_cores": bool(lib.tn_get_share_cores()),
        "threads_now": lib.tn_threads_now(),
        "cores_busy_elsewhere": round(lib.tn_cores_busy_elsewhere(), 2),
    }


# ---- kernels ----------------------------------------------------------------

def gemm(a, b, trans_a, trans_b, alpha, beta, c):
    function = _kernels(a.dtype).gemm
    (m, n), (a_rows, lda) = c.shape, a.shape
    _check_status(function(trans_a, trans_b, m, n, a_rows if trans_a else lda, alpha, _ptr(a), lda,
                           _ptr(b), b.shape[1], beta, _ptr(c), n), "gemm")


# The usual GEMM's way to C, taken by tinynet.kernels.gemm's short path: per dtype, its C entry
# tn_?gemm_contiguous (fewer arguments than tn_?gemm; C itself refuses misaligned or overlapping arrays,
# returning TN_ERR_UNSUPPORTED) and its pointer type as a cffi type object (not a name to parse).
# ffi.from_buffer raises ValueError for a buffer that is not C-contiguous, or read-only when asked for a
# writable one.
CONTIGUOUS_SGEMM = (lib.tn_sgemm_contiguous, _C_TYPE[np.dtype(np.float32)])
CONTIGUOUS_DGEMM = (lib.tn_dgemm_contiguous, _C_TYPE[np.dtype(np.float64)])


def conv2d_forward(g, x, w, bias):
    y = np.empty((g.batch, g.out_channels, g.out_h, g.out_w), dtype=x.dtype)
    shape = _c_struct("tn_conv2d_shape", g)
    bias_ptr = ffi.NULL if bias is None else _ptr(bias)
    _check_status(_kernels(x.dtype).conv2d_forward(shape, _ptr(x), _ptr(w), bias_ptr, _ptr(y)), "conv2d_forward")
    return y


def conv2d_backward(g, x, w, dy, need_dx, need_dw, need_db):
    dx = np.empty_like(x) if need_dx else None
    dw = np.empty_like(w) if need_dw else None
    db = np.empty(g.out_channels, dtype=x.dtype) if need_db else None
    shape = _c_struct("tn_conv2d_shape", g)
    status = _kernels(x.dtype).conv2d_backward(
        shape, _ptr(x), _ptr(w), _ptr(dy),
        ffi.NULL if dx is None else _ptr(dx),
        ffi.NULL if dw is None else _ptr(dw),
        ffi.NULL if db is None else _ptr(db),
    )
    _check_status(status, "conv2d_backward")
    return dx, dw, db


def max_pool2d_forward(g, x):
    y = np.empty((g.batch, g.channels, g.out_h, g.out_w), dtype=x.dtype)
    argmax = np.empty(y.shape, dtype=np.int32)
    shape = _c_struct("tn_pool2d_shape", g)
    _kernels(x.dtype).max_pool2d_forward(shape, _ptr(x), _ptr(y), ffi.from_buffer("int32_t[]", argmax))
    return y, argmax


def max_pool2d_backward(g, dy, argmax):
    dx = np.empty((g.batch, g.channels, g.in_h, g.in_w), dtype=dy.dtype)
    shape = _c_struct("tn_pool2d_shape", g)
    _kernels(dy.dtype).max_pool2d_backward(shape, _ptr(dy), ffi.from_buffer("int32_t[]", argmax), _ptr(dx))
    return dx


def avg_pool2d_forward(g, x, count_include_pad):
    y = np.empty((g.batch, g.channels, g.out_h, g.out_w), dtype=x.dtype)
    shape = _c_struct("tn_pool2d_shape", g)
    _kernels(x.dtype).avg_pool2d_forward(shape, _ptr(x), _ptr(y), int(count_include_pad))
    return y


def avg_pool2d_backward(g, dy, count_include_pad):
    dx = np.empty((g.batch, g.channels, g.in_h, g.in_w), dtype=dy.dtype)
    shape = _c_struct("tn_pool2d_shape", g)
    _kernels(dy.dtype).avg_pool2d_backward(shape, _ptr(dy), _ptr(dx), int(count_include_pad))
    return dx


# ---- optimizer steps: one call for a list of parameters ---------------------------

_POINTERS = {np.dtype(np.float32): ffi.typeof("float *[]"), np.dtype(np.float64): ffi.typeof("double *[]")}


def _pointers(arrays):  # (each step makes them anew: the gradients are new arrays every step)
    """A C array of pointers to the buffers of ``arrays`` (all of one dtype), and what keeps them alive."""
    dtype = arrays[0].dtype
    c_type = _C_TYPE[dtype]
    buffers = [from_buffer(c_type, a) for a in arrays]
    return ffi.new(_POINTERS[dtype], buffers), buffers


def sgd_step(params, grads, buffers, fresh, lr, weight_decay, momentum, dampening, nesterov, maximize):
    (p, keep_p), (g, keep_g) = _pointers(params), _pointers(grads)
    b, keep_b = _pointers(buffers) if buffers is not None else (ffi.NULL, None)
    sizes, skipped = ffi.new("int64_t[]", [a.size for a in params]), ffi.new("int32_t[]", len(params))
    _kernels(params[0].dtype).sgd_step(len(params), p, g, b, ffi.new("int32_t[]", fresh), sizes,
                                         lr, weight_decay, momentum, dampening, nesterov, maximize, skipped)
    return [k for k in range(len(params)) if skipped[k]]


def adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1, beta2, eps, weight_decay,
              decoupled, maximize):
    (p, keep_p), (g, keep_g) = _pointers(params), _pointers(grads)
    (m, keep_m), (v, keep_v) = _pointers(exp_avgs), _pointers(exp_avg_sqs)
    v_max, keep_v_max = _pointers(max_exp_avg_sqs) if max_exp_avg_sqs is not None else (ffi.NULL, None)
    sizes, skipped = ffi.new("int64_t[]", [a.size for a in params]), ffi.new("int32_t[]", len(params))
    _kernels(params[0].dtype).adam_step(len(params), p, g, m, v, v_max, sizes, ffi.new("int64_t[]", steps),
                                          lr, beta1, beta2, eps, weight_decay, decoupled, maximize, skipped)
    return [k for k in range(len(params)) if skipped[k]]


def cross_entropy(logits, labels, scale, want_grad):
    grad = np.empty_like(logits) if want_grad else None
    results = ffi.new("double *"), ffi.new("int64_t *")
    status = _kernels(logits.dtype).cross_entropy(logits.shape[0], logits.shape[1], _ptr(logits),
                                                    ffi.from_buffer("int64_t[]", labels), scale,
                                                    _ptr(grad) if want_grad else ffi.NULL, *results)
    _check_status(status, "cross_entropy")
    loss_sum, bad_row = results
    return None if bad_row[0] >= 0 else (loss_sum[0], grad)


def linear_forward(x, w, b, relu, y):
    (m, k), n = x.shape, w.shape[0]
    status = _kernels(x.dtype).linear_forward(m, n, k, _ptr(x), _ptr(w), _ptr_or_null(b), int(relu), _ptr(y))
    _check_status(status, "linear_forward")


def linear_backward(x, w, y, dy, dx, dw, db):
    (m, k), n = x.shape, w.shape[0]
    status = _kernels(x.dtype).linear_backward(m, n, k, _ptr(x), _ptr(w), _ptr_or_null(y), _ptr(dy),
                                                 _ptr_or_null(dx), _ptr_or_null(dw), _ptr_or_null(db))
    _check_status(status, "linear_backward")


def relu_forward(x, y, positive):
    _kernels(x.dtype).relu_forward(x.size, _ptr(x), _ptr(y), ffi.from_buffer("uint8_t[]", positive))


def relu_backward(dy, positive, dx):
    _kernels(dy.dtype).relu_backward(dy.size, _ptr(dy), ffi.from_buffer("uint8_t[]", positive), _ptr(dx))


def tanh_forward(x, y):
    lib.tn_stanh_forward(x.size, _ptr(x), _ptr(y))


def tanh_backward(y, dy, dx):
    _kernels(y.dtype).tanh_backward(y.size, _ptr(y), _ptr(dy), _ptr(dx))


def add(a, b, out):
    _kernels(a.dtype).add(a.size, _ptr(a), _ptr(b), _ptr(out))


def batch_norm_forward(g, x, weight, bias, mean, var, eps, training, relu):
    y = np.empty_like(x)
    if training:
        mean, var = np.empty(g.channels, dtype=x.dtype), np.empty(g.channels, dtype=x.dtype)
    inv_std = np.empty(g.channels, dtype=x.dtype)
    _kernels(x.dtype).batch_norm_forward(_c_struct("tn_batch_norm_shape", g), _ptr(x), _ptr_or_null(weight),
                                         _ptr_or_null(bias), eps, int(training), int(relu), _ptr(mean), _ptr(var),
                                         _ptr(inv_std), _ptr(y))
    return y, mean, var, inv_std


def batch_norm_backward(g, x, dy, mean, inv_std, weight, bias, training, relu, need_dx, need_dw, need_db):
    dx = np.empty_like(x) if need_dx else None
    dw = np.empty(g.channels, dtype=x.dtype) if need_dw else None
    db = np.empty(g.channels, dtype=x.dtype) if need_db else None
    _kernels(x.dtype).batch_norm_backward(_c_struct("tn_batch_norm_shape", g), _ptr(x), _ptr(dy), _ptr(mean),
                                          _ptr(inv_std), _ptr_or_null(weight), _ptr_or_null(bias), int(training),
                                          int(relu), _ptr_or_null(dx), _ptr_or_null(dw), _ptr_or_null(db))
    return dx, dw, db
