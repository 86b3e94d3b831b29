"""Opening files to read that cannot hang or flood the reader: regular files only.

``open("fifo", "rb")`` waits forever for a writer, and reading ``/dev/zero``
never ends.  ``open_regular_file`` opens without blocking, asks the opened
file (not the name, which could be swapped in between) what it is, and
refuses anything but a regular file with an error that names it.
``tinynet.load`` and ``read_idx`` read through it.
"""

import errno
import os
import stat

# Open flags: read only; O_NONBLOCK so that opening a FIFO returns at once instead of waiting
# for a writer; O_NOCTTY so that opening a terminal never makes it ours.  Missing ones are 0.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))

_KINDS = [
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
]


def checked_path(path, reader):
    """Return ``path`` if it is a str, bytes or os.PathLike; raise TypeError naming ``reader`` otherwise."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{reader} expects a file path (str or os.PathLike), got {type(path).__name__}")
    return os.fspath(path)


def open_regular_file(path, reader):
    """Open ``path`` for binary reading if it is a regular file (symbolic links to one are followed).

    Raises FileNotFoundError / PermissionError as ``open`` does, IsADirectoryError for a directory,
    and OSError for a FIFO, device or socket (which could block or never end), naming ``reader``.
    Returns an ordinary blocking binary file object; close it (``with``) when done.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except IsADirectoryError:
        raise
    except PermissionError:
        if os.path.isdir(path):  # Windows refuses to open a directory with EACCES
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path)) from None
        raise
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path))
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise OSError(f"{reader}: {os.fsdecode(path)!r} is {kind}; only regular files are read "
                          "(reading anything else could block forever or never end)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)  # ordinary reads from here on
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
