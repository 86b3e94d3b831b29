"""What C needs of its arguments to stay in bounds, checked before any pointer is handed over.

C trusts what it is given: an array of the wrong rank, dtype or layout, or a
size whose products overflow, would become an out-of-bounds read or write.
These checks turn such mistakes into a ValueError/TypeError instead.  They
are all the kernels check: a user's settings (a stride, a kernel size) were
already checked where they entered (``tinynet/checks.py``), and are only
bounded here.
"""

import numpy as np

FLOAT32, FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
FLOAT_DTYPES = (FLOAT32, FLOAT64)

# Limits that keep every size C derives (products of shapes, times threads and
# sizeof) far from int64/size_t overflow; anything near them could never be
# allocated or finish anyway.
MAX_DIM = 2**31 - 1  # a stride, padding, kernel size or padded side
MAX_ELEMENTS = 2**48  # a buffer C allocates (e.g. the zero-bordered copy of an image)
MAX_WORK = 2**60  # multiply-adds of one call
MAX_PLANE = 2**31 - 1  # pooling's argmax is int32: a plane's flat index must fit


def float_array(value, name, rank=None, layout=""):
    """``value`` as a C-contiguous, aligned float32/float64 ndarray of ``rank`` dims (copied only if needed).

    Alignment matters: a view at an odd byte offset (``np.frombuffer(buf, offset=1)``) would have C read
    floats through misaligned pointers, which is undefined behaviour; such arrays are copied.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(value).__name__}")
    dtype = value.dtype
    if dtype is not FLOAT32 and dtype is not FLOAT64 and dtype not in FLOAT_DTYPES:  # (identity: the quick test)
        raise TypeError(f"{name} must have dtype float32 or float64, got {value.dtype}")
    if rank is not None and value.ndim != rank:
        raise ValueError(f"{name} must be {rank}-D {layout}, got shape {value.shape}")
    flags = value.flags
    if not (flags.c_contiguous and flags.aligned):
        value = np.array(value, order="C", copy=True)  # a fresh buffer is aligned
    return value


def same_dtype(*named_arrays):
    """Raise unless every (name, array) has the dtype of the first (None entries are skipped)."""
    first_name, first = named_arrays[0]
    for name, array in named_arrays[1:]:
        if array is not None and array.dtype != first.dtype:
            raise TypeError(f"{name} has dtype {array.dtype} but {first_name} has dtype {first.dtype}; they must match")


def check_size(who, what, count, limit):
    """Raise when a size C would compute (count) is beyond what any machine could hold or run."""
    if count > limit:
        raise ValueError(f"{who}: {what} would be {count}, more than the {limit} this kernel accepts")
