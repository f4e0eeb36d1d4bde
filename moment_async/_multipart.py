"""
A multipart/form-data body that streams its files in chunks as it is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import unicodedata
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterator,
    Sequence,
)
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, TypeVar, cast

import attrs

from ._constants import CSV_CONTENT_TYPE, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from ._errors import ValidationError
from ._files import check_file_object, open_regular, remaining, size_from
from ._types import ByteSource, FileInput, ProgressCallback

#: Bytes read from disk per chunk (aiohttp reads files in 256 KiB as well).
#: Also the largest piece handed to the transport: a bigger one is sliced.
CHUNK_SIZE: Final = 256 * 1024
#: What each Unicode category a file name may not hold is, for the message.
_BAD_NAME_CHARS: Final = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Cs": "a lone surrogate, which is not text",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
_A = TypeVar("_A")
_R = TypeVar("_R")


@attrs.frozen
class _FilePart:
    #: How messages name the part: ``files[2] ('buyers.csv')``.
    label: str
    filename: str
    #: A ``bytearray`` or contiguous ``memoryview`` is the caller's buffer
    #: itself, never copied whole; a view of it lives only while it is sent.
    source: Path | bytes | bytearray | memoryview | BinaryIO | AsyncIterable[bytes]
    size: int | None
    start: int = 0


def _quote(value: str) -> str:
    # What browsers send (WHATWG HTML, multipart/form-data encoding): UTF-8
    # as is, with quote, CR and LF percent-escaped so they cannot end the
    # header. _check_filename refuses CR and LF before a name gets here; the
    # encoder escapes them all the same, so it alone keeps the header whole.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


#: The longest file name sent in a part header, in bytes of UTF-8: what
#: ext4, XFS, Btrfs and APFS allow (they count bytes, not characters), so a
#: name of megabytes cannot make a part header of megabytes.
_MAX_FILENAME: Final = 255


def _check_filename(index: int, name: str) -> None:
    """
    Refuse a file name holding a control, format or separator character.

    Refused, not encoded (RFC 7578 would allow percent-encoding it): Kakao
    shows file names to people, and an escape sequence, a bell or a
    right-to-left override is as wrong on their screen encoded as raw. The
    message names the part and the character, escaped (``'\\x1b'``), so
    the caller can rename the file or give a clean name in a
    ``(filename, source)`` pair. A lone surrogate (a file name that was not
    valid UTF-8 on disk) cannot be encoded at all.
    """
    # surrogatepass: a lone surrogate (refused below) still has a size.
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > _MAX_FILENAME:
        msg = (
            f"files[{index}] ({name[:40]!r}...): the file name is {size:,} bytes "
            f"long in UTF-8; at most {_MAX_FILENAME} bytes are allowed (as file "
            "systems such as ext4 and APFS count them): give a shorter name in a "
            "(filename, source) pair"
        )
        raise ValidationError(msg)
    if name.isprintable():  # the C fast path: no such character at all
        return
    for char in name:
        what = _BAD_NAME_CHARS.get(unicodedata.category(char))
        if what is not None:
            msg = (
                f"{_describe(index, name)}: the file name holds {char!r} "
                f"(U+{ord(char):04X}, {what}); file names may not hold control, "
                "format or line-separator characters: rename the file, or give "
                "a clean name in a (filename, source) pair"
            )
            raise ValidationError(msg)


def _describe(index: int, filename: str) -> str:
    return f"files[{index}] ({filename!r})"


def _basename(name: str) -> str:
    return os.path.basename(name.replace("\\", "/"))


def _name_of(item: object) -> str | None:
    # The name an entry would be sent under, for a message about it.
    if isinstance(item, tuple) and item and isinstance(item[0], str):
        return _basename(item[0])
    if isinstance(item, str | os.PathLike):
        return Path(item).name
    return None


def _limit(limit: int) -> str:
    # The exact figure, and the documents' unit: they say "200 MB".
    megabytes = f"{limit / 1_000_000:.6f}".rstrip("0").rstrip(".")
    return f"{limit:,} bytes ({megabytes} MB)"


def _limit_source(limit: int) -> str:
    if limit == MAX_UPLOAD_BYTES:
        return (
            "Kakao's documented limit; if Kakao takes more, raise it with "
            "MomentClient(max_upload_bytes=...)"
        )
    return "set by MomentClient(max_upload_bytes=...)"


def _byte_view(buffer: bytearray | memoryview) -> memoryview:
    """
    Return *buffer* as a flat view of unsigned bytes, without copying it.

    ``len()`` of a view of another format (``memoryview(array("I"))``)
    counts items, not bytes; its byte view counts bytes.
    """
    with memoryview(buffer) as whole:
        if not whole.c_contiguous:
            # cast() takes only C-contiguous memory; a strided view is rare.
            return memoryview(whole.tobytes()).cast("B")
        # The cast view holds the buffer on its own: releasing *whole* now
        # leaves the caller's buffer to that one view's release.
        return whole.cast("B")


def _prepare_source(index: int, name: str, source: ByteSource) -> _FilePart:
    label = _describe(index, name)
    if isinstance(source, memoryview) and not source.c_contiguous:
        # A strided view cannot be sliced flat: copied once, here.
        source = source.tobytes()
    if isinstance(source, bytearray | memoryview):
        # No view outlives this block: a bytearray with one cannot resize,
        # and the part lives on in a failed call's traceback.
        with memoryview(source) as view:
            nbytes = view.nbytes
        return _FilePart(label, name, source, nbytes)
    if isinstance(source, bytes):
        return _FilePart(label, name, source, len(source))
    if isinstance(source, AsyncIterable):
        return _FilePart(label, name, source, None)
    if callable(getattr(source, "read", None)):
        if getattr(source, "closed", False):
            msg = f"{label}: the file object is closed"
            raise ValidationError(msg)
        # A pipe, socket or device would be read in a thread that nothing
        # can stop; a /proc file has no true size.
        check_file_object(source, label)
        start, size = remaining(source, label)
        return _FilePart(label, name, source, size, start)
    msg = (
        f"{label}: the source must be bytes, a binary file "
        f"object or an async iterable of bytes, got {type(source).__name__}"
    )
    raise ValidationError(msg)


def _prepare(index: int, item: object) -> _FilePart:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        name = _basename(item[0])
        _check_filename(index, name)
        if isinstance(item[1], io.TextIOBase):
            msg = (
                f"{_describe(index, name)}: the file object is open in text mode; "
                "open it in binary mode ('rb')"
            )
            raise ValidationError(msg)
        return _prepare_source(index, name, item[1])
    if isinstance(item, str | os.PathLike):
        path = Path(item)
        _check_filename(index, path.name)
        # Opened now to say early what it is; opened again, and checked
        # again, when the body is sent.
        handle, size = open_regular(path, _describe(index, str(path)))
        handle.close()
        return _FilePart(_describe(index, path.name), path.name, path, size)
    msg = (
        f"files[{index}] must be a path or a (filename, source) pair, "
        f"got {type(item).__name__}"
    )
    raise ValidationError(msg)


def prepare_files(
    files: Sequence[FileInput], max_bytes: int = MAX_UPLOAD_BYTES
) -> list[_FilePart]:
    """
    Check the files of an upload against the documented limits.

    Refuses, before anything is sent: no files or more than 10, a name that
    does not end in ``.csv`` or holds a control character, a path that is
    not a regular file, a file object reading a pipe, socket or device, an
    empty file, and a total over *max_bytes* (by default 200,000,000
    bytes: the documents' "200 MB") where the sizes are known. The message
    names the file and the limit.
    """
    if isinstance(files, str | bytes | os.PathLike) or not isinstance(files, Sequence):
        msg = "files must be a list of paths or (filename, source) pairs"
        raise ValidationError(msg)
    if not 1 <= len(files) <= MAX_UPLOAD_FILES:
        msg = (
            f"files has {len(files)} entries; from 1 to {MAX_UPLOAD_FILES} are allowed"
        )
        if files:
            name = _name_of(files[MAX_UPLOAD_FILES])
            extra = (
                f"files[{MAX_UPLOAD_FILES}]"
                if name is None
                else _describe(MAX_UPLOAD_FILES, name)
            )
            msg += f" ({extra} is the first over the limit)"
        raise ValidationError(msg)
    parts = [_prepare(i, item) for i, item in enumerate(files)]
    total = 0
    for part in parts:
        if not part.filename.lower().endswith(".csv"):
            msg = f"{part.label}: the name must end in .csv"
            raise ValidationError(msg)
        if part.size == 0:
            msg = f"{part.label}: the file is empty"
            raise ValidationError(msg)
        total += part.size or 0
        if total > max_bytes:
            msg = (
                f"{part.label} brings the files to {total:,} bytes; at most "
                f"{_limit(max_bytes)} are allowed in one request "
                f"({_limit_source(max_bytes)})"
            )
            raise ValidationError(msg)
    return parts


class MultipartBody:
    """
    Strictly private: the body of a customer file upload or edit.

    Iterating it yields the encoded body chunk by chunk, no chunk larger
    than ``CHUNK_SIZE``; no file is ever held whole in memory. ``length``
    is the exact byte count when every part's size is known (paths, bytes,
    seekable files), else ``None`` and the transport uses chunked encoding.
    ``replayable`` says whether the body can be sent again (no part is a
    one-shot async iterable or a file object that cannot seek). Parts of
    unknown size are counted as they stream: the body stops with
    ``ValidationError`` before the chunk that would pass *max_bytes*.

    Every file is opened, and every part of unknown size gives its first
    chunk, before the first byte is yielded: a missing or empty file, a
    path that is no longer a regular file (opened without blocking: a FIFO
    swapped in never holds a thread), and a file whose size changed since
    the body was built are refused while nothing has been sent. A file is
    read exactly to that size, so the length stays true; one that shrinks
    or grows while it is sent is refused. A ``bytearray`` or ``memoryview``
    source is sent from the caller's buffer, a piece at a time, never
    copied whole (a strided view is copied once): its size is its byte
    count (``nbytes``, whatever the view's item format). Only while it is
    being sent does a view hold it, so a bytearray can resize again once
    the call ends, however it ends; one that resized before it was sent
    is refused.

    *progress* gets (bytes handed to the transport, ``length``): first
    (0, length), from ``report_start`` before the call or else as a pass
    begins, then once per file chunk and once for the closing boundary,
    each report made *before* its bytes are handed over. A pass that sends
    the body again (a retry, a 429 replayed) starts again at (0, length). So a callback that raises always leaves the
    body incomplete (its last report comes before the closing boundary),
    which no server can take for an upload. The body remembers what the
    callback raised, stops, and never streams again; ``raise_failure``
    raises it as itself, whatever the transport made of it.
    """

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        files: Sequence[_FilePart],
        progress: ProgressCallback | None = None,
        max_bytes: int = MAX_UPLOAD_BYTES,
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
        self._max_bytes = max_bytes
        # What the progress callback raised, and its traceback from the
        # report down: the frames above it are the transport's, which may
        # hold the request's headers (aiohttp's do), so they are not kept.
        self._failure: Exception | None = None
        self._failure_traceback: TracebackType | None = None
        # Whether the next pass's (0, length) report was made already, by
        # report_start before the call.
        self._started = False
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

    def report_start(self) -> None:
        """
        Give the progress callback its first report, (0, length), before the call.

        Called before the call waits for its rate-limit slot: a callback
        that raises here raises as itself with nothing sent and no slot used.
        The first pass then does not report (0, length) again; a pass after
        it (the body sent again) does.
        """
        if self._progress is not None:
            self._progress(0, self.length)
        self._started = True

    def raise_failure(self) -> None:
        """
        Raise what the progress callback raised while the body streamed, if it did.

        The exception is the callback's own object, with the traceback from
        the report down to where the callback raised.
        """
        failure = self._failure
        if failure is not None:
            raise failure.with_traceback(self._failure_traceback)

    def _report(self, progress: ProgressCallback, done: int) -> None:
        try:
            progress(done, self.length)
        except Exception as exc:
            self._failure = exc
            self._failure_traceback = exc.__traceback__
            raise

    async def _stream(self) -> AsyncIterator[bytes]:
        # A body whose callback failed is not sent again (a retry of a
        # transport's own): the upload ends with the callback's exception.
        self.raise_failure()
        started, self._started = self._started, False
        sent = 0
        file_bytes = 0
        progress = self._progress
        max_bytes = self._max_bytes
        # The stack closes every file and iterator however the body ends:
        # sent, failed, or closed early by the transport (a cancelled call).
        async with contextlib.AsyncExitStack() as stack:
            # aiohttp sends the request head together with the body's first
            # chunk, so whatever is refused here never reaches the server.
            readers = []
            for _, part in self._files:
                chunks = await _start(part, stack)
                stack.push_async_callback(chunks.aclose)
                readers.append(chunks)
            if progress is not None and not started:
                self._report(progress, 0)
            for head in self._heads:
                sent += len(head)
                yield head
            for (head, part), chunks in zip(self._files, readers, strict=True):
                sent += len(head)
                yield head
                async for chunk in chunks:
                    sent += len(chunk)
                    file_bytes += len(chunk)
                    # Sizes of async iterables are known only now.
                    if file_bytes > max_bytes:
                        msg = (
                            f"{part.label}: the upload passed {_limit(max_bytes)} "
                            f"while streaming ({_limit_source(max_bytes)})"
                        )
                        raise ValidationError(msg)
                    if progress is not None:
                        self._report(progress, sent)
                    yield chunk
                sent += 2
                yield b"\r\n"
        sent += len(self._tail)
        if progress is not None:
            self._report(progress, sent)
        yield self._tail


async def _start(
    part: _FilePart, stack: contextlib.AsyncExitStack
) -> AsyncGenerator[bytes, None]:
    """
    Open *part* for reading and return its chunks; *stack* closes what was opened.
    """
    source = part.source
    size = part.size
    if isinstance(source, bytes):
        return _slices(source)
    if isinstance(source, bytearray | memoryview):
        return _buffer_slices(part.label, source, size)
    if isinstance(source, AsyncIterable):
        return await _peeked(part, _read_iterable(part.label, source), stack)
    if isinstance(source, Path):
        handle = await _open(part)
        stack.callback(handle.close)
    else:
        handle = source
        if size is not None:
            await _in_thread(_rewind, part)
    if size is None:
        return await _peeked(part, _read_to_end(handle), stack)
    return _read_exactly(part.label, handle, size)


async def _peeked(
    part: _FilePart,
    chunks: AsyncGenerator[bytes, None],
    stack: contextlib.AsyncExitStack,
) -> AsyncGenerator[bytes, None]:
    # A part of unknown size gives its first chunk now: an empty one is
    # refused before the body's first byte.
    stack.push_async_callback(chunks.aclose)
    first = await anext(chunks, None)
    if first is None:
        msg = f"{part.label}: the file is empty"
        raise ValidationError(msg)
    return _prepend(first, chunks)


def _in_thread(function: Callable[[_A], _R], argument: _A) -> asyncio.Future[_R]:
    # The loop's default executor, as aiohttp reads files: unlike
    # asyncio.to_thread, no context copy and no partial per chunk.
    return asyncio.get_running_loop().run_in_executor(None, function, argument)


def _resized(part: _FilePart, size: int) -> ValidationError:
    change = "shrank" if size < (part.size or 0) else "grew"
    return ValidationError(
        f"{part.label}: the file {change} since it was checked: "
        f"it had {part.size:,} bytes, now {size:,}"
    )


def _rewind(part: _FilePart) -> None:
    # From where the caller left it, on every pass (a retry too).
    size = size_from(cast("BinaryIO", part.source), part.start, part.label)
    if size != part.size:
        raise _resized(part, size)


def _open_binary(part: _FilePart) -> BinaryIO:
    # The checks that count are on the file opened here, not the path
    # checked earlier: it may be another file now.
    handle, size = open_regular(cast("Path", part.source), part.label)
    if size != part.size:
        handle.close()
        raise _resized(part, size)
    return handle


async def _open(part: _FilePart) -> BinaryIO:
    opening = asyncio.get_running_loop().run_in_executor(None, _open_binary, part)
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        # The thread opens the file all the same: close it once it has.
        opening.add_done_callback(_close_opened)
        raise


def _close_opened(opening: asyncio.Future[BinaryIO]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


def _pieces(data: bytes | memoryview) -> Iterator[bytes]:
    # A transport copies what the socket does not take at once into its own
    # buffer: handed a whole file, it would hold a second copy of it. A
    # slice of all of a bytes object is that object, not a copy; a byte
    # view of a caller's buffer is copied one piece at a time.
    for start in range(0, len(data), CHUNK_SIZE):
        piece = data[start : start + CHUNK_SIZE]
        if not isinstance(piece, bytes):
            # No slice of the view stays alive across the yield.
            piece = piece.tobytes()
        yield piece


async def _slices(data: bytes) -> AsyncGenerator[bytes, None]:
    for piece in _pieces(data):
        yield piece


async def _buffer_slices(
    label: str, buffer: bytearray | memoryview, size: int | None
) -> AsyncGenerator[bytes, None]:
    # The view lives only while the part is sent: released when the body
    # ends, fails or is closed, so the caller's bytearray can resize again.
    with _byte_view(buffer) as view:
        if view.nbytes != size:
            msg = (
                f"{label}: the buffer changed size since the call began; "
                f"it had {size} bytes"
            )
            raise ValidationError(msg)
        for piece in _pieces(view):
            yield piece


async def _prepend(
    first: bytes, rest: AsyncIterator[bytes]
) -> AsyncGenerator[bytes, None]:
    yield first
    async for chunk in rest:
        yield chunk


async def _read_exactly(
    label: str, handle: BinaryIO, size: int
) -> AsyncGenerator[bytes, None]:
    """
    Read *size* bytes of *handle* in chunks, in a thread; refuse a file that changed size.
    """
    left = size
    read = handle.read
    # Bounded: each pass reads at least one byte or raises.
    while left > 0:
        chunk = await _in_thread(read, min(CHUNK_SIZE, left))
        if not chunk:
            msg = (
                f"{label}: the file shrank while it was being sent; it had {size} bytes"
            )
            raise ValidationError(msg)
        left -= len(chunk)
        yield chunk
    if await _in_thread(read, 1):
        msg = f"{label}: the file grew while it was being sent; it had {size} bytes"
        raise ValidationError(msg)


async def _read_iterable(
    label: str, source: AsyncIterable[bytes]
) -> AsyncGenerator[bytes, None]:
    """
    Read a caller's async iterable to its end, skipping empty chunks, slicing big ones.
    """
    iterator = aiter(source)
    try:
        async for chunk in iterator:
            given: object = chunk  # checked: callers may yield anything
            if isinstance(given, bytes):
                for piece in _pieces(given):
                    yield piece
            elif isinstance(given, bytearray | memoryview):
                # Released before the caller's iterator goes on: it may
                # reuse its buffer, and a buffer with a view cannot resize.
                with _byte_view(given) as view:
                    for piece in _pieces(view):
                        yield piece
            else:
                msg = f"{label}: the async iterable gave {type(given).__name__}, not bytes"
                raise ValidationError(msg)
    finally:
        # The caller's generator ends with the upload, and its own cleanup
        # (a closed cursor, say) runs now, not at garbage collection.
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def _read_to_end(handle: BinaryIO) -> AsyncGenerator[bytes, None]:
    """
    Read a caller's file object that cannot seek to its end, in chunks, in a thread.
    """
    read = handle.read
    while chunk := await _in_thread(read, CHUNK_SIZE):
        yield chunk
