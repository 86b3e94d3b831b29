"""Saving and loading state dicts as ``.npz`` files (a zip of ``.npy`` arrays) -- no pickle.

``tinynet.save(model.state_dict(), "model.npz")`` and
``model.load_state_dict(tinynet.load("model.npz"))``.

Two safety properties:

- Loading never runs code.  ``.npz`` files written by numpy can contain
  pickled Python objects (object arrays), and unpickling can execute
  arbitrary code; ``load`` reads with ``allow_pickle=False`` and reports such
  files as an error instead.
- Saving is atomic.  The archive is written to a temporary file in the same
  directory, flushed to disk, and only then renamed over the target with
  ``os.replace`` (atomic on POSIX and Windows).  If saving fails half-way --
  an exception, a full disk, a killed process -- the previous file is intact.
"""

import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from tinynet.tensor import Tensor


def _checked_arrays(state_dict):
    """Validate ``name -> array`` and return an ordered dict of numeric numpy arrays."""
    if not hasattr(state_dict, "items"):
        raise TypeError(f"save expects a dict of name -> array, got {type(state_dict).__name__}")
    arrays = OrderedDict()
    for name, value in state_dict.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"save: keys must be non-empty strings, got {name!r}")
        if "/" in name or "\\" in name:
            raise ValueError(f"save: key {name!r} may not contain '/' or '\\' (it becomes a file name in the archive)")
        if isinstance(value, Tensor):
            value = value.detach().numpy()
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise TypeError(f"save: '{name}' must be a numeric array, got dtype {array.dtype} "
                            f"(from {type(value).__name__}); object arrays would need pickle")
        arrays[name] = array
    return arrays


def save(state_dict, path):
    """Write ``state_dict`` (name -> numpy array or Tensor) to ``path`` as an .npz archive, atomically.

    Names, order, shapes and dtypes are preserved.  The file is written
    exactly at ``path`` (no ".npz" is appended).
    """
    arrays = _checked_arrays(state_dict)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, array in arrays.items():
                    # One .npy member per array, the layout np.load expects of an .npz.
                    with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp creates the file private (0600); give it the mode the old file had, or rw-r--r--.
        os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(temporary, path)
    except BaseException:
        # Whatever went wrong (even KeyboardInterrupt), leave the old file alone and clean up.
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise


def load(path):
    """Read an .npz archive written by ``save`` (or ``numpy.savez``) into an ordered dict name -> array.

    Refuses pickled content: object arrays or a pickle file raise ValueError.
    """
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "pickle" in str(error):
            raise ValueError(f"tinynet.load({path!r}): the file contains pickled data, which is never loaded "
                             "because unpickling can run code") from None
        raise ValueError(f"tinynet.load({path!r}): not a readable .npz archive ({error})") from None
    except (OSError, zipfile.BadZipFile) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"tinynet.load({path!r}): not a readable .npz archive ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"tinynet.load({path!r}): expected an .npz archive of named arrays, "
                         f"got a single {type(archive).__name__}")
    result = OrderedDict()
    with archive:
        for name in archive.files:
            try:
                result[name] = archive[name]
            except ValueError as error:
                raise ValueError(f"tinynet.load({path!r}): array '{name}' is an object array (pickled Python "
                                 f"objects), which is never loaded because unpickling can run code") from error
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise ValueError(f"tinynet.load({path!r}): array '{name}' is corrupt ({error})") from None
    return result
