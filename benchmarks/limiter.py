"""
The limiters: ``KeyedLimiter``'s acquire cost, memory, eviction and stalls; ``RedisLimiter``'s round trip.

Five figures of the in-process limiter, each against a fixed limit (there
is no reference to compare with; ``aiolimiter.AsyncLimiter.acquire`` costs
about 0.8 us, PERF-NOTES):

- **acquire cost**, ``try_acquire`` uncontended: on distinct keys (a
  fan-out, one key per customer file), and on repeated keys whose slot is
  free again (a few keys used in turn); the best of the rounds, at most
  2 us per call, inside a running loop as the client calls it. A repeated
  key whose slot is taken (the refusal before a wait), the ``await
  acquire()`` fast path, and distinct keys outside a loop (no sweep timer:
  each call evicts a few keys itself) are shown for information.
- **memory per active key**: tracemalloc before and after 100,000 keys
  acquired within their period (key strings included: the limiter holds
  them), divided; at most 1 KB.
- **memory per contended key**: the same for 10,000 keys whose calls
  contended, so each holds an ``aiolimiter.AsyncLimiter`` (taken twice
  with ``wait=False``: the second call makes the bucket, then is refused);
  at most 1 KB.
- **memory after idling**: the same 100,000 keys, idle for one period,
  with no call after them: the limiter's background sweep must evict them
  on its own. What is left over the empty limiter must be close to
  nothing: at most 16 KB (the loop's own bookkeeping).
- **largest loop stall while the 100,000 keys expire**: the same sweep,
  beside a ticker task sleeping 1 ms and recording its largest lateness,
  from the last acquire until the table is empty; under 10 ms. The
  reference column is the same ticker over an idle loop for as long: the
  machine's own timer jitter. Run without tracemalloc, which slows
  allocations.

A short period (``Rate(1, 0.2)``) keeps the idle phases short.

And one of ``RedisLimiter``: the mean ``await acquire()`` on fresh keys
(uncontended: nothing waits) against the mean ``PING`` of a plain
``redis.asyncio`` client, both to a redis-server this benchmark starts on
loopback in a temporary directory and stops. The ratio shows the cost of
one round trip plus the script; Redis' own command counts check that each
acquire sent exactly one EVALSHA. Without redis-server or the ``redis``
package the row is skipped, and the report says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import importlib.util
import itertools
import math
import shutil
import sys
import time
import tracemalloc
from collections.abc import Awaitable
from typing import Final

from moment_async import KeyedLimiter, Rate, RateLimitError, RedisLimiter
from tests.redis._server import RedisServer

from ._common import Row, paired_median

KEYS: Final = 100_000
#: The period of the idle phases: keys idle this long are evictable.
PERIOD: Final = 0.2
#: The same under tracemalloc, which makes acquiring 100,000 keys take
#: about 0.3 s: every key must still be active when the last is acquired.
TRACED_PERIOD: Final = 1.0
#: A period no measurement outlasts: every key stays active.
LONG: Final = Rate(1, 3600.0)
#: Keys whose calls contend, for the memory of a key with an aiolimiter.
CONTENDED_KEYS: Final = 10_000
#: How long past their period the idle keys may take to be evicted, in
#: periods, before the benchmark gives up: the sweep needs far less.
EVICT_WITHIN: Final = 5
TICK: Final = 0.001
ACQUIRE_LIMIT_US: Final = 2.0
KEY_LIMIT_BYTES: Final = 1024.0
IDLE_LIMIT_KB: Final = 16.0
STALL_LIMIT_MS: Final = 10.0
#: Acquires, and PINGs, per round of the Redis row; and its rounds.
REDIS_CALLS: Final = 2000
REDIS_ROUNDS: Final = 5


def _keys(prefix: str, count: int = KEYS) -> list[str]:
    return [f"{prefix}:{n}" for n in range(count)]


def _per_call(limiter: KeyedLimiter, keys: list[str], rate: Rate) -> float:
    """
    Return the microseconds per ``try_acquire`` of each of *keys* in turn.
    """
    try_acquire = limiter.try_acquire
    started = time.perf_counter()
    for key in keys:
        try_acquire(key, rate)
    return (time.perf_counter() - started) / len(keys) * 1e6


def acquire_costs(rounds: int) -> dict[str, float]:
    """
    Return the best microseconds per call of each way of acquiring.

    Measured inside a running loop, as the client acquires (the sweep's
    timer is then pending); ``no loop`` is distinct keys outside one, for
    information.
    """
    best: dict[str, float] = {}
    distinct = _keys("file")
    for _ in range(rounds):
        for name, value in asyncio.run(_round(distinct)).items():
            best[name] = min(best.get(name, value), value)
        best["no loop"] = min(
            best.get("no loop", math.inf), _per_call(KeyedLimiter(), distinct, LONG)
        )
    return best


async def _round(distinct: list[str]) -> dict[str, float]:
    """
    Measure each way of acquiring once, in the running loop.
    """
    # 1,000 keys in turn, each free again by its next turn (1 us spacing).
    repeated = _keys("file", 1000) * (KEYS // 1000)
    taken = KeyedLimiter()
    taken.try_acquire("file:1", LONG)
    return {
        "distinct": _per_call(KeyedLimiter(), distinct, LONG),
        "repeated": _per_call(KeyedLimiter(), repeated, Rate(1, 1e-6)),
        "refused": _per_call(taken, ["file:1"] * KEYS, LONG),
        "async": await _async_per_call(distinct),
    }


async def _async_per_call(keys: list[str]) -> float:
    limiter = KeyedLimiter()
    acquire = limiter.acquire
    started = time.perf_counter()
    for key in keys:
        await acquire(key, LONG)
    return (time.perf_counter() - started) / len(keys) * 1e6


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@dataclasses.dataclass(frozen=True)
class Memory:
    """
    What the limiter's keys cost, and what is left once they went idle.
    """

    #: Bytes per key acquired within its period (key string included).
    per_key: float
    #: Bytes per key whose calls contended: with a ``_Bucket`` and aiolimiter.
    per_contended_key: float
    #: KB left over an empty limiter after the keys idled and were swept.
    left_kb: float
    #: Milliseconds from the last key's expiry until the table was empty.
    swept_ms: float


async def memory() -> Memory:
    """
    Measure bytes per active and per contended key, and what is left after idling.
    """
    tracemalloc.start()
    try:
        limiter = KeyedLimiter()
        empty = _traced()
        for n in range(KEYS):
            # The key is built here, as the client builds one per call.
            limiter.try_acquire(f"file:{n}", LONG)
        if len(limiter) != KEYS:
            msg = f"{len(limiter)} active keys, not {KEYS}"
            raise RuntimeError(msg)
        per_key = (_traced() - empty) / KEYS
        del limiter

        contended = KeyedLimiter(wait=False)
        empty = _traced()
        for n in range(CONTENDED_KEYS):
            key = f"file:{n}"
            contended.try_acquire(key, LONG)
            with contextlib.suppress(RateLimitError):
                await contended.acquire(key, LONG)
        per_contended_key = (_traced() - empty) / CONTENDED_KEYS
        del contended

        idle = KeyedLimiter()
        empty = _traced()
        _fill(idle, Rate(1, TRACED_PERIOD))
        swept = await _until_swept(idle, TRACED_PERIOD)
        left = (_traced() - empty) / 1024
    finally:
        tracemalloc.stop()
    return Memory(per_key, per_contended_key, left, swept * 1000)


async def _until_swept(limiter: KeyedLimiter, period: float) -> float:
    """
    Wait, making no call, until *limiter* is empty; return the seconds it took past *period*.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.sleep(period)
    deadline = started + period * EVICT_WITHIN
    while len(limiter):
        if loop.time() > deadline:
            msg = f"{len(limiter):,} keys left {EVICT_WITHIN} periods after the last acquire"
            raise RuntimeError(msg)
        await asyncio.sleep(TICK)
    return loop.time() - started - period


def _fill(limiter: KeyedLimiter, rate: Rate) -> None:
    """
    Acquire 100,000 distinct keys; check that all are active at the end.
    """
    keys = _keys("file")
    for key in keys:
        limiter.try_acquire(key, rate)
    if len(limiter) != KEYS:
        msg = f"only {len(limiter)} of {KEYS} keys were active at once"
        raise RuntimeError(msg)
    # From here on the limiter alone holds the key strings.
    del keys


@dataclasses.dataclass(frozen=True)
class Stall:
    """
    The loop's largest lateness while keys expired, and what it is against.
    """

    #: The ticker's largest lateness (ms) while the idle keys were swept.
    worst_ms: float
    #: The same ticker's largest lateness over an idle loop, as long (ms):
    #: the machine's own timer jitter.
    idle_ms: float
    #: Milliseconds from the last key's expiry until the table was empty.
    swept_ms: float


async def _ticking(work: Awaitable[None]) -> float:
    """
    Await *work* beside a 1 ms ticker; return the ticker's largest lateness (ms).
    """
    loop = asyncio.get_running_loop()
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        # Bounded: *work* ends, then done is set.
        while not done.is_set():
            planned = loop.time() + TICK
            await asyncio.sleep(TICK)
            worst = max(worst, loop.time() - planned)

    async with asyncio.TaskGroup() as group:
        group.create_task(ticker())
        await asyncio.sleep(TICK * 3)
        await work
        await asyncio.sleep(TICK * 3)
        done.set()
    return worst * 1000


async def _stall() -> Stall:
    """
    Measure the loop's stalls while the background sweep evicts 100,000 idle keys.
    """
    limiter = KeyedLimiter()
    _fill(limiter, Rate(1, PERIOD))
    swept = 0.0

    async def expire() -> None:
        nonlocal swept
        swept = await _until_swept(limiter, PERIOD)

    began = time.perf_counter()
    worst = await _ticking(expire())
    idle = await _ticking(asyncio.sleep(time.perf_counter() - began))
    return Stall(worst, idle, swept * 1000)


async def _redis_rounds(
    url: str, calls: int, rounds: int
) -> tuple[list[float], list[float], float]:
    """
    Return the microseconds per acquire and per PING of each round, and Redis' per EVALSHA.
    """
    from redis.asyncio import Redis  # noqa: PLC0415  # an optional extra

    limiter = RedisLimiter.from_url(url, margin=0)
    plain = Redis.from_url(url)
    keys = (f"file:{n}" for n in itertools.count())
    acquires: list[float] = []
    pings: list[float] = []
    try:
        await limiter.acquire(next(keys), LONG)  # connects, loads the script
        await plain.ping()
        await plain.config_resetstat()
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(calls):
                await limiter.acquire(next(keys), LONG)
            acquires.append((time.perf_counter() - started) / calls * 1e6)
            started = time.perf_counter()
            for _ in range(calls):
                await plain.ping()
            pings.append((time.perf_counter() - started) / calls * 1e6)
        stats = await plain.info("commandstats")
    finally:
        await limiter.aclose()
        await plain.aclose()
    evalsha = stats.get("cmdstat_evalsha", {})
    if evalsha.get("calls") != calls * rounds:
        msg = f"{evalsha} for {calls * rounds} acquires: not one EVALSHA each"
        raise RuntimeError(msg)
    return acquires, pings, float(evalsha["usec_per_call"])


def redis_rows(*, quick: bool = False) -> list[Row]:
    """
    Measure ``RedisLimiter.acquire`` against PING; no rows without redis-server.
    """
    executable = shutil.which("redis-server")
    if executable is None or importlib.util.find_spec("redis") is None:
        why = (
            "redis-server is not on PATH" if executable is None else "no redis package"
        )
        print(f"  limiter: Redis row skipped: {why}", file=sys.stderr)
        return []
    calls, rounds = (500, 3) if quick else (REDIS_CALLS, REDIS_ROUNDS)
    with RedisServer() as server:
        acquires, pings, script = asyncio.run(_redis_rounds(server.url, calls, rounds))
    print(
        f"  limiter: Redis acquire {min(acquires):.1f} us, PING {min(pings):.1f} us"
        f" (best of {rounds} rounds of {calls:,}); one EVALSHA per acquire,"
        f" {script:.1f} us each inside Redis",
        file=sys.stderr,
    )
    return [
        Row(
            "limiter Redis acquire vs PING round trip",
            sdk=min(acquires),
            reference=min(pings),
            unit="us",
            paired=paired_median(acquires, pings),
        )
    ]


def run(*, quick: bool = False) -> list[Row]:
    """
    Measure and return the rows.
    """
    costs = acquire_costs(rounds=3 if quick else 7)
    mem = asyncio.run(memory())
    stall = asyncio.run(_stall())
    print(
        "  limiter: try_acquire "
        + ", ".join(f"{name} {us:.2f} us" for name, us in costs.items())
        + f"; {mem.per_key:.0f} B per active key, {mem.per_contended_key:.0f} B"
        f" per contended key; {mem.left_kb:.1f} KB left after {KEYS:,} keys"
        f" idled, no call after them (swept {mem.swept_ms:.0f} ms after their"
        f" period under tracemalloc); largest loop stall {stall.worst_ms:.2f} ms"
        f" while the sweep evicted them in {stall.swept_ms:.0f} ms past the"
        f" period (idle loop: {stall.idle_ms:.2f} ms)",
        file=sys.stderr,
    )

    def row(name: str, value: float, unit: str, limit: float | None) -> Row:
        return Row(name=name, sdk=value, reference=None, unit=unit, limit=limit)

    return [
        row("limiter acquire, distinct keys", costs["distinct"], "us", ACQUIRE_LIMIT_US),
        row("limiter acquire, repeated keys", costs["repeated"], "us", ACQUIRE_LIMIT_US),
        row("limiter refusal, slot taken", costs["refused"], "us", None),
        row("limiter await acquire(), distinct", costs["async"], "us", None),
        row("limiter memory per active key", mem.per_key, "B", KEY_LIMIT_BYTES),
        row("limiter memory per contended key", mem.per_contended_key, "B", KEY_LIMIT_BYTES),
        row(f"limiter memory, {KEYS:,} keys idle, swept", mem.left_kb, "KB", IDLE_LIMIT_KB),
        Row("limiter loop stall while keys expire", stall.worst_ms, stall.idle_ms, "ms", limit=STALL_LIMIT_MS),
        *redis_rows(quick=quick),
    ]  # fmt: skip


if __name__ == "__main__":
    from ._common import format_table

    # --redis: the Redis row alone (a few seconds).
    only = redis_rows if "--redis" in sys.argv else run
    print(format_table(only(quick="--quick" in sys.argv)))
