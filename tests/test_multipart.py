"""
The streamed multipart body of an upload: pre-flight checks, encoding, length, progress, cleanup.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import email.parser
import email.policy
import errno
import gc
import io
import os
import threading
import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async as ma
from moment_async import _multipart
from moment_async._multipart import CHUNK_SIZE, MultipartBody, prepare_files
from tests._sources import (
    ONLY_REGULAR,
    make_fifo,
    one_way,
    opened_in,
    pipe_with,
    socket_file,
    swapped_for_fifo,
)

MB = 1024 * 1024
CSV = b"phone,adid\n010,ab12\n"
#: Bytes a naive encoder could get wrong: every byte value, CR/LF, a fake boundary.
TRICKY = bytes(range(256)) * 3 + b"\r\n--boundary\r\n\r\n" + "가,나\r\n".encode()
#: How refusals state the size limit: the exact byte count, and the documents' "200 MB".
EXACT_LIMIT = "200,000,000 bytes (200 MB)"
#: 4-byte items over several chunks, with every byte value among them.
WORDS = array.array("I", range(0, 2**32 - 1, 2**32 // (CHUNK_SIZE // 2 + 3)))


@attrs.frozen
class Part:
    """
    One part of a multipart body, as a standard parser reads it.
    """

    name: str | None
    filename: str | None
    content_type: str
    charset: str | None
    data: bytes


async def collect(body: MultipartBody) -> bytes:
    """
    Return the whole encoded *body*.
    """
    return b"".join([chunk async for chunk in body])


def parse(body: MultipartBody, data: bytes) -> list[Part]:
    """
    Parse *data* with the stdlib's email parser, as a server would, into its parts.
    """
    head = f"Content-Type: {body.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    assert [] == message.defects
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        name = part.get_param("name", header="content-disposition")
        assert name is None or isinstance(name, str)
        parts.append(
            Part(
                name=name,
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                charset=part.get_content_charset(),
                data=payload,
            )
        )
    return parts


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    """
    Yield *chunks* one by one, giving the loop a turn between them.
    """
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


def write(path: Path, data: bytes) -> Path:
    """
    Write *data* to *path*, creating its folder, and return *path*.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    """
    Create a sparse file of *size* bytes at *path* without writing its bytes.
    """
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def body_of(
    files: Sequence[Any], progress: Any = None, max_bytes: int = 200_000_000
) -> MultipartBody:
    """
    Return the upload body of *files* with a "name" field, as ``upload`` builds it.
    """
    return MultipartBody(
        [("name", "고객파일 등록")],
        prepare_files(files, max_bytes),
        progress,
        max_bytes,
    )


def mid_stream(data: bytes, skip: bytes) -> io.BytesIO:
    """
    Return a BytesIO holding *skip* + *data*, positioned at the start of *data*.
    """
    source = io.BytesIO(skip + data)
    source.seek(len(skip))
    return source


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("name", "고객파일 등록", id="name-korean"),
        pytest.param("name", "buyers 2024", id="name-ascii"),
        pytest.param("id", "1234567", id="id"),
    ],
)
async def test_body_encodes_text_field_as_utf8_plain_text(field, value):
    """A text field is a part named after it, text/plain in UTF-8, holding the value."""
    body = MultipartBody([(field, value)], prepare_files([("a.csv", CSV)]))

    parts = parse(body, await collect(body))

    assert field == parts[0].name
    assert None is parts[0].filename
    assert "text/plain" == parts[0].content_type
    assert "utf-8" == parts[0].charset
    assert value.encode() == parts[0].data


async def test_body_encodes_files_from_every_source(tmp_path):
    """Paths, bytes, BytesIO and async iterables each become a "files" part, byte-identical."""
    path = write(tmp_path / "dir" / "from_path.csv", TRICKY)
    files = [
        path,
        str(path),
        ("from_bytes.csv", CSV),
        ("from_bytearray.csv", bytearray(CSV)),
        ("from_bytesio.csv", io.BytesIO(TRICKY)),
        ("from_middle.csv", mid_stream(CSV, b"skipped,\n")),
        ("from_stream.csv", stream(TRICKY[:100], TRICKY[100:])),
    ]
    body = body_of(files)

    parts = parse(body, await collect(body))

    assert ["name"] + ["files"] * 7 == [part.name for part in parts]
    assert [
        "from_path.csv",
        "from_path.csv",
        "from_bytes.csv",
        "from_bytearray.csv",
        "from_bytesio.csv",
        "from_middle.csv",
        "from_stream.csv",
    ] == [part.filename for part in parts[1:]]
    assert {"text/csv"} == {part.content_type for part in parts[1:]}
    assert [TRICKY, TRICKY, CSV, CSV, TRICKY, CSV, TRICKY] == [
        part.data for part in parts[1:]
    ]


async def test_body_reads_a_positioned_file_object_from_its_position():
    """A BytesIO positioned mid-stream is sent from its position only, and counted so."""
    source = mid_stream(CSV, b"header to skip\n")
    body = body_of([("a.csv", source)])

    data = await collect(body)

    assert CSV == parse(body, data)[1].data
    assert len(data) == body.length


@pytest.mark.parametrize(
    "make_files",
    [
        pytest.param(lambda tmp: [write(tmp / "a.csv", CSV)], id="path"),
        pytest.param(
            lambda tmp: [write(tmp / "big.csv", TRICKY * 1000)], id="path-many-chunks"
        ),
        pytest.param(lambda tmp: [("a.csv", CSV)], id="bytes"),
        pytest.param(lambda tmp: [("a.csv", io.BytesIO(TRICKY))], id="bytesio"),
        pytest.param(lambda tmp: [("고객.csv", CSV)], id="korean-filename"),
        pytest.param(
            lambda tmp: [
                write(tmp / "a.csv", CSV),
                ("b.csv", TRICKY),
                ("c.csv", mid_stream(CSV, b"x")),
            ],
            id="mixed",
        ),
        pytest.param(
            lambda tmp: [(f"part{i}.csv", CSV) for i in range(10)], id="ten-files"
        ),
    ],
)
async def test_body_length_is_the_streamed_byte_count(tmp_path, make_files):
    """When every size is known, length is exactly the number of bytes streamed."""
    body = body_of(make_files(tmp_path))

    data = await collect(body)

    assert body.length is not None
    assert len(data) == body.length
    assert True is body.replayable


async def test_body_length_is_unknown_with_an_async_iterable():
    """One async iterable among the files makes length None and the body one-shot."""
    body = body_of([("a.csv", CSV), ("b.csv", stream(CSV, CSV))])

    parts = parse(body, await collect(body))

    assert None is body.length
    assert False is body.replayable
    assert CSV * 2 == parts[2].data


@pytest.mark.parametrize(
    ("filename", "sent"),
    [
        pytest.param('say "hi".csv', "say %22hi%22.csv", id="quote"),
        pytest.param(
            'x"; name="evil.csv', "x%22; name=%22evil.csv", id="quote-injection"
        ),
        pytest.param("고객 목록.csv", "고객 목록.csv", id="korean"),
        pytest.param("naïve ü.csv", "naïve ü.csv", id="latin"),
        pytest.param("a\u00a0b\u3000c.csv", "a\u00a0b\u3000c.csv", id="unicode-spaces"),
    ],
)
async def test_body_escapes_quotes_in_filenames(filename, sent):
    """A quote in a filename is percent-escaped; other characters go as UTF-8."""
    body = body_of([(filename, CSV)])

    data = await collect(body)

    assert f'name="files"; filename="{sent}"\r\n'.encode() in data
    assert 2 == data.count(b"\r\nContent-Type:")
    assert [sent] == [part.filename for part in parse(body, data)[1:]]


#: Characters no file name may hold: C0 controls, DEL, C1 controls, invisible
#: format characters, line separators and a lone surrogate.
BAD_FILENAME_CHARS = [
    pytest.param("\x00", "\\x00", id="NUL"),
    pytest.param("\x07", "\\x07", id="BEL"),
    pytest.param("\t", "\\t", id="TAB"),
    pytest.param("\n", "\\n", id="LF"),
    pytest.param("\x0b", "\\x0b", id="VT"),
    pytest.param("\x0c", "\\x0c", id="FF"),
    pytest.param("\r", "\\r", id="CR"),
    pytest.param("\x1b", "\\x1b", id="ESC"),
    pytest.param("\x7f", "\\x7f", id="DEL"),
    pytest.param("\x85", "\\x85", id="C1-NEL"),
    pytest.param("\x9b", "\\x9b", id="C1-CSI"),
    pytest.param("\u200b", "\\u200b", id="zero-width-space"),
    pytest.param("\u202e", "\\u202e", id="right-to-left-override"),
    pytest.param("\u2028", "\\u2028", id="line-separator"),
    pytest.param("\udcff", "\\udcff", id="lone-surrogate"),
]


@pytest.mark.parametrize(("char", "shown"), BAD_FILENAME_CHARS)
def test_prepare_files_refuses_control_characters_in_pair_filenames(char, shown):
    """A filename with a control, format or separator character is refused, naming the part and the character escaped."""
    with pytest.raises(ma.ValidationError) as info:
        prepare_files([("a.csv", CSV), (f"dir/x{char}y.csv", CSV)])

    message = str(info.value)
    assert message.startswith(f"files[1] ('x{shown}y.csv'): ")
    assert f"holds '{shown}'" in message
    assert char not in message


def test_prepare_files_refuses_a_file_name_of_megabytes():
    """A file name past 255 bytes is refused, with its length and a bounded excerpt."""
    name = "a" * 1_000_000 + ".csv"
    with pytest.raises(ma.ValidationError) as info:
        prepare_files([(name, CSV)])

    message = str(info.value)
    assert "is 1,000,004 bytes long in UTF-8; at most 255 bytes" in message
    assert len(message) < 400
    assert [] != prepare_files([("a" * 251 + ".csv", CSV)])


def test_a_file_name_is_measured_in_utf8_bytes_as_file_systems_do():
    """Two Korean names of 89 characters each: the one of 255 UTF-8 bytes passes, the one of 257 is refused, as ext4 would."""
    fits = "가" * 83 + "ab.csv"
    over = "가" * 84 + "a.csv"

    taken = prepare_files([(fits, CSV)])
    with pytest.raises(ma.ValidationError) as info:
        prepare_files([(over, CSV)])

    assert (89, 89) == (len(fits), len(over))
    assert [] != taken
    assert "is 257 bytes long in UTF-8; at most 255 bytes" in str(info.value)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(b"x\x1b[2Jy.csv", id="escape-sequence"),
        pytest.param(b"x\ry.csv", id="CR"),
        pytest.param(b"x\xffy.csv", id="not-utf8"),
    ],
)
def test_prepare_files_refuses_control_characters_in_path_names(tmp_path, name):
    """A path whose file name on disk holds a control character or is not UTF-8 is refused."""
    path = os.fsdecode(os.path.join(os.fsencode(tmp_path), name))
    write(Path(path), CSV)

    with pytest.raises(ma.ValidationError) as info:
        prepare_files([path])

    assert str(info.value).startswith(f"files[0] ({Path(path).name!r}): ")
    assert "the file name holds" in str(info.value)


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("a.csv", id="bare"),
        pytest.param("dir/sub/a.csv", id="posix-relative"),
        pytest.param("/home/user/a.csv", id="posix-absolute"),
        pytest.param("C:\\x\\a.csv", id="windows"),
        pytest.param("..\\..\\a.csv", id="windows-parent"),
    ],
)
async def test_body_sends_the_base_name_of_a_pair_filename(given):
    """A folder in a pair's filename is dropped: only "a.csv" is sent."""
    body = body_of([(given, CSV)])

    parts = parse(body, await collect(body))

    assert "a.csv" == parts[1].filename


async def test_body_sends_the_base_name_of_a_path(tmp_path):
    """A path is sent under its file name, never its folders."""
    path = write(tmp_path / "deep" / "er" / "buyers.csv", CSV)

    data = await collect(body_of([path]))

    assert b'filename="buyers.csv"' in data
    assert os.fsencode(tmp_path) not in data


@pytest.mark.parametrize(
    "make_files",
    [
        pytest.param(lambda tmp: [write(tmp / "a.csv", TRICKY * 1000)], id="path"),
        pytest.param(lambda tmp: [("a.csv", TRICKY)], id="bytes"),
        pytest.param(lambda tmp: [("a.csv", io.BytesIO(TRICKY))], id="bytesio"),
        pytest.param(
            lambda tmp: [("a.csv", mid_stream(CSV, b"skip"))], id="bytesio-middle"
        ),
    ],
)
async def test_body_iterates_twice_to_identical_bytes(tmp_path, make_files):
    """A replayable body gives the same bytes on a second pass (a retry)."""
    body = body_of(make_files(tmp_path))

    first = await collect(body)
    second = await collect(body)

    assert True is body.replayable
    assert first == second


async def test_progress_counts_up_to_the_length(tmp_path):
    """Progress gets increasing byte counts, always with the length, ending at (length, length)."""
    calls: list[tuple[int, int | None]] = []
    path = write(tmp_path / "big.csv", b"x" * (2 * CHUNK_SIZE + 10))
    body = body_of(
        [path, ("b.csv", CSV)], lambda sent, total: calls.append((sent, total))
    )

    await collect(body)

    sent = [done for done, _ in calls]
    assert body.length is not None
    assert (body.length, body.length) == calls[-1]
    assert {body.length} == {total for _, total in calls}
    assert sorted(set(sent)) == sent
    assert len(calls) >= 4


async def test_progress_without_a_length_ends_at_the_byte_count():
    """With an async iterable, progress reports None as the total and ends at the bytes sent."""
    calls: list[tuple[int, int | None]] = []
    body = body_of(
        [("a.csv", stream(CSV, CSV))], lambda sent, total: calls.append((sent, total))
    )

    data = await collect(body)

    assert (len(data), None) == calls[-1]
    assert {None} == {total for _, total in calls}


def files_of(**kwargs: Any) -> Callable[[Path], Any]:
    """
    Return a factory of the ``files`` argument from one keyword: the case under test.
    """
    [(kind, value)] = kwargs.items()
    factories: dict[str, Callable[[Path], Any]] = {
        "value": lambda tmp: value,
        "pair": lambda tmp: [value],
        "path": lambda tmp: [value(tmp)],
    }
    return factories[kind]


@pytest.mark.parametrize(
    ("make_files", "fragments"),
    [
        pytest.param(files_of(value=[]), ["0 entries", "1 to 10"], id="no-files"),
        pytest.param(
            files_of(value=[(f"f{i}.csv", CSV) for i in range(11)]),
            ["11 entries", "1 to 10", "files[10] ('f10.csv') is the first over"],
            id="eleven-files",
        ),
        pytest.param(
            files_of(value=[f"dir/f{i}.csv" for i in range(12)]),
            ["12 entries", "1 to 10", "files[10] ('f10.csv') is the first over"],
            id="twelve-paths",
        ),
        pytest.param(
            files_of(value=[42] * 11),
            ["11 entries", "1 to 10", "(files[10] is the first over"],
            id="eleven-anythings",
        ),
        pytest.param(
            files_of(value="a.csv"), ["files must be a list"], id="files-is-a-str"
        ),
        pytest.param(
            files_of(value=iter([("a.csv", CSV)])),
            ["files must be a list"],
            id="files-is-an-iterator",
        ),
        pytest.param(
            files_of(pair=("data.txt", CSV)), ["'data.txt'", ".csv"], id="not-csv"
        ),
        pytest.param(
            files_of(path=lambda tmp: write(tmp / "data.tsv", CSV)),
            ["data.tsv", ".csv"],
            id="not-csv-path",
        ),
        pytest.param(
            files_of(pair=("empty.csv", b"")),
            ["'empty.csv'", "empty"],
            id="empty-bytes",
        ),
        pytest.param(
            files_of(path=lambda tmp: write(tmp / "empty.csv", b"")),
            ["'empty.csv'", "empty"],
            id="empty-path",
        ),
        pytest.param(
            files_of(pair=("end.csv", mid_stream(b"", CSV))),
            ["'end.csv'", "empty"],
            id="file-object-at-its-end",
        ),
        pytest.param(
            files_of(path=lambda tmp: tmp / "missing.csv"),
            ["missing.csv", "no such file"],
            id="missing-path",
        ),
        pytest.param(
            files_of(path=lambda tmp: tmp),
            ["is a directory, not a regular file"],
            id="directory-path",
        ),
        pytest.param(
            files_of(pair=("a.csv", "phone\n010\n")),
            ["'a.csv'", "bytes", "got str"],
            id="str-source",
        ),
        pytest.param(
            files_of(pair=("a.csv", 42)), ["'a.csv'", "got int"], id="int-source"
        ),
        pytest.param(
            files_of(pair=("a.csv", io.StringIO("phone\n010\n"))),
            ["'a.csv'", "binary"],
            id="text-file-object",
        ),
        pytest.param(
            files_of(value=[42]), ["files[0]", "(filename, source)"], id="int-entry"
        ),
        pytest.param(
            files_of(value=[(b"a.csv", CSV)]),
            ["files[0]", "(filename, source)"],
            id="bytes-filename",
        ),
        pytest.param(
            files_of(path=lambda tmp: sparse(tmp / "huge.csv", 201 * MB)),
            ["files[0] ('huge.csv')", f"{201 * MB:,} bytes", EXACT_LIMIT],
            id="one-file-over-200MB",
        ),
        pytest.param(
            lambda tmp: [
                sparse(tmp / "a.csv", 150 * MB),
                ("b.csv", io.BytesIO(CSV)),
                sparse(tmp / "c.csv", 100 * MB),
            ],
            ["files[2] ('c.csv')", f"{250 * MB + len(CSV):,} bytes", EXACT_LIMIT],
            id="files-together-over-200MB",
        ),
    ],
)
def test_prepare_files_refuses(tmp_path, make_files, fragments):
    """Each broken rule raises ValidationError before sending, naming the file and the rule."""
    files = make_files(tmp_path)

    with pytest.raises(ma.ValidationError) as info:
        prepare_files(files)

    message = str(info.value)
    assert [] == [fragment for fragment in fragments if fragment not in message]


def test_prepare_files_accepts_exactly_the_limit(tmp_path):
    """A total of exactly 200 MB (200,000,000 bytes) is within the limit."""
    files = [sparse(tmp_path / "a.csv", 200_000_000)]

    parts = prepare_files(files)

    assert [200_000_000] == [part.size for part in parts]


@pytest.mark.parametrize(
    ("make_path", "what"),
    [
        pytest.param(lambda tmp: "/dev/zero", "is a character device, not a regular file", id="dev-zero"),
        pytest.param(lambda tmp: "/dev/null", "is a character device, not a regular file", id="dev-null"),
        pytest.param(make_fifo, "is a pipe (FIFO), not a regular file", id="fifo"),
        pytest.param(lambda tmp: tmp, "is a directory, not a regular file", id="directory"),
        pytest.param(
            lambda tmp: "/proc/self/status",
            "is a file whose size (0 bytes) is not what it holds, such as those in /proc or /sys",
            id="proc-file",
        ),
    ],
)  # fmt: skip
def test_prepare_files_says_what_a_path_is_when_it_is_no_regular_file(
    tmp_path, make_path, what
):
    """A device, FIFO, directory or /proc file is refused, saying what it is and what is allowed, never "empty"."""
    path = str(make_path(tmp_path))

    with pytest.raises(ma.ValidationError) as info:
        prepare_files([path])

    assert str(info.value).startswith(f"files[0] ({path!r}): {what}")
    assert ONLY_REGULAR in str(info.value)


@pytest.mark.parametrize(
    ("make_source", "what"),
    [
        pytest.param(lambda stack: opened_in(stack, "/dev/zero"), "a character device, not a regular file", id="dev-zero"),
        pytest.param(lambda stack: opened_in(stack, "/dev/urandom"), "a character device, not a regular file", id="dev-urandom"),
        pytest.param(lambda stack: stack.enter_context(pipe_with(CSV)), "a pipe (FIFO), not a regular file", id="pipe"),
        pytest.param(lambda stack: stack.enter_context(socket_file(CSV)), "a socket, not a regular file", id="socket"),
        pytest.param(
            lambda stack: opened_in(stack, "/proc/self/status"),
            "a file whose size (0 bytes) is not what it holds",
            id="proc-file",
        ),
    ],
)  # fmt: skip
def test_prepare_files_says_what_a_file_object_reads_when_it_is_no_regular_file(
    make_source, what
):
    """A file object over a device, pipe, socket or /proc file is a ValidationError saying what it reads, not an OSError."""
    with contextlib.ExitStack() as stack:
        source = make_source(stack)

        with pytest.raises(ma.ValidationError) as info:
            prepare_files([("a.csv", source)])

    assert f"files[0] ('a.csv'): the file object reads {what}" in str(info.value)
    assert ONLY_REGULAR in str(info.value)


class Unmeasurable(io.RawIOBase):
    """
    A file object that says it can seek, then fails to.
    """

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")


def test_prepare_files_refuses_a_file_object_that_cannot_find_its_size():
    """A seekable file object whose seek fails is a ValidationError, not an OSError."""
    with pytest.raises(ma.ValidationError) as info:
        prepare_files([("a.csv", io.BufferedReader(Unmeasurable()))])

    assert (
        "files[0] ('a.csv'): cannot find the file object's size: Invalid argument"
        == str(info.value)
    )


async def test_body_sends_the_file_a_symlink_points_to(tmp_path):
    """A symlink to a regular file is followed: its file is sent, under the link's name."""
    target = write(tmp_path / "data" / "target.csv", TRICKY)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    body = body_of([link])

    parts = parse(body, await collect(body))

    assert [("link.csv", TRICKY)] == [(part.filename, part.data) for part in parts[1:]]


@pytest.mark.parametrize(
    ("swap", "what"),
    [
        pytest.param(lambda path: path.symlink_to("/dev/zero"), "is a character device", id="dev-zero"),
        pytest.param(lambda path: path.symlink_to("/proc/self/status"), "is a file whose size (0 bytes)", id="proc-file"),
        pytest.param(lambda path: path.mkdir(), "is a directory", id="directory"),
    ],
)  # fmt: skip
async def test_body_refuses_a_path_swapped_since_it_was_checked(tmp_path, swap, what):
    """A path that became a device, a /proc file or a directory after the check is refused before the first byte."""
    path = write(tmp_path / "a.csv", CSV)
    body = body_of([("kept.csv", CSV), path])
    path.unlink()
    swap(path)

    with pytest.raises(ma.ValidationError) as info:
        await first_chunk(body)

    assert str(info.value).startswith(f"files[1] ('a.csv'): {what}")


async def test_body_refuses_a_path_swapped_for_a_fifo_without_blocking(tmp_path):
    """A path swapped for a FIFO with no writer is refused at once, not waited on forever in a thread."""
    path = write(tmp_path / "a.csv", CSV)
    body = body_of([("kept.csv", CSV), path])

    with swapped_for_fifo(path), pytest.raises(ma.ValidationError) as info:
        async with asyncio.timeout(5):
            await first_chunk(body)

    assert str(info.value).startswith(
        f"files[1] ('a.csv'): is a pipe (FIFO), not a regular file; {ONLY_REGULAR}"
    )


async def test_body_refuses_an_async_iterable_streaming_past_the_limit():
    """An async iterable that streams past 200 MB raises ValidationError before the excess is sent."""
    block = b"0" * CHUNK_SIZE
    sent_file_bytes = 0

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(300 * MB // CHUNK_SIZE):
            yield block

    body = body_of([("stream.csv", endless())])

    async def drain() -> None:
        nonlocal sent_file_bytes
        async for chunk in body:
            if chunk is block:
                sent_file_bytes += len(chunk)

    with pytest.raises(ma.ValidationError) as info:
        await drain()

    # Every whole chunk within 200,000,000 bytes went out; the one past it did not.
    assert 200_000_000 // CHUNK_SIZE * CHUNK_SIZE == sent_file_bytes
    assert "'stream.csv'" in str(info.value)
    assert f"passed {EXACT_LIMIT} while streaming" in str(info.value)


async def test_body_refuses_streamed_bytes_past_the_limit_across_files():
    """The streaming limit counts the bytes of all files together."""
    body = body_of(
        [("a.csv", b"123456"), ("b.csv", stream(b"123", b"45"))], max_bytes=10
    )

    with pytest.raises(ma.ValidationError) as info:
        await collect(body)

    assert "'b.csv'" in str(info.value)


async def test_body_streams_a_non_seekable_file_object():
    """A binary file object that cannot seek, and has no descriptor, is streamed from where it stands."""
    with one_way(CSV) as source:
        body = body_of([("streamed.csv", source)])

        parts = parse(body, await collect(body))

    assert CSV == parts[1].data


async def test_body_with_a_non_seekable_file_object_is_one_shot():
    """A non-seekable file object has no known length and cannot be replayed."""
    with one_way(CSV) as source:
        body = body_of([("streamed.csv", source)])

    assert None is body.length
    assert False is body.replayable


@pytest.fixture
def opened(monkeypatch) -> list[BinaryIO]:
    """
    Record every file the body opens to send it, during the test.
    """
    handles: list[BinaryIO] = []
    real_open = _multipart._open_binary

    def recording_open(part: Any) -> BinaryIO:
        handle = real_open(part)
        handles.append(handle)
        return handle

    monkeypatch.setattr(_multipart, "_open_binary", recording_open)
    return handles


async def test_cancelling_mid_body_closes_the_file(tmp_path, opened):
    """Cancelling the task that streams a path closes the file it was reading."""
    path = write(tmp_path / "big.csv", b"y" * (8 * CHUNK_SIZE))
    body = body_of([path])
    reading = asyncio.Event()

    async def consume() -> None:
        async for chunk in body:
            if len(chunk) == CHUNK_SIZE:
                reading.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reading.wait(), 1)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert [True] == [handle.closed for handle in opened]


async def test_closing_the_iterator_early_closes_the_file(tmp_path, opened):
    """A consumer that stops after a few chunks and closes the iterator leaves no file open."""
    path = write(tmp_path / "big.csv", b"y" * (4 * CHUNK_SIZE))
    stream_ = aiter(body_of([path]))
    assert isinstance(stream_, AsyncIterator)
    for _ in range(3):
        await anext(stream_)

    await stream_.aclose()  # type: ignore[attr-defined]  # _stream is an async generator

    assert [True] == [handle.closed for handle in opened]


async def test_body_is_read_by_a_real_server(tmp_path):
    """Sent through AiohttpTransport, aiohttp.web reads the parts and the exact length."""
    received: list[tuple[str | None, str | None, bytes]] = []
    lengths: list[int | None] = []

    async def upload(request: web.Request) -> web.Response:
        lengths.append(request.content_length)
        reader = await request.multipart()
        for _ in range(20):
            part = await reader.next()
            if part is None:
                break
            assert isinstance(part, aiohttp.BodyPartReader)
            received.append((part.name, part.filename, await part.read()))
        return web.Response(status=200)

    app = web.Application(client_max_size=16 * MB)
    app.router.add_post("/upload", upload)
    path = write(tmp_path / "big.csv", TRICKY * 2000)
    body = body_of([path, ("고객.csv", io.BytesIO(CSV))])
    transport = ma.AiohttpTransport()

    async with TestServer(app, host="127.0.0.1") as server:
        try:
            response = await transport.send(
                ma.Request(
                    method="POST",
                    url=str(server.make_url("/upload")),
                    headers={
                        "Content-Type": body.content_type,
                        "Content-Length": str(body.length),
                    },
                    body=body,
                )
            )
        finally:
            await transport.aclose()

    assert 200 == response.status
    assert [body.length] == lengths
    assert [
        ("name", None, "고객파일 등록".encode()),
        ("files", "big.csv", TRICKY * 2000),
        ("files", "고객.csv", CSV),
    ] == received


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param(lambda path: path.write_bytes(CSV[:-5]), "shrank", id="shrank"),
        pytest.param(lambda path: path.write_bytes(CSV + CSV), "grew", id="grew"),
    ],
)
async def test_body_refuses_a_file_that_changed_size_after_it_was_checked(
    tmp_path, change, fragment
):
    """A file whose size changed since the body was built is refused before the body's first byte: the Content-Length would lie."""
    path = write(tmp_path / "a.csv", CSV)
    body = body_of([("kept.csv", CSV), path])
    change(path)

    with pytest.raises(ma.ValidationError) as info:
        await first_chunk(body)

    assert str(info.value).startswith(f"files[1] ('a.csv'): the file {fragment} since")
    assert f"it had {len(CSV)} bytes" in str(info.value)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param(
            lambda source: source.truncate(len(CSV) - 5), "shrank", id="shrank"
        ),
        pytest.param(
            lambda source: source.write(b"more\n") + source.seek(0), "grew", id="grew"
        ),
    ],
)
async def test_body_refuses_a_file_object_that_changed_size_after_it_was_checked(
    change, fragment
):
    """A seekable file object whose size changed since the body was built is refused before the body's first byte."""
    source = io.BytesIO(CSV)
    body = body_of([("kept.csv", CSV), ("a.csv", source)])
    source.seek(0, os.SEEK_END)
    change(source)

    with pytest.raises(ma.ValidationError) as info:
        await first_chunk(body)

    assert str(info.value).startswith(f"files[1] ('a.csv'): the file {fragment} since")


async def first_chunk(body: MultipartBody) -> bytes:
    """
    Return the first chunk *body* yields, closing its iterator after.
    """
    chunks = aiter(body)
    try:
        return await anext(chunks)
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]  # _stream is an async generator


async def test_body_refuses_a_file_gone_since_it_was_checked_before_a_byte(tmp_path):
    """A path removed after the check fails when the body starts, before its first byte."""
    path = write(tmp_path / "gone.csv", CSV)
    body = body_of([("kept.csv", CSV), path])
    path.unlink()

    with pytest.raises(ma.ValidationError) as info:
        await first_chunk(body)

    assert "files[1] ('gone.csv'): no such file" == str(info.value)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lambda stack: stream(), id="async-iterable"),
        pytest.param(lambda stack: stream(b"", b""), id="only-empty-chunks"),
        pytest.param(lambda stack: stack.enter_context(one_way(b"")), id="one-way"),
    ],
)
async def test_body_refuses_an_empty_part_of_unknown_size_before_a_byte(source):
    """An async iterable or pipe that turns out empty is refused before the body's first byte."""
    with contextlib.ExitStack() as stack:
        body = body_of([("a.csv", CSV), ("empty.csv", source(stack))])

        with pytest.raises(ma.ValidationError) as info:
            await first_chunk(body)

    assert "files[1] ('empty.csv')" in str(info.value)
    assert "empty" in str(info.value)


async def test_body_slices_large_chunks():
    """No chunk handed to the transport is larger than CHUNK_SIZE, whatever the source gives."""
    big = bytes(range(256)) * (3 * CHUNK_SIZE // 256 + 7)
    body = body_of([("a.csv", big), ("b.csv", stream(big))])

    chunks = [chunk async for chunk in body]

    assert CHUNK_SIZE == max(map(len, chunks))
    assert [big, big] == [part.data for part in parse(body, b"".join(chunks))[1:]]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(memoryview(WORDS), id="memoryview-of-uint32"),
        pytest.param(memoryview(WORDS)[::3], id="strided-memoryview"),
        pytest.param(bytearray(TRICKY * 500), id="bytearray"),
        pytest.param(memoryview(TRICKY).toreadonly(), id="readonly-memoryview"),
    ],
)
async def test_body_sends_a_buffer_by_its_byte_count(source):
    """A bytearray or memoryview of any item format goes out whole: length and bytes are its bytes, not its items."""
    expected = memoryview(source).tobytes()
    body = body_of([("a.csv", source)])

    data = await collect(body)

    assert len(expected) == prepare_files([("a.csv", source)])[0].size
    assert len(data) == body.length
    assert expected == parse(body, data)[1].data


def test_memoryview_of_uint32_is_counted_in_bytes_not_items():
    """The size of a memoryview of 4-byte items is four times its len()."""
    view = memoryview(WORDS)
    files: list[Any] = [("a.csv", view)]  # ByteSource does not name memoryview

    [part] = prepare_files(files)

    assert (4 * len(view), view.nbytes) == (part.size, part.size)


async def test_body_does_not_copy_a_bytearray_whole():
    """A 32 MiB bytearray is sent a piece at a time: far less than a copy of it is allocated."""
    source = bytearray(os.urandom(32 * MB))
    sent = 0
    gc.collect()
    tracemalloc.start()
    try:
        body = body_of([("a.csv", source)])
        async for chunk in body:
            sent += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert body.length == sent
    assert peak < 4 * MB


async def test_body_holds_a_bytearray_only_while_sending_it():
    """A bytearray cannot resize while its part is being sent, and can once the body is closed early."""
    source = bytearray(TRICKY * 1000)
    body = body_of([("a.csv", source)])
    chunks = aiter(body)
    assert isinstance(chunks, AsyncGenerator)
    source.extend(b"x")  # not held between building the body and sending it
    del source[-1:]

    while b"text/csv" not in await anext(chunks):
        pass
    await anext(chunks)  # the part's first piece: the view is alive
    with pytest.raises(BufferError):
        source.extend(b"x")
    await chunks.aclose()
    source.extend(b"x")

    assert len(TRICKY) * 1000 + 1 == len(source)


async def test_body_refuses_a_bytearray_that_resized_before_it_was_sent():
    """A bytearray that grew after the body was built is refused when its turn comes, naming its size."""
    source = bytearray(CSV)
    body = body_of([("a.csv", source)])
    source.extend(CSV)

    with pytest.raises(ma.ValidationError) as info:
        await collect(body)

    assert "files[0] ('a.csv')" in str(info.value)
    assert f"it had {len(CSV)} bytes" in str(info.value)
    source.extend(b"x")  # the failed body holds no view of it


async def test_body_lets_a_callers_generator_reuse_its_buffer():
    """A caller's generator may clear and refill the bytearray it yields: no view of it outlives the yield."""

    async def refilled() -> AsyncIterator[bytearray]:
        buffer = bytearray()
        for piece in (CSV, TRICKY * 400, memoryview(WORDS).tobytes()):
            buffer.clear()  # BufferError while a view of it is alive
            buffer.extend(piece)
            yield buffer

    body = body_of([("a.csv", refilled())])

    data = await collect(body)

    expected = CSV + TRICKY * 400 + memoryview(WORDS).tobytes()
    assert expected == parse(body, data)[1].data


async def test_async_iterable_of_uint32_views_is_sent_by_bytes():
    """Chunks that are memoryviews of 4-byte items are sent whole, not cut at their item count."""
    view = memoryview(WORDS)

    async def views() -> AsyncIterator[memoryview]:
        yield view[:7]
        yield view[7:]

    body = body_of([("a.csv", views())])

    data = await collect(body)

    assert view.tobytes() == parse(body, data)[1].data


async def test_closing_the_body_early_closes_the_callers_generator():
    """A caller's async generator is closed with the body, so its own cleanup runs at once."""
    cleaned: list[str] = []

    async def rows() -> AsyncIterator[bytes]:
        try:
            for _ in range(10):
                yield CSV
        finally:
            cleaned.append("rows")

    chunks = aiter(body_of([("a.csv", rows())]))
    for _ in range(3):
        await anext(chunks)

    await chunks.aclose()  # type: ignore[attr-defined]  # _stream is an async generator

    assert ["rows"] == cleaned


@pytest.mark.parametrize(
    "opens", [pytest.param(True, id="opens"), pytest.param(False, id="fails")]
)
async def test_cancelling_while_a_file_opens_closes_it_once_open(
    tmp_path, monkeypatch, caplog, opens
):
    """A cancel that lands while a thread opens the file closes it once open, and a failed open is no error."""
    path = write(tmp_path / "a.csv", CSV)
    entered = threading.Event()
    release = threading.Event()
    handles: list[BinaryIO] = []
    ended = threading.Event()

    def slow_open(part: Any) -> BinaryIO:
        entered.set()
        release.wait(5)
        try:
            if not opens:
                part.source.unlink()
            handle = real_open(part)
        finally:
            ended.set()
        handles.append(handle)
        return handle

    real_open = _multipart._open_binary
    monkeypatch.setattr(_multipart, "_open_binary", slow_open)
    task = asyncio.create_task(collect(body_of([path])))
    assert await asyncio.to_thread(entered.wait, 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await asyncio.to_thread(ended.wait, 5)
    for _ in range(100):
        if not opens or (handles and handles[0].closed):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.01)
    gc.collect()

    assert [True] * opens == [handle.closed for handle in handles]
    assert [] == [record.message for record in caplog.records]


class Rows:
    """
    An async iterable written as a class: its iterator has no ``aclose``.
    """

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def __aiter__(self) -> Rows:
        return self

    async def __anext__(self) -> bytes:
        if not self._chunks:
            raise StopAsyncIteration
        return self._chunks.pop(0)


async def test_body_streams_an_async_iterator_without_aclose():
    """A class-based async iterable, with no aclose to call, is streamed and left as it is."""
    body = body_of([("a.csv", Rows(CSV, TRICKY))])

    parts = parse(body, await collect(body))

    assert CSV + TRICKY == parts[1].data
