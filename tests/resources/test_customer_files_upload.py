"""
Uploads over real loopback HTTP: length or chunked encoding, the parts as sent, refusals before a byte goes out, bounded memory, cancellation.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import email.parser
import email.policy
import gc
import hashlib
import io
import json
import os
import sys
import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import aiohttp
import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async as ma
from moment_async import _multipart
from moment_async._multipart import CHUNK_SIZE, prepare_files
from tests._sources import ONLY_REGULAR, one_way, opened_in, pipe_with
from tests.conftest import load_fixture

MB = 1024 * 1024
CSV = (
    b"8f0f7b6e-9a3c-4e2a-b1d4-0c9e8f7a6b5c\r\n0d9b6a1c-2e3f-4a5b-8c7d-6e5f4a3b2c1d\r\n"
)
#: Every byte value, CR/LF and a fake boundary: what a naive encoder gets wrong.
TRICKY = bytes(range(256)) * 3 + b"\r\n--boundary\r\n\r\n" + "가,나\r\n".encode()
NAME = "고객 파일 (2026)"
FILE_ID = 2656
#: What the server answers to every complete upload.
ANSWER = load_fixture("customer_files.upload")
#: Seconds a held request waits for its release before it answers anyway.
HOLD_SECONDS = 10.0
#: Reads of one part the hashing server allows itself (1 MiB each at most).
MAX_READS = 4096
#: The streaming proof: bytes uploaded, and the most the test process may
#: allocate meanwhile (the tracemalloc peak, client and server together).
STREAMED_FILES = (64 * MB, 32 * MB)
MEMORY_BOUND = 16 * MB
#: The most the client process's resident memory may grow by while it
#: uploads STREAMED_FILES (page tables, allocator arenas, thread stacks).
RSS_BOUND = 32 * MB
#: How refusals state the size limit: the exact byte count.
EXACT_LIMIT = "200,000,000 bytes (200 MB)"
#: The folder holding the ``tests`` package, for the RSS test's child process.
ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class Part:
    """
    One part as the server read it; small tests keep the data, the large one its hash.
    """

    name: str | None
    filename: str | None
    content_type: str | None
    charset: str | None
    size: int
    sha256: str
    data: bytes | None = attrs.field(default=None, repr=False)


@attrs.define
class Received:
    """
    One request as the server saw it: the head on arrival, the parts once read.
    """

    method: str
    path: str
    headers: dict[str, str]
    body_size: int | None = None
    parts: list[Part] = attrs.Factory(list)
    complete: bool = False


def part_of(
    name: str | None,
    filename: str | None,
    content_type: str | None,
    charset: str | None,
    data: bytes,
    *,
    keep: bool = True,
) -> Part:
    """
    Return a Part of *data*, keeping the bytes only when *keep*.
    """
    return Part(
        name,
        filename,
        content_type,
        charset,
        len(data),
        hashlib.sha256(data).hexdigest(),
        data if keep else None,
    )


def parse_body(content_type: str, body: bytes) -> list[Part]:
    """
    Parse a whole multipart *body* with the stdlib's email parser, an independent reader.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    assert [] == message.defects
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        name = part.get_param("name", header="content-disposition")
        assert name is None or isinstance(name, str)
        parts.append(
            part_of(
                name,
                part.get_filename(),
                part.get_content_type(),
                part.get_content_charset(),
                payload,
            )
        )
    return parts


async def hash_parts(request: web.Request) -> list[Part]:
    """
    Read a multipart body part by part in chunks, keeping only each part's size and hash.
    """
    reader = await request.multipart()
    parts: list[Part] = []
    for _ in range(12):
        part = await reader.next()
        if part is None:
            return parts
        assert isinstance(part, aiohttp.BodyPartReader)
        digest = hashlib.sha256()
        size = 0
        for _ in range(MAX_READS):
            chunk = await part.read_chunk(MB)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
        content_type = part.headers.get("Content-Type")
        parts.append(
            Part(part.name, part.filename, content_type, None, size, digest.hexdigest())
        )
    msg = "more than 12 parts"
    raise AssertionError(msg)


class UploadServer:
    """
    A loopback server that records every request as it arrives and reads its parts.

    It keeps small bodies whole (parsed by the stdlib), or with *hashing*
    reads each part in chunks and keeps its hash. With *hold* set, a handler
    reads 64 KiB and then waits for the event: the client blocks on a full
    socket, mid-upload.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.hashing = False
        self.hold: asyncio.Event | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        received = Received(
            request.method,
            request.path,
            {k.lower(): v for k, v in request.headers.items()},
        )
        self.requests.append(received)
        if self.hold is not None:
            await request.content.read(64 * 1024)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hold.wait(), HOLD_SECONDS)
            return web.Response(status=503)
        # A client that gives up mid-body leaves the read unfinished.
        with contextlib.suppress(ConnectionError, aiohttp.ClientPayloadError):
            if self.hashing:
                received.parts = await hash_parts(request)
            else:
                body = await request.read()
                received.body_size = len(body)
                received.parts = parse_body(request.headers["Content-Type"], body)
            received.complete = True
            return web.json_response(ANSWER)
        return web.Response(status=400)


@pytest.fixture
async def server() -> AsyncIterator[UploadServer]:
    """
    Serve an UploadServer on 127.0.0.1 for one test.
    """
    upload_server = UploadServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", upload_server.handle)
    async with TestServer(app, host="127.0.0.1") as test_server:
        upload_server.url = str(test_server.make_url("/openapi/v4"))
        try:
            yield upload_server
        finally:
            if upload_server.hold is not None:
                upload_server.hold.set()


def client_of(server: UploadServer) -> ma.MomentClient:
    """
    Return a client of *server*, without rate limits (tests upload back to back).
    """
    return ma.MomentClient("token", base_url=server.url, limiter=False)


def upload(account: ma.AdAccount, files: Any, **kwargs: Any) -> Any:
    """
    Register a new customer file named NAME from *files*.
    """
    return account.customer_files.upload(NAME, files, **kwargs)


def replace_files(account: ma.AdAccount, files: Any, **kwargs: Any) -> Any:
    """
    Replace the files of customer file FILE_ID with *files*.
    """
    return account.customer_files.replace_files(FILE_ID, files, **kwargs)


Call = Callable[..., Any]
CALLS = [
    pytest.param(upload, id="upload"),
    pytest.param(replace_files, id="replace_files"),
]


def write(path: Path, data: bytes) -> Path:
    """
    Write *data* to *path*, creating its folder, and return *path*.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    """
    Create a sparse file of *size* bytes at *path*, writing none of them.
    """
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    """
    Yield *chunks* one by one, giving the loop a turn between them.
    """
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


class HugeFile(io.RawIOBase):
    """
    A seekable binary file that reports *size* bytes and never allocates them.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._position = 0
        self.reads = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}
        self._position = base[whence] + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        self.reads += 1
        return 0


#: Makers of an upload's files: (tmp_path, exit stack) -> files.
Files = Callable[[Path, contextlib.ExitStack], list[Any]]


def opened(path: Path, stack: contextlib.ExitStack) -> BinaryIO:
    """
    Open *path* for reading in binary mode until *stack* closes.
    """
    return stack.enter_context(path.open("rb"))


def closed(path: Path) -> BinaryIO:
    """
    Return *path* opened for reading in binary mode, and already closed.
    """
    with path.open("rb") as handle:
        return handle


KNOWN_SIZES = [
    pytest.param(lambda tmp, _: [write(tmp / "a.csv", TRICKY * 500)], id="path"),
    pytest.param(lambda tmp, _: [("a.csv", TRICKY)], id="bytes"),
    pytest.param(lambda tmp, _: [("a.csv", io.BytesIO(TRICKY))], id="bytesio"),
    pytest.param(
        lambda tmp, stack: [("a.csv", opened(write(tmp / "a.bin", TRICKY), stack))],
        id="open-file",
    ),
    pytest.param(
        lambda tmp, stack: [
            write(tmp / "a.csv", CSV * 4000),
            ("b.csv", TRICKY),
            ("c.csv", io.BytesIO(CSV)),
            ("d.csv", opened(write(tmp / "d.bin", TRICKY * 300), stack)),
        ],
        id="mixed",
    ),
]

UNKNOWN_SIZES = [
    pytest.param(
        lambda tmp, _: [("a.csv", stream(TRICKY[:100], b"", TRICKY[100:]))],
        id="async-iterable",
    ),
    pytest.param(
        lambda tmp, stack: [("a.csv", stack.enter_context(one_way(TRICKY)))],
        id="one-way-file-object",
    ),
    pytest.param(
        lambda tmp, _: [
            write(tmp / "a.csv", TRICKY * 500),
            ("b.csv", stream(CSV, CSV * 2000)),
        ],
        id="path-and-async-iterable",
    ),
]


async def upload_recording(
    server: UploadServer, call: Call, files: list[Any]
) -> list[tuple[int, int | None]]:
    """
    Send *files* with *call* and return every progress report.
    """
    reports: list[tuple[int, int | None]] = []
    async with client_of(server) as client:
        result = await call(
            client.ad_account(1),
            files,
            progress=lambda sent, total: reports.append((sent, total)),
        )
    assert ANSWER["id"] == result.id
    return reports


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("make_files", KNOWN_SIZES)
async def test_known_sizes_send_the_exact_content_length(
    server, tmp_path, call, make_files
):
    """When every size is known the body goes with its exact Content-Length, not chunked."""
    with contextlib.ExitStack() as stack:
        files = make_files(tmp_path, stack)

        reports = await upload_recording(server, call, files)

    [received] = server.requests
    assert received.complete
    assert received.body_size is not None
    assert str(received.body_size) == received.headers.get("content-length")
    assert None is received.headers.get("transfer-encoding")
    assert (received.body_size, received.body_size) == reports[-1]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("make_files", UNKNOWN_SIZES)
async def test_unknown_sizes_send_chunked(server, tmp_path, call, make_files):
    """An async iterable or a pipe among the files makes the body chunked, without Content-Length."""
    with contextlib.ExitStack() as stack:
        files = make_files(tmp_path, stack)

        reports = await upload_recording(server, call, files)

    [received] = server.requests
    assert received.complete
    assert "chunked" == received.headers.get("transfer-encoding")
    assert None is received.headers.get("content-length")
    assert (received.body_size, None) == reports[-1]


@pytest.mark.parametrize(
    "make_files", [*KNOWN_SIZES[-1:], *UNKNOWN_SIZES[-1:]], ids=["length", "chunked"]
)
async def test_progress_counts_every_byte_upwards(server, tmp_path, make_files):
    """Progress reports strictly increasing byte counts, one total throughout, ending at the body's size."""
    with contextlib.ExitStack() as stack:
        files = make_files(tmp_path, stack)

        reports = await upload_recording(server, upload, files)

    sent = [done for done, _ in reports]
    totals = {total for _, total in reports}
    [received] = server.requests
    assert len(reports) > len(files)
    assert sorted(set(sent)) == sent
    assert 1 == len(totals)
    assert received.body_size == sent[-1]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(upload, ("name", NAME), id="upload"),
        pytest.param(replace_files, ("id", str(FILE_ID)), id="replace_files"),
    ],
)
async def test_parts_arrive_as_the_api_documents(server, tmp_path, call, field):
    """One UTF-8 text field, then one "files" part per file: base name, text/csv, the bytes as given."""
    path = write(tmp_path / "exports" / "buyers.csv", TRICKY)
    files = [
        path,
        ('C:\\exports\\고객 "목록".csv', CSV),
        ("/home/me/naïve.csv", stream(TRICKY, CSV)),
    ]

    await upload_recording(server, call, files)

    [received] = server.requests
    assert (received.method, received.path) == (
        {"name": "POST", "id": "PUT"}[field[0]],
        "/openapi/v4/customerFiles",
    )
    name, value = field
    assert [part_of(name, None, "text/plain", "utf-8", value.encode())] + [
        part_of("files", filename, "text/csv", None, data)
        for filename, data in [
            ("buyers.csv", TRICKY),
            ("고객 %22목록%22.csv", CSV),
            ("naïve.csv", TRICKY + CSV),
        ]
    ] == received.parts


async def text_rows() -> AsyncIterator[Any]:
    """
    Yield rows as str, which an upload must refuse.
    """
    yield "8f0f7b6e-9a3c-4e2a-b1d4-0c9e8f7a6b5c\n"


async def nothing() -> AsyncIterator[bytes]:
    """
    Yield only empty chunks: an empty part.
    """
    for _ in range(3):
        yield b""


REFUSED_FILES = [
    pytest.param(
        lambda tmp, _: [(f"f{i}.csv", CSV) for i in range(11)],
        ["11 entries", "1 to 10", "files[10] ('f10.csv')"],
        id="eleven-files",
    ),
    pytest.param(
        lambda tmp, _: [
            sparse(tmp / "a.csv", 150 * MB),
            sparse(tmp / "b.csv", 60 * MB),
        ],
        ["files[1] ('b.csv')", f"{210 * MB:,} bytes", EXACT_LIMIT],
        id="over-200MB-paths",
    ),
    pytest.param(
        lambda tmp, _: [("a.csv", CSV), ("huge.csv", HugeFile(200 * MB))],
        ["files[1] ('huge.csv')", f"{200 * MB + len(CSV):,} bytes", EXACT_LIMIT],
        id="over-200MB-file-object",
    ),
    pytest.param(
        lambda tmp, _: [("a.csv", CSV), ("data.txt", CSV)],
        ["files[1] ('data.txt')", ".csv"],
        id="not-csv",
    ),
    pytest.param(
        lambda tmp, _: [write(tmp / "data.tsv", CSV)],
        ["files[0] ('data.tsv')", ".csv"],
        id="not-csv-path",
    ),
    pytest.param(
        lambda tmp, _: [("empty.csv", b"")],
        ["files[0] ('empty.csv')", "empty"],
        id="empty-bytes",
    ),
    pytest.param(
        lambda tmp, _: [write(tmp / "a.csv", CSV), write(tmp / "empty.csv", b"")],
        ["files[1] ('empty.csv')", "empty"],
        id="empty-path",
    ),
    pytest.param(
        lambda tmp, _: [write(tmp / "a.csv", CSV), ("empty.csv", nothing())],
        ["files[1] ('empty.csv')", "empty"],
        id="empty-async-iterable",
    ),
    pytest.param(
        lambda tmp, stack: [("empty.csv", stack.enter_context(one_way(b"")))],
        ["files[0] ('empty.csv'): the file is empty"],
        id="empty-one-way-file-object",
    ),
    pytest.param(
        lambda tmp, stack: [("a.csv", stack.enter_context(pipe_with(TRICKY)))],
        [
            "files[0] ('a.csv'): the file object reads a pipe (FIFO), not a regular file",
            ONLY_REGULAR,
        ],
        id="pipe",
    ),
    pytest.param(
        lambda tmp, _: [write(tmp / "a.csv", CSV), "/dev/zero"],
        [
            "files[1] ('/dev/zero'): is a character device, not a regular file",
            ONLY_REGULAR,
        ],
        id="dev-zero-path",
    ),
    pytest.param(
        lambda tmp, stack: [("zero.csv", opened_in(stack, "/dev/zero"))],
        [
            "files[0] ('zero.csv'): the file object reads a character device, not a regular file"
        ],
        id="dev-zero-file-object",
    ),
    pytest.param(
        lambda tmp, stack: [("status.csv", opened_in(stack, "/proc/self/status"))],
        [
            "files[0] ('status.csv'): the file object reads a file whose size (0 bytes) is not what it holds"
        ],
        id="proc-file-object",
    ),
    pytest.param(
        lambda tmp, _: [("a.csv", CSV), ("x\x1b]0;owned\x07.csv", CSV)],
        ["files[1] ('x\\x1b]0;owned\\x07.csv'): the file name holds '\\x1b'"],
        id="escape-sequence-in-name",
    ),
    pytest.param(
        lambda tmp, _: [("a\x00.csv", CSV)],
        ["files[0] ('a\\x00.csv'): the file name holds '\\x00'"],
        id="NUL-in-name",
    ),
    pytest.param(
        lambda tmp, _: [tmp / "missing.csv"],
        ["missing.csv", "no such file"],
        id="missing-path",
    ),
    pytest.param(
        lambda tmp, stack: [
            ("a.csv", stack.enter_context(write(tmp / "a.csv", CSV).open("r")))
        ],
        ["files[0] ('a.csv')", "text mode", "'rb'"],
        id="text-mode-file",
    ),
    pytest.param(
        lambda tmp, _: [("a.csv", closed(write(tmp / "a.csv", CSV)))],
        ["files[0] ('a.csv')", "closed"],
        id="closed-file",
    ),
    pytest.param(
        lambda tmp, _: [("a.csv", text_rows())],
        ["files[0] ('a.csv')", "gave str", "not bytes"],
        id="async-iterable-of-str",
    ),
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(("make_files", "fragments"), REFUSED_FILES)
async def test_refused_files_never_reach_the_server(
    server, tmp_path, call, make_files, fragments
):
    """Each broken file rule raises ValidationError naming the file and the limit, and nothing is sent."""
    with contextlib.ExitStack() as stack:
        files = make_files(tmp_path, stack)
        async with client_of(server) as client:
            with pytest.raises(ma.ValidationError) as info:
                await call(client.ad_account(1), files)

    message = str(info.value)
    assert [] == [fragment for fragment in fragments if fragment not in message]
    assert [] == server.requests


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        pytest.param(
            lambda a: a.customer_files.upload("x" * 51, [("a.csv", CSV)]),
            ["51 characters", "at most 50"],
            id="name-too-long",
        ),
        pytest.param(
            lambda a: a.customer_files.upload("고객 😀", [("a.csv", CSV)]),
            ["'😀'", "allowed are"],
            id="name-with-emoji",
        ),
        pytest.param(
            lambda a: a.customer_files.upload("  ", [("a.csv", CSV)]),
            ["empty or blank"],
            id="name-blank",
        ),
        pytest.param(
            lambda a: a.customer_files.replace_files(0, [("a.csv", CSV)]),
            ["file_id"],
            id="replace-files-id-zero",
        ),
    ],
)
async def test_refused_names_never_reach_the_server(server, call, fragments):
    """A bad name or id raises ValidationError saying what is allowed, and nothing is sent."""
    async with client_of(server) as client:
        with pytest.raises(ma.ValidationError) as info:
            await call(client.ad_account(1))

    message = str(info.value)
    assert [] == [fragment for fragment in fragments if fragment not in message]
    assert [] == server.requests


def test_the_size_of_a_file_object_is_checked_without_reading_it():
    """The 200 MB check of a seekable file object seeks to its end: no byte is read."""
    huge = HugeFile(300 * MB)

    with pytest.raises(ma.ValidationError):
        prepare_files([("huge.csv", io.BufferedReader(huge))])

    assert 0 == huge.reads


async def test_streaming_past_the_limit_never_completes_a_request(server):
    """An async iterable that streams past the limit is cut off: the server never gets a whole body."""
    block = b"0" * CHUNK_SIZE

    async def rows() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield block

    client = ma.MomentClient(
        "token", base_url=server.url, limiter=False, max_upload_bytes=MB
    )
    async with client:
        with pytest.raises(ma.ValidationError) as info:
            await client.ad_account(1).customer_files.upload("a", [("a.csv", rows())])

    assert "files[0] ('a.csv')" in str(info.value)
    assert [False] * len(server.requests) == [r.complete for r in server.requests]


def write_blocks(path: Path, size: int) -> str:
    """
    Write *size* bytes to *path* one MiB at a time, each block different; return their sha256.
    """
    base = os.urandom(MB)
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for i in range(size // MB):
            block = i.to_bytes(8, "big") + base[8:]
            digest.update(block)
            file.write(block)
    return digest.hexdigest()


async def blocks_of(path: Path) -> AsyncGenerator[bytes, None]:
    """
    Yield the bytes of *path* in 256 KiB chunks, as a caller's async generator would.
    """
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
            yield chunk


def write_streamed_files(tmp_path: Path) -> tuple[list[Path], list[str]]:
    """
    Write the STREAMED_FILES into *tmp_path*; return their paths and sha256 digests.
    """
    paths = [tmp_path / f"part{i}.csv" for i in range(len(STREAMED_FILES))]
    hashes = [
        write_blocks(path, size)
        for path, size in zip(paths, STREAMED_FILES, strict=True)
    ]
    return paths, hashes


def expected_parts(paths: list[Path], hashes: list[str]) -> list[tuple[object, ...]]:
    """
    Return the file parts the server should get for *paths*: name, filename, type, size, digest.
    """
    return [
        ("files", path.name, "text/csv", size, digest)
        for path, size, digest in zip(paths, STREAMED_FILES, hashes, strict=True)
    ]


def received_parts(received: Any) -> list[tuple[object, ...]]:
    """
    Return the file parts a recorded request carried, in the form of ``expected_parts``.
    """
    return [
        (p.name, p.filename, p.content_type, p.size, p.sha256)
        for p in received.parts[1:]
    ]


@contextlib.contextmanager
def traced() -> Iterator[Callable[[], int]]:
    """
    Trace allocations over the block; yield a function returning their peak in bytes.
    """
    was_tracing = tracemalloc.is_tracing()
    gc.collect()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()


@pytest.mark.parametrize(
    "chunked", [pytest.param(False, id="length"), pytest.param(True, id="chunked")]
)
async def test_upload_streams_in_bounded_memory(server, tmp_path, chunked):
    """96 MiB upload while at most 16 MiB are allocated, and the server gets byte-identical parts."""
    server.hashing = True
    paths, hashes = write_streamed_files(tmp_path)
    files: list[Any] = [paths[0], ("part1.csv", blocks_of(paths[1]))]
    if not chunked:
        files[1] = paths[1]

    async with client_of(server) as client:
        with traced() as peak:
            await client.ad_account(1).customer_files.upload(NAME, files)
            allocated = peak()

    [received] = server.requests
    assert sum(STREAMED_FILES) > MEMORY_BOUND
    assert allocated < MEMORY_BOUND
    assert ("chunked" == received.headers.get("transfer-encoding")) is chunked
    assert expected_parts(paths, hashes) == received_parts(received)


async def test_a_bytes_source_is_not_copied_whole(server):
    """A 48 MiB bytes source goes out in slices: nowhere near a second copy is allocated."""
    server.hashing = True
    data = os.urandom(48 * MB)

    async with client_of(server) as client:
        with traced() as peak:
            await client.ad_account(1).customer_files.upload(NAME, [("a.csv", data)])
            allocated = peak()

    [received] = server.requests
    assert allocated < MEMORY_BOUND
    assert hashlib.sha256(data).hexdigest() == received.parts[1].sha256


async def start_child(module: str, plan: dict[str, Any]) -> asyncio.subprocess.Process:
    """
    Start ``python -m module '<plan as JSON>'`` from the repository's root, its output piped.
    """
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        json.dumps(plan),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
@pytest.mark.parametrize(
    "chunked", [pytest.param(False, id="length"), pytest.param(True, id="chunked")]
)
async def test_upload_keeps_the_peak_rss_growth_bounded(server, tmp_path, chunked):
    """A fresh process uploading 96 MiB grows its peak RSS by under 32 MiB; the server hashes identical parts."""
    server.hashing = True
    paths, hashes = write_streamed_files(tmp_path)
    plan = {
        "base_url": server.url,
        "name": NAME,
        "paths": [str(path) for path in paths],
        "warm_up": str(write(tmp_path / "warm.csv", CSV)),
        "chunked": chunked,
    }

    # A child process: its baseline holds no test data and no server.
    child = await start_child("tests.resources._upload_rss_client", plan)
    out, err = await asyncio.wait_for(child.communicate(), 60)

    assert 0 == child.returncode, err.decode()
    result = json.loads(out)
    _, received = server.requests
    assert sum(STREAMED_FILES) >= 3 * RSS_BOUND
    assert result["growth"] < RSS_BOUND, result
    assert ("chunked" == received.headers.get("transfer-encoding")) is chunked
    assert expected_parts(paths, hashes) == received_parts(received)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            memoryview(array.array("I", range(3 * CHUNK_SIZE // 4 + 5))),
            id="memoryview-of-uint32",
        ),
        pytest.param(bytearray(TRICKY * 700), id="bytearray"),
    ],
)
async def test_buffers_arrive_whole_with_their_byte_length(server, source):
    """A bytearray or a memoryview of 4-byte items arrives byte-identical, under an exact Content-Length."""
    expected = memoryview(source).tobytes()

    await upload_recording(server, upload, [("a.csv", source), ("b.csv", CSV)])

    [received] = server.requests
    assert received.complete
    assert str(received.body_size) == received.headers.get("content-length")
    assert [expected, CSV] == [part.data for part in received.parts[1:]]


@pytest.mark.parametrize(
    "fails", [pytest.param(False, id="sent"), pytest.param(True, id="timed-out")]
)
async def test_a_bytearray_can_grow_again_once_its_upload_ends(server, fails):
    """After an upload of a bytearray returns, or fails with its traceback kept, the bytearray can grow."""
    source = bytearray(TRICKY * 20_000)  # 15 MiB: more than the socket takes at once
    size = len(source)
    kept: list[BaseException] = []  # the failure, traceback and all
    server.hashing = True  # reads the body in chunks: no 1 MiB cap

    async with client_of(server) as client:
        account = client.ad_account(1)
        if fails:
            server.hold = asyncio.Event()
            with pytest.raises(ma.AmbiguousWriteError) as failure:
                await upload(account, [("a.csv", source)], timeout=0.5)
            kept.append(failure.value)
        else:
            await upload(account, [("a.csv", source)])
        source.extend(b"x")  # BufferError while a view of it is alive

    assert size + 1 == len(source)
    assert [not fails] == [request.complete for request in server.requests]
    assert [fails] * len(kept) == [e.__traceback__ is not None for e in kept]


def open_fds() -> int:
    """
    Count this process's open file descriptors.
    """
    return len(os.listdir("/proc/self/fd"))


async def settled_fds(expected: int) -> int:
    """
    Wait at most a second for the fd count to come back to *expected*; return the last count.
    """
    count = open_fds()
    for _ in range(100):
        if count == expected:
            break
        await asyncio.sleep(0.01)
        count = open_fds()
    return count


@pytest.fixture
def file_handles(monkeypatch) -> list[IO[bytes]]:
    """
    Record every file an upload opens to send it, and every one opened in binary mode through ``Path.open``.
    """
    handles: list[IO[bytes]] = []
    real_open = Path.open
    real_open_binary = _multipart._open_binary

    def recording_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, mode, *args, **kwargs)
        if mode == "rb":
            handles.append(handle)
        return handle

    def recording_open_binary(part: Any) -> BinaryIO:
        handle = real_open_binary(part)
        handles.append(handle)
        return handle

    monkeypatch.setattr(Path, "open", recording_open)
    monkeypatch.setattr(_multipart, "_open_binary", recording_open_binary)
    return handles


@pytest.mark.parametrize(
    "source", [pytest.param("path", id="path"), pytest.param("iterable", id="iterable")]
)
async def test_cancelling_an_upload_closes_its_files_and_connection(
    server, tmp_path, file_handles, source
):
    """A task cancelled mid-upload leaves no open file, socket or generator, and the client works on."""
    path = tmp_path / "big.csv"
    write_blocks(path, 32 * MB)
    finished: list[str] = []

    async def rows() -> AsyncIterator[bytes]:
        try:
            async with contextlib.aclosing(blocks_of(path)) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            finished.append("rows")

    files = [path] if source == "path" else [("big.csv", rows())]
    sent: list[int] = [0]
    started = asyncio.Event()

    def progress(done: int, total: int | None) -> None:
        sent[0] = done
        if done > MB:
            started.set()

    async with client_of(server) as client:
        account = client.ad_account(1)
        await account.customer_files.upload(NAME, [("warm.csv", CSV)])
        baseline = open_fds()
        server.hold = asyncio.Event()
        task = asyncio.create_task(
            account.customer_files.upload(NAME, files, progress=progress)
        )
        await asyncio.wait_for(started.wait(), 5)
        # Wait until the socket is full: the body is then parked at a yield,
        # the case aiohttp leaves to the garbage collector.
        last = -1
        for _ in range(100):
            if sent[0] == last:
                break
            last = sent[0]
            await asyncio.sleep(0.02)

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        closed_at_once = [handle.closed for handle in file_handles]
        finished_at_once = list(finished)
        server.hold.set()
        server.hold = None
        again = await account.customer_files.upload(NAME, [("again.csv", CSV)])
        # One pooled connection again, as at the baseline: both of its ends
        # are sockets of this process, and the cancelled one's are closed.
        after = await settled_fds(baseline)

    gc.collect()
    assert last == sent[0]
    assert [True] * len(file_handles) == closed_at_once
    assert (["rows"] if source == "iterable" else []) == finished_at_once
    assert ANSWER["id"] == again.id
    assert baseline == after


async def test_a_bad_file_name_is_refused_before_the_rate_limit_wait(server):
    """A file name with a control character is refused at once, not after the 5 s slot wait, and nothing arrives."""
    async with ma.MomentClient("token", base_url=server.url) as client:
        account = client.ad_account(1)
        # Takes the customer file's slot: the next call would wait 5 s for one.
        await replace_files(account, [("a.csv", CSV)])
        started = asyncio.get_running_loop().time()

        with pytest.raises(ma.ValidationError) as info:
            await replace_files(account, [("report\x1b[2J.csv", CSV)])

        took = asyncio.get_running_loop().time() - started
    assert str(info.value).startswith(
        "files[0] ('report\\x1b[2J.csv'): the file name holds '\\x1b'"
    )
    assert took < 1
    assert 1 == len(server.requests)


#: The most a process may take to exit once its last call has ended.
EXIT_BOUND = 5.0


async def test_a_path_swapped_for_a_fifo_during_the_rate_limit_wait(server, tmp_path):
    """A path swapped for a FIFO while its upload waits for its slot is a ValidationError, and the process exits at once."""
    path = write(tmp_path / "a.csv", CSV)
    plan = {"base_url": server.url, "path": str(path), "file_id": FILE_ID, "bound": 10}

    child = await start_child("tests.resources._fifo_swap_client", plan)
    assert child.stdout is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(child.wait(), EXIT_BOUND)
        exited = child.returncode
    finally:
        if child.returncode is None:
            child.kill()
        _, err = await child.communicate()

    report = json.loads(line or b"{}")
    assert (0, "ValidationError") == (exited, report.get("error")), err
    assert report["message"].startswith(
        "files[0] ('a.csv'): is a pipe (FIFO), not a regular file"
    )
    assert 1 == len(server.requests)
