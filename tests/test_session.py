"""
The session's one request path: errors, token refresh, retries, limits, timeouts, decoding.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections.abc import Awaitable, Callable

import attrs
import pytest

import moment_async as ma
from moment_async._routes import ROUTES
from moment_async._session import Session
from moment_async.testing import Request, Response, error_response, json_response

FILE = {"id": 7, "name": "buyers", "customerFileStatus": "COMPLETE"}
FAST = ma.RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002)


class Recorder:
    """
    A MockTransport handler that answers from a script and records requests.
    """

    def __init__(self, *answers: Response | BaseException) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    async def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def client_for(
    handler: Callable[[Request], Awaitable[Response]], **kwargs
) -> ma.MomentClient:
    """
    Return a client on a MockTransport, retrying fast, limiter off unless given.
    """
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("limiter", False)
    return ma.MomentClient(
        kwargs.pop("token", "secret-token"),
        transport=ma.MockTransport(handler),
        **kwargs,
    )


async def test_error_envelope_in_200_is_raised_typed():
    """A 200 whose body is Kakao's error envelope raises the error its code stands for."""
    handler = Recorder(json_response({"code": -401, "msg": "invalid token"}))

    async with client_for(handler) as client:
        with pytest.raises(ma.AuthenticationError) as info:
            await client.ad_account(1).customer_files.list()

    assert -401 == info.value.code
    assert 401 == info.value.status


async def test_error_envelope_on_empty_answer_call_is_raised():
    """A delete that gets an error envelope in a 200 raises instead of returning None."""
    handler = Recorder(
        json_response(
            {
                "code": -813,
                "msg": "KakaoMomentException",
                "extras": {"detailCode": 21006, "detailMsg": "없음"},
            }
        )
    )

    async with client_for(handler) as client:
        with pytest.raises(ma.NotFoundError) as info:
            await client.ad_account(1).audiences.delete(3)

    assert 21006 == info.value.detail_code
    assert "없음" == info.value.detail_message


async def test_kakao_error_body_fills_every_attribute():
    """A 400 error body gives status, code, message, detail code and detail message."""
    handler = Recorder(
        error_response(
            400, -813, "KakaoMomentException", detail_code=31001, detail_msg="이름 중복"
        )
    )

    async with client_for(handler) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(1).customer_files.rename(7, "x")

    error = info.value
    assert (400, -813, "KakaoMomentException", 31001, "이름 중복") == (
        error.status, error.code, error.message, error.detail_code, error.detail_message
    )  # fmt: skip
    assert "HTTP 400, code -813, detail 31001: 이름 중복" == str(error)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        pytest.param(400, ma.BadRequestError, id="400"),
        pytest.param(401, ma.AuthenticationError, id="401"),
        pytest.param(403, ma.PermissionDeniedError, id="403"),
        pytest.param(404, ma.NotFoundError, id="404"),
        pytest.param(409, ma.APIError, id="409"),
        pytest.param(429, ma.RateLimitError, id="429"),
        pytest.param(500, ma.ServerError, id="500"),
        pytest.param(503, ma.ServerError, id="503"),
    ],
)
async def test_every_error_status_maps_to_its_class(status, cls):
    """Each error status raises its own APIError subclass with the status kept."""
    handler = Recorder(error_response(status))

    async with client_for(handler, retry=ma.RetryPolicy.never()) as client:
        with pytest.raises(cls) as info:
            await client.ad_account(1).customer_files.list()

    assert cls is type(info.value)
    assert status == info.value.status


async def test_html_error_page_gives_typed_error_with_excerpt():
    """A proxy's HTML error page still gives a ServerError with the status and a short excerpt."""
    page = (
        b"<html><head><title>502 Bad Gateway</title></head><body>"
        + b"x" * 5000
        + b"</body></html>"
    )
    handler = Recorder(
        Response(status=502, headers={"content-type": "text/html"}, body=page)
    )

    async with client_for(handler, retry=ma.RetryPolicy.never()) as client:
        with pytest.raises(ma.ServerError) as info:
            await client.ad_account(1).customer_files.list()

    assert 502 == info.value.status
    assert "502 Bad Gateway" in info.value.message
    assert len(info.value.message) <= 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"<html>oops</html>", id="html"),
        pytest.param(b'{"id": 7, "na', id="truncated"),
        pytest.param(b'"just a string"', id="wrong-shape"),
        pytest.param(b'{"name": "no id"}', id="missing-id"),
    ],
)
async def test_bad_success_body_raises_decode_error(body):
    """A 200 that is empty, not JSON, truncated or of the wrong shape raises DecodeError."""
    handler = Recorder(Response(status=200, body=body))

    async with client_for(handler) as client:
        with pytest.raises(ma.DecodeError) as info:
            await client.ad_account(1).customer_files.get(7)

    assert 200 == info.value.status


async def test_token_provider_is_asked_again_once_after_401():
    """After a 401 the provider gives a fresh token and the call is repeated once with it."""
    tokens = iter(["old-token", "new-token"])

    async def provider() -> str:
        return next(tokens)

    handler = Recorder(error_response(401, -401, "expired"), json_response(FILE))

    async with client_for(handler, token=provider) as client:
        result = await client.ad_account(1).customer_files.get(7)

    assert 7 == result.id
    assert ["Bearer old-token", "Bearer new-token"] == [
        r.headers["Authorization"] for r in handler.requests
    ]


async def test_second_401_after_refresh_raises():
    """A call that gets 401 with the fresh token too raises AuthenticationError after two sends."""
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return f"token-{calls}"

    handler = Recorder(error_response(401, -401, "expired"))

    async with client_for(handler, token=provider) as client:
        with pytest.raises(ma.AuthenticationError):
            await client.ad_account(1).audiences.create(
                ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY)
            )

    assert 2 == calls
    assert 2 == len(handler.requests)


async def test_concurrent_401s_refresh_the_token_once():
    """Many calls that see the same 401 at once make the provider refresh only once."""
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return f"token-{calls}"

    async def handler(request: Request) -> Response:
        await asyncio.sleep(0.01)
        if request.headers["Authorization"] == "Bearer token-1":
            return error_response(401, -401, "expired")
        return json_response([])

    async with client_for(handler, token=provider) as client:
        acct = client.ad_account(1)
        await (
            acct.customer_files.list()
        )  # fetches token-1 lazily; 401, refresh to token-2
        calls = 1
        results = await asyncio.gather(*(acct.customer_files.list() for _ in range(20)))

    assert [[]] * 20 == results
    assert 1 == calls


async def test_string_token_401_is_not_repeated():
    """With a fixed token a 401 raises at once: there is nothing fresh to ask for."""
    handler = Recorder(error_response(401, -401, "expired"))

    async with client_for(handler) as client:
        with pytest.raises(ma.AuthenticationError):
            await client.ad_account(1).customer_files.list()

    assert 1 == len(handler.requests)


def hanging_provider(first: str | None) -> Callable[[], Awaitable[str]]:
    """
    Return a token provider that answers *first* once (if given), then never.
    """
    answered = False

    async def provider() -> str:
        nonlocal answered
        if first is not None and not answered:
            answered = True
            return first
        await asyncio.Event().wait()
        raise AssertionError  # pragma: no cover  # never woken

    return provider


@pytest.mark.parametrize(
    ("first", "sent"),
    [
        pytest.param(None, 0, id="first-token"),
        pytest.param("old-token", 1, id="refresh-after-401"),
    ],
)
@pytest.mark.parametrize(
    ("client_timeout", "call_timeout"),
    [
        pytest.param(0.3, None, id="client-timeout"),
        pytest.param(30, ma.Timeout(total=0.3), id="per-call-timeout"),
    ],
)
async def test_hanging_token_provider_is_bounded_by_the_deadline(
    first, sent, client_timeout, call_timeout
):
    """A token provider that never answers ends the call at its deadline with RequestTimeoutError, nothing more sent."""
    handler = Recorder(error_response(401, -401, "expired"))

    async with client_for(
        handler, token=hanging_provider(first), timeout=client_timeout
    ) as client:
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError) as info:
            await client.ad_account(1).customer_files.get(7, timeout=call_timeout)
        elapsed = time.monotonic() - started

    assert 0.25 < elapsed < 1.5
    assert False is info.value.maybe_sent
    assert "token provider past the 0.3 s timeout" in str(info.value)
    assert sent == len(handler.requests)


async def test_call_queued_behind_a_hanging_refresh_ends_at_its_own_deadline():
    """A call waiting for another call's token refresh still ends at its own deadline."""
    handler = Recorder(error_response(401, -401, "expired"))

    async with client_for(
        handler, token=hanging_provider("old-token"), timeout=30
    ) as client:
        files = client.ad_account(1).customer_files
        stuck = asyncio.create_task(files.get(7))  # refreshes, and hangs
        await asyncio.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError):
            await files.get(8, timeout=0.3)
        elapsed = time.monotonic() - started
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck

    assert 0.25 < elapsed < 1.5


async def test_first_token_time_counts_against_the_attempts_deadline():
    """The time the provider takes for the first token is taken from the attempt's timeout."""
    handler = Recorder(json_response(FILE))

    async def slow_provider() -> str:
        await asyncio.sleep(0.3)
        return "token"

    async with client_for(handler, token=slow_provider, timeout=1.0) as client:
        await client.ad_account(1).customer_files.get(7)

    left = handler.requests[0].timeout.total
    assert left is not None
    assert left <= 0.75


async def test_token_provider_timeout_error_of_its_own_is_not_rewritten():
    """A provider that raises TimeoutError itself, before the deadline, lets it through as is."""
    refusal = TimeoutError("the vault did not answer")

    async def provider() -> str:
        raise refusal

    async with client_for(Recorder(json_response(FILE)), token=provider) as client:
        with pytest.raises(TimeoutError) as info:
            await client.ad_account(1).customer_files.get(7)

    assert refusal is info.value


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_get_is_retried_on_transient_status(status):
    """A GET answered 429/502/503/504 is retried and its later success returned."""
    handler = Recorder(
        error_response(status), error_response(status), json_response(FILE)
    )

    async with client_for(handler) as client:
        result = await client.ad_account(1).customer_files.get(7)

    assert 7 == result.id
    assert 3 == len(handler.requests)


async def test_delete_is_retried_on_connection_error():
    """A DELETE that lost its connection is sent again."""
    handler = Recorder(ma.TransportError("reset"), Response(status=200))

    async with client_for(handler) as client:
        await client.ad_account(1).customer_files.delete(7)

    assert 2 == len(handler.requests)


async def test_retries_stop_at_the_attempt_limit():
    """A GET that keeps failing is sent `attempts` times, then raises the last error."""
    handler = Recorder(error_response(503, -9798, "maintenance"))

    async with client_for(handler) as client:
        with pytest.raises(ma.ServerError) as info:
            await client.ad_account(1).customer_files.list()

    assert 3 == len(handler.requests)
    assert -9798 == info.value.code


@pytest.mark.parametrize(
    ("status", "code", "raised"),
    [
        (503, -9798, ma.ServerError),
        (502, -813, ma.AmbiguousWriteError),
        (503, -813, ma.AmbiguousWriteError),
        (504, -813, ma.AmbiguousWriteError),
    ],
)
async def test_post_is_never_retried_on_status(status, code, raised):
    """A create answered with a transient status is not sent again: it might exist.

    A refusal (maintenance) is raised as it is; any other 5xx leaves the
    create ambiguous. (A 429 is sent again: see below.)
    """
    handler = Recorder(error_response(status, code))
    spec = ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY)

    async with client_for(handler) as client:
        with pytest.raises(raised) as info:
            await client.ad_account(1).audiences.create(spec)

    assert 1 == len(handler.requests)
    if raised is ma.AmbiguousWriteError:
        assert isinstance(info.value.__cause__, ma.ServerError)
        assert not info.value.reconciled
        assert "audiences.create" == info.value.call


async def test_a_create_answered_429_is_sent_again_and_succeeds():
    """Kakao answers 429 before doing anything: the create is sent again, not ambiguous."""
    handler = Recorder(
        error_response(429, -813), json_response({"id": 5, "name": "a"}, status=200)
    )
    spec = ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY)

    async with client_for(handler) as client:
        created = await client.ad_account(1).audiences.create(spec)

    assert 5 == created.id
    assert 2 == len(handler.requests)


async def test_a_create_answered_429_every_time_raises_rate_limit_error():
    """A create refused with 429 on every attempt raises RateLimitError, not AmbiguousWriteError."""
    handler = Recorder(error_response(429, -813))
    spec = ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY)

    async with client_for(handler) as client:
        with pytest.raises(ma.RateLimitError):
            await client.ad_account(1).audiences.create(spec)

    assert 3 == len(handler.requests)


async def test_post_is_not_retried_when_body_may_have_been_sent():
    """A POST whose connection broke after sending is not repeated: it is ambiguous."""
    handler = Recorder(ma.TransportError("reset after body"), json_response({"id": 1}))

    async with client_for(handler) as client:
        with pytest.raises(ma.AmbiguousWriteError, match="reconcile=True") as info:
            await client.ad_account(1).customer_files.register_url(
                "a", "https://example.com/a.csv"
            )

    assert isinstance(info.value.__cause__, ma.TransportError)
    assert 1 == len(handler.requests)


async def test_post_is_retried_when_nothing_was_sent():
    """A POST that could not connect at all is safe to send again, and is."""
    handler = Recorder(ma.ConnectError("refused"), json_response({"id": 1234}))

    async with client_for(handler) as client:
        result = await client.ad_account(1).customer_files.register_url(
            "a", "https://example.com/a.csv"
        )

    assert 1234 == result.id
    assert 2 == len(handler.requests)


async def test_one_shot_stream_is_not_resent_even_when_nothing_was_sent():
    """An upload from an async iterable cannot be replayed, so a connect error is raised."""
    handler = Recorder(ma.ConnectError("refused"), json_response({"id": 1}))

    async def rows():
        yield b"8f0f7b6e-9a3c-4e2a-b1d4-0c9e8f7a6b5c\n"

    async with client_for(handler) as client:
        with pytest.raises(ma.ConnectError):
            await client.ad_account(1).customer_files.upload("a", [("a.csv", rows())])

    assert 1 == len(handler.requests)


async def test_retry_after_is_honoured():
    """A 429 with Retry-After makes the retry wait that long."""
    handler = Recorder(
        error_response(429, headers={"Retry-After": "0.2"}), json_response(FILE)
    )

    async with client_for(handler) as client:
        started = time.monotonic()
        await client.ad_account(1).customer_files.get(7)
        waited = time.monotonic() - started

    assert waited >= 0.18


async def test_rate_limit_error_carries_retry_after():
    """A 429 that is not retried carries the server's Retry-After in seconds."""
    handler = Recorder(error_response(429, headers={"Retry-After": "12"}))

    async with client_for(handler, retry=ma.RetryPolicy.never()) as client:
        with pytest.raises(ma.RateLimitError) as info:
            await client.ad_account(1).customer_files.list()

    assert 12.0 == info.value.retry_after
    assert info.value.local is False


async def test_total_timeout_bounds_the_whole_call():
    """A call slower than the total timeout raises RequestTimeoutError, a builtin TimeoutError."""

    async def handler(request: Request) -> Response:
        await asyncio.sleep(5)
        return json_response(FILE)

    async with client_for(handler, timeout=0.1) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            await client.ad_account(1).customer_files.get(7)

    assert isinstance(info.value, ma.RequestTimeoutError)
    assert time.monotonic() - started < 2


async def test_per_call_timeout_replaces_the_clients():
    """timeout= on one call bounds that call; the client's own stays for the others."""
    seen: list[float | None] = []

    async def handler(request: Request) -> Response:
        seen.append(request.timeout.total)
        if request.url.endswith("/7"):
            await asyncio.sleep(5)
        return json_response(FILE)

    async with client_for(handler, timeout=30) as client:
        files = client.ad_account(1).customer_files
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError):
            await files.get(7, timeout=0.1)
        assert time.monotonic() - started < 2
        await files.get(8, timeout=ma.Timeout(total=2, connect=1))
        await files.get(9)

    assert seen == [0.1, 2, 30]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), True, "5"])
async def test_bad_per_call_timeout_is_refused_before_sending(bad):
    """A timeout that is not a positive number or a Timeout is a ValidationError; nothing is sent."""
    handler = Recorder(json_response(FILE))

    async with client_for(handler) as client:
        with pytest.raises(
            ma.ValidationError, match="timeout must be a positive number"
        ):
            await client.ad_account(1).customer_files.get(7, timeout=bad)

    assert handler.requests == []


def test_bad_timeout_fields_are_refused():
    """Each Timeout field is a positive number of seconds or None."""
    with pytest.raises(ma.ValidationError, match="connect must be a positive number"):
        ma.Timeout(connect=-1)
    assert ma.Timeout(read=None, connect=None).read is None


async def test_backoff_that_would_pass_the_deadline_is_not_waited():
    """A retry whose wait would outlive the total timeout is skipped: the last answer is raised at once."""
    handler = Recorder(error_response(503, headers={"Retry-After": "30"}))

    async with client_for(
        handler, timeout=0.5, retry=ma.RetryPolicy(attempts=5)
    ) as client:
        started = time.monotonic()
        with pytest.raises(ma.ServerError):
            await client.ad_account(1).customer_files.list()

    assert time.monotonic() - started < 0.4
    assert 1 == len(handler.requests)


async def test_limiter_wait_counts_against_the_deadline():
    """A call that would wait for its rate-limit slot past the total timeout raises RequestTimeoutError and sends nothing."""
    handler = Recorder(json_response(FILE))

    async with client_for(handler, timeout=0.2, limiter=True) as client:
        acct = client.ad_account(1)
        await acct.customer_files.get(7)
        started = time.monotonic()
        with pytest.raises(ma.RequestTimeoutError):
            await acct.customer_files.get(7)

    assert time.monotonic() - started < 1
    assert 1 == len(handler.requests)


async def test_limiter_raises_at_once_when_told_not_to_wait():
    """With wait=False a second detail call on the same file raises locally and sends nothing."""
    handler = Recorder(json_response(FILE))

    async with client_for(handler, limiter=ma.KeyedLimiter(wait=False)) as client:
        acct = client.ad_account(1)
        await acct.customer_files.get(7)
        with pytest.raises(ma.RateLimitError) as info:
            await acct.customer_files.get(7)
        await acct.customer_files.get(8)

    assert info.value.local is True
    assert 2 == len(handler.requests)


async def test_registrations_are_limited_per_user_and_account():
    """Two registrations for one account hit the limit; another account has its own slot."""
    handler = Recorder(json_response({"id": 1}))

    async with client_for(handler, limiter=ma.KeyedLimiter(wait=False)) as client:
        await client.ad_account(1).customer_files.register_url(
            "a", "https://e.com/a.csv"
        )
        await client.ad_account(2).customer_files.register_url(
            "a", "https://e.com/a.csv"
        )
        with pytest.raises(ma.RateLimitError):
            await client.ad_account(1).customer_files.upload("b", [("b.csv", b"x\n")])

    assert 2 == len(handler.requests)


async def test_limiter_keys_hold_a_fingerprint_not_the_token():
    """The per-user limiter key is derived from the token but never contains it."""
    limiter = ma.KeyedLimiter()
    handler = Recorder(json_response({"id": 1}))

    async with client_for(
        handler, limiter=limiter, token="very-secret-token"
    ) as client:
        await client.ad_account(5).customer_files.register_url(
            "a", "https://e.com/a.csv"
        )

    keys = list(limiter._buckets)
    assert 1 == len(keys)
    assert "very-secret-token" not in keys[0]
    assert keys[0].startswith("user:")
    assert keys[0].endswith(":5")


async def test_limited_call_waits_for_its_slot():
    """A second call on the same key waits for the rate's spacing instead of failing."""
    handler = Recorder(json_response(FILE))
    route = attrs.evolve(ROUTES["customer_files.get"], rate=ma.Rate(1, 0.3))
    session = Session(
        transport=ma.MockTransport(handler),
        token="t",
        base_url="https://example.com",
        routes={**ROUTES, "customer_files.get": route},
        limiter=ma.KeyedLimiter(),
        retry=FAST,
        timeout=ma.Timeout(),
    )

    started = time.monotonic()
    await session.call(
        "customer_files.get", "1", ma.CustomerFile, path_id=7, limit_id=7
    )
    await session.call(
        "customer_files.get", "1", ma.CustomerFile, path_id=7, limit_id=7
    )
    elapsed = time.monotonic() - started
    await session.aclose()

    assert 0.25 <= elapsed < 3


async def test_debug_log_line_has_no_token(caplog):
    """The per-request debug line names method, path and status, never the token."""
    handler = Recorder(json_response(FILE))

    with caplog.at_level(logging.DEBUG, logger="moment_async"):
        async with client_for(handler, token="very-secret-token") as client:
            await client.ad_account(1).customer_files.get(7)

    assert ["GET /customerFiles/7 -> 200 (attempt 1"] == [
        r.getMessage()[:38] for r in caplog.records
    ]
    assert all("very-secret-token" not in r.getMessage() for r in caplog.records)


async def test_token_not_in_reprs():
    """Neither the client, the transport request nor the session shows the token."""
    handler = Recorder(json_response(FILE))

    async with client_for(handler, token="very-secret-token") as client:
        await client.ad_account(1).customer_files.get(7)
        texts = [
            repr(client),
            repr(client._session),
            repr(handler.requests[0]),
            str(handler.requests[0]),
        ]

    assert all("very-secret-token" not in text for text in texts)


async def test_provider_returning_non_string_is_refused():
    """A token provider that returns something other than a string gives ValidationError."""

    async def provider():
        return None

    handler = Recorder(json_response(FILE))

    async with client_for(handler, token=provider) as client:
        with pytest.raises(ma.ValidationError):
            await client.ad_account(1).customer_files.list()

    assert [] == handler.requests


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda a: a.customer_files.get(0), id="get-zero"),
        pytest.param(lambda a: a.customer_files.get("7"), id="get-str"),
        pytest.param(lambda a: a.customer_files.get(True), id="get-bool"),
        pytest.param(
            lambda a: a.customer_files.upload("", [("a.csv", b"x")]),
            id="upload-empty-name",
        ),
        pytest.param(
            lambda a: a.customer_files.upload("a" * 51, [("a.csv", b"x")]),
            id="upload-long-name",
        ),
        pytest.param(lambda a: a.customer_files.upload("a", []), id="upload-no-files"),
        pytest.param(
            lambda a: a.customer_files.upload("a", [("a.txt", b"x")]),
            id="upload-not-csv",
        ),
        pytest.param(
            lambda a: a.customer_files.register_url("a", "ftp://e.com/a.csv"),
            id="url-ftp",
        ),
        pytest.param(
            lambda a: a.customer_files.register_url(
                "a", "https://e.com/a.csv", renewable="yes"
            ),
            id="url-renewable",
        ),
        pytest.param(
            lambda a: a.customer_files.replace_url(7, "e.com/a.csv"),
            id="replace-url-no-scheme",
        ),
        pytest.param(lambda a: a.customer_files.rename(7, "😀"), id="rename-emoji"),
        pytest.param(lambda a: a.customer_files.delete(-1), id="delete-negative"),
        pytest.param(
            lambda a: a.customer_files.delete_many([]), id="delete-many-empty"
        ),
        pytest.param(lambda a: a.customer_files.usage("1; DROP"), id="usage-injection"),
        pytest.param(lambda a: a.audiences.create({"name": "a"}), id="create-dict"),
        pytest.param(
            lambda a: a.audiences.create(
                ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY, ages=("20",))
            ),
            id="create-ages-with-all",
        ),
        pytest.param(
            lambda a: a.audiences.update(
                1,
                ma.AudienceSpec(
                    name="a",
                    type=ma.AudienceType.MESSAGE,
                    customer_file_targetings=(ma.CustomerFileTargeting(id=1),),
                ),
            ),
            id="update-message-with-customer-file",
        ),
        pytest.param(lambda a: a.audiences.unlink(1, 0), id="unlink-zero"),
        pytest.param(lambda a: a.audiences.delete_many("1,2"), id="delete-many-str"),
    ],
)
async def test_bad_arguments_are_refused_before_sending(call):
    """Every bad argument raises ValidationError and no request leaves the client."""
    handler = Recorder(json_response(FILE))

    async with client_for(handler) as client:
        with pytest.raises(ma.ValidationError):
            await call(client.ad_account(1))

    assert [] == handler.requests


@pytest.mark.parametrize(
    "body",
    [
        b'{"code":-813,"msg":' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"code":-813,"msg":"x","extras":{"detailMsg":'
        + b"[" * 1000
        + b"]" * 1000
        + b"}}",
        b'{"code":-813,"msg":"x","deep":' + b'{"a":' * 700 + b"1" + b"}" * 700 + b"}",
    ],
    ids=["msg", "detailMsg", "body"],
)
async def test_hostile_error_body_still_gives_a_printable_picklable_error(body):
    """An error body nested a thousand deep gives an APIError that prints and pickles."""
    handler = Recorder(Response(status=400, headers={}, body=body))

    async with client_for(handler) as client:
        with pytest.raises(ma.APIError) as info:
            await client.ad_account(1).customer_files.list()

    error = info.value
    assert str(error)
    assert repr(error)
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes
    assert -813 == restored.code
    assert isinstance(error.body, dict | str)
