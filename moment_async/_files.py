"""
Opening a caller's files for reading: regular files only, and never an open that blocks.

A path is checked where it is opened, on the opened descriptor: between an
earlier check and the open (an upload waits for its rate-limit slot first)
the path may have become something else. A FIFO without a writer blocks a
plain ``open()`` forever, in a worker thread the process then waits for at
exit; a character device such as ``/dev/zero`` never ends; a file in
``/proc`` says it holds 0 bytes and holds more. So a path is opened with
``O_NONBLOCK`` (which also keeps a FIFO's open from waiting), and its
descriptor must be a regular file whose size is what it holds; a file
object's descriptor, when it has one, passes the same test. Uploads and the
ADID toolkit both read their sources through here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import BinaryIO, Final

from ._errors import ValidationError

#: What the refusals say is allowed instead.
ALLOWED: Final = (
    "only regular files are read; pass other data as bytes, "
    "or as an async iterable of bytes read on the event loop"
)
# Symlinks are followed (one to a regular file is fine); what they lead to
# is checked on the opened descriptor.
_NONBLOCK: Final[int] = getattr(os, "O_NONBLOCK", 0)
_FLAGS: Final = (
    os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
_KINDS: Final[tuple[tuple[Callable[[int], bool], str], ...]] = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: str | os.PathLike[str], what: str) -> tuple[BinaryIO, int]:
    """
    Open *path* for reading in binary mode; return the file and its size in bytes.

    Never blocks on what the path turns out to be. Anything but a regular
    file whose size is what it holds is refused with a ``ValidationError``
    that starts with *what* and says what the path is. A path that is not
    a regular file when looked at (``stat``) is not opened at all: opening
    a device may act. One swapped for a device or a FIFO between that look
    and the open is opened, without blocking (``O_NONBLOCK``), then
    refused on its descriptor, and closed, without a byte read.
    """
    try:
        # Looked at before opening: opening a device may act. The open
        # below is checked again, on its descriptor.
        found = os.stat(path)
        regular = stat.S_ISREG(found.st_mode)
        descriptor = os.open(path, _FLAGS) if regular else None
    except FileNotFoundError as exc:
        msg = f"{what}: no such file"
        raise ValidationError(msg) from exc
    except OSError as exc:
        msg = f"{what}: cannot open it: {exc.strerror or exc}"
        raise ValidationError(msg) from exc
    if descriptor is None:
        msg = f"{what}: is {_kind(found.st_mode)}, not a regular file; {ALLOWED}"
        raise ValidationError(msg)
    try:
        size = _check_descriptor(descriptor, what, "is")
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb"), size
    except BaseException:
        os.close(descriptor)
        raise


def check_file_object(file: object, what: str) -> None:
    """
    Refuse a file object whose descriptor is not a regular file of true size.

    A file object without a descriptor (``io.BytesIO``, a caller's own
    class) passes: only its own ``read`` says what it holds.
    """
    fileno = getattr(file, "fileno", None)
    try:
        descriptor = fileno() if callable(fileno) else None
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        descriptor = None
    if isinstance(descriptor, int):
        _check_descriptor(descriptor, what, "the file object reads")


def remaining(file: BinaryIO, what: str) -> tuple[int, int | None]:
    """
    Return the position of *file* and the bytes from there to its end (``None`` if it cannot seek).
    """
    seekable = getattr(file, "seekable", None)
    if not callable(seekable) or not seekable():
        return 0, None
    try:
        start = file.tell()
    except (OSError, ValueError) as exc:
        raise _unmeasured(what, exc) from exc
    return start, size_from(file, start, what)


def size_from(file: BinaryIO, start: int, what: str) -> int:
    """
    Return the bytes of *file* from *start* to its end, and leave it at *start*.
    """
    try:
        end = file.seek(0, os.SEEK_END)
        file.seek(start)
    except (OSError, ValueError) as exc:
        raise _unmeasured(what, exc) from exc
    return end - start


def _unmeasured(what: str, exc: Exception) -> ValidationError:
    reason = getattr(exc, "strerror", None) or exc
    return ValidationError(f"{what}: cannot find the file object's size: {reason}")


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _check_descriptor(descriptor: int, what: str, verb: str) -> int:
    # Returns the size, or raises saying what the descriptor reads.
    try:
        found = os.fstat(descriptor)
        problem = _problem(descriptor, found)
    except OSError as exc:
        msg = f"{what}: cannot read it: {exc.strerror or exc}"
        raise ValidationError(msg) from exc
    if problem is not None:
        msg = f"{what}: {verb} {problem}; {ALLOWED}"
        raise ValidationError(msg)
    return found.st_size


def _problem(descriptor: int, found: os.stat_result) -> str | None:
    if not stat.S_ISREG(found.st_mode):
        return f"{_kind(found.st_mode)}, not a regular file"
    pread = getattr(os, "pread", None)
    if pread is None:  # pragma: no cover  # Windows: no /proc, no pread
        return None
    # Its last byte is there and nothing after it: the size is what it holds
    # (a file in /proc says 0 bytes and holds more, one in /sys says 4096).
    size = found.st_size
    probe: bytes = pread(descriptor, 2, max(size - 1, 0))
    if len(probe) == min(size, 1):
        return None
    return (
        f"a file whose size ({size:,} bytes) is not what it holds, "
        "such as those in /proc or /sys, or one being written"
    )
