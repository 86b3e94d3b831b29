"""Reading IDX files, the simple binary format MNIST is distributed in.

An IDX file is a header followed by raw numbers, all big-endian:

    bytes 0-1   always zero
    byte  2     type code of the numbers (see ``IDX_TYPES``)
    byte  3     number of dimensions, ndim
    then        ndim unsigned 32-bit integers: the size of each dimension
    then        prod(dims) numbers of the coded type, last dimension fastest

Files are often gzip-compressed; ``read_idx`` recognises gzip by its magic
bytes (1f 8b), not by the file name.  Reading never runs code from the file,
and never trusts the header's dimensions: the header is checked field by
field, the size it declares is compared with what the file can hold before
the data is read (a raw file's size; for gzip, deflate's limit of 1032
output bytes per compressed byte), and decompression stops as soon as more
bytes than declared come out, so a small gzip bomb cannot fill memory.
Only regular files are opened (``tinynet.fileio``).
"""

import gzip
import math
import os
import zlib

import numpy as np

from tinynet.fileio import checked_path, open_regular_file

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
DEFLATE_MAX_RATIO = 1032  # one compressed byte never yields more than 1032 bytes
CHUNK = 1 << 20  # decompress this much at a time, so memory grows only with real output


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
    OSError
        If the file is missing, a directory, or not a regular file (a FIFO, a device).
    ValueError
        If the file is not a valid IDX file: bad magic, unknown type code,
        truncated header, corrupt gzip data, or a data section whose length
        differs from ``prod(dims) * itemsize``.  The message says what was
        expected and what was found.
    """
    path = checked_path(path, "read_idx")
    name = os.fsdecode(path)
    with open_regular_file(path, "read_idx") as handle:
        file_size = os.fstat(handle.fileno()).st_size
        compressed = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
        if not compressed:
            return _read_stream(handle, name, lambda header_length: file_size - header_length)
        try:
            with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                return _read_stream(stream, name, None, most=DEFLATE_MAX_RATIO * file_size)
        except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            raise ValueError(f"{name}: corrupt gzip data ({error})") from None


def _read_stream(stream, name, data_size, most=None):
    """Read header then data from ``stream``.

    ``data_size(header_length)`` gives the data bytes a raw file holds (checked before reading);
    for gzip it is None and ``most`` bounds what the compressed file could expand to.
    """
    head = _read_at_most(stream, 4)
    dtype, ndim = _parse_magic(head, name)
    head += _read_at_most(stream, 4 * ndim)
    dims, header_length = _parse_dims(head, ndim, name)
    expected = math.prod(dims) * dtype.itemsize  # Python ints: no overflow however large the dims
    if data_size is not None:
        _check_data_length(dims, dtype, expected, data_size(header_length), name)
    elif expected > most:
        raise ValueError(f"{name}: dimensions {dims} of {dtype.name} need {expected} data bytes, more than "
                         f"this gzip file can expand to (at most {most} bytes): the header is wrong")
    # One byte more than declared tells "extra data" without decompressing the rest.
    data = _read_at_most(stream, expected + 1)
    if len(data) > expected:
        raise ValueError(f"{name}: extra bytes after the data: dimensions {dims} of {dtype.name} "
                         f"({dtype.itemsize} bytes each) need {expected} data bytes, found more")
    _check_data_length(dims, dtype, expected, len(data), name)
    return _to_array(data, dtype, dims)


def _read_at_most(stream, limit):
    """Up to ``limit`` bytes from ``stream``, read in chunks: memory follows the data actually there."""
    data = bytearray()
    while len(data) < limit:
        chunk = stream.read(min(CHUNK, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def parse_idx(content, name="<bytes>"):
    """Decode the bytes of an (uncompressed) IDX file; see ``read_idx`` for the format and errors."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_idx expects bytes, got {type(content).__name__}")
    content = bytes(content)
    dtype, ndim = _parse_magic(content, name)
    dims, header_length = _parse_dims(content, ndim, name)
    expected = math.prod(dims) * dtype.itemsize
    _check_data_length(dims, dtype, expected, len(content) - header_length, name)
    return _to_array(memoryview(content)[header_length:], dtype, dims)


def _parse_magic(content, name):
    """(dtype, ndim) from the 4-byte magic number at the start of ``content``."""
    if len(content) < 4:
        raise ValueError(f"{name}: expected a 4-byte IDX magic number, found only {len(content)} bytes")
    if content[0] != 0 or content[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: expected the magic number to start with two zero bytes, "
            f"found {bytes(content[:2]).hex(' ')}"
        )
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_TYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_TYPES)
        raise ValueError(f"{name}: unknown IDX type code 0x{type_code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{name}: expected at least 1 dimension in the IDX header, found 0")
    return IDX_TYPES[type_code], ndim


def _parse_dims(content, ndim, name):
    """(dims, header_length) from the ``ndim`` big-endian uint32 sizes after the magic number."""
    header_length = 4 + 4 * ndim
    if len(content) < header_length:
        raise ValueError(
            f"{name}: truncated header: {ndim} dimensions need {header_length} header bytes, "
            f"found {len(content)} bytes in the whole file"
        )
    dims = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    return dims, header_length


def _check_data_length(dims, dtype, expected, found, name):
    if found != expected:
        problem = "truncated" if found < expected else "extra bytes after the data"
        raise ValueError(
            f"{name}: {problem}: dimensions {dims} of {dtype.name} ({dtype.itemsize} bytes each) need "
            f"{expected} data bytes, found {found}"
        )


def _to_array(data, dtype, dims):
    # Native byte order so downstream numpy (and C kernels) see ordinary arrays; astype copies,
    # so the result is writable and owns its memory.
    return np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


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
