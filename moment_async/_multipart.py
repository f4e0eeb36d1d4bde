"""
A multipart/form-data body that streams its files in chunks as it is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Sequence
from pathlib import Path
from typing import BinaryIO, Final

import attrs

from ._constants import CSV_CONTENT_TYPE, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from ._errors import ValidationError
from ._types import ByteSource, FileInput, Progress

#: Bytes read from disk per chunk (aiohttp reads files in 256 KiB as well).
CHUNK_SIZE: Final = 256 * 1024
_MB: Final = 1024 * 1024


@attrs.frozen
class _FilePart:
    filename: str
    source: Path | bytes | BinaryIO | AsyncIterable[bytes]
    size: int | None
    start: int = 0


def _quote(value: str) -> str:
    # What browsers send (WHATWG HTML, multipart/form-data encoding): UTF-8
    # as is, with quote, CR and LF percent-escaped so they cannot end the header.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _describe(index: int, filename: str) -> str:
    return f"files[{index}] ({filename!r})"


def _prepare_source(index: int, name: str, source: ByteSource) -> _FilePart:
    if isinstance(source, bytes | bytearray | memoryview):
        return _FilePart(name, bytes(source), len(source))
    if isinstance(source, AsyncIterable):
        return _FilePart(name, source, None)
    if callable(getattr(source, "read", None)):
        size: int | None = None
        start = 0
        if source.seekable():
            start = source.tell()
            size = source.seek(0, os.SEEK_END) - start
            source.seek(start)
        return _FilePart(name, source, size, start)
    msg = (
        f"{_describe(index, name)}: the source must be bytes, a binary file "
        f"object or an async iterable of bytes, got {type(source).__name__}"
    )
    raise ValidationError(msg)


def _prepare(index: int, item: object) -> _FilePart:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        name = os.path.basename(item[0].replace("\\", "/"))
        if isinstance(item[1], io.TextIOBase):
            msg = (
                f"{_describe(index, name)}: the file object is open in text mode; "
                "open it in binary mode ('rb')"
            )
            raise ValidationError(msg)
        return _prepare_source(index, name, item[1])
    if isinstance(item, str | os.PathLike):
        path = Path(item)
        if not path.is_file():
            msg = f"{_describe(index, str(path))}: no such file"
            raise ValidationError(msg)
        return _FilePart(path.name, path, path.stat().st_size)
    msg = (
        f"files[{index}] must be a path or a (filename, source) pair, "
        f"got {type(item).__name__}"
    )
    raise ValidationError(msg)


def prepare_files(files: Sequence[FileInput]) -> list[_FilePart]:
    """
    Check the files of an upload against the documented limits.

    Refuses, before anything is sent: no files or more than 10, a name that
    does not end in ``.csv``, an empty file, and a total over 200 MB where
    the sizes are known.
    """
    if isinstance(files, str | bytes | os.PathLike) or not isinstance(files, Sequence):
        msg = "files must be a list of paths or (filename, source) pairs"
        raise ValidationError(msg)
    if not 1 <= len(files) <= MAX_UPLOAD_FILES:
        msg = (
            f"files has {len(files)} entries; from 1 to {MAX_UPLOAD_FILES} are allowed"
        )
        raise ValidationError(msg)
    parts = [_prepare(i, item) for i, item in enumerate(files)]
    total = 0
    for i, part in enumerate(parts):
        if not part.filename.lower().endswith(".csv"):
            msg = f"{_describe(i, part.filename)}: the name must end in .csv"
            raise ValidationError(msg)
        if part.size == 0:
            msg = f"{_describe(i, part.filename)}: the file is empty"
            raise ValidationError(msg)
        total += part.size or 0
    if total > MAX_UPLOAD_BYTES:
        msg = (
            f"files add up to {total / _MB:.1f} MB; at most "
            f"{MAX_UPLOAD_BYTES // _MB} MB are allowed in one request"
        )
        raise ValidationError(msg)
    return parts


class MultipartBody:
    """
    Strictly private: the body of a customer file upload or edit.

    Iterating it yields the encoded body chunk by chunk; no file is ever
    held whole in memory. ``length`` is the exact byte count when every
    part's size is known (paths, bytes, seekable files), else ``None`` and
    the transport uses chunked encoding. ``replayable`` says whether the
    body can be sent again (no part is a one-shot async iterable).
    """

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        files: Sequence[_FilePart],
        progress: Progress | None = None,
    ) -> None:
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._heads = [
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
                f"Content-Type: text/plain; charset=utf-8\r\n\r\n{value}\r\n"
            ).encode()
            for name, value in fields
        ]
        self._files = [
            (
                (
                    f"--{boundary}\r\nContent-Disposition: form-data; "
                    f'name="files"; filename="{_quote(part.filename)}"\r\n'
                    f"Content-Type: {CSV_CONTENT_TYPE}\r\n\r\n"
                ).encode(),
                part,
            )
            for part in files
        ]
        self._tail = f"--{boundary}--\r\n".encode()
        self._progress = progress
        sizes = [part.size for part in files]
        self.length: int | None = None
        if None not in sizes:
            self.length = (
                sum(map(len, self._heads))
                + sum(len(head) + 2 for head, _ in self._files)
                + sum(size or 0 for size in sizes)
                + len(self._tail)
            )
        # A part of unknown size is an async iterable or a file object that
        # cannot seek: either can be read only once.
        self.replayable = None not in sizes

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[bytes]:
        sent = 0
        file_bytes = 0
        progress = self._progress
        for head in self._heads:
            sent += len(head)
            yield head
        for head, part in self._files:
            sent += len(head)
            yield head
            # aclosing: a body closed early closes the file it was reading at
            # once, not when the inner generator is garbage-collected.
            async with contextlib.aclosing(_read(part)) as chunks:
                async for chunk in chunks:
                    sent += len(chunk)
                    file_bytes += len(chunk)
                    # Sizes of async iterables are known only now.
                    if file_bytes > MAX_UPLOAD_BYTES:
                        msg = f"{part.filename!r}: the upload passed {MAX_UPLOAD_BYTES // _MB} MB while streaming"
                        raise ValidationError(msg)
                    yield chunk
                    if progress is not None:
                        progress(sent, self.length)
            sent += 2
            yield b"\r\n"
        sent += len(self._tail)
        yield self._tail
        if progress is not None:
            progress(sent, self.length)


async def _read(part: _FilePart) -> AsyncGenerator[bytes, None]:
    source = part.source
    if isinstance(source, bytes):
        yield source
    elif isinstance(source, AsyncIterable):
        async for chunk in source:
            yield bytes(chunk)
    elif isinstance(source, Path):
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
        finally:
            handle.close()
    else:
        if part.size is not None:
            await asyncio.to_thread(source.seek, part.start)
        while chunk := await asyncio.to_thread(source.read, CHUNK_SIZE):
            yield chunk
