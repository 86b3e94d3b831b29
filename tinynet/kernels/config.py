"""Every run-time setting of the kernels, in one place: the backend, threads, SIMD path and malloc.

Chosen once at import, from the environment, then changeable from Python:

* ``TINYNET_BACKEND=c|numpy`` -- the compiled kernels in csrc/ (the default,
  when they were built) or the plain numpy reference in ``reference.py``;
  ``backend`` below is the module in use, and the checked API in
  ``gemm.py``, ``conv.py`` and ``pool.py`` calls through it.
* ``TINYNET_NUM_THREADS`` / ``set_num_threads(n)`` -- threads per kernel call
  (default: every core).
* ``TINYNET_SIMD=portable|avx2|avx512`` -- the SIMD path (default: the widest
  the CPU has).
* ``TINYNET_MALLOC=keep|default`` -- with the C backend, glibc is asked to
  keep freed memory for reuse (csrc/runtime.c says why); ``default`` leaves
  malloc alone.
* ``TINYNET_SHARE_CORES=on|off`` -- while other programs keep some cores
  busy, kernels use that many fewer threads (default: on; ``off`` always
  uses the threads asked for).  csrc/common/busy_elsewhere.c says how it
  is measured; ``build_info()["threads_now"]`` is the count a kernel would
  use now.
* ``OMP_WAIT_POLICY`` / ``GOMP_SPINCOUNT`` -- what OpenMP's worker threads do
  between kernels.  When neither is set, tinynet has them spin briefly
  (``GOMP_SPINCOUNT=30000``, about 0.3 ms) and then sleep; ``openmp_wait.py``
  says why, and ``build_info()["openmp_wait"]`` says which setting is in force.
* ``TINYNET_FUSED=on|off`` / ``set_fused_kernels(enabled)`` -- whether the
  common steps of training run as fused kernels (default: on): a linear
  layer and the ReLU after it in one op, cross-entropy with its gradient in
  one pass, one optimizer step for all parameters.  ``off`` runs each of
  them as the separate, plainer ops a learner reads first (``Linear``,
  ``ReLU``, ``CrossEntropy``, the optimizer's numpy loop): the same numbers
  up to rounding, and ``tinynet.trace_backward`` shows whichever ran.

After ``os.fork()`` (a ``multiprocessing`` pool or DataLoader workers with the
fork start method), the child has none of its parent's OpenMP worker threads,
and the OpenMP runtime would wait for them forever.  So a child forked after
kernels have run uses one thread, as PyTorch's data-loading workers do, and
refuses more; a process started with the spawn method has no such limit.
"""

import numbers
import os
import warnings

from tinynet.kernels import openmp_wait
from tinynet.kernels import reference as reference_backend

try:
    with openmp_wait.default_policy() as openmp_wait_setting:  # the OpenMP runtime reads it as it loads
        from tinynet.kernels import c_backend
    why_not_c = None
except ImportError as error:  # the extension was not built, or could not be loaded
    c_backend = None
    why_not_c = f"C extension unavailable ({error})"

# More threads than this cannot help any kernel here, and asking the OpenMP runtime for
# far more (10**6) makes it abort the process instead of raising.
MAX_THREADS = 1024

fused = True  # see TINYNET_FUSED above; read by the ops, nn and optim code that have a fused form
_requested_threads = None  # remembered for the numpy backend, which has no threads of its own
_forked_after_threads = False  # this process was forked after its parent's kernels had started threads


def _choose_backend():
    wanted = os.environ.get("TINYNET_BACKEND", "c").strip().lower()
    if wanted not in ("c", "numpy"):
        raise ValueError(f"TINYNET_BACKEND must be 'c' or 'numpy', got {wanted!r}")
    if wanted == "numpy":
        return reference_backend, "TINYNET_BACKEND=numpy"
    if c_backend is None:
        warnings.warn(f"tinynet: {why_not_c}; running on the slow numpy reference backend", stacklevel=3)
        return reference_backend, why_not_c
    return c_backend, None


def _thread_count(value, setting):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{setting} expects an integer number of threads, got {value!r}")
    if not 1 <= value <= MAX_THREADS:
        raise ValueError(f"{setting} expects a number of threads from 1 to {MAX_THREADS}, got {value}")
    return int(value)


def set_num_threads(n):
    """Use ``n`` threads (1 to MAX_THREADS) in the C kernels (default: every core; ``TINYNET_NUM_THREADS`` overrides)."""
    global _requested_threads
    n = _thread_count(n, "set_num_threads")
    if n > 1 and _forked_after_threads:
        raise RuntimeError(
            f"set_num_threads({n}): this process was forked after tinynet's kernels had started their threads, "
            "so its kernels run on one thread (the OpenMP runtime cannot start threads again after fork). "
            "Start worker processes with the 'spawn' method to use more.")
    _requested_threads = n
    if c_backend is not None:
        c_backend.set_num_threads(_requested_threads)


def set_fused_kernels(enabled):
    """Run linear + ReLU, cross-entropy and the optimizer step as fused kernels (True, the default) or as
    the separate, plainer ops (False); see this module's docstring."""
    global fused
    if not isinstance(enabled, bool):
        raise TypeError(f"set_fused_kernels expects True or False, got {enabled!r}")
    fused = enabled


def set_share_cores(enabled):
    """Use fewer threads while other programs keep cores busy (True, the default) or always the threads
    asked for (False); see ``TINYNET_SHARE_CORES`` in this module's docstring."""
    if not isinstance(enabled, bool):
        raise TypeError(f"set_share_cores expects True or False, got {enabled!r}")
    if c_backend is not None:
        c_backend.set_share_cores(enabled)


def fused_kernels_enabled():
    """Whether the fused kernels are in use (``set_fused_kernels``)."""
    return fused


def get_num_threads():
    """How many threads the C kernels use."""
    if c_backend is not None:
        return c_backend.get_num_threads()
    return _requested_threads or 1


def build_info():
    """What tinynet runs on: backend, compiler and flags, OpenMP, SIMD path, threads."""
    info = {
        "backend": backend.NAME,
        "compiler": None,
        "flags": None,
        "openmp": False,
        "simd": None,
        "cpu_simd": None,
        "num_threads": get_num_threads(),
        "fused_kernels": fused,
    }
    if c_backend is not None:
        info.update(c_backend.info())
        if info["openmp"]:
            info["openmp_wait"] = openmp_wait_setting.description
    if why_numpy:
        info["numpy_backend_reason"] = why_numpy
    return info


def _environment_threads():
    text = os.environ.get("TINYNET_NUM_THREADS")
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"TINYNET_NUM_THREADS must be a whole number from 1 to {MAX_THREADS}, "
                         f"got {text!r}") from None
    if not 1 <= value <= MAX_THREADS:
        raise ValueError(f"TINYNET_NUM_THREADS must be a whole number from 1 to {MAX_THREADS}, got {text!r}")
    return value


def _apply_environment():
    global fused
    fused_setting = os.environ.get("TINYNET_FUSED", "on").strip().lower()
    if fused_setting not in ("on", "off"):
        raise ValueError(f"TINYNET_FUSED must be 'on' or 'off', got {fused_setting!r}")
    fused = fused_setting == "on"
    if c_backend is None:
        return
    malloc_setting = os.environ.get("TINYNET_MALLOC", "keep").strip().lower()
    if malloc_setting not in ("keep", "default"):
        raise ValueError(f"TINYNET_MALLOC must be 'keep' or 'default', got {malloc_setting!r}")
    if backend is c_backend and malloc_setting == "keep":
        c_backend.keep_freed_memory()
    share_cores = os.environ.get("TINYNET_SHARE_CORES", "on").strip().lower()
    if share_cores not in ("on", "off"):
        raise ValueError(f"TINYNET_SHARE_CORES must be 'on' or 'off', got {share_cores!r}")
    set_share_cores(share_cores == "on")
    c_backend.watch_cores()  # the first look at how busy the cores are (csrc/common/busy_elsewhere.c)
    threads = _environment_threads()
    if threads is not None:
        set_num_threads(threads)
    simd = os.environ.get("TINYNET_SIMD", "").strip().lower()
    if simd:
        in_use = c_backend.set_simd(simd)
        if in_use != simd:
            warnings.warn(f"tinynet: TINYNET_SIMD={simd} is not supported by this CPU; using {in_use}", stacklevel=3)
    # Settle the SIMD level now, in one thread: C picks it lazily on first use, and kernels
    # started from several Python threads at once should only ever read it.
    c_backend.get_simd()


def _after_fork_in_child():
    global _forked_after_threads
    if c_backend is not None and c_backend.kernels_have_run and c_backend.get_num_threads() > 1:
        c_backend.set_num_threads(1)
        _forked_after_threads = True


# The backend in use (a module with gemm, conv2d_forward, ...), and why it is numpy if it is.
backend, why_numpy = _choose_backend()
_apply_environment()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
