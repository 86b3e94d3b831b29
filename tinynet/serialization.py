"""Saving and loading state dicts and checkpoints as ``.npz`` files (a zip of ``.npy`` arrays) -- no pickle.

``tinynet.save(model.state_dict(), "model.npz")`` and
``model.load_state_dict(tinynet.load("model.npz"))``.  The file is an
ordinary ``.npz``: ``numpy.load`` reads it too.  A dict of numpy arrays is
stored as it is; anything else PyTorch's ``weights_only`` loading accepts --
tensors, nested dicts, lists and tuples, numbers, strings, None, as in
``{"epoch": 5, "model_state_dict": ..., "loss": 0.3}`` -- is stored as one
``.npy`` member per tensor plus a description of the nesting
(``checkpoint_tree.py``), and comes back as it was saved.

What ``load`` guarantees, whatever the file holds:

- It never runs code.  ``.npz`` files written by numpy can contain pickled
  Python objects (object arrays), and unpickling can execute anything;
  ``load`` never unpickles: it parses the archive and each ``.npy`` header
  itself and refuses object arrays, pickles and anything that is not an
  array of numbers or bools.
- It never allocates more than the file can hold.  Every member's declared
  shape and dtype are checked against the member's size, and the member's
  size against the bytes the file has (at most 1032 output bytes per
  compressed byte, deflate's limit), before any array is allocated.
- It reads only regular files: a directory, FIFO or device is refused
  without blocking (``tinynet.fileio``).  A file object (``io.BytesIO``)
  is read if it can seek, with the same checks.
- Whatever is wrong is reported as a ``CheckpointError`` naming the file,
  the member and the problem: empty, text, not a zip, truncated, corrupt
  (CRC), malformed header, wrong size, encrypted, unsupported compression,
  a member that is not ``.npy``.

What ``save`` guarantees:

- Atomic replacement.  The archive is written to a temporary file in the
  same directory, flushed to disk, and only then renamed over the target
  with ``os.replace``.  However saving fails -- an exception, a full disk, a
  killed process -- the previous file is intact.
- No temporary left behind for good.  An exception removes the temporary.
  A process killed mid-save (SIGKILL, power loss) cannot, so each save
  first deletes the temporaries of earlier saves of the same target whose
  writer is gone: a writer holds an advisory lock (``flock``) on its
  temporary until the rename, and the operating system drops the lock when
  the process dies.  (Where ``fcntl`` is missing -- Windows -- orphans are
  not swept.)
- Keys round-trip exactly: a key that a zip member name cannot carry
  unchanged (a NUL byte, '/', '\\', no UTF-8 encoding, over 65,531 bytes)
  is refused.
"""

import errno
import math
import os
import pickle
import re
import secrets
import stat
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from tinynet import checkpoint_tree
from tinynet.fileio import checked_path, open_regular_file
from tinynet.devices import device
from tinynet.tensor import Tensor

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so orphaned temporaries are not swept
    fcntl = None


class CheckpointError(ValueError, pickle.UnpicklingError):
    """A file ``tinynet.load`` will not read, with the reason.

    A ValueError, as tinynet reports bad content, and a ``pickle.UnpicklingError``, which is what
    ``torch.load(weights_only=True)`` raises for a file it refuses: code written for either catches it.
    """


# ---- save ---------------------------------------------------------------------------------------

MAX_KEY_BYTES = 0xFFFF - len(".npy")  # a zip member name is at most 65,535 bytes


def _checked_key(name):
    """Raise unless ``name`` comes back from a zip member name unchanged."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"save: keys must be non-empty strings, got {name!r}")
    if "/" in name or "\\" in name:
        raise ValueError(f"save: key {name!r} may not contain '/' or '\\' (it becomes a file name in the archive)")
    if "\0" in name:
        raise ValueError(f"save: key {name!r} contains a NUL byte; zip member names end at NUL, so it would "
                         "load cut short")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"save: key {name!r} cannot be encoded as UTF-8 (it holds a lone surrogate)") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise ValueError(f"save: a key of {len(encoded)} bytes is too long; zip member names allow "
                         f"{MAX_KEY_BYTES} bytes plus '.npy'")


def _checked_arrays(state_dict):
    """Validate ``name -> array`` and return an ordered dict of numeric numpy arrays."""
    if not hasattr(state_dict, "items"):
        raise TypeError(f"save expects a dict of name -> array, got {type(state_dict).__name__}")
    arrays = OrderedDict()
    for name, value in state_dict.items():
        _checked_key(name)
        if isinstance(value, Tensor):
            value = value.detach().numpy()
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise TypeError(f"save: '{name}' must be a numeric array, got dtype {array.dtype} "
                            f"(from {type(value).__name__}); object arrays would need pickle")
        arrays[name] = array
    return arrays


def save(state_dict, path):
    """Write ``state_dict`` to ``path`` as an .npz archive, atomically -- or to a binary file object
    (``io.BytesIO``, a file opened "wb"): there the archive is written where the object stands, as is.

    A dict name -> numpy array is written member by member; any other checkpoint (tensors, nested
    containers, Python numbers and strings) as its tensors plus a structure member.
    Names, order, shapes and dtypes are preserved.  The file is written
    exactly at ``path`` (no ".npz" is appended).  See the module docstring
    for what happens when saving fails or the process is killed.
    """
    if isinstance(state_dict, dict) and all(isinstance(value, np.ndarray) for value in state_dict.values()):
        arrays = _checked_arrays(state_dict)
    else:
        arrays, structure = checkpoint_tree.flatten(state_dict, _checked_key)
        arrays[checkpoint_tree.STRUCTURE] = structure
    if _is_file_object(path, "write"):
        _write_archive(path, arrays)
        return
    path = os.fsdecode(checked_path(path, "tinynet.save"))  # bytes paths too: temporaries are named with str
    if os.path.isdir(path):  # (refused before a whole archive is written beside it, only for the rename to fail)
        raise IsADirectoryError(errno.EISDIR, "tinynet.save: the target is a directory, not a file name",
                                path)
    directory, name = os.path.split(os.path.abspath(path))
    _sweep_orphaned_temporaries(directory, name)
    descriptor, temporary = _create_locked_temporary(directory, name)
    try:
        # closefd=False: the descriptor, and with it the lock, lives until after the rename.
        with os.fdopen(descriptor, "wb", closefd=False) as file:
            _write_archive(file, arrays)
            file.flush()
            os.fsync(descriptor)
        # The temporary is private (0600); give it the mode the old file had, or rw-r--r--.
        os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        if fcntl is None:
            os.close(descriptor)  # Windows cannot rename a file that is open
            descriptor = None
        os.replace(temporary, path)
    except BaseException:
        # Whatever went wrong (even KeyboardInterrupt), leave the old file alone and clean up.
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _is_file_object(target, method):
    """Whether ``target`` is a file object (it has ``method``: "read" or "write") rather than a path."""
    return not isinstance(target, (str, bytes, os.PathLike)) and callable(getattr(target, method, None))


def _write_archive(file, arrays):
    """The .npz itself: one .npy member per array (the layout np.load expects), stored uncompressed."""
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _temporary_pattern(name):
    """Names of save's temporaries for target ``name``: ``.<name>.<16 hex digits>.tmp``."""
    return re.compile(re.escape(f".{name}.") + r"[0-9a-f]{16}\.tmp")


def _create_locked_temporary(directory, name):
    """Create a new private temporary next to the target and lock it; return (descriptor, path)."""
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                             | getattr(os, "O_CLOEXEC", 0), 0o600)
        if fcntl is None:
            return descriptor, temporary
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        # A sweeping save could have taken the lock first and deleted the file; then start over.
        try:
            if os.path.samestat(os.fstat(descriptor), os.stat(temporary)):
                return descriptor, temporary
        except FileNotFoundError:
            pass
        os.close(descriptor)


def _sweep_orphaned_temporaries(directory, name):
    """Delete temporaries left by saves of this target that were killed: those nobody holds locked."""
    if fcntl is None:
        return
    pattern = _temporary_pattern(name)
    try:
        entries = os.listdir(directory)
    except OSError:
        return  # the save itself will report the directory's problem
    for entry in entries:
        if not pattern.fullmatch(entry):
            continue
        candidate = os.path.join(directory, entry)
        try:
            descriptor = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # gone already, a symbolic link, or not ours to read
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                continue
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a live save holds it
            if os.path.samestat(os.fstat(descriptor), os.lstat(candidate)):
                os.remove(candidate)
        except OSError:
            pass
        finally:
            os.close(descriptor)


# ---- load ---------------------------------------------------------------------------------------

DEFLATE_MAX_RATIO = 1032  # deflate's limit: one compressed byte never yields more than 1032 bytes
NPY_VERSIONS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
               zipfile.ZIP_LZMA: "LZMA", 93: "Zstandard", 99: "WinZip AES encryption"}
NEVER_UNPICKLED = "which is never loaded because unpickling can run code"


def load(path, map_location=None, weights_only=True):
    """Read an .npz archive written by ``save`` (or ``numpy.savez``): an ordered dict name -> array, or
    the checkpoint ``save`` was given (tensors come back as tensors, in the same dicts and lists).
    ``path`` is a file's path or a seekable binary file object (``io.BytesIO``, a file opened "rb"), read
    from where it stands.

    Raises FileNotFoundError / IsADirectoryError / OSError for a missing or non-regular file, and
    CheckpointError (a ValueError) naming the file, the member and the problem for anything else:
    pickled content and object arrays are refused, never unpickled.  ``map_location`` (the CPU is the
    only place) and ``weights_only`` are accepted as in ``torch.load``; tinynet only ever loads
    arrays, so ``weights_only=False`` loads the same things.
    """
    if map_location is not None:
        if device(map_location) != device("cpu"):  # (device() itself refuses GPUs, with the reason)
            raise RuntimeError(f"tinynet.load: map_location={map_location!r}; tinynet runs on the CPU")
    if _is_file_object(path, "read"):
        if not (callable(getattr(path, "seekable", None)) and path.seekable()):
            raise ValueError(f"tinynet.load: a {type(path).__name__} that cannot seek; a zip archive is read from its "
                             "end first (read the bytes into io.BytesIO)")
        where = f"tinynet.load(<{type(path).__name__}>)"
        arrays = _read_archive(path, where)
    else:
        path = checked_path(path, "tinynet.load")
        where = f"tinynet.load({os.fsdecode(path)!r})"
        with open_regular_file(path, "tinynet.load") as file:
            arrays = _read_archive(file, where)
    if checkpoint_tree.STRUCTURE in arrays:
        structure = arrays.pop(checkpoint_tree.STRUCTURE)
        return checkpoint_tree.rebuild(structure, arrays, where, CheckpointError)
    return arrays


def _read_archive(file, where):
    """The arrays of the .npz that starts at ``file``'s position (``where`` names it in errors), checked."""
    start = file.tell()
    file_size = file.seek(0, os.SEEK_END)  # (the end, from the file's start: where the members' offsets count)
    file.seek(start)
    head = file.read(64)
    if isinstance(head, str):
        raise TypeError(f"{where}: the file object was opened in text mode; open it in binary mode ('rb')")
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip's first member, or an empty zip
        raise CheckpointError(f"{where}: {_what_the_file_is(head)}; expected an .npz archive "
                              "(a zip of .npy arrays) as written by tinynet.save")
    file.seek(start)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as error:
        raise CheckpointError(f"{where}: a truncated or corrupt zip archive: its index at the end of the "
                              f"file is missing or damaged ({error})") from None
    except NotImplementedError as error:  # zipfile's word for a feature it lacks
        raise CheckpointError(f"{where}: the zip archive uses a feature that is not supported ({error})") \
            from None
    with archive:
        members = _checked_members(archive, file_size, where)
        return OrderedDict((name, _read_array(archive, info, f"{where}: array {name!r}"))
                           for name, info in members)


def _what_the_file_is(head):
    """A short description of a file that is not a zip, from its first bytes."""
    if not head:
        return "the file is empty (0 bytes)"
    if head.startswith(b"\x93NUMPY"):
        return "a single .npy array, not an .npz archive of named arrays"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return f"pickled data (a pickle file), {NEVER_UNPICKLED}"
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed data"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(char.isprintable() or char in "\t\n\r" for char in text):
        return f"a text file (it starts with {text[:40]!r})"
    return f"not a zip archive (it starts with the bytes {head[:8].hex(' ')})"


def _checked_members(archive, file_size, where):
    """[(name, ZipInfo)] of an archive whose every member is a plain .npy file that fits in the file.

    Members must not overlap, so their compressed sizes add up to at most the file's size, and a
    member may not claim more uncompressed bytes than its compressed bytes can produce: the total
    that ``_read_array`` allocates is bounded by the file's size before anything is allocated.
    """
    members = []
    seen = set()
    for info in archive.infolist():
        member = f"{where}: member {info.filename!r}"
        if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption
            raise CheckpointError(f"{member} is encrypted; only unencrypted archives are read")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = ZIP_METHODS.get(info.compress_type, "an unknown method")
            raise CheckpointError(f"{member} is compressed with {method} (zip method {info.compress_type}); "
                                  "only stored and deflate members are read (what numpy.savez and "
                                  "numpy.savez_compressed write)")
        if info.filename.endswith(".pkl"):
            raise CheckpointError(f"{member} holds pickled data (a torch.save checkpoint?), {NEVER_UNPICKLED}")
        if not info.filename.endswith(".npy"):
            raise CheckpointError(f"{member} is not an .npy array; a checkpoint holds only .npy members")
        if info.header_offset < 0:
            raise CheckpointError(f"{member} is corrupt: its index places it before the start of the file")
        name = info.filename[:-len(".npy")]
        if name in seen:
            raise CheckpointError(f"{member} appears twice in the archive")
        seen.add(name)
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise CheckpointError(f"{member} is corrupt: stored uncompressed, yet its index gives "
                                  f"{info.compress_size} bytes in the file and {info.file_size} bytes of data")
        if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + 1024:
            raise CheckpointError(f"{member} is corrupt: it claims {info.file_size} bytes of data from "
                                  f"{info.compress_size} compressed bytes, more than deflate can produce")
        members.append((name, info))
    by_offset = sorted((info for _, info in members), key=lambda info: info.header_offset)
    next_starts = [info.header_offset for info in by_offset[1:]] + [file_size]
    for info, next_start in zip(by_offset, next_starts):
        start, end = info.header_offset, info.header_offset + info.compress_size
        if end > next_start:
            problem = "extends past the end of the file: truncated" if next_start == file_size else \
                "overlaps the next member: corrupt"
            raise CheckpointError(f"{where}: member {info.filename!r} {problem} (index says bytes {start} to "
                                  f"{end} of a {file_size}-byte file)")
    return members


def _read_array(archive, info, what):
    """Read one .npy member: header first, size checked against the member, then the data into place."""
    try:
        with archive.open(info) as member:
            shape, fortran_order, dtype = _read_npy_header(member, what)
            count = math.prod(shape)
            needed = count * dtype.itemsize
            found = info.file_size - member.tell()
            if needed != found:
                problem = "truncated" if found < needed else "extra bytes after the data"
                raise CheckpointError(f"{what}: {problem}: its header declares shape {shape} of {dtype} "
                                      f"({needed} bytes), the archive member holds {found} data bytes")
            array = np.empty(count, dtype)  # safe now: ``needed`` is bounded by the file's size
            _read_into(member, array.view(np.uint8), what)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise CheckpointError(f"{what}: the archive member is corrupt ({error})") from None
    except (NotImplementedError, RuntimeError) as error:  # zipfile's words for features it lacks
        raise CheckpointError(f"{what}: the archive member uses a zip feature that is not supported ({error})") \
            from None
    # Fortran order: the bytes run first index fastest, i.e. they are the C-order transpose.
    return array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)


def _read_npy_header(member, what):
    """(shape, fortran_order, dtype) from an .npy header, refusing what a checkpoint cannot hold."""
    try:
        version = np.lib.format.read_magic(member)
    except ValueError as error:
        raise CheckpointError(f"{what}: not an .npy array ({error})") from None
    if version not in NPY_VERSIONS:
        raise CheckpointError(f"{what}: .npy format version {version[0]}.{version[1]} is not supported "
                              "(1.0 and 2.0 are)")
    try:
        # numpy's parser reads the header as a Python literal (ast.literal_eval: data, never code),
        # at most 10,000 bytes of it, and checks its keys and types.  Its tokenizer and literal
        # parser raise several exception types on garbage; any of them means a malformed header.
        shape, fortran_order, dtype = NPY_VERSIONS[version](member)
    except Exception as error:
        raise CheckpointError(f"{what}: malformed .npy header ({error})") from None
    if dtype.hasobject:
        raise CheckpointError(f"{what}: an object array (pickled Python objects), {NEVER_UNPICKLED}")
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
        raise CheckpointError(f"{what}: dtype {dtype} is not a number or bool type; a checkpoint holds "
                              "arrays of numbers")
    if any(size < 0 for size in shape):
        raise CheckpointError(f"{what}: malformed .npy header: negative dimension in shape {shape}")
    return shape, fortran_order, dtype


def _read_into(member, buffer, what, chunk=1 << 22):
    """Fill ``buffer`` (a uint8 array) from ``member``, in chunks so no second full-size copy is made."""
    view = memoryview(buffer)
    filled = 0
    while filled < len(view):
        count = member.readinto(view[filled:filled + chunk])
        if not count:
            raise CheckpointError(f"{what}: truncated: the data ends after {filled} of {len(view)} bytes")
        filled += count
