"""
Where the toolkit writes: a file written under a temporary name and renamed into place, or the caller's file object.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Final, TypeAlias

from .._errors import ValidationError

#: A file to write: a path, or a binary file object open for writing.
OutTarget: TypeAlias = str | os.PathLike[str] | BinaryIO

_CREATE: Final = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def create(path: Path) -> BinaryIO:
    """
    Create *path* and open it for writing; fail if anything is there already.

    What is already at the name is never opened: a FIFO would block the
    open until a reader came, a symlink would send the bytes wherever it
    points.
    """
    descriptor = os.open(path, _CREATE, 0o666)
    try:
        return os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        raise


def check_target(out: object, sources: Sequence[object]) -> Path | BinaryIO:
    """
    Return *out* as a path or a writable binary file; refuse it when it cannot work.

    A path must not be a directory nor one of the *sources* (writing it
    would destroy the input), and its directory must exist.
    """
    if isinstance(out, str | os.PathLike):
        path = Path(out)
        if path.is_dir():
            msg = f"out ({str(path)!r}) is a directory; give a file name"
            raise ValidationError(msg)
        if not path.parent.is_dir():
            msg = f"out ({str(path)!r}): no such directory {str(path.parent)!r}"
            raise ValidationError(msg)
        for source in sources:
            if isinstance(source, str | os.PathLike) and _same(path, Path(source)):
                msg = f"out ({str(path)!r}) is also a source; write elsewhere"
                raise ValidationError(msg)
        return path
    if isinstance(out, io.TextIOBase):
        msg = "out: the file object is open in text mode; open it with 'wb'"
        raise ValidationError(msg)
    if callable(getattr(out, "write", None)):
        return out  # type: ignore[return-value]  # has write(): a binary file by contract
    msg = f"out must be a path or a binary file object, got {type(out).__name__}"
    raise ValidationError(msg)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


class Writer:
    """
    Strictly private: bytes out to *target*; a path is written as ``.NAME.partial`` first.

    ``commit()`` renames the partial file into place; ``abort()`` removes
    it. A caller's file object is written to and left open.
    """

    def __init__(self, target: Path | BinaryIO) -> None:
        self.path = target if isinstance(target, Path) else None
        self.size = 0
        self._partial: Path | None = None
        if isinstance(target, Path):
            self._partial = target.with_name(f".{target.name}.partial")
            try:
                # One left by a run that died is ours, by its name.
                with contextlib.suppress(FileNotFoundError):
                    self._partial.unlink()
                self._file: BinaryIO = create(self._partial)
            except OSError as exc:
                msg = f"out ({str(target)!r}): cannot write it: {exc.strerror or exc}"
                raise ValidationError(msg) from exc
        else:
            self._file = target

    def write(self, data: bytes) -> None:
        """
        Write *data*.
        """
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> None:
        """
        Finish: flush, and move a partial file to its name.
        """
        if self._partial is None or self.path is None:
            self._file.flush()
            return
        self._file.close()
        self._partial.replace(self.path)

    def abort(self) -> None:
        """
        Give up: remove a partial file.
        """
        if self._partial is None:
            return
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._partial.unlink()
