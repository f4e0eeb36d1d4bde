"""
Retry budget, permanent codes, 429 pauses, closing and cancelling, tracing hooks.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

import moment_async as ma
from moment_async._limits import KeyedLimiter
from moment_async._retry import RetryTokens
from moment_async._routes import Route, Scope
from moment_async._session import Session
from moment_async.sandbox import Sandbox
from moment_async.testing import Request, Response, error_response, json_response

FILE = {"id": 7, "name": "buyers", "customerFileStatus": "COMPLETE"}
FAST = ma.RetryPolicy(attempts=4, backoff=0.001, max_backoff=0.002)


def client_on(handler, **kwargs) -> ma.MomentClient:
    """
    Return a client on a MockTransport with fast retries and the limiter off.
    """
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("limiter", False)
    return ma.MomentClient(
        "secret-token", transport=ma.MockTransport(handler), **kwargs
    )


# -- the retry budget --------------------------------------------------------


async def attempts_in_outage(calls: int, budget: ma.RetryBudget | None) -> int:
    """
    Send *calls* GETs at once while every answer is a 503; return the requests sent.
    """
    sent = 0

    async def outage(request: Request) -> Response:
        nonlocal sent
        sent += 1
        return error_response(503, -813)

    policy = ma.RetryPolicy(attempts=4, backoff=0.001, max_backoff=0.002, budget=budget)
    async with client_on(outage, retry=policy) as client:
        files = client.ad_account(1).customer_files
        results = await asyncio.gather(
            *(files.list() for _ in range(calls)), return_exceptions=True
        )

    assert all(isinstance(r, ma.ServerError) for r in results)
    return sent


async def test_retry_budget_caps_attempts_in_an_outage():
    """During an outage a fan-out makes one retry per budget token, not three per call."""
    budget = ma.RetryBudget(capacity=20, per_success=0.1, per_second=0.0)

    # 200 first tries and 20 retries; without a budget it would be 800.
    assert 200 + 20 == await attempts_in_outage(200, budget)


async def test_without_a_budget_every_call_retries():
    """budget=None: each call makes all its attempts (the figure the budget is compared with)."""
    assert 4 * 50 == await attempts_in_outage(50, None)


def test_budget_refills_with_successes_and_time():
    """Successes put back a share of a token; time puts back per_second; never above capacity."""
    tokens = RetryTokens(ma.RetryBudget(capacity=2, per_success=0.5, per_second=0.0))
    assert tokens.take()
    assert tokens.take()
    assert not tokens.take()
    tokens.success()
    tokens.success()
    assert tokens.take()
    for _ in range(10):
        tokens.success()
    assert 2 == tokens.tokens

    timed = RetryTokens(ma.RetryBudget(capacity=1, per_success=0, per_second=1000))
    assert timed.take()
    time.sleep(0.01)
    assert timed.take()


def test_bad_budget_is_refused():
    """A budget needs a positive capacity and no negative refill."""
    with pytest.raises(ValueError, match="capacity"):
        ma.RetryBudget(capacity=0)
    with pytest.raises(ValueError, match="per_second"):
        ma.RetryBudget(per_second=-1)


# -- Kakao's codes decide ------------------------------------------------------


@pytest.mark.parametrize("code", [-2, -3, -5, -10, -12, -101, -401, -402])
async def test_permanent_code_is_never_retried(code):
    """A 503 whose Kakao code is a permanent refusal is raised at once, not retried."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return error_response(503, code)

    async with client_on(handler) as client:
        with pytest.raises(ma.APIError) as info:
            await client.ad_account(1).customer_files.list()

    assert 1 == len(sent)
    assert code == info.value.code


async def test_maintenance_is_retried():
    """-9798 (maintenance) is transient: a GET is tried again and succeeds."""
    answers = [error_response(503, -9798), json_response([FILE])]

    async def handler(request: Request) -> Response:
        return answers.pop(0)

    async with client_on(handler) as client:
        files = await client.ad_account(1).customer_files.list()

    assert [7] == [f.id for f in files]


# -- a 429 pauses its whole key ----------------------------------------------


def fast_limited_session(handler) -> Session:
    """
    A session whose detail call is limited to one per 0.1 s per customer file.
    """
    route = Route(
        "GET", "/customerFiles/{id}", "doc", Scope.CUSTOMER_FILE, ma.Rate(1, 0.1)
    )
    return Session(
        transport=ma.MockTransport(handler),
        token="secret-token",
        base_url="http://127.0.0.1:9",
        routes={"customer_files.get": route},
        limiter=KeyedLimiter(),
        retry=FAST,
        timeout=ma.Timeout(),
    )


async def test_429_pauses_every_call_on_the_key():
    """After a 429 with Retry-After, every call on that file waits it out, not only the refused one."""
    sent: list[tuple[str, float]] = []
    started = time.monotonic()
    refused = False

    async def handler(request: Request) -> Response:
        nonlocal refused
        path = request.url.rsplit("/", 1)[-1]
        sent.append((path, time.monotonic() - started))
        if path == "7" and not refused:
            refused = True
            return error_response(429, -813, headers={"Retry-After": "0.5"})
        return json_response(FILE)

    session = fast_limited_session(handler)

    async def get(file_id: int) -> None:
        await session.call(
            "customer_files.get", "1", None, path_id=file_id, limit_id=file_id
        )

    refused_call = asyncio.create_task(get(7))
    await asyncio.sleep(0.15)  # past the 0.1 s spacing: only the pause holds 7
    await asyncio.gather(get(7), get(8))
    await refused_call
    await session.aclose()

    times = {path: [t for p, t in sent if p == path] for path in ("7", "8")}
    assert times["8"][0] < 0.4  # another file is not paused
    assert 3 == len(times["7"])  # the refusal, the retry, the second call
    assert min(times["7"][1:]) >= 0.45  # both waited out the 0.5 s pause


async def test_pause_holds_a_fresh_and_a_used_key():
    """pause() blocks the fast path of a key that has no entry yet and of one that has."""
    limiter = KeyedLimiter()
    rate = ma.Rate(1, 0.01)
    await limiter.pause("file:1", 60)
    assert not limiter.try_acquire("file:1", rate)
    assert limiter.try_acquire("file:2", rate)
    await asyncio.sleep(0.02)
    assert limiter.try_acquire("file:2", rate)
    await limiter.pause("file:2", 60)
    await asyncio.sleep(0.02)
    assert not limiter.try_acquire("file:2", rate)


async def test_paused_contended_key_waits_the_pause():
    """A key that already has an aiolimiter waits out a pause longer than its spacing."""
    limiter = KeyedLimiter()
    rate = ma.Rate(1, 0.01)
    assert limiter.try_acquire("k", rate)
    await limiter.acquire("k", rate, 5)  # now contended: a bucket
    await limiter.pause("k", 0.2)
    started = time.monotonic()
    await limiter.acquire("k", rate, 5)
    assert time.monotonic() - started >= 0.19


# -- closing and cancelling ----------------------------------------------------


async def test_closing_the_client_ends_calls_in_flight_with_a_clear_error(
    moment_sandbox,
):
    """aclose() while calls wait for their answers ends them with ClientClosedError."""
    moment_sandbox.faults.delay("customer_files.list", 5)
    client = ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url, retry=FAST
    )
    files = client.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files
    calls = [asyncio.create_task(files.list()) for _ in range(3)]
    await asyncio.sleep(0.2)
    await client.aclose()
    results = await asyncio.wait_for(
        asyncio.gather(*calls, return_exceptions=True), timeout=5
    )

    assert all(isinstance(r, ma.ClientClosedError) for r in results), results
    assert all("closed while this call was in flight" in str(r) for r in results)
    with pytest.raises(ma.ClientClosedError):
        await files.list()


async def test_closing_ends_calls_waiting_for_their_rate_limit():
    """A call waiting for its slot when the client closes sends nothing and says so."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return json_response(FILE)

    # A session with a 0.3 s spacing, so the waiter's slot comes quickly.
    route = Route(
        "GET", "/customerFiles/{id}", "doc", Scope.CUSTOMER_FILE, ma.Rate(1, 0.3)
    )
    session = Session(
        transport=ma.MockTransport(handler),
        token="secret-token",
        base_url="http://127.0.0.1:9",
        routes={"customer_files.get": route},
        limiter=KeyedLimiter(),
        retry=FAST,
        timeout=ma.Timeout(),
    )
    await session.call("customer_files.get", "1", None, path_id=7, limit_id=7)
    waiting = asyncio.create_task(
        session.call("customer_files.get", "1", None, path_id=7, limit_id=7)
    )
    await asyncio.sleep(0.05)
    await session.aclose()
    with pytest.raises(ma.ClientClosedError, match="waited for its rate limit"):
        await asyncio.wait_for(waiting, timeout=5)
    assert 1 == len(sent)


async def test_cancelled_call_leaves_the_client_usable(moment_sandbox):
    """Cancelling a task mid-call does not break the client: the next call works."""
    moment_sandbox.faults.delay("customer_files.list", 5, times=1)
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url
    ) as client:
        files = client.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files
        task = asyncio.create_task(files.list())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [] == await files.list()


# -- tracing hooks and the log line --------------------------------------------


async def test_hooks_see_every_attempt_start_and_end():
    """on_start and on_end run once per HTTP request, retries included, with status and timing."""
    answers = [error_response(503, -9798), json_response(FILE)]

    async def handler(request: Request) -> Response:
        return answers.pop(0)

    starts: list[ma.RequestStarted] = []
    ends: list[ma.RequestEnded] = []
    hooks = ma.RequestHooks(on_start=starts.append, on_end=ends.append)
    async with client_on(handler, hooks=hooks) as client:
        await client.ad_account(27429).customer_files.get(7)

    assert [(s.call, s.method, s.path, s.account_id, s.attempt) for s in starts] == [
        ("customer_files.get", "GET", "/customerFiles/7", 27429, 1),
        ("customer_files.get", "GET", "/customerFiles/7", 27429, 2),
    ]
    assert [e.status for e in ends] == [503, 200]
    assert [e.started for e in ends] == starts
    assert all(e.duration >= 0 and e.limiter_wait >= 0 for e in ends)


async def test_hooks_see_transport_errors_and_never_fail_the_call(caplog):
    """A transport error reaches on_end; a hook that raises is logged and the call goes on."""
    answers: list[Response | BaseException] = [
        ma.ConnectError("refused"),
        json_response(FILE),
    ]

    async def handler(request: Request) -> Response:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    ends: list[ma.RequestEnded] = []

    def broken(event: ma.RequestStarted) -> None:
        raise RuntimeError("tracer bug")

    hooks = ma.RequestHooks(on_start=broken, on_end=ends.append)
    with caplog.at_level(logging.ERROR, logger="moment_async"):
        async with client_on(handler, hooks=hooks) as client:
            found = await client.ad_account(1).customer_files.get(7)

    assert 7 == found.id
    assert isinstance(ends[0].error, ma.ConnectError)
    assert ends[0].status is None
    assert 200 == ends[1].status
    assert "on_start hook raised" in caplog.text


async def test_debug_log_line_is_structured(caplog):
    """One DEBUG line per request with method, path, status, attempt, limiter wait and duration."""

    async def handler(request: Request) -> Response:
        return json_response(FILE)

    with caplog.at_level(logging.DEBUG, logger="moment_async"):
        async with client_on(handler, limiter=True) as client:
            await client.ad_account(1).customer_files.get(7)

    records = [r for r in caplog.records if hasattr(r, "moment")]
    assert 1 == len(records)
    fields = records[0].moment
    assert {
        "method": "GET",
        "path": "/customerFiles/7",
        "status": 200,
        "error": None,
        "attempt": 1,
    }.items() <= fields.items()
    assert fields["limiter_wait_ms"] >= 0
    assert fields["duration_ms"] >= 0
    assert (
        "GET /customerFiles/7 -> 200 (attempt 1, limiter wait"
        in records[0].getMessage()
    )


async def test_attempt_that_sent_nothing_gives_its_slot_back():
    """A registration refused at connect time did not use its 5 s slot: the retry goes at once."""
    answers: list[Response | BaseException] = [
        ma.ConnectError("refused"),
        json_response({"id": 1, "name": "a"}),
    ]

    async def handler(request: Request) -> Response:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async with client_on(handler, limiter=True) as client:
        started = time.monotonic()
        await client.ad_account(1).customer_files.register_url(
            "a", "https://example.com/a.csv"
        )

    assert time.monotonic() - started < 2  # not the 5 s a used slot would cost
    assert not answers


async def test_release_keeps_a_slot_others_wait_for():
    """release() frees a fast-path slot; a contended key's slot stays taken."""
    limiter = KeyedLimiter()
    rate = ma.Rate(1, 60)
    assert limiter.try_acquire("a", rate)
    await limiter.release("a")
    assert limiter.try_acquire("a", rate)
    await limiter.release("missing")  # nothing to give back
    assert "missing" not in limiter._buckets
