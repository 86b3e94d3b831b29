"""Reading IDX files, the simple binary format MNIST is distributed in.

An IDX file is a header followed by raw numbers, all big-endian:

    bytes 0-1   always zero
    byte  2     type code of the numbers (see ``IDX_TYPES``)
    byte  3     number of dimensions, ndim
    then        ndim unsigned 32-bit integers: the size of each dimension
    then        prod(dims) numbers of the coded type, last dimension fastest

Files are often gzip-compressed; ``read_idx`` recognises gzip by its magic
bytes (1f 8b), not by the file name.  Reading never runs code from the file:
the header is checked field by field and the data length must match exactly.
"""

import gzip
import math
import os
import zlib

import numpy as np

# Type code (byte 2 of the header) -> big-endian numpy dtype, per the IDX spec.
IDX_TYPES = {
    0x08: np.dtype(">u1"),  # unsigned byte
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}

GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Read an IDX file (raw or gzip-compressed) into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.  Gzip compression is detected from the first two bytes.

    Returns
    -------
    numpy.ndarray
        Shape ``dims`` from the header; dtype from the type code, converted to
        the machine's native byte order (e.g. ``uint8`` for MNIST).

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like object.
    ValueError
        If the file is not a valid IDX file: bad magic, unknown type code,
        truncated header, or a data section whose length differs from
        ``prod(dims) * itemsize``.  The message says what was expected and
        what was found.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"read_idx expects a file path (str or os.PathLike), got {type(path).__name__}")
    with open(path, "rb") as handle:
        content = handle.read()
    if content[:2] == GZIP_MAGIC:
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{os.fsdecode(path)}: corrupt gzip data ({error})") from None
    return parse_idx(content, name=os.fsdecode(path))


def parse_idx(content, name="<bytes>"):
    """Decode the bytes of an (uncompressed) IDX file; see ``read_idx`` for the format and errors."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_idx expects bytes, got {type(content).__name__}")
    content = bytes(content)
    if len(content) < 4:
        raise ValueError(f"{name}: expected a 4-byte IDX magic number, found only {len(content)} bytes")
    if content[0] != 0 or content[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: expected the magic number to start with two zero bytes, "
            f"found {content[:2].hex(' ')}"
        )
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise ValueError(f"{name}: unknown IDX type code 0x{type_code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{name}: expected at least 1 dimension in the IDX header, found 0")
    header_length = 4 + 4 * ndim
    if len(content) < header_length:
        raise ValueError(
            f"{name}: truncated header: {ndim} dimensions need {header_length} header bytes, "
            f"found {len(content)} bytes in the whole file"
        )
    dims = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[type_code]
    expected = math.prod(dims) * dtype.itemsize  # Python ints: no overflow however large the dims
    found = len(content) - header_length
    if found != expected:
        problem = "truncated" if found < expected else "extra bytes after the data"
        raise ValueError(
            f"{name}: {problem}: dimensions {dims} of {dtype.name} ({dtype.itemsize} bytes each) need "
            f"{expected} data bytes, found {found}"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_length).reshape(dims)
    # Native byte order so downstream numpy (and C kernels) see ordinary arrays; copy makes it writable.
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file (the inverse of ``read_idx``); gzip it if ``compress`` or the name ends in .gz.

    Useful for preparing your own data in MNIST's format, and for tests.
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        kinds = ", ".join(dtype.newbyteorder("=").name for dtype in IDX_TYPES.values())
        raise TypeError(f"write_idx supports dtypes {kinds}; got {array.dtype}")
    if array.ndim < 1 or array.ndim > 255:
        raise ValueError(f"write_idx expects 1 to 255 dimensions, got {array.ndim}")
    if any(size >= 2**32 for size in array.shape):
        raise ValueError(f"write_idx: every dimension must be < 2**32, got shape {array.shape}")
    code = codes[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()
    if compress is None:
        compress = os.fsdecode(path).endswith(".gz")
    if compress:
        content = gzip.compress(content)
    with open(path, "wb") as handle:
        handle.write(content)
