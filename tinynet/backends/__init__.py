"""Chooses, once at import, which backend runs the kernels.

* ``c`` -- the compiled kernels in csrc/ (the default, when they were built);
* ``numpy`` -- the plain reference in reference.py (``TINYNET_BACKEND=numpy``,
  or when the C extension is missing).

``active`` is the chosen module; ``tinynet.kernels`` calls through it.
Run-time settings from the environment are applied here too:
``TINYNET_NUM_THREADS`` (default: every core) and
``TINYNET_SIMD=portable|avx2|avx512`` (default: the widest the CPU has).
With the C backend, glibc is asked to keep freed memory for reuse (see
csrc/runtime.c for why); ``TINYNET_MALLOC=default`` leaves it alone.
"""

import os
import warnings

from tinynet.backends import reference

reference_backend = reference
c_backend = None
fallback_reason = None

try:
    from tinynet.backends import c as c_backend
except ImportError as error:  # the extension was not built, or could not be loaded
    fallback_reason = f"C extension unavailable ({error})"


def _choose():
    wanted = os.environ.get("TINYNET_BACKEND", "c").strip().lower()
    if wanted not in ("c", "numpy"):
        raise ValueError(f"TINYNET_BACKEND must be 'c' or 'numpy', got {wanted!r}")
    if wanted == "numpy":
        return reference, "TINYNET_BACKEND=numpy"
    if c_backend is None:
        warnings.warn(f"tinynet: {fallback_reason}; running on the slow numpy reference backend", stacklevel=2)
        return reference, fallback_reason
    return c_backend, None


def _parse_positive_int(name):
    text = os.environ.get(name)
    if text is None or text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, got {text!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {text!r}")
    return value


active, why_not_c = _choose()

if c_backend is not None:
    malloc_setting = os.environ.get("TINYNET_MALLOC", "keep").strip().lower()
    if malloc_setting not in ("keep", "default"):
        raise ValueError(f"TINYNET_MALLOC must be 'keep' or 'default', got {malloc_setting!r}")
    if active is c_backend and malloc_setting == "keep":
        c_backend.keep_freed_memory()
    threads = _parse_positive_int("TINYNET_NUM_THREADS")
    if threads is not None:
        c_backend.set_num_threads(threads)
    simd = os.environ.get("TINYNET_SIMD", "").strip().lower()
    if simd:
        in_use = c_backend.set_simd(simd)
        if in_use != simd:
            warnings.warn(f"tinynet: TINYNET_SIMD={simd} is not supported by this CPU; using {in_use}", stacklevel=2)
    # Settle the SIMD level now, in one thread: C picks it lazily on first use, and kernels
    # started from several Python threads at once should only ever read it.
    c_backend.get_simd()
