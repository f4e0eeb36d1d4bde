"""
The aiohttp transport closed from an event loop other than the one it ran in.

A server in a thread of its own, with its own loop, outlives the client's
loops: each test runs the client in one ``asyncio.run`` and closes it in
another.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import threading
import warnings
from collections.abc import Coroutine, Iterator
from typing import Any, Final, TypeVar

import pytest

import moment_async as ma
from moment_async._transports.aiohttp import _Connector

from .test_hostile_servers import Exchange, HostileServer, hostile, transport_request

T = TypeVar("T")

#: Seconds the server waits for a client's connection to end.
WAIT: Final = 10.0


class ThreadedServer:
    """
    A hostile server on loopback, served by a loop in its own thread, that notes each connection's end.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._block = hostile(kept=self._keep_alive)
        #: The URL whose requests are answered and kept alive; set by start().
        self.url = ""

    async def _keep_alive(self, exchange: Exchange) -> None:
        # Answer, keep the connection open, and note when the client ends it.
        if await exchange.answer_head(200, {"Content-Length": "2"}, close=False):
            await exchange.write(b"[]")
            reading = asyncio.ensure_future(exchange.reader.read())
            stopping = asyncio.ensure_future(exchange.server.ended.wait())
            done, pending = await asyncio.wait(
                {reading, stopping}, timeout=60, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            if reading in done:
                self.ended.set()

    def start(self) -> None:
        """
        Start serving in the thread.
        """
        self._thread.start()
        server: HostileServer = self._run(self._block.__aenter__())
        self.url = server.url("kept")

    def stop(self) -> None:
        """
        Stop serving, end the loop and its thread.
        """
        self._run(self._block.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)


@pytest.fixture
def threaded() -> Iterator[ThreadedServer]:
    """
    A keep-alive server in a thread of its own.
    """
    server = ThreadedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _open_sockets() -> set[str]:
    # The sockets this process holds open, as /proc names them.
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the directory's own descriptor
            names.add(os.readlink(f"/proc/self/fd/{fd}"))
    return {name for name in names if name.startswith("socket:")}


def _client_sockets(transport: ma.AiohttpTransport) -> set[str]:
    # The sockets of the transport's connections, as /proc names them.
    session = transport._session
    assert session is not None
    connector = session.connector
    assert isinstance(connector, _Connector)
    return {
        os.readlink(f"/proc/self/fd/{socket.get_extra_info('socket').fileno()}")
        for socket in connector.sockets
    }


def test_aclose_after_the_first_loop_ended_ends_the_connections(threaded):
    """aclose() in a second asyncio.run, the first loop closed, ends the pooled connection instead of raising RuntimeError."""
    url = threaded.url
    transport = ma.AiohttpTransport()

    response = asyncio.run(transport.send(transport_request(url)))
    opened = _client_sockets(transport)
    asyncio.run(transport.aclose())

    assert b"[]" == response.body
    assert 1 == len(opened)
    # The server sees the connection end at once, not when the client exits.
    assert threaded.ended.wait(WAIT)
    assert "closed" in repr(transport)
    with pytest.raises(ma.ClientClosedError):
        asyncio.run(transport.send(transport_request(url)))
    # Its socket belonged to the closed loop: the garbage collector closes
    # it, with ResourceWarnings about it, and nothing else is left.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del transport
        gc.collect()
    assert set() == opened & _open_sockets()
    assert [ResourceWarning] * len(caught) == [w.category for w in caught]
    assert all(str(w.message).startswith("unclosed ") for w in caught), caught


def test_aclose_from_another_loop_while_the_first_is_open_is_an_event_loop_error(
    threaded,
):
    """Closing from a second loop while the first is still open says so and leaves the transport to its own loop."""
    url = threaded.url
    transport = ma.AiohttpTransport()
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(transport.send(transport_request(url)))

        with pytest.raises(ma.EventLoopError, match="close the transport in that loop"):
            asyncio.run(transport.aclose())

        assert "open" in repr(transport)
        first.run_until_complete(transport.aclose())
    finally:
        first.close()
    assert "closed" in repr(transport)
    assert threaded.ended.wait(WAIT)
