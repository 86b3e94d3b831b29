"""Threads, SIMD path and build facts: what the kernels run on."""

import numbers

from tinynet import backends

_requested_threads = None  # remembered for the numpy backend, which has no threads of its own


def set_num_threads(n):
    """Use ``n`` threads in the C kernels (default: every core; ``TINYNET_NUM_THREADS`` overrides)."""
    global _requested_threads
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"set_num_threads expects an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads expects n >= 1, got {n}")
    _requested_threads = int(n)
    if backends.c_backend is not None:
        backends.c_backend.set_num_threads(int(n))


def get_num_threads():
    """How many threads the C kernels use."""
    if backends.c_backend is not None:
        return backends.c_backend.get_num_threads()
    return _requested_threads or 1


def build_info():
    """What tinynet runs on: backend, compiler and flags, OpenMP, SIMD path, threads."""
    info = {
        "backend": backends.active.NAME,
        "compiler": None,
        "flags": None,
        "openmp": False,
        "simd": None,
        "cpu_simd": None,
        "num_threads": get_num_threads(),
    }
    if backends.c_backend is not None:
        info.update(backends.c_backend.info())
    if backends.why_not_c:
        info["numpy_backend_reason"] = backends.why_not_c
    return info
