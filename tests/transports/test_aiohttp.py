"""
AiohttpTransport against a real loopback server; aioresponses only for faults loopback cannot play.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import warnings
from collections.abc import AsyncIterator

import aiohttp
import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from yarl import URL

import moment_async as ma
from moment_async._constants import DEFAULT_MAX_CONNECTIONS

#: Bodies larger than one socket write, so streaming really happens in pieces.
STREAMED = [bytes(range(256)) * 1024, b"\r\n--not-a-boundary\r\n", b"x" * 300_000]
STREAMED_BYTES = b"".join(STREAMED)
#: Long enough for a read timeout of 0.2 s to expire, short enough to keep teardown quick.
SLOW_SECONDS = 0.5
#: The host aioresponses intercepts; nothing listens there.
MOCKED_URL = "http://127.0.0.1:9/customerFiles"


@attrs.frozen
class Seen:
    """
    What the loopback server received for one request.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


SEEN = web.AppKey("seen", list[Seen])


async def _echo(request: web.Request) -> web.Response:
    request.app[SEEN].append(
        Seen(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.read(),
        )
    )
    return web.Response(
        status=201,
        body=b'{"id": 7}',
        headers={"Content-Type": "application/json", "X-Request-Id": "r-1"},
    )


async def _status(request: web.Request) -> web.Response:
    status = int(request.match_info["code"])
    return web.Response(status=status, body=None if status == 204 else b"answer")


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(SLOW_SECONDS)
    return web.Response(body=b"late")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    """
    Give a loopback aiohttp server that records what it receives.
    """
    app = web.Application()
    app[SEEN] = []
    app.router.add_route("*", "/echo/{tail:.*}", _echo)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/slow", _slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def seen(server: TestServer) -> list[Seen]:
    """
    Return the requests the loopback *server* has received so far.
    """
    return server.app[SEEN]


def request_to(server: TestServer, path: str, **kwargs) -> ma.Request:
    """
    Return a Request for *path* on the loopback *server*.
    """
    kwargs.setdefault("method", "GET")
    kwargs.setdefault("headers", {})
    return ma.Request(url=str(server.make_url(path)), **kwargs)


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    """
    Yield *chunks* one by one, giving the loop a turn between them.
    """
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


@contextlib.asynccontextmanager
async def raw_server(answer: bytes) -> AsyncIterator[str]:
    """
    Serve *answer* verbatim to one request on loopback, then hang up; yield its URL.
    """

    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/customerFiles/7"
    finally:
        server.close()
        await server.wait_closed()


def closed_port() -> int:
    """
    Return a loopback port that was just bound and released, so nothing listens on it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("method", "body"),
    [
        pytest.param("GET", None, id="GET"),
        pytest.param("POST", b'{"name": "buyers"}', id="POST"),
        pytest.param("PUT", '{"name": "구매자"}'.encode(), id="PUT"),
        pytest.param("PATCH", b'{"renewable": true}', id="PATCH"),
        pytest.param("DELETE", None, id="DELETE"),
    ],
)
async def test_send_delivers_method_path_query_headers_and_body(
    server, transport, method, body
):
    """The server receives the method, path, query, headers and bytes body as given."""
    request = request_to(
        server,
        "/echo/customerFiles/7",
        method=method,
        query={"page": "2", "name": "고객 파일&x=1"},
        headers={
            "Authorization": "Bearer secret",
            "adAccountId": "42",
            "Content-Type": "application/json",
        },
        body=body,
    )

    await transport.send(request)

    [got] = seen(server)
    assert method == got.method
    assert "/echo/customerFiles/7" == got.path
    assert {"page": "2", "name": "고객 파일&x=1"} == got.query
    assert "Bearer secret" == got.headers["authorization"]
    assert "42" == got.headers["adaccountid"]
    assert "application/json" == got.headers["content-type"]
    assert (body or b"") == got.body


async def test_send_keeps_the_user_agent_the_request_carries(server, transport):
    """The User-Agent the server sees is the one the request carries, not aiohttp's."""
    request = request_to(server, "/echo/", headers={"User-Agent": "moment-async/1.0"})

    await transport.send(request)

    assert "moment-async/1.0" == seen(server)[0].headers.get("user-agent")


async def test_send_streams_body_with_content_length_unchunked(server, transport):
    """A streamed body with Content-Length arrives byte-identical, with that length, not chunked."""
    request = request_to(
        server,
        "/echo/upload",
        method="POST",
        headers={"Content-Length": str(len(STREAMED_BYTES))},
        body=stream(*STREAMED),
    )

    await transport.send(request)

    [got] = seen(server)
    assert STREAMED_BYTES == got.body
    assert str(len(STREAMED_BYTES)) == got.headers.get("content-length")
    assert None is got.headers.get("transfer-encoding")


async def test_send_streams_body_without_length_chunked(server, transport):
    """A streamed body without Content-Length goes out chunked and arrives byte-identical."""
    request = request_to(server, "/echo/upload", method="POST", body=stream(*STREAMED))

    await transport.send(request)

    [got] = seen(server)
    assert STREAMED_BYTES == got.body
    assert "chunked" == got.headers.get("transfer-encoding")
    assert None is got.headers.get("content-length")


async def test_send_returns_status_headers_and_body(server, transport):
    """The response carries the status, the headers (any case) and the whole body."""
    request = request_to(server, "/echo/")

    response = await transport.send(request)

    assert 201 == response.status
    assert b'{"id": 7}' == response.body
    assert "r-1" == response.headers.get("x-request-id")
    assert "r-1" == response.headers.get("X-Request-ID")
    assert "application/json" == response.headers.get("content-type")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(200, b"answer", id="200"),
        pytest.param(204, b"", id="204"),
        pytest.param(400, b"answer", id="400"),
        pytest.param(429, b"answer", id="429"),
        pytest.param(503, b"answer", id="503"),
    ],
)
async def test_send_returns_error_statuses_without_raising(
    server, transport, status, body
):
    """An error status is an answer like any other: the transport leaves it to the session."""
    request = request_to(server, f"/status/{status}")

    response = await transport.send(request)

    assert status == response.status
    assert body == response.body


async def test_send_to_closed_port_raises_connect_error(transport):
    """A refused connection raises ConnectError, which says nothing was sent."""
    port = closed_port()
    request = ma.Request(
        method="POST", url=f"http://127.0.0.1:{port}/customerFiles", headers={}
    )

    with pytest.raises(ma.ConnectError) as info:
        await transport.send(request)

    assert False is info.value.maybe_sent
    assert f"127.0.0.1:{port}" in str(info.value)
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param(ma.Timeout(total=5, connect=5, read=0.2), id="read"),
        pytest.param(ma.Timeout(total=0.2, connect=5, read=5), id="total"),
    ],
)
async def test_send_past_timeout_raises_request_timeout_error(
    server, transport, limits
):
    """A server slower than the timeout raises RequestTimeoutError, also a builtin TimeoutError."""
    request = request_to(server, "/slow", timeout=limits)

    with pytest.raises(ma.RequestTimeoutError) as info:
        await transport.send(request)

    assert isinstance(info.value, TimeoutError)
    assert True is info.value.maybe_sent
    assert "GET /slow" in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", id="short-body"
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\npart",
            id="short-chunk",
        ),
        pytest.param(b"", id="no-answer"),
        pytest.param(b"SMTP ready\r\n\r\n", id="not-http"),
    ],
)
async def test_send_on_broken_answer_raises_transport_error(transport, answer):
    """A server that hangs up mid-answer, or answers garbage, raises TransportError."""
    async with raw_server(answer) as url:
        request = ma.Request(method="GET", url=url, headers={})

        with pytest.raises(ma.TransportError) as info:
            await transport.send(request)

    assert ma.TransportError is type(info.value)
    assert True is info.value.maybe_sent
    assert "GET /customerFiles/7 failed" in str(info.value)


@pytest.mark.parametrize(
    ("fault", "expected", "maybe_sent"),
    [
        pytest.param(
            aiohttp.ClientPayloadError("cut short"),
            ma.TransportError,
            True,
            id="payload",
        ),
        pytest.param(
            aiohttp.ServerDisconnectedError(),
            ma.TransportError,
            True,
            id="disconnected",
        ),
        pytest.param(
            aiohttp.ClientOSError(104, "Connection reset by peer"),
            ma.TransportError,
            True,
            id="reset",
        ),
        pytest.param(
            aiohttp.ServerTimeoutError("read"),
            ma.RequestTimeoutError,
            True,
            id="read-timeout",
        ),
        pytest.param(
            aiohttp.ConnectionTimeoutError("connect"),
            ma.RequestTimeoutError,
            False,
            id="connect-timeout",
        ),
        pytest.param(TimeoutError(), ma.RequestTimeoutError, True, id="total-timeout"),
    ],
)
async def test_send_translates_client_faults(transport, fault, expected, maybe_sent):
    """Each aiohttp fault becomes the matching TransportError, chained to the original."""
    request = ma.Request(method="GET", url=MOCKED_URL, headers={})

    with aioresponses() as mocked:
        mocked.get(MOCKED_URL, exception=fault)
        with pytest.raises(ma.TransportError) as info:
            await transport.send(request)

    assert expected is type(info.value)
    assert maybe_sent is info.value.maybe_sent
    assert fault is info.value.__cause__


async def test_send_lets_a_refusal_from_the_body_through(server, transport):
    """A ValidationError raised by a streamed body reaches the caller as itself."""
    refusal = ma.ValidationError("'big.csv': the upload passed 200 MB while streaming")

    async def refusing() -> AsyncIterator[bytes]:
        yield b"a,b\n"
        await asyncio.sleep(0)
        raise refusal

    request = request_to(server, "/echo/upload", method="POST", body=refusing())

    with pytest.raises(ma.ValidationError) as info:
        await transport.send(request)

    assert refusal is info.value


async def test_session_is_opened_on_first_send(server, transport):
    """No aiohttp session exists until the first request, and one exists after it."""
    before = transport._session

    await transport.send(request_to(server, "/echo/"))

    assert None is before
    assert isinstance(transport._session, aiohttp.ClientSession)


def test_transport_constructed_outside_a_loop_warns_nothing():
    """Building the transport with no running loop opens nothing and warns nothing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        transport = ma.AiohttpTransport()

    assert [] == caught
    assert None is transport._session
    assert isinstance(transport, ma.Transport)


@pytest.mark.parametrize(
    ("kwargs", "limit", "limit_per_host"),
    [
        pytest.param({}, DEFAULT_MAX_CONNECTIONS, 0, id="default"),
        pytest.param({"max_connections": 7}, 7, 0, id="max_connections"),
        pytest.param(
            {"max_connections_per_host": 3}, DEFAULT_MAX_CONNECTIONS, 3, id="per_host"
        ),
    ],
)
async def test_connector_limits(server, kwargs, limit, limit_per_host):
    """The pool allows 512 connections unless told otherwise (aiohttp's own default is 100)."""
    transport = ma.AiohttpTransport(**kwargs)

    try:
        await transport.send(request_to(server, "/echo/"))
        session = transport._session
        assert session is not None
        connector = session.connector
    finally:
        await transport.aclose()

    assert 512 == DEFAULT_MAX_CONNECTIONS
    assert connector is not None
    assert limit == connector.limit
    assert limit_per_host == connector.limit_per_host


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        pytest.param({"max_connections": True}, "max_connections must be a whole number of at least 0, got True", id="bool-connections"),
        pytest.param({"max_connections": 1.5}, "max_connections must be a whole number of at least 0, got 1.5", id="fractional-connections"),
        pytest.param({"max_connections_per_host": -1}, "max_connections_per_host must be a whole number of at least 0, got -1", id="negative-per-host"),
        pytest.param({"keepalive_timeout": "30"}, "keepalive_timeout must be a finite number of seconds, at least 0, got '30'", id="text-keepalive"),
        pytest.param({"keepalive_timeout": math.nan}, "keepalive_timeout must be a finite number of seconds, at least 0, got nan", id="nan-keepalive"),
        pytest.param({"dns_cache_seconds": True}, "dns_cache_seconds must be a whole number of at least 0, got True", id="bool-dns-cache"),
    ],
)  # fmt: skip
def test_pool_settings_are_checked_when_the_transport_is_made(kwargs, says):
    """A bool, a fraction, a string or NaN for a pool setting is a ValidationError at construction, not a pool of one."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.AiohttpTransport(**kwargs)

    assert says == str(caught.value)


async def test_aclose_is_idempotent(server):
    """Closing twice is fine, and closes the aiohttp session."""
    transport = ma.AiohttpTransport()
    await transport.send(request_to(server, "/echo/"))
    session = transport._session

    await transport.aclose()
    await transport.aclose()

    assert session is not None
    assert session.closed
    assert None is transport._session
    assert "closed" in repr(transport)


@pytest.mark.parametrize(
    "used", [pytest.param(True, id="after-use"), pytest.param(False, id="never-used")]
)
async def test_send_after_aclose_raises_client_closed_error(server, used):
    """A closed transport refuses to send, whether or not it had opened a session."""
    transport = ma.AiohttpTransport()
    if used:
        await transport.send(request_to(server, "/echo/"))
    await transport.aclose()

    with pytest.raises(ma.ClientClosedError):
        await transport.send(request_to(server, "/echo/"))

    assert None is transport._session
    assert int(used) == len(seen(server))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/openapi/v4/customerFiles/12",
        "https://apis.moment.kakao.com/openapi/v4/customerFiles/12/adGroups",
        "HTTP://Example.COM:80/a/./b/../c",
        "http://[::1]:8080/a//b",
        "http://h/a b/ü",
        "http://h/p%2F/x",
        "http://user:pw@h/x",
        "http://h/path?x=1#frag",
        "http://h",
        "http://h:8080/base?q=1",
    ],
)
def test_url_fast_path_reads_urls_as_yarl_does(url):
    transport = ma.AiohttpTransport()
    # Twice: the second read goes through the remembered origin.
    for _ in range(2):
        built = transport._url(url)
        assert built == URL(url)
        assert str(built) == str(URL(url))


def test_url_fast_path_is_taken_for_the_calls_urls():
    transport = ma.AiohttpTransport()
    transport._url("http://127.0.0.1:8080/openapi/v4/customerFiles/12")
    assert list(transport._origins) == ["http://127.0.0.1:8080"]


@contextlib.asynccontextmanager
async def stalling_server() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """
    Serve a route that reads 64 KiB of a body and then waits; yield its URL and the release.
    """
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        await request.content.read(64 * 1024)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), 10)
        return web.Response(status=503)

    app = web.Application()
    app.router.add_post("/stall", stall)
    async with TestServer(app, host="127.0.0.1") as server:
        try:
            yield str(server.make_url("/stall")), release
        finally:
            release.set()


async def test_cancelled_send_closes_a_body_parked_at_a_yield(transport):
    """A send cancelled while the socket is full closes its body generator before the cancel returns."""
    yielded: list[int] = [0]
    closed: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        block = b"x" * (256 * 1024)
        try:
            for _ in range(256):
                yield block
                yielded[0] += 1
        finally:
            closed.append("body")

    async with stalling_server() as (url, _):
        task = asyncio.create_task(
            transport.send(ma.Request(method="POST", url=url, headers={}, body=body()))
        )
        # The server stops reading: once the count stops moving, aiohttp's
        # writer waits for the socket and the body waits at a yield.
        last = -1
        for _ in range(200):
            await asyncio.sleep(0.02)
            if yielded[0] > 4 and yielded[0] == last:
                break
            last = yielded[0]

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        closed_at_once = list(closed)

    assert last == yielded[0]
    assert ["body"] == closed_at_once


async def test_cancelled_send_closes_a_body_inside_an_await(server, transport):
    """A send cancelled while its body awaits something closes the body through aiohttp's cancelled writer."""
    inside = asyncio.Event()
    closed: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"a,b\n"
            inside.set()
            await asyncio.sleep(10)
            yield b"never\n"
        finally:
            closed.append("body")

    task = asyncio.create_task(
        transport.send(request_to(server, "/echo/upload", method="POST", body=body()))
    )
    await asyncio.wait_for(inside.wait(), 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if closed:
            break
        await asyncio.sleep(0.01)

    assert ["body"] == closed


class Chunks:
    """
    An async iterable written as a class: its iterator has no ``aclose``.
    """

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> bytes:
        if not self._chunks:
            raise StopAsyncIteration
        return self._chunks.pop(0)


async def test_send_streams_a_body_iterator_without_aclose(server, transport):
    """A body whose iterator is a plain class, with nothing to close, is sent as it is."""
    request = request_to(server, "/echo/upload", method="POST", body=Chunks(*STREAMED))

    await transport.send(request)

    assert STREAMED_BYTES == seen(server)[0].body
