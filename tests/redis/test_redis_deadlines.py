"""
RedisLimiter within deadlines: a slow, stopped or blackholed Redis, hostile pauses, a second event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import time
import warnings
from collections.abc import AsyncIterator, Awaitable
from typing import Final

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

import moment_async as ma

from ._server import RedisServer, blackhole

FAST: Final = ma.Rate(1, 0.2)
SLOW: Final = ma.Rate(1, 5.0)
#: The call's timeout in the end-to-end tests, and what a noisy machine may add.
CALL_TIMEOUT: Final = 2.0
MARGIN: Final = 0.5
#: Seconds a DEBUG SLEEP holds Redis: as long as from_url's socket timeout
#: was, and longer than any call here may take.
STALL: Final = 5.0
#: Bounds every wait the old code could make endless, so a failing test ends.
HARD_BOUND: Final = 20.0
#: The Retry-After ceiling, in milliseconds as Redis counts a key's PTTL.
CEILING_MS: Final = 600_000
FILE: Final = orjson.dumps({"id": 5, "name": "a", "customerFileStatus": "WAITING"})
RATE_LIMITED: Final = orjson.dumps({"code": -813, "msg": "rate limited"})

HANGS = [
    pytest.param("debug-sleep", id="DEBUG-SLEEP"),
    pytest.param("stopped", id="SIGSTOP"),
    pytest.param("blackhole", id="blackhole"),
]
KINDS = [
    pytest.param("from_url", id="from_url"),
    pytest.param("own", id="own-client-no-socket-timeout"),
]


class Api:
    """
    A loopback aiohttp server answering every GET with customer file 5, or with the 429s queued.
    """

    def __init__(self, server: TestServer) -> None:
        self.server = server
        #: Paths of the requests received.
        self.seen: list[str] = []
        #: Retry-After values of the 429s to answer first, in order.
        self.rate_limited: list[str] = []

    @property
    def url(self) -> str:
        """
        The server's base URL.
        """
        return str(self.server.make_url(""))

    async def answer(self, request: web.Request) -> web.Response:
        """
        Answer a 429 if one is queued, else customer file 5.
        """
        self.seen.append(request.path)
        if self.rate_limited:
            headers = {"Retry-After": self.rate_limited.pop(0)}
            return web.Response(
                status=429,
                body=RATE_LIMITED,
                headers=headers,
                content_type="application/json",
            )
        return web.Response(body=FILE, content_type="application/json")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    """
    Give a loopback API server that records the requests it received.
    """
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    served = Api(server)
    app.router.add_get("/{tail:.*}", served.answer)
    await server.start_server()
    try:
        yield served
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def redis_at(how: str, server: RedisServer) -> AsyncIterator[str]:
    """
    Give the URL a limiter uses: a blackhole's, or the test's own Redis'.
    """
    if how == "blackhole":
        async with blackhole() as url:
            yield url
    else:
        yield server.url


def hang(how: str, server: RedisServer) -> contextlib.AbstractContextManager[None]:
    """
    Have the test's own Redis answer nothing until the block ends, *how* it is made to.
    """
    if how == "debug-sleep":
        return server.stalled(STALL, wake=False)
    if how == "stopped":
        return server.frozen()
    return contextlib.nullcontext()  # a blackhole never answers anyway


@contextlib.asynccontextmanager
async def limiter_of(kind: str, url: str, **kwargs) -> AsyncIterator[ma.RedisLimiter]:
    """
    Give a limiter made by from_url, or on a client of the caller's own without socket timeouts.
    """
    if kind == "from_url":
        async with ma.RedisLimiter.from_url(url, **kwargs) as limiter:
            yield limiter
        return
    own = Redis.from_url(url)  # redis-py's defaults: no socket timeout at all
    try:
        yield ma.RedisLimiter(own, **kwargs)
    finally:
        await own.aclose()


async def warm(limiter: ma.RedisLimiter, how: str) -> None:
    """
    Open the limiter's connection and load its script first, unless Redis is a blackhole.
    """
    if how != "blackhole":
        await limiter.acquire("file:0", SLOW)


async def timed(call: Awaitable[object]) -> tuple[object, float]:
    """
    Await *call* (bounded) and return what it returned or raised, and how long it took.
    """
    started = time.monotonic()
    try:
        # In this task, not a new one as wait_for would: release gives back
        # the slot this task took.
        async with asyncio.timeout(HARD_BOUND):
            outcome = await call
    except Exception as exc:  # the outcome is what the test checks
        outcome = exc
    return outcome, time.monotonic() - started


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", HANGS)
async def test_a_call_ends_by_its_deadline_when_redis_does_not_answer(
    how, kind, own_redis, api
):
    """A call with timeout=2 on a slow, stopped or blackholed Redis ends by 2.5 s with RequestTimeoutError, nothing sent."""
    async with (
        redis_at(how, own_redis) as url,
        limiter_of(kind, url) as limiter,
        ma.MomentClient(
            "token", base_url=api.url, limiter=limiter, timeout=CALL_TIMEOUT
        ) as client,
    ):
        await warm(limiter, how)
        with hang(how, own_redis):
            outcome, took = await timed(client.ad_account(1).customer_files.get(5))

    assert isinstance(outcome, ma.RequestTimeoutError), outcome
    assert outcome.maybe_sent is False
    assert took < CALL_TIMEOUT + MARGIN
    assert [] == api.seen


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", HANGS)
async def test_with_fallback_a_call_goes_on_within_its_deadline(
    how, kind, own_redis, api
):
    """With fallback, a call on a Redis that does not answer goes on under in-process limits and succeeds by 2.5 s."""
    async with (
        redis_at(how, own_redis) as url,
        limiter_of(kind, url, fallback=True) as limiter,
        ma.MomentClient(
            "token", base_url=api.url, limiter=limiter, timeout=CALL_TIMEOUT
        ) as client,
    ):
        await warm(limiter, how)
        with hang(how, own_redis):
            outcome, took = await timed(client.ad_account(1).customer_files.get(5))

    assert isinstance(outcome, ma.CustomerFile), outcome
    assert took < CALL_TIMEOUT + MARGIN
    assert ["/customerFiles/5"] == api.seen


@pytest.mark.parametrize("kind", KINDS)
async def test_acquire_ends_within_max_wait_when_redis_is_stopped(kind, own_redis):
    """The whole acquire, Redis' answer included, ends within max_wait with TimeoutError."""
    async with limiter_of(kind, own_redis.url) as limiter:
        await warm(limiter, "stopped")
        with own_redis.frozen():
            outcome, took = await timed(limiter.acquire("file:1", SLOW, max_wait=1.0))

    assert isinstance(outcome, TimeoutError), outcome
    assert not isinstance(outcome, ma.LimiterUnavailableError)
    assert took < 1.0 + MARGIN


async def test_with_fallback_redis_gets_half_the_time_left(own_redis):
    """With fallback, acquire stops waiting for Redis at half of max_wait and takes an in-process slot."""
    async with limiter_of("own", own_redis.url, fallback=True) as limiter:
        await warm(limiter, "stopped")
        with own_redis.frozen():
            outcome, took = await timed(limiter.acquire("file:1", SLOW, max_wait=1.0))

    assert outcome is False
    assert 0.5 - 0.05 <= took < 0.5 + MARGIN


@pytest.mark.parametrize("kind", KINDS)
async def test_without_a_deadline_a_silent_redis_is_unreachable_after_timeout(
    kind, own_redis, caplog
):
    """With no max_wait, Redis gets the limiter's timeout, then counts as unreachable, even on a client without socket timeouts."""
    async with limiter_of(kind, own_redis.url, timeout=0.3) as limiter:
        await warm(limiter, "stopped")
        with own_redis.frozen():
            outcome, took = await timed(limiter.acquire("file:1", SLOW))

    assert isinstance(outcome, ma.LimiterUnavailableError), outcome
    assert "no answer within 0.3 s" in str(outcome)
    assert took < 0.3 + MARGIN


async def test_the_default_timeout_bounds_a_client_without_socket_timeouts(own_redis):
    """On the caller's own client, which has no socket timeout, an acquire without max_wait still ends after 2 s."""
    async with limiter_of("own", own_redis.url) as limiter:
        await warm(limiter, "stopped")
        with own_redis.frozen():
            outcome, took = await timed(limiter.acquire("file:1", SLOW))

    assert isinstance(outcome, ma.LimiterUnavailableError), outcome
    assert took < ma._redis.DEFAULT_TIMEOUT + MARGIN


@pytest.mark.parametrize("kind", KINDS)
async def test_release_and_pause_end_within_the_timeout(kind, own_redis):
    """release and pause on a stopped Redis end after the limiter's timeout with LimiterUnavailableError."""
    async with limiter_of(kind, own_redis.url, timeout=0.3) as limiter:
        await limiter.acquire("file:1", SLOW)
        with own_redis.frozen():
            released, release_took = await timed(limiter.release("file:1"))
            paused, pause_took = await timed(limiter.pause("file:1", 5.0))

    assert isinstance(released, ma.LimiterUnavailableError), released
    assert isinstance(paused, ma.LimiterUnavailableError), paused
    assert release_took < 0.3 + MARGIN
    assert pause_took < 0.3 + MARGIN


async def test_with_fallback_a_pause_redis_missed_holds_in_the_process(own_redis):
    """With fallback, a pause on a stopped Redis returns after the timeout and still holds the key in this process."""
    async with limiter_of("own", own_redis.url, fallback=True, timeout=0.3) as limiter:
        await warm(limiter, "stopped")
        with own_redis.frozen():
            paused, took = await timed(limiter.pause("file:1", 0.8))
            started = time.monotonic()
            waited = await limiter.acquire("file:1", FAST, max_wait=2.0)

    assert paused is None
    assert took < 0.3 + MARGIN
    assert waited is True
    assert 0.8 - took - 0.05 <= time.monotonic() - started


async def test_aclose_ends_within_the_timeout_on_a_stopped_redis(own_redis):
    """Closing a from_url limiter whose Redis stopped answering ends within its timeout."""
    limiter = ma.RedisLimiter.from_url(own_redis.url, timeout=0.3)
    await limiter.acquire("file:1", SLOW)

    with own_redis.frozen():
        outcome, took = await timed(limiter.aclose())

    assert outcome is None
    assert took < 0.3 + MARGIN


async def test_a_command_cut_short_leaves_no_half_read_connection(own_redis):
    """After an exchange cut by the deadline, the pool holds no connection with an answer still to read."""
    async with limiter_of("own", own_redis.url) as limiter:
        await limiter.acquire("file:0", SLOW)
        with own_redis.stalled(1.0):
            outcome, _ = await timed(limiter.acquire("file:1", SLOW, max_wait=0.3))
        conn = limiter._conn
        assert conn is not None
        pool = conn.redis.connection_pool

        first = await limiter.acquire("file:2", SLOW, max_wait=1.0)
        with pytest.raises(TimeoutError):
            # Its slot is 5 s away: a connection replaying the answer of
            # the exchange cut short would say it is free.
            await limiter.acquire("file:2", SLOW, max_wait=1.0)
        in_use = list(pool._in_use_connections)
        connected = [c.is_connected for c in pool._available_connections]

    assert isinstance(outcome, TimeoutError), outcome
    assert first is False
    assert [] == in_use
    assert [True] == connected


@pytest.mark.parametrize("kind", KINDS)
async def test_an_acquire_cancelled_mid_exchange_leaves_the_limiter_usable(
    kind, own_redis
):
    """An acquire cancelled while it waits for a stopped Redis ends at once; the limiter's later answers are its own."""
    async with limiter_of(kind, own_redis.url) as limiter:
        await limiter.acquire("file:0", SLOW)
        with own_redis.frozen():
            waiting = asyncio.create_task(limiter.acquire("file:1", SLOW))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            took = time.monotonic() - started
        conn = limiter._conn
        assert conn is not None
        busy = conn.busy

        first = await limiter.acquire("file:2", SLOW)
        with pytest.raises(TimeoutError):
            await limiter.acquire("file:2", SLOW, max_wait=1.0)

    # At once: well within the limiter's 2 s timeout, which a cancellation
    # that did not reach the exchange would have waited out.
    assert took < 1.0
    assert 0 == busy
    assert first is False


@pytest.fixture
async def redis(own_redis: RedisServer) -> AsyncIterator[Redis]:
    """
    Give a client of the test's own Redis, for looking at the keys.
    """
    client = Redis.from_url(own_redis.url)
    yield client
    await client.aclose()


HOSTILE_SECONDS = [
    pytest.param(math.inf, id="inf"),
    pytest.param(1e300, id="1e300"),
    pytest.param(10**400, id="int-10**400"),
    pytest.param(1e9, id="eleven-days"),
]


@pytest.mark.parametrize("seconds", HOSTILE_SECONDS)
async def test_a_hostile_pause_is_cut_to_the_ceiling_in_redis(
    seconds, own_redis, redis
):
    """A pause of inf, 1e300, 10**400 or eleven days holds the key in Redis for 10 minutes at most."""
    async with ma.RedisLimiter.from_url(own_redis.url) as limiter:
        await limiter.pause("file:1", seconds)

    assert 0 < await redis.pttl("moment-async:file:1") <= CEILING_MS


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(-5.0, id="negative"),
        pytest.param(-math.inf, id="-inf"),
    ],
)
async def test_a_pause_of_no_time_pauses_nothing(seconds, own_redis, redis):
    """A NaN or negative pause sets no key in Redis, and the key's next call goes at once."""
    async with ma.RedisLimiter.from_url(own_redis.url) as limiter:
        await limiter.pause("file:1", seconds)
        exists = await redis.exists("moment-async:file:1")
        waited = await limiter.acquire("file:1", SLOW, max_wait=0.1)

    assert 0 == exists
    assert waited is False


async def test_a_key_paused_by_a_hostile_answer_is_usable_after_the_ceiling(
    own_redis, redis
):
    """With max_pause=0.3, a key paused for ever is free again 0.3 s later, for every process."""
    async with (
        ma.RedisLimiter.from_url(own_redis.url, max_pause=0.3, margin=0) as one,
        ma.RedisLimiter.from_url(own_redis.url, margin=0) as other,
    ):
        await one.pause("file:1", math.inf)
        ttl = await redis.pttl("moment-async:file:1")
        started = time.monotonic()

        waited = await other.acquire("file:1", FAST, max_wait=1.0)

    assert 0 < ttl <= 300
    assert waited is True
    assert time.monotonic() - started < 0.3 + MARGIN


@pytest.mark.parametrize(
    "retry_after",
    [
        pytest.param("950400", id="eleven-days"),
        pytest.param("9" * 64, id="64-digits"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", id="year-9999"),
    ],
)
async def test_a_hostile_retry_after_pauses_the_key_for_the_ceiling_at_most(
    retry_after, own_redis, redis, api, caplog
):
    """A 429 with a huge Retry-After raises RateLimitError, pauses the key in Redis for 10 minutes at most, and says nothing of Redis being unreachable."""
    caplog.set_level(logging.WARNING, logger="moment_async")
    api.rate_limited.append(retry_after)
    async with (
        ma.RedisLimiter.from_url(own_redis.url) as limiter,
        ma.MomentClient(
            "token", base_url=api.url, limiter=limiter, timeout=CALL_TIMEOUT
        ) as client,
    ):
        outcome, _ = await timed(client.ad_account(1).customer_files.get(5))
        ttl = await redis.pttl("moment-async:file:5")

    assert isinstance(outcome, ma.RateLimitError), outcome
    assert outcome.retry_after == CEILING_MS / 1000
    assert SLOW.spacing * 1000 < ttl <= CEILING_MS
    assert [] == caplog.records


def test_a_from_url_limiter_reconnects_in_a_second_event_loop(own_redis):
    """A from_url limiter left open in a closed loop opens new connections in the next one; the old ones are left to the garbage collector."""
    limiter = ma.RedisLimiter.from_url(own_redis.url)

    async def use(key: str, close: bool) -> bool:
        waited = await limiter.acquire(key, SLOW)
        if close:
            await limiter.aclose()
        return waited

    first = asyncio.run(use("file:1", close=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        second = asyncio.run(use("file:2", close=True))
        gc.collect()

    assert (False, False) == (first, second)
    assert {ResourceWarning} >= {w.category for w in caught}


async def test_a_given_client_of_another_loop_raises_event_loop_error(own_redis):
    """A limiter on the caller's client, used in a second loop while it holds the first loop's connection, raises EventLoopError."""
    own = Redis.from_url(own_redis.url)
    limiter = ma.RedisLimiter(own)

    # Its loop is closed afterwards; its connection stays in the pool.
    await asyncio.to_thread(asyncio.run, limiter.acquire("file:1", SLOW))
    with warnings.catch_warnings():
        # The other loop's transport, which redis-py's connection keeps until
        # the client is gone, can no longer be closed: the garbage collector
        # does it, with a ResourceWarning.
        warnings.simplefilter("ignore", ResourceWarning)
        with pytest.raises(ma.EventLoopError) as info:
            await limiter.acquire("file:2", SLOW)
        said = str(info.value)
        await own.aclose()
        del info, limiter, own
        gc.collect()

    assert "one Redis client and one RedisLimiter per event loop" in said


async def test_a_given_client_of_another_loop_raises_once_then_works(own_redis):
    """The call meeting the closed loop's connection raises EventLoopError; redis-py drops it, and the next calls work, as the docstring says."""
    own = Redis.from_url(own_redis.url)
    limiter = ma.RedisLimiter(own)
    await asyncio.to_thread(asyncio.run, limiter.acquire("file:1", FAST))

    outcomes: list[object] = []
    with warnings.catch_warnings():
        # The closed loop's transport is closed by the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        for n in range(3):
            outcome, _ = await timed(limiter.acquire(f"file:{n + 2}", FAST))
            outcomes.append(type(outcome))
        await own.aclose()
        del limiter, own
        gc.collect()

    assert [ma.EventLoopError, bool, bool] == outcomes


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"timeout": 0}, id="zero-timeout"),
        pytest.param({"timeout": math.nan}, id="nan-timeout"),
        pytest.param({"timeout": 61}, id="huge-timeout"),
        pytest.param({"max_pause": -1}, id="negative-max-pause"),
        pytest.param({"max_pause": math.inf}, id="inf-max-pause"),
        pytest.param({"max_pause": 86_401}, id="max-pause-over-a-day"),
        pytest.param({"timeout": True}, id="bool-timeout"),
        pytest.param({"timeout": "2"}, id="text-timeout"),
        pytest.param({"max_pause": True}, id="bool-max-pause"),
        pytest.param({"margin": True}, id="bool-margin"),
        pytest.param({"margin": "0.1"}, id="text-margin"),
        pytest.param({"wait": "no"}, id="text-wait"),
        pytest.param({"fallback": 1}, id="number-fallback"),
    ],
)
def test_bad_timeouts_and_ceilings_are_refused(kwargs):
    """A timeout outside (0, 60] s, a max_pause outside [0 s, a day], a bool for seconds or a non-bool switch raise ValidationError naming it."""
    with pytest.raises(ma.ValidationError, match=f"^{next(iter(kwargs))} must be "):
        ma.RedisLimiter.from_url("redis://127.0.0.1:1/0", **kwargs)


async def test_a_redis_error_of_a_megabyte_gives_a_bounded_error(caplog):
    """A Redis whose every reply is a 1 MB error gives LimiterUnavailableError (and, with fallback, a log line) of a bounded text, cause included."""
    caplog.set_level(logging.WARNING, logger="moment_async")

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                writer.write(b"-ERR " + b"x" * 1_000_000 + b"\r\n")
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    url = f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    try:
        async with ma.RedisLimiter.from_url(url) as limiter:
            outcome, _ = await timed(limiter.acquire("file:1", SLOW, max_wait=5))
        async with ma.RedisLimiter.from_url(url, fallback=True) as limiter:
            await limiter.acquire("file:1", SLOW, max_wait=5)
    finally:
        server.close()
        await server.wait_closed()

    assert isinstance(outcome, ma.LimiterUnavailableError), outcome
    assert "characters in all)" in str(outcome)
    assert len(str(outcome)) < 5000
    assert outcome.__cause__ is not None
    assert len(str(outcome.__cause__)) < 5000
    assert [] != caplog.records
    assert all(len(record.getMessage()) < 5000 for record in caplog.records)


async def test_a_nan_max_wait_is_refused(own_redis):
    """A NaN max_wait raises ValidationError before any exchange with Redis."""
    async with ma.RedisLimiter.from_url(own_redis.url) as limiter:
        with pytest.raises(ma.ValidationError, match="max_wait"):
            await limiter.acquire("file:1", SLOW, max_wait=math.nan)


async def test_an_infinite_max_wait_is_no_bound(own_redis):
    """max_wait=inf waits as None does, without an OverflowError."""
    async with ma.RedisLimiter.from_url(own_redis.url, margin=0) as limiter:
        await limiter.acquire("file:1", FAST)

        waited = await limiter.acquire("file:1", FAST, max_wait=math.inf)

    assert waited is True
