"""
Connect, read and total timeouts over real loopback: per client, per call, across retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import orjson
import pytest

import moment_async as ma

FILE = orjson.dumps({"id": 7, "name": "buyers", "customerFileStatus": "COMPLETE"})
ERROR = orjson.dumps({"code": -500, "msg": "unavailable"})
#: One try, so a timeout is the call's answer and not a reason to retry.
ONCE = ma.RetryPolicy(attempts=1)
#: Three tries, backing off for at most 2 ms.
FAST = ma.RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002)
#: The limit a test sets, and the loose bounds a noisy machine stays within.
SHORT = 0.2

#: What the server does with one request: reads its head, writes to the socket.
Behaviour = Callable[[asyncio.StreamWriter, asyncio.Event], Awaitable[None]]


def answer_head(status: int, length: int) -> bytes:
    """
    Return an HTTP/1.1 response head for a JSON body of *length* bytes; the connection closes after it.
    """
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def stalling_mid_body(seconds: float) -> Behaviour:
    """
    Answer 200 with half the body, stall *seconds* (or until the test ends), then send the rest.
    """

    async def behave(writer: asyncio.StreamWriter, ended: asyncio.Event) -> None:
        half = len(FILE) // 2
        writer.write(answer_head(200, len(FILE)) + FILE[:half])
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ended.wait(), seconds)
        writer.write(FILE[half:])
        await writer.drain()

    return behave


def slow_503(seconds: float) -> Behaviour:
    """
    Wait *seconds*, then answer 503 with Kakao's error envelope.
    """

    async def behave(writer: asyncio.StreamWriter, ended: asyncio.Event) -> None:
        await asyncio.sleep(seconds)
        writer.write(answer_head(503, len(ERROR)) + ERROR)
        await writer.drain()

    return behave


async def hanging(writer: asyncio.StreamWriter, ended: asyncio.Event) -> None:
    """
    Never answer, until the test ends.
    """
    await ended.wait()


class ScriptedServer:
    """
    A raw loopback HTTP server: request n gets behaviour n (the last one repeats).
    """

    def __init__(self, *script: Behaviour) -> None:
        self.script = list(script)
        self.requests = 0
        self.ended = asyncio.Event()
        self.base_url = ""

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            behaviour = self.script[min(self.requests, len(self.script) - 1)]
            self.requests += 1
            await behaviour(writer, self.ended)
        except ConnectionError:
            pass  # the client gave up first
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def scripted(*script: Behaviour) -> AsyncIterator[ScriptedServer]:
    """
    Serve *script* on 127.0.0.1 for the block; stalled answers end with it.
    """
    server = ScriptedServer(*script)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    server.base_url = f"http://127.0.0.1:{port}/openapi/v4"
    try:
        yield server
    finally:
        server.ended.set()
        listening.close()
        await listening.wait_closed()
        await asyncio.sleep(0.01)  # let the handlers close their sockets


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """
    Yield a loopback port whose accept queue is full: a connection to it hangs.

    The listener never accepts and its backlog is 0; Linux then drops
    further handshakes, so a client's connect waits for its own timeout.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        # Fill the queue until one more connection stays pending.
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            fillers.append(filler)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            _, writable, _ = select.select([], [filler], [], 0.2)
            if not writable:
                break
        else:  # pragma: no cover  # only if the kernel queues without limit
            pytest.skip("the kernel accepted every handshake: cannot make connect hang")
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def client_of(
    base_url: str, timeout: ma.Timeout, retry: ma.RetryPolicy
) -> ma.MomentClient:
    """
    Return a client of *base_url* on the aiohttp transport, without rate limits.
    """
    return ma.MomentClient(
        "secret-token", base_url=base_url, timeout=timeout, retry=retry, limiter=False
    )


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux's accept queue")
@pytest.mark.parametrize(
    ("client_timeout", "call_timeout"),
    [
        pytest.param(ma.Timeout(total=10, connect=SHORT), None, id="per-client"),
        pytest.param(
            ma.Timeout(total=30, connect=30),
            ma.Timeout(total=10, connect=SHORT),
            id="per-call",
        ),
    ],
)
async def test_connect_timeout_fires_when_connecting_hangs(
    client_timeout, call_timeout
):
    """A connection that never opens raises RequestTimeoutError at the connect limit; nothing was sent."""
    with unanswered_port() as port:
        base_url = f"http://127.0.0.1:{port}/openapi/v4"
        # A POST: only a certain "nothing was sent" may let it be retried.
        async with client_of(base_url, client_timeout, ONCE) as client:
            started = time.monotonic()
            with pytest.raises(ma.RequestTimeoutError) as info:
                await client.ad_account(1).customer_files.register_url(
                    "buyers", "https://example.com/buyers.csv", timeout=call_timeout
                )
            elapsed = time.monotonic() - started

    assert SHORT * 0.9 < elapsed < 1.5
    assert False is info.value.maybe_sent
    assert f"timed out connecting to http://127.0.0.1:{port}" == str(info.value)


async def test_per_call_read_timeout_replaces_the_clients_long_one():
    """A per-call read limit of 0.2 s ends a call whose answer stalls mid-body, though the client allows 30 s."""
    async with (
        scripted(stalling_mid_body(30)) as server,
        client_of(server.base_url, ma.Timeout(total=60, read=30), ONCE) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError) as info:
            await client.ad_account(1).customer_files.get(
                7, timeout=ma.Timeout(total=60, read=SHORT)
            )
        elapsed = time.monotonic() - started

    assert SHORT * 0.9 < elapsed < 1.5
    assert True is info.value.maybe_sent
    assert 1 == server.requests


async def test_per_call_read_timeout_outlasts_the_clients_short_one():
    """A per-call read limit longer than the client's lets an answer that stalls 0.5 s mid-body arrive."""
    async with (
        scripted(stalling_mid_body(0.5)) as server,
        client_of(server.base_url, ma.Timeout(total=60, read=SHORT), ONCE) as client,
    ):
        files = client.ad_account(1).customer_files
        with pytest.raises(ma.RequestTimeoutError):
            await files.get(7)  # the client's own limit is in force
        result = await files.get(7, timeout=ma.Timeout(total=60, read=5))

    assert 7 == result.id
    assert 2 == server.requests


async def test_one_deadline_covers_every_attempt():
    """A slow 503 and then a hanging retry end together at the 0.5 s total, not at 0.5 s per attempt."""
    async with (
        scripted(slow_503(0.3), hanging) as server,
        client_of(server.base_url, ma.Timeout(total=0.5, read=30), FAST) as client,
    ):
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError):
            await client.ad_account(1).customer_files.get(7)
        elapsed = time.monotonic() - started

    assert 0.45 < elapsed < 1.5
    assert 2 == server.requests
