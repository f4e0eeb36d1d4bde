"""
A transport that answers from an async function in memory, for tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable

import attrs

from .._errors import ClientClosedError, RequestTimeoutError, TransportError
from .base import Request, Response, too_large

Handler = Callable[[Request], Awaitable[Response]]


class MockTransport:
    """
    Answer every request by awaiting *handler*; nothing touches the network.

    A streamed body is read to the end first, so the handler always sees
    ``request.body`` as bytes (or ``None``). The request's total timeout is
    enforced like a real transport would::

        async def handler(request: Request) -> Response:
            assert request.url.endswith("/customerFiles/7")
            return json_response({"id": 7, "name": "buyers"})

        client = MomentClient("token", transport=MockTransport(handler))

    The handler may raise ``moment_async.TransportError`` subclasses to
    play network faults. An answer whose body is longer than the request's
    ``max_response_bytes`` is refused with ``ResponseTooLargeError``, as the
    aiohttp transport refuses it.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._closed = False

    def __repr__(self) -> str:
        return f"<MockTransport handler={getattr(self._handler, '__name__', '?')}>"

    async def send(self, request: Request) -> Response:
        """
        Hand *request*, body collected, to the handler and return its answer.

        Raises:
            ResponseTooLargeError: the answer's body is longer than
                ``request.max_response_bytes``.
        """
        if self._closed:
            msg = "the mock transport was closed"
            raise ClientClosedError(msg)
        scope = asyncio.timeout(request.timeout.total)
        try:
            async with scope:
                body = request.body
                if body is not None and not isinstance(body, bytes):
                    body = await _collect(body)
                    request = attrs.evolve(request, body=body)
                response = await self._handler(request)
        except TimeoutError as exc:
            if isinstance(exc, TransportError):
                raise
            if scope.expired():
                msg = f"the handler took longer than {request.timeout.total:g} s"
            else:
                msg = f"the handler raised TimeoutError: {exc}"
            raise RequestTimeoutError(msg) from exc
        limit = request.max_response_bytes
        if limit is not None and len(response.body) > limit:
            raise too_large(request, limit, f"it holds {len(response.body):,} bytes")
        return response

    async def aclose(self) -> None:
        """
        Mark the transport closed; later sends raise ``ClientClosedError``.
        """
        self._closed = True


async def _collect(stream: AsyncIterable[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])
