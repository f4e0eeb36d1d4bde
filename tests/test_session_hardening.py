"""
The session against careless callers and hostile answers: tokens, loops, closing, error texts.
"""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final

import orjson
import pytest

import moment_async as ma
from moment_async._errors import MAX_ERROR_TEXT
from moment_async.sandbox import Sandbox
from moment_async.testing import Request, Response, json_response

TOKEN: Final = Sandbox.DEFAULT_TOKEN
ACCOUNT: Final = Sandbox.DEFAULT_ACCOUNT
FILE: Final = {"id": 7, "name": "buyers", "customerFileStatus": "COMPLETE"}


def mock_client(
    handler: Callable[[Request], Awaitable[Response]], **options: Any
) -> ma.MomentClient:
    """
    Return a client with the sandbox's token on a MockTransport answering with *handler*.
    """
    return ma.MomentClient(TOKEN, transport=ma.MockTransport(handler), **options)


# -- item 8: a malformed token is refused, typed, without echoing it ----------


SECRET: Final = "tok-SECRET-4242"


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (SECRET + "\n", "line feed"),
        (SECRET + "\r\n", "line feed"),
        (SECRET + "\r", "carriage return"),
        (" " + SECRET, "starts with whitespace"),
        (SECRET + " ", "ends with whitespace"),
        (SECRET[:4] + "\x00" + SECRET[4:], "NUL"),
        (SECRET[:4] + "\x7f" + SECRET[4:], "DEL"),
        (SECRET[:4] + "\x1b" + SECRET[4:], "escape"),
        (SECRET[:4] + "\x85" + SECRET[4:], "U+0085"),
        (SECRET[:4] + "\n" + SECRET[4:], "line feed"),
        (SECRET[:4] + " " + SECRET[4:], "space"),
        (SECRET[:4] + "é" + SECRET[4:], "a non-ASCII character at position 4"),
        ("", "non-empty"),
    ],
)
def test_malformed_token_is_refused_at_construction(token, says):
    """MomentClient refuses a token a header cannot carry, names the problem, never echoes the token."""
    with pytest.raises(ma.ValidationError) as info:
        ma.MomentClient(token)

    message = str(info.value)
    assert says in message
    assert SECRET not in message
    assert SECRET not in repr(info.value.args)


def test_trailing_newline_says_how_to_fix_it():
    """The common case, a token read from a file, gets the fix in the message."""
    with pytest.raises(ma.ValidationError, match=r"read_text\(\)\.strip\(\)"):
        ma.MomentClient(SECRET + "\n")


async def test_malformed_token_from_a_provider_is_refused_before_sending():
    """A provider's token with a newline raises ValidationError and nothing is sent."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return json_response(FILE)

    async def provider() -> str:
        return SECRET + "\n"

    async with ma.MomentClient(
        provider, transport=ma.MockTransport(handler), limiter=False
    ) as client:
        with pytest.raises(ma.ValidationError) as info:
            await client.ad_account(1).customer_files.get(7)

    assert "the token provider's answer ends with whitespace" in str(info.value)
    assert SECRET not in str(info.value)
    assert [] == sent


# -- item 9: a client used from a second event loop ---------------------------


@pytest.fixture
def sandbox_in_thread() -> Iterator[Sandbox]:
    """
    A sandbox served from its own thread and loop, so tests may run several loops.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sandbox = Sandbox()
    asyncio.run_coroutine_threadsafe(sandbox.start(), loop).result(10)
    try:
        yield sandbox
    finally:
        asyncio.run_coroutine_threadsafe(sandbox.aclose(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_client_used_from_a_second_loop_raises_a_typed_error(sandbox_in_thread):
    """A client's second event loop gets EventLoopError at once, not aiohttp's RuntimeError."""
    client = ma.MomentClient(TOKEN, base_url=sandbox_in_thread.url)
    files = client.ad_account(ACCOUNT).customer_files
    first = asyncio.new_event_loop()
    try:
        assert [] == first.run_until_complete(files.list())
        started = time.monotonic()
        with pytest.raises(ma.EventLoopError, match="one MomentClient per event loop"):
            asyncio.run(files.list())
        assert time.monotonic() - started < 2
        # Closing from the wrong loop says so and leaves the client open, so
        # that its own loop can still close it.
        with pytest.raises(ma.EventLoopError, match="still open"):
            asyncio.run(client.aclose())
        assert [] == first.run_until_complete(files.list())
        first.run_until_complete(client.aclose())
    finally:
        first.close()
    with pytest.raises(ma.ClientClosedError):
        asyncio.run(files.list())
    assert 2 == sandbox_in_thread.count("customer_files.list")


def test_event_loop_error_is_a_runtime_error():
    """Code that caught aiohttp's RuntimeError before still catches ours."""
    assert issubclass(ma.EventLoopError, RuntimeError)
    assert issubclass(ma.EventLoopError, ma.MomentError)


# -- item 5: closing wakes every waiter ---------------------------------------


async def test_close_ends_every_call_queued_on_a_rate_limit_slot_at_once(
    moment_sandbox,
):
    """Calls queued behind the 5 s per-file limit end with ClientClosedError as aclose() runs."""
    file = moment_sandbox.seed_customer_file(ACCOUNT, "buyers")
    client = ma.MomentClient(TOKEN, base_url=moment_sandbox.url)
    files = client.ad_account(ACCOUNT).customer_files
    await files.get(file.id)
    queued = [asyncio.create_task(files.get(file.id)) for _ in range(3)]
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await client.aclose()
    results = await asyncio.wait_for(
        asyncio.gather(*queued, return_exceptions=True), timeout=10
    )
    ended = time.monotonic() - started

    assert all(isinstance(r, ma.ClientClosedError) for r in results), results
    assert all("waited for its rate limit; nothing was sent" in str(r) for r in results)
    # Before, they ended one slot (5 s) apart: 5 s, 10 s, 15 s.
    assert ended < 1.0
    assert 1 == moment_sandbox.count("customer_files.get")


async def test_close_ends_a_retry_backoff_at_once():
    """A call sleeping before its retry (a long Retry-After) ends when the client closes."""

    async def handler(request: Request) -> Response:
        return Response(
            status=503, headers={"retry-after": "30"}, body=b'{"code":-9798,"msg":"m"}'
        )

    client = mock_client(
        handler,
        limiter=False,
        retry=ma.RetryPolicy(attempts=3),
    )
    call = asyncio.create_task(client.ad_account(1).customer_files.list())
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await client.aclose()
    with pytest.raises(ma.ClientClosedError, match="waited to try again"):
        await asyncio.wait_for(call, timeout=5)
    assert time.monotonic() - started < 1.0


async def test_close_ends_a_wait_until_ready_between_polls():
    """wait_until_ready sleeping between polls ends with ClientClosedError on close."""
    async with Sandbox(processing_delay=600) as sandbox:
        file = sandbox.seed_customer_file(ACCOUNT, "buyers", ready=False)
        client = ma.MomentClient(TOKEN, base_url=sandbox.url)
        files = client.ad_account(ACCOUNT).customer_files
        waiting = asyncio.create_task(files.wait_until_ready(file.id, poll_interval=30))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await client.aclose()
        with pytest.raises(ma.ClientClosedError, match="between polls"):
            await asyncio.wait_for(waiting, timeout=5)
        assert time.monotonic() - started < 1.0
        assert 1 == sandbox.count("customer_files.get")


async def test_a_callers_own_cancel_is_never_turned_into_client_closed():
    """Cancelling a waiting call yourself still raises CancelledError, closing or not."""

    async def handler(request: Request) -> Response:
        return json_response(FILE)

    client = mock_client(handler)
    files = client.ad_account(1).customer_files
    await files.get(7)
    waiting = asyncio.create_task(files.get(7))
    await asyncio.sleep(0.05)
    waiting.cancel()
    await client.aclose()
    with pytest.raises(asyncio.CancelledError):
        await waiting


# -- item 7: bounded error texts ----------------------------------------------


async def test_a_ten_megabyte_error_message_is_kept_as_a_bounded_excerpt():
    """An error whose message is 10 MB keeps a few KiB of it, with the total length noted."""
    message = "x" * 10_000_000
    body = orjson.dumps(
        {
            "code": -813,
            "msg": message,
            "extras": {"detailCode": 31001, "detailMsg": "y" * 10_000_000},
        }
    )

    async def handler(request: Request) -> Response:
        return Response(status=400, body=body)

    async with mock_client(
        handler,
        limiter=False,
        max_response_bytes=32 * 1024 * 1024,
    ) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(1).customer_files.list()

    error = info.value
    assert len(error.message) < MAX_ERROR_TEXT + 100
    assert "(10,000,000 characters in all)" in error.message
    assert error.detail_message is not None
    assert len(error.detail_message) < MAX_ERROR_TEXT + 100
    assert len(str(error)) < MAX_ERROR_TEXT + 200
    assert isinstance(error.body, str)
    assert len(error.body) < MAX_ERROR_TEXT + 100
    assert len(pickle.dumps(error)) < 4 * MAX_ERROR_TEXT
    assert len(repr(error)) < 4 * MAX_ERROR_TEXT


async def test_a_small_error_body_is_kept_whole_and_decoded():
    """An ordinary error body stays on the error as the decoded JSON."""
    body = {
        "code": -813,
        "msg": "bad",
        "extras": {"detailCode": 31001, "detailMsg": "d"},
    }

    async def handler(request: Request) -> Response:
        return json_response(body, status=400)

    async with mock_client(handler, limiter=False) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(1).customer_files.list()

    assert body == info.value.body


# -- the session's own bound on what a transport returns ----------------------


async def test_an_answer_past_max_response_bytes_from_any_transport_is_refused():
    """A transport of the user's that returns a body past the bound gets ResponseTooLargeError."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return Response(status=200, body=b"[" + b"1," * 600 + b"1]")

    async with mock_client(
        handler,
        limiter=False,
        max_response_bytes=1000,
    ) as client:
        with pytest.raises(ma.ResponseTooLargeError) as info:
            await client.ad_account(1).customer_files.list()

    assert 1000 == info.value.limit
    assert "max_response_bytes (1,000 bytes)" in str(info.value)
    # A GET is not sent again: the same answer would come back.
    assert 1 == len(sent)
    assert 1000 == sent[0].max_response_bytes


@pytest.mark.parametrize("bound", [0, -1, 1.5, "4MiB", True])
def test_a_bad_max_response_bytes_is_refused(bound):
    """max_response_bytes is a positive integer."""
    with pytest.raises(ma.ValidationError, match="max_response_bytes"):
        ma.MomentClient(TOKEN, max_response_bytes=bound)


async def test_requests_ask_for_no_compression():
    """Every request says Accept-Encoding: identity: answers are small, bombs are not invited."""
    seen: list[Request] = []

    async def handler(request: Request) -> Response:
        seen.append(request)
        return json_response([])

    async with mock_client(handler, limiter=False) as client:
        await client.ad_account(1).customer_files.list()

    assert "identity" == seen[0].headers["Accept-Encoding"]


async def test_a_wait_timeout_keeps_a_bounded_excerpt_of_an_unknown_status():
    """A status of a megabyte that the SDK does not know is cut in WaitTimeoutError's message."""
    status = "PENDING" * 150_000

    async def handler(request: Request) -> Response:
        return json_response({**FILE, "customerFileStatus": status})

    async with mock_client(handler, limiter=False) as client:
        with pytest.raises(ma.WaitTimeoutError) as info:
            await client.ad_account(1).customer_files.wait_until_ready(
                7, max_wait=0.3, poll_interval=0.1
            )

    assert len(str(info.value)) < MAX_ERROR_TEXT + 200
    assert "(1,050,000 characters in all)" in str(info.value)


async def test_a_429_whose_pause_passes_the_deadline_ends_with_the_servers_answer():
    """A 429 asking for more than the time left raises RateLimitError at once, not a timeout later."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return Response(
            status=429,
            headers={"retry-after": "120"},
            body=b'{"code":-999,"msg":"too many"}',
        )

    async with mock_client(handler, timeout=2) as client:
        started = time.monotonic()
        with pytest.raises(ma.RateLimitError) as info:
            await client.ad_account(1).customer_files.get(7)

    assert time.monotonic() - started < 1.0
    assert 120 == info.value.retry_after
    assert 1 == len(sent)


@pytest.mark.parametrize("code", ["1e29", "true", "1.5", "-813.0", '"x"'])
async def test_an_error_code_that_is_no_exact_integer_is_no_code(code):
    """Kakao's code read from an error body is exact: a float or a bool is kept as no code."""
    body = f'{{"code":{code},"msg":"refused","extras":{{"detailCode":{code}}}}}'

    async def handler(request: Request) -> Response:
        return Response(status=400, body=body.encode())

    async with mock_client(handler, limiter=False) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(1).customer_files.list()

    assert info.value.code is None
    assert info.value.detail_code is None


async def test_close_during_an_answer_ends_the_backoff_that_would_follow():
    """aclose() while an answer is on its way: the call does not sleep its backoff after it."""
    answering = asyncio.Event()
    release = asyncio.Event()

    async def handler(request: Request) -> Response:
        answering.set()
        await release.wait()
        return Response(
            status=503, headers={"retry-after": "6"}, body=b'{"code":-9798,"msg":"m"}'
        )

    client = mock_client(
        handler,
        limiter=False,
        retry=ma.RetryPolicy(attempts=3),
    )
    call = asyncio.create_task(client.ad_account(1).customer_files.list())
    await answering.wait()
    # The handler answers while aclose() runs: the call was in no wait yet.
    closing = asyncio.create_task(client.aclose())
    release.set()
    await closing
    started = time.monotonic()
    with pytest.raises(ma.ClientClosedError):
        await asyncio.wait_for(call, timeout=10)
    assert time.monotonic() - started < 1.0


async def test_close_wakes_a_call_waiting_for_its_token():
    """A call waiting for a slow token provider ends with ClientClosedError when the client closes."""
    asked = asyncio.Event()

    async def provider() -> str:
        asked.set()
        await asyncio.sleep(30)
        return "never"

    async def handler(request: Request) -> Response:
        return json_response([])

    client = ma.MomentClient(provider, transport=ma.MockTransport(handler))
    call = asyncio.create_task(client.ad_account(1).customer_files.list())
    await asked.wait()
    started = time.monotonic()
    await client.aclose()
    with pytest.raises(ma.ClientClosedError, match="waited for its token"):
        await asyncio.wait_for(call, timeout=5)
    assert time.monotonic() - started < 1.0


class HangingLimiter(ma.KeyedLimiter):
    """
    A limiter whose pause never ends, as a store that stopped answering.
    """

    async def pause(self, key: str, seconds: float) -> None:
        await asyncio.sleep(3600)


async def test_a_hanging_limiter_pause_ends_on_close_without_a_deadline():
    """Without a deadline, a limiter's pause that hangs ends when the client closes."""
    answered = asyncio.Event()

    async def handler(request: Request) -> Response:
        answered.set()
        return Response(status=429, body=b'{"code":-1,"msg":"slow down"}')

    client = mock_client(
        handler,
        limiter=HangingLimiter(),
        timeout=ma.Timeout(total=None),
    )
    call = asyncio.create_task(client.ad_account(1).customer_files.get(7))
    await asyncio.wait_for(answered.wait(), 5)
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await client.aclose()
    with pytest.raises((ma.ClientClosedError, ma.RateLimitError)):
        await asyncio.wait_for(call, timeout=5)
    assert time.monotonic() - started < 1.0


async def test_a_hanging_limiter_pause_is_bounded_without_a_deadline(caplog):
    """Without a deadline, a limiter's pause that hangs is given up after a few seconds and logged."""

    async def handler(request: Request) -> Response:
        return Response(status=429, body=b'{"code":-1,"msg":"slow down"}')

    async with mock_client(
        handler,
        limiter=HangingLimiter(),
        timeout=ma.Timeout(total=None),
        retry=ma.RetryPolicy.never(),
    ) as client:
        started = time.monotonic()
        with pytest.raises(ma.RateLimitError):
            await asyncio.wait_for(client.ad_account(1).customer_files.get(7), 30)
        took = time.monotonic() - started

    assert 4 < took < 20
    assert "the rate limiter's pause did not complete" in caplog.text


def test_a_client_whose_loop_has_ended_can_be_closed_from_another():
    """Once the first loop is closed, aclose() from a new loop closes the client instead of raising."""

    async def handler(request: Request) -> Response:
        return json_response([])

    client = mock_client(handler)
    files = client.ad_account(1).customer_files
    assert [] == asyncio.run(files.list())
    asyncio.run(client.aclose())
    asyncio.run(client.aclose())  # Twice is harmless.
    with pytest.raises(ma.ClientClosedError):
        asyncio.run(files.list())


async def test_decode_errors_keep_bounded_texts_in_the_whole_chain():
    """A body of megabytes that is not JSON, or of the wrong shape, gives errors of bounded size."""
    bodies = [
        b"<" + b"x" * 3_000_000,
        b'{"id": 7, "createdDate": "' + b"9" * 3_000_000 + b'"}',
    ]

    async def handler(request: Request) -> Response:
        return Response(status=200, body=bodies.pop(0))

    async with mock_client(handler, limiter=False) as client:
        for _ in range(2):
            with pytest.raises(ma.DecodeError) as info:
                await client.ad_account(1).customer_files.get(7)
            error: BaseException | None = info.value
            while error is not None:
                assert len(pickle.dumps(error)) < 16 * MAX_ERROR_TEXT
                assert "FieldError" not in str(error)
                error = error.__cause__
