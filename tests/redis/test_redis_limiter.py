"""
RedisLimiter against a real Redis: spacing, order, refusals, pause, release, expiry, outages.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import subprocess
import sys
import time
import warnings

import pytest
from redis.asyncio import Redis

import moment_async as ma
from moment_async.testing import MockTransport, Request, Response, json_response
from tests._processes import free_port

from ._server import RedisServer

FAST = ma.Rate(1, 0.2)
SLOW = ma.Rate(1, 5.0)
#: What a sleep may fall short of the spacing measured on this side: Redis
#: counts on its clock, the test on the process's.
EPSILON = 0.005


async def timed_acquire(limiter: ma.RedisLimiter, key: str, rate: ma.Rate) -> float:
    """
    Acquire *key* and return when (monotonic) the slot came.
    """
    await limiter.acquire(key, rate)
    return time.monotonic()


async def command_counts(redis: Redis) -> dict[str, int]:
    """
    Return the calls per command since the last CONFIG RESETSTAT, the test's own left out.

    Redis counts the commands a script runs as well as the EVALSHA that ran it.
    """
    stats = await redis.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(value["calls"])
        for name, value in stats.items()
        if name not in {"cmdstat_config|resetstat", "cmdstat_info"}
    }


async def settled_connections(redis: Redis, expected: int) -> int:
    """
    Return how many clients Redis serves, waiting (bounded) for closed ones to go.
    """
    count = len(await redis.client_list())
    for _ in range(50):
        if count == expected:
            break
        await asyncio.sleep(0.02)
        count = len(await redis.client_list())
    return count


async def get_file(request: Request) -> Response:
    """
    Answer every request with customer file 5.
    """
    return json_response({"id": 5, "name": "a", "customerFileStatus": "WAITING"})


async def test_redis_limiter_is_a_limiter(limiter):
    """RedisLimiter implements the public Limiter protocol and never takes a slot without I/O."""
    assert isinstance(limiter, ma.Limiter)
    assert limiter.try_acquire("file:1", SLOW) is False


async def test_fresh_key_goes_at_once(limiter, redis):
    """The first call on a key does not wait, and the key holds its next free time."""
    started = time.monotonic()

    waited = await limiter.acquire("file:1", SLOW)

    assert waited is False
    assert time.monotonic() - started < 0.5
    assert 1 == await redis.exists("moment-async:file:1")


async def test_an_uncontended_acquire_is_one_round_trip(limiter, redis):
    """After a warm-up, each acquire on a fresh key sends Redis one EVALSHA and nothing else."""
    await limiter.acquire("file:0", SLOW)  # connects and loads the script
    calls = 20
    await redis.config_resetstat()

    for n in range(1, calls + 1):
        await limiter.acquire(f"file:{n}", SLOW)

    counts = await command_counts(redis)
    # The script itself reads Redis' clock, reads the key and sets it.
    assert {"evalsha": calls, "time": calls, "get": calls, "set": calls} == counts


async def test_calls_on_one_key_are_spaced(limiter):
    """Three calls in a row on one key come one spacing apart; other keys do not wait."""
    times = [await timed_acquire(limiter, "file:1", FAST) for _ in range(3)]
    started = time.monotonic()
    await limiter.acquire("file:2", FAST)

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(FAST.spacing - EPSILON <= gap < FAST.spacing + 0.1 for gap in gaps)
    assert time.monotonic() - started < 0.1


async def test_margin_is_added_to_the_spacing(redis_url):
    """The default margin keeps calls 0.1 s further apart than the rate's spacing."""
    async with ma.RedisLimiter.from_url(redis_url) as limiter:
        first = await timed_acquire(limiter, "file:1", FAST)
        second = await timed_acquire(limiter, "file:1", FAST)

    assert FAST.spacing + ma._redis.DEFAULT_MARGIN - EPSILON <= second - first
    assert second - first < FAST.spacing + ma._redis.DEFAULT_MARGIN + 0.1


async def test_waiters_of_many_processes_are_served_in_order(redis_url):
    """Limiters on separate connections (as in separate processes) queue on one key in the order they asked."""
    limiters = [ma.RedisLimiter.from_url(redis_url, margin=0) for _ in range(5)]
    done: list[int] = []
    rate = ma.Rate(1, 0.1)

    async def one(index: int) -> float:
        await asyncio.sleep(index * 0.01)  # ask in index order
        await limiters[index].acquire("file:7", rate)
        done.append(index)
        return time.monotonic()

    try:
        times = await asyncio.gather(*(one(i) for i in range(5)))
    finally:
        for limiter in limiters:
            await limiter.aclose()

    assert [0, 1, 2, 3, 4] == done
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(rate.spacing - EPSILON <= gap < rate.spacing + 0.08 for gap in gaps)


async def test_wait_false_refuses_with_retry_after_and_reserves_nothing(
    redis_url, redis
):
    """With wait=False a busy key raises a local RateLimitError at once; the key keeps its time."""
    async with ma.RedisLimiter.from_url(redis_url, wait=False, margin=0) as limiter:
        await limiter.acquire("file:1", SLOW)
        before = await redis.get("moment-async:file:1")
        started = time.monotonic()

        with pytest.raises(ma.RateLimitError) as info:
            await limiter.acquire("file:1", SLOW)

        after = await redis.get("moment-async:file:1")
    assert time.monotonic() - started < 0.5
    assert info.value.local is True
    assert info.value.retry_after is not None
    assert 4.0 < info.value.retry_after <= SLOW.spacing
    assert "nothing was sent" in str(info.value)
    assert before == after


async def test_wait_false_lets_a_free_key_go(redis_url):
    """With wait=False a free key is taken at once."""
    async with ma.RedisLimiter.from_url(redis_url, wait=False) as limiter:
        waited = await limiter.acquire("file:1", SLOW)

    assert waited is False


async def test_a_wait_past_max_wait_times_out_reserving_nothing(limiter, redis):
    """A slot further away than max_wait raises TimeoutError at once and reserves nothing."""
    await limiter.acquire("file:1", SLOW)
    before = await redis.get("moment-async:file:1")
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        await limiter.acquire("file:1", SLOW, max_wait=1.0)

    assert time.monotonic() - started < 0.5
    assert before == await redis.get("moment-async:file:1")


async def test_a_wait_within_max_wait_waits(limiter):
    """A slot nearer than max_wait is waited for."""
    await limiter.acquire("file:1", FAST)

    waited = await limiter.acquire("file:1", FAST, max_wait=1.0)

    assert waited is True


async def test_pause_holds_the_key_for_every_process(redis_url):
    """A 429 seen by one process pauses the key for a limiter on another connection."""
    async with (
        ma.RedisLimiter.from_url(redis_url, margin=0) as one,
        ma.RedisLimiter.from_url(redis_url, margin=0) as other,
    ):
        await one.pause("file:1", 0.4)
        started = time.monotonic()

        waited = await other.acquire("file:1", FAST)

    assert waited is True
    assert 0.4 - EPSILON <= time.monotonic() - started < 0.6


async def test_pause_keeps_a_later_next_slot(limiter, redis):
    """A pause shorter than the key's current wait does not bring the next slot forward."""
    await limiter.acquire("file:1", SLOW)
    before = await redis.get("moment-async:file:1")

    await limiter.pause("file:1", 0.5)

    assert before == await redis.get("moment-async:file:1")


async def test_pause_holds_waiters_of_this_process_already_queued(limiter):
    """A call of this process that had reserved its slot before the 429 still sits out the pause."""
    await limiter.acquire("file:1", FAST)
    started = time.monotonic()
    queued = asyncio.create_task(timed_acquire(limiter, "file:1", FAST))
    await asyncio.sleep(0.05)  # the waiter has reserved its slot

    await limiter.pause("file:1", 0.6)

    assert 0.6 - EPSILON <= await queued - started < 0.8


async def test_a_pause_past_max_wait_times_out(limiter):
    """A queued call whose pause would outlast its max_wait raises TimeoutError."""
    await limiter.acquire("file:1", FAST)
    queued = asyncio.create_task(limiter.acquire("file:1", FAST, max_wait=0.5))
    await asyncio.sleep(0.05)  # the waiter has reserved its slot

    await limiter.pause("file:1", 2.0)

    with pytest.raises(TimeoutError):
        await queued


async def test_pauses_over_are_forgotten(limiter):
    """A pause that is over is dropped from the process's table at the next pause; other keys never wait for it."""
    await limiter.pause("file:1", 0.01)
    await asyncio.sleep(0.05)

    await limiter.pause("file:2", 5.0)

    assert ["file:2"] == list(limiter._paused)
    assert await limiter.acquire("file:1", FAST) is False
    await limiter.pause("file:3", 0.01)
    await asyncio.sleep(0.05)
    assert await limiter.acquire("file:3", FAST) is False
    assert "file:3" not in limiter._paused


async def test_release_gives_back_the_latest_slot(limiter, redis):
    """A slot given back by the call that took it lets the next call go at once."""
    await limiter.acquire("file:1", SLOW)

    await limiter.release("file:1")

    assert 0 == await redis.exists("moment-async:file:1")
    assert await limiter.acquire("file:1", SLOW, max_wait=0.1) is False


async def test_release_keeps_a_slot_others_queued_behind(limiter, redis):
    """A slot with a later reservation behind it is kept: the queue does not move."""
    await limiter.acquire("file:1", FAST)
    queued = asyncio.create_task(limiter.acquire("file:1", FAST))
    await asyncio.sleep(0.05)  # the waiter has reserved the next slot
    before = await redis.get("moment-async:file:1")

    await limiter.release("file:1")

    assert before == await redis.get("moment-async:file:1")
    assert await queued is True


async def test_release_without_a_slot_does_nothing(limiter, redis):
    """Releasing a key this task did not take changes nothing in Redis."""
    await limiter.acquire("file:1", SLOW)
    before = await redis.get("moment-async:file:1")

    await limiter.release("file:2")
    await asyncio.create_task(limiter.release("file:1"))  # another task

    assert before == await redis.get("moment-async:file:1")


async def test_idle_keys_vanish_from_redis(limiter, redis):
    """Every key expires once its next slot is free: idle keys leave nothing in Redis."""
    rate = ma.Rate(1, 1.0)
    keys = [f"moment-async:file:{n}" for n in range(200)]
    for n in range(200):
        await limiter.acquire(f"file:{n}", rate)
    assert 200 == await redis.dbsize()
    assert 0 < await redis.pttl(keys[-1]) <= 1000

    await asyncio.sleep(rate.spacing + 0.05)

    assert 0 == await redis.exists(*keys)
    for _ in range(20):  # Redis' active expiry cycle runs ten times a second
        if not await redis.dbsize():
            break
        await asyncio.sleep(0.05)
    assert 0 == await redis.dbsize()


async def test_key_prefix_names_the_keys(redis_url, redis):
    """key_prefix is put before every key in Redis."""
    async with ma.RedisLimiter.from_url(redis_url, key_prefix="team-a:") as limiter:
        await limiter.acquire("user:abc:1000", SLOW)

    assert [b"team-a:user:abc:1000"] == await redis.keys("*")


async def test_unreachable_redis_raises_a_typed_error():
    """A refused connection raises LimiterUnavailableError, without the URL's password."""
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with ma.RedisLimiter.from_url(url) as limiter:
        with pytest.raises(ma.LimiterUnavailableError) as info:
            await limiter.acquire("file:1", SLOW)

    assert isinstance(info.value, ma.MomentError)
    assert "nothing was sent" in str(info.value)
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(limiter)


async def test_lost_connection_raises_a_typed_error(own_redis):
    """Redis going away between two calls makes the next one raise LimiterUnavailableError."""
    async with ma.RedisLimiter.from_url(own_redis.url) as limiter:
        await limiter.acquire("file:1", SLOW)
        own_redis.stop()

        with pytest.raises(ma.LimiterUnavailableError):
            await limiter.acquire("file:2", SLOW)
        with pytest.raises(ma.LimiterUnavailableError):
            await limiter.pause("file:1", 1.0)


async def test_fallback_limits_in_process_warns_once_and_recovers(own_redis, caplog):
    """With fallback, an outage is logged once, limits hold in the process, and Redis is used again once back."""
    caplog.set_level(logging.INFO, logger="moment_async")
    async with ma.RedisLimiter.from_url(own_redis.url, fallback=True) as limiter:
        await limiter.acquire("file:1", FAST)
        own_redis.stop()

        first = await timed_acquire(limiter, "file:2", FAST)
        second = await timed_acquire(limiter, "file:2", FAST)
        third = await timed_acquire(limiter, "file:2", FAST)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert 1 == len(warnings)
        assert "unreachable" in warnings[0].getMessage()
        assert FAST.spacing - EPSILON <= second - first
        assert FAST.spacing - EPSILON <= third - second

        own_redis.start()  # the same port
        await asyncio.sleep(ma._redis._PROBE_INTERVAL)
        await limiter.acquire("file:3", FAST)

    back = Redis.from_url(own_redis.url)
    try:
        assert 1 == await back.exists("moment-async:file:3")
    finally:
        await back.aclose()
    assert 1 == len([r for r in caplog.records if r.levelno == logging.WARNING])
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_fallback_release_and_pause_stay_in_the_process(own_redis):
    """During an outage, release and pause act on the in-process limits."""
    async with ma.RedisLimiter.from_url(own_redis.url, fallback=True) as limiter:
        own_redis.stop()
        await limiter.acquire("file:1", SLOW)
        await limiter.release("file:1")
        given_back = await limiter.acquire("file:1", SLOW, max_wait=0.1)
        await limiter.pause("file:2", 0.3)
        started = time.monotonic()
        await limiter.acquire("file:2", FAST)

    assert given_back is False
    assert 0.3 - EPSILON <= time.monotonic() - started < 0.6


async def test_a_client_with_the_redis_limiter_gets_its_slot_back_when_nothing_was_sent(
    limiter,
):
    """A registration refused at connect time gives its Redis slot back: the retry goes at once."""
    answers: list[Response | BaseException] = [
        ma.ConnectError("refused"),
        json_response({"id": 1, "name": "a"}),
    ]

    async def handler(request: Request) -> Response:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async with ma.MomentClient(
        "token",
        transport=MockTransport(handler),
        limiter=limiter,
        retry=ma.RetryPolicy(backoff=0.01),
    ) as client:
        started = time.monotonic()
        await client.ad_account(1).customer_files.register_url(
            "a", "https://example.com/a.csv"
        )

    assert time.monotonic() - started < 2  # not the 5 s a used slot would cost
    assert not answers


async def test_a_client_with_the_redis_limiter_refuses_at_once_when_told_not_to_wait(
    redis_url,
):
    """A client whose RedisLimiter does not wait raises a local RateLimitError and sends nothing."""
    sent: list[Request] = []

    async def handler(request: Request) -> Response:
        sent.append(request)
        return json_response({"id": 5, "name": "a", "customerFileStatus": "WAITING"})

    async with (
        ma.RedisLimiter.from_url(redis_url, wait=False) as limiter,
        ma.MomentClient(
            "t", transport=MockTransport(handler), limiter=limiter
        ) as client,
    ):
        files = client.ad_account(1).customer_files
        await files.get(5)
        with pytest.raises(ma.RateLimitError) as info:
            await files.get(5)

    assert 1 == len(sent)
    assert info.value.local is True


async def test_aclose_closes_only_what_from_url_opened(redis_url):
    """A limiter built on a given client leaves it open; aclose may be called twice."""
    client = Redis.from_url(redis_url)
    limiter = ma.RedisLimiter(client)
    await limiter.acquire("file:1", SLOW)

    await limiter.aclose()
    await limiter.aclose()

    assert await client.ping() is True
    await client.aclose()


async def test_a_client_closes_the_limiter_from_url_it_was_given(redis_url, redis):
    """The issue's one-liner leaves no Redis connection open and no ResourceWarning once the client is closed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with ma.MomentClient(
            "t",
            transport=MockTransport(get_file),
            limiter=ma.RedisLimiter.from_url(redis_url),
        ) as client:
            await client.ad_account(1).customer_files.get(5)
            open_while_used = len(await redis.client_list())
        del client
        gc.collect()

    assert [] == [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert 2 == open_while_used  # the limiter's and this test's
    assert 1 == await settled_connections(redis, 1)


async def test_a_limiter_shared_by_two_clients_outlives_the_first_to_close(
    redis_url, redis
):
    """A from_url limiter keeps limiting for one client after the other closed it; the last close leaves nothing open."""
    limiter = ma.RedisLimiter.from_url(redis_url)
    first = ma.MomentClient("t", transport=MockTransport(get_file), limiter=limiter)
    second = ma.MomentClient("t", transport=MockTransport(get_file), limiter=limiter)
    async with first:
        await first.ad_account(1).customer_files.get(5)
    closed_by_first = await settled_connections(redis, 1)

    async with second:
        await second.ad_account(1).customer_files.get(6)
        reconnected = len(await redis.client_list())
        kept = await redis.exists("moment-async:file:5", "moment-async:file:6")
        with pytest.raises(ma.RequestTimeoutError):
            await second.ad_account(1).customer_files.get(5, timeout=0.5)

    assert 1 == closed_by_first
    assert 2 == reconnected
    assert 2 == kept  # both clients' calls were counted in Redis
    assert 1 == await settled_connections(redis, 1)


async def test_aclose_lets_calls_in_flight_finish(redis_url, redis):
    """Closing a from_url limiter while another client's call awaits Redis lets that call finish, then closes."""
    limiter = ma.RedisLimiter.from_url(redis_url)
    await limiter.acquire("file:0", SLOW)
    results = []

    # Close at each step of a call: before it sends, while it writes, while it reads.
    for steps in range(8):
        in_flight = asyncio.create_task(limiter.acquire(f"file:{steps + 1}", SLOW))
        for _ in range(steps):
            await asyncio.sleep(0)
        await limiter.aclose()
        results.append(await in_flight)

    assert [False] * 8 == results
    assert 8 == await redis.exists(*(f"moment-async:file:{n}" for n in range(1, 9)))
    assert 1 == await settled_connections(redis, 1)


async def test_a_failing_close_left_to_a_call_does_not_replace_its_result(
    redis_url, monkeypatch
):
    """When the last call on a closed limiter closes the client and that close fails, the call still gets its slot."""
    limiter = ma.RedisLimiter.from_url(redis_url)
    await limiter.acquire("file:0", SLOW)
    conn = limiter._conn
    assert conn is not None
    real_close = conn.redis.aclose
    closes = []

    async def failing_close() -> None:
        closes.append(True)
        await real_close()
        raise ConnectionError("reset while closing")

    monkeypatch.setattr(conn.redis, "aclose", failing_close)
    in_flight = asyncio.create_task(limiter.acquire("file:1", SLOW))
    await asyncio.sleep(0)
    await limiter.aclose()

    assert False is await in_flight
    assert [True] == closes


def test_the_from_url_limiter_connects_in_each_event_loop(redis_url):
    """A from_url limiter closed in one event loop works in the next one."""
    limiter = ma.RedisLimiter.from_url(redis_url)

    async def use(key: str) -> bool:
        waited = await limiter.acquire(key, SLOW)
        await limiter.aclose()
        return waited

    assert asyncio.run(use("file:1")) is False
    assert asyncio.run(use("file:2")) is False


def test_from_url_refuses_a_bad_url():
    """A URL that is not a Redis URL is refused when the limiter is made, not at its first call."""
    with pytest.raises(ValueError, match="redis://"):
        ma.RedisLimiter.from_url("http://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"margin": -1}, id="negative-margin"),
        pytest.param({"margin": 60}, id="huge-margin"),
        pytest.param({"key_prefix": 3}, id="prefix-not-a-string"),
    ],
)
async def test_bad_arguments_are_refused(redis_url, kwargs):
    """A negative or huge margin and a prefix that is not a string raise ValidationError."""
    client = Redis.from_url(redis_url)
    try:
        with pytest.raises(ma.ValidationError):
            ma.RedisLimiter(client, **kwargs)
    finally:
        await client.aclose()


def test_the_package_imports_without_the_redis_extra():
    """Without redis installed, import moment_async works and from_url says how to install the extra."""
    code = (
        "import sys\n"
        "sys.modules['redis'] = None\n"
        "import moment_async as ma\n"
        "try:\n"
        "    ma.RedisLimiter.from_url('redis://127.0.0.1:6379/0')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )

    out = subprocess.run(  # noqa: S603  # this interpreter, fixed code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    assert "pip install 'moment-async[redis]'" in out


def test_redis_server_helper_reports_what_is_missing(monkeypatch):
    """Without redis-server on PATH the fixture's helper says how to install it."""
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(FileNotFoundError) as info:
        RedisServer().start()

    assert "apt-get install redis-server" in str(info.value)
