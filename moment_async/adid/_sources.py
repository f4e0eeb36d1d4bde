"""
Opening the toolkit's inputs as chunk sources: paths, bytes, binary files, streams and iterables of IDs.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Iterable,
    Iterator,
)
from pathlib import Path
from typing import BinaryIO, Final, TypeAlias

import attrs

from .._errors import ValidationError
from .._files import check_file_object, open_regular, remaining
from .._types import ByteSource

#: Bytes read per chunk. Each chunk is parsed in one go off the event loop;
#: 1 MiB keeps every C call of that parse (``translate``, ``set.update``)
#: to a couple of milliseconds, so the loop never waits long for the GIL.
CHUNK: Final = 1 << 20
#: IDs encoded per chunk when the input is an iterable of IDs.
ID_BATCH: Final = 8192

#: A CSV file: a path, its bytes, a binary file object, or (async only) an
#: async iterable of byte chunks.
CsvSource: TypeAlias = str | os.PathLike[str] | ByteSource
#: A CSV file that can be read without an event loop.
SyncCsvSource: TypeAlias = str | os.PathLike[str] | bytes | BinaryIO
#: IDs, one per item, as ``str`` or ``bytes``.
IdSource: TypeAlias = Iterable[str | bytes] | AsyncIterable[str | bytes]


@attrs.frozen
class Input:
    """
    Strictly private: one opened source, read by ``pull`` (blocking) or ``stream``.
    """

    #: For messages.
    name: str
    #: Bytes it holds, when known in advance.
    size: int | None
    #: Return the next chunk, ``b""`` at the end; may block (run it in a thread).
    pull: Callable[[], bytes] | None = None
    #: Chunks to read on the event loop.
    stream: AsyncGenerator[bytes, None] | None = None
    #: Whether its first content line may be a header (files: yes; IDs: no).
    headers: bool = True
    #: Close what was opened here (never the caller's own file object).
    close: Callable[[], None] = lambda: None


def describe(index: int, source: object) -> str:
    """
    Name a source in a message: ``sources[1] ('b.csv')``.
    """
    if isinstance(source, str | os.PathLike):
        return f"sources[{index}] ({os.fspath(source)!r})"
    return f"sources[{index}] ({type(source).__name__})"


def is_path(source: object) -> bool:
    """
    Whether *source* names a file (opening it may block).
    """
    return isinstance(source, str | os.PathLike)


def open_input(source: object, index: int, *, ids: bool) -> Input:
    """
    Open *source* for reading; raise ``ValidationError`` when it cannot be read.

    With *ids*, iterables are read as IDs, one per item; without, only
    async iterables are accepted, as byte chunks.
    """
    what = describe(index, source)
    if isinstance(source, str | os.PathLike):
        return _open_path(Path(source), what)
    if isinstance(source, bytes | bytearray | memoryview):
        return _bytes_input(bytes(source), what)
    if callable(getattr(source, "read", None)):
        return _file_input(source, what)
    if isinstance(source, AsyncIterable):
        if ids:
            return Input(what, None, stream=_id_stream(source, what), headers=False)
        return Input(what, None, stream=_byte_stream(source, what))
    if ids and isinstance(source, Iterable):
        return Input(what, None, pull=_id_pull(iter(source), what), headers=False)
    allowed = (
        "a path, bytes, a binary file object, or an iterable or async iterable of IDs"
        if ids
        else "a path, bytes, a binary file object or an async iterable of bytes"
    )
    msg = f"{what}: expected {allowed}, got {type(source).__name__}"
    raise ValidationError(msg)


def _open_path(path: Path, what: str) -> Input:
    # Never blocks (a FIFO), never reads without end (/dev/zero).
    file, size = open_regular(path, what)
    return Input(what, size, pull=_reader(file, what), close=file.close)


def _bytes_input(data: bytes, what: str) -> Input:
    chunks = (data[i : i + CHUNK] for i in range(0, len(data), CHUNK))
    return Input(what, len(data), pull=lambda: next(chunks, b""))


def _file_input(source: object, what: str) -> Input:
    if isinstance(source, io.TextIOBase):
        msg = f"{what}: the file object is open in text mode; open it with 'rb'"
        raise ValidationError(msg)
    file: BinaryIO = source  # type: ignore[assignment]  # has read(): a binary file by contract
    # A pipe, socket or device would be read in a thread that nothing can
    # stop; a /proc file has no true size.
    check_file_object(file, what)
    _, size = remaining(file, what)
    return Input(what, size, pull=_reader(file, what))


def _reader(file: BinaryIO, what: str) -> Callable[[], bytes]:
    def pull() -> bytes:
        chunk = file.read(CHUNK)
        return _checked(chunk, what)

    return pull


def _checked(chunk: object, what: str) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, bytearray | memoryview):
        return bytes(chunk)
    if chunk is None:  # a non-blocking raw stream with nothing ready
        msg = f"{what}: the file object returned None; give a blocking binary file"
        raise ValidationError(msg)
    msg = f"{what}: expected bytes, got {type(chunk).__name__}; open files with 'rb'"
    raise ValidationError(msg)


async def _byte_stream(
    source: AsyncIterable[object], what: str
) -> AsyncGenerator[bytes, None]:
    async for chunk in source:
        yield _checked(chunk, what)


def encode_ids(items: list[object], what: str) -> bytes:
    """
    Return *items* as lines of a CSV file, one ID a line.
    """
    # The joins are the fast paths; a TypeError means mixed or wrong items.
    with contextlib.suppress(TypeError):
        # Lone surrogates cannot be ADIDs; "replace" keeps them invalid rows.
        return ("\n".join(items) + "\n").encode("utf-8", "replace")  # type: ignore[arg-type]  # str items, or TypeError
    with contextlib.suppress(TypeError):
        return b"\n".join(items) + b"\n"  # type: ignore[arg-type]  # bytes-like items, or TypeError
    lines: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            lines.append(item.encode("utf-8", "replace"))
        elif isinstance(item, bytes | bytearray | memoryview):
            lines.append(bytes(item))
        else:
            msg = f"{what}: IDs must be str or bytes, got {type(item).__name__}"
            raise ValidationError(msg)
    lines.append(b"")
    return b"\n".join(lines)


def _id_pull(items: Iterator[object], what: str) -> Callable[[], bytes]:
    def pull() -> bytes:
        batch = list(itertools.islice(items, ID_BATCH))
        return encode_ids(batch, what) if batch else b""

    return pull


async def _id_stream(
    source: AsyncIterable[object], what: str
) -> AsyncGenerator[bytes, None]:
    batch: list[object] = []
    async for item in source:
        batch.append(item)
        if len(batch) >= ID_BATCH:
            yield encode_ids(batch, what)
            batch = []
    if batch:
        yield encode_ids(batch, what)
