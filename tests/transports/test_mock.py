"""
MockTransport: answers from an async handler, with the body collected and the timeout enforced.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import moment_async as ma

ANSWER = ma.Response(status=200, headers={"x-request-id": "r-1"}, body=b'{"id": 7}')


class Recorder:
    """
    A handler that records every request it gets and answers ANSWER.
    """

    def __init__(self) -> None:
        self.requests: list[ma.Request] = []

    async def __call__(self, request: ma.Request) -> ma.Response:
        self.requests.append(request)
        return ANSWER


async def stream(*chunks: bytes) -> AsyncIterator[bytes]:
    """
    Yield *chunks* one by one, giving the loop a turn between them.
    """
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


def make_request(**kwargs) -> ma.Request:
    """
    Return a POST request to a customer file, with *kwargs* overriding its fields.
    """
    kwargs.setdefault("method", "POST")
    kwargs.setdefault("url", "https://apis.moment.kakao.com/openapi/v4/customerFiles")
    kwargs.setdefault("headers", {"adAccountId": "42"})
    return ma.Request(**kwargs)


async def test_send_collects_streamed_body_to_bytes():
    """The handler sees a streamed body as the bytes it streamed, every other field unchanged."""
    handler = Recorder()
    transport = ma.MockTransport(handler)
    timeout = ma.Timeout(total=5, connect=1, read=2)
    request = make_request(
        query={"page": "1"},
        body=stream(b"--b\r\n", "고객".encode(), b"", b"a,b\n"),
        timeout=timeout,
    )

    await transport.send(request)

    [seen] = handler.requests
    assert b"--b\r\n" + "고객".encode() + b"a,b\n" == seen.body
    assert "POST" == seen.method
    assert request.url == seen.url
    assert {"adAccountId": "42"} == seen.headers
    assert {"page": "1"} == seen.query
    assert timeout == seen.timeout


@pytest.mark.parametrize(
    "body",
    [pytest.param(b'{"name": "buyers"}', id="bytes"), pytest.param(None, id="none")],
)
async def test_send_passes_bytes_and_no_body_unchanged(body):
    """A bytes body or no body reaches the handler as the very same request."""
    handler = Recorder()
    transport = ma.MockTransport(handler)
    request = make_request(body=body)

    await transport.send(request)

    assert [request] == handler.requests
    assert body is handler.requests[0].body


async def test_send_returns_the_handler_response():
    """The answer is the handler's Response object itself."""
    transport = ma.MockTransport(Recorder())

    response = await transport.send(make_request())

    assert ANSWER is response


@pytest.mark.parametrize(
    "raised",
    [
        pytest.param(ValueError("bad handler"), id="ValueError"),
        pytest.param(ma.TransportError("reset"), id="TransportError"),
        pytest.param(ma.ConnectError("refused"), id="ConnectError"),
        pytest.param(ma.RequestTimeoutError("slow"), id="RequestTimeoutError"),
    ],
)
async def test_send_propagates_handler_exceptions(raised):
    """Whatever the handler raises reaches the caller unchanged."""

    async def handler(request: ma.Request) -> ma.Response:
        raise raised

    transport = ma.MockTransport(handler)

    with pytest.raises(type(raised)) as info:
        await transport.send(make_request())

    assert raised is info.value


async def test_send_past_total_timeout_raises_request_timeout_error():
    """A handler slower than the request's total timeout raises RequestTimeoutError."""
    never = asyncio.Event()

    async def handler(request: ma.Request) -> ma.Response:
        await never.wait()
        return ANSWER

    transport = ma.MockTransport(handler)
    request = make_request(timeout=ma.Timeout(total=0.05))

    with pytest.raises(ma.RequestTimeoutError) as info:
        await transport.send(request)

    assert isinstance(info.value, TimeoutError)
    assert "0.05 s" in str(info.value)


async def test_send_without_total_timeout_lets_handler_timeout_through():
    """With no total timeout, a TimeoutError from the handler still comes out as a TimeoutError."""

    async def handler(request: ma.Request) -> ma.Response:
        raise TimeoutError("the handler's own wait ran out")

    transport = ma.MockTransport(handler)
    request = make_request(timeout=ma.Timeout(total=None))

    with pytest.raises(TimeoutError):
        await transport.send(request)


async def test_send_after_aclose_raises_client_closed_error():
    """A closed mock transport refuses to send and never calls the handler."""
    handler = Recorder()
    transport = ma.MockTransport(handler)
    await transport.aclose()

    with pytest.raises(ma.ClientClosedError):
        await transport.send(make_request())

    assert [] == handler.requests


async def test_aclose_is_idempotent():
    """Closing twice is fine, and the transport stays closed."""
    transport = ma.MockTransport(Recorder())

    await transport.aclose()
    await transport.aclose()

    with pytest.raises(ma.ClientClosedError):
        await transport.send(make_request())


def test_mock_transport_is_a_transport():
    """MockTransport satisfies the Transport protocol."""
    transport = ma.MockTransport(Recorder())

    assert isinstance(transport, ma.Transport)


@pytest.mark.parametrize(
    "limit",
    [pytest.param(len(ANSWER.body), id="exactly"), pytest.param(None, id="no-bound")],
)
async def test_send_returns_an_answer_within_max_response_bytes(limit):
    """An answer of max_response_bytes or less, or with no bound, is returned as it is."""
    transport = ma.MockTransport(Recorder())

    response = await transport.send(make_request(max_response_bytes=limit))

    assert ANSWER is response


async def test_send_refuses_an_answer_past_max_response_bytes():
    """An answer one byte past max_response_bytes is refused as the aiohttp transport refuses it."""
    transport = ma.MockTransport(Recorder())
    limit = len(ANSWER.body) - 1
    request = make_request(max_response_bytes=limit)

    with pytest.raises(ma.ResponseTooLargeError) as info:
        await transport.send(request)

    assert (limit, True) == (info.value.limit, info.value.maybe_sent)
    assert (
        f"the answer to POST {request.url} is larger than max_response_bytes "
        f"({limit:,} bytes): it holds {len(ANSWER.body)} bytes; raise it on the "
        "client if the answer is genuine"
    ) == str(info.value)
