"""
The in-process ``KeyedLimiter``: acquire cost, memory per key, eviction and loop stalls.

Four figures, each against a fixed limit (there is no reference to compare
with; ``aiolimiter.AsyncLimiter.acquire`` costs about 0.8 us, PERF-NOTES):

- **acquire cost**, ``try_acquire`` uncontended: on distinct keys (a
  fan-out, one key per customer file), and on repeated keys whose slot is
  free again (a few keys used in turn); the best of the rounds, at most
  2 us per call. A repeated key whose slot is taken (the refusal before a
  wait) and the ``await acquire()`` fast path are shown for information.
- **memory per active key**: tracemalloc before and after 100,000 keys
  acquired within their period (key strings included: the limiter holds
  them), divided; at most 1 KB.
- **memory after idling**: the same 100,000 keys, idle for one period;
  then 16 keys still in use are acquired in turn until the idle ones are
  evicted (a few per acquire). What is left over the empty limiter must
  be close to nothing: at most 16 KB (the 16 live keys and a small table).
- **largest loop stall while the 100,000 keys expire**: the same
  eviction, driven from a task that yields every 64 acquires, with a
  ticker task sleeping 1 ms and recording its largest lateness; under
  10 ms. The reference column is the same ticker over an idle loop for as
  long: the machine's own timer jitter. Run without tracemalloc, which
  slows allocations.

A short period (``Rate(1, 0.2)``) keeps the idle phases short. The Redis
limiter's cost (one round trip per acquire) is not measured here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import sys
import time
import tracemalloc
from collections.abc import Awaitable
from typing import Final

from moment_async import KeyedLimiter, Rate

from ._common import Row

KEYS: Final = 100_000
#: The period of the idle phases: keys idle this long are evictable.
PERIOD: Final = 0.2
#: The same under tracemalloc, which makes acquiring 100,000 keys take
#: about 0.3 s: every key must still be active when the last is acquired.
TRACED_PERIOD: Final = 1.0
#: A period no measurement outlasts: every key stays active.
LONG: Final = Rate(1, 3600.0)
#: Keys still in use while the others expire.
LIVE_KEYS: Final = 16
#: Acquires that evict at most: 4 evictions each, with room to spare.
MAX_EVICTING_ACQUIRES: Final = KEYS
TICK: Final = 0.001
ACQUIRE_LIMIT_US: Final = 2.0
KEY_LIMIT_BYTES: Final = 1024.0
IDLE_LIMIT_KB: Final = 16.0
STALL_LIMIT_MS: Final = 10.0


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
    """
    best: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        best[name] = min(best.get(name, value), value)

    distinct = _keys("file")
    # 1,000 keys in turn, each free again by its next turn (1 us spacing).
    repeated = _keys("file", 1000) * (KEYS // 1000)
    for _ in range(rounds):
        keep("distinct", _per_call(KeyedLimiter(), distinct, LONG))
        keep("repeated", _per_call(KeyedLimiter(), repeated, Rate(1, 1e-6)))
        taken = KeyedLimiter()
        taken.try_acquire("file:1", LONG)
        keep("refused", _per_call(taken, ["file:1"] * KEYS, LONG))
        keep("async", asyncio.run(_async_per_call(distinct)))
    return best


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


def memory() -> tuple[float, float, int]:
    """
    Return bytes per active key, KB left after idling and eviction, and the acquires that took.
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

        idle = KeyedLimiter()
        empty = _traced()
        rate = Rate(1, TRACED_PERIOD)
        _fill(idle, rate)
        time.sleep(TRACED_PERIOD * 1.5)
        acquires = _evict_by_use(idle, rate)
        left = (_traced() - empty) / 1024
    finally:
        tracemalloc.stop()
    return per_key, left, acquires


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


def _evict_by_use(limiter: KeyedLimiter, rate: Rate) -> int:
    """
    Acquire the live keys in turn until only they are left; return the acquires.
    """
    live = _keys("live", LIVE_KEYS)
    for n in range(MAX_EVICTING_ACQUIRES):
        limiter.try_acquire(live[n % LIVE_KEYS], rate)
        if len(limiter) <= LIVE_KEYS:
            return n + 1
    msg = f"{len(limiter)} keys left after {MAX_EVICTING_ACQUIRES} acquires"
    raise RuntimeError(msg)


@dataclasses.dataclass(frozen=True)
class Stall:
    """
    The loop's largest lateness while keys expired, and what it is against.
    """

    #: The ticker's largest lateness (ms) while the idle keys were evicted.
    worst_ms: float
    #: The same ticker's largest lateness over an idle loop, as long (ms):
    #: the machine's own timer jitter.
    idle_ms: float
    #: The longest a batch of 64 acquires held the loop (ms).
    batch_ms: float
    acquires: int


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
    Measure the loop's stalls while 100,000 idle keys are evicted by use.
    """
    limiter = KeyedLimiter()
    rate = Rate(1, PERIOD)
    _fill(limiter, rate)
    await asyncio.sleep(PERIOD * 1.5)
    live = _keys("live", LIVE_KEYS)
    acquires = 0
    batch = 0.0

    async def evict() -> None:
        nonlocal acquires, batch
        started = time.perf_counter()
        for acquires in range(1, MAX_EVICTING_ACQUIRES + 1):  # read after
            # Taken or refused, never waited for: both evict.
            limiter.try_acquire(live[acquires % LIVE_KEYS], rate)
            if acquires % 64 == 0:
                batch = max(batch, time.perf_counter() - started)
                await asyncio.sleep(0)
                started = time.perf_counter()
            if len(limiter) <= LIVE_KEYS:
                return

    began = time.perf_counter()
    worst = await _ticking(evict())
    idle = await _ticking(asyncio.sleep(time.perf_counter() - began))
    return Stall(worst, idle, batch * 1000, acquires)


def run(*, quick: bool = False) -> list[Row]:
    """
    Measure and return the rows.
    """
    costs = acquire_costs(rounds=3 if quick else 7)
    per_key, left_kb, evicting = memory()
    stall = asyncio.run(_stall())
    print(
        "  limiter: try_acquire "
        + ", ".join(f"{name} {us:.2f} us" for name, us in costs.items())
        + f"; {per_key:.0f} B per active key; {left_kb:.1f} KB left after"
        f" {KEYS:,} keys idled and {evicting:,} acquires evicted them;"
        f" largest loop stall {stall.worst_ms:.2f} ms over {stall.acquires:,}"
        f" evicting acquires (idle loop: {stall.idle_ms:.2f} ms; longest batch"
        f" of 64 acquires {stall.batch_ms:.2f} ms)",
        file=sys.stderr,
    )

    def row(name: str, value: float, unit: str, limit: float | None) -> Row:
        return Row(name=name, sdk=value, reference=None, unit=unit, limit=limit)

    return [
        row("limiter acquire, distinct keys", costs["distinct"], "us", ACQUIRE_LIMIT_US),
        row("limiter acquire, repeated keys", costs["repeated"], "us", ACQUIRE_LIMIT_US),
        row("limiter refusal, slot taken", costs["refused"], "us", None),
        row("limiter await acquire(), distinct", costs["async"], "us", None),
        row("limiter memory per active key", per_key, "B", KEY_LIMIT_BYTES),
        row(f"limiter memory, {KEYS:,} keys idle + evicted", left_kb, "KB", IDLE_LIMIT_KB),
        Row("limiter loop stall while keys expire", stall.worst_ms, stall.idle_ms, "ms", limit=STALL_LIMIT_MS),
    ]  # fmt: skip


if __name__ == "__main__":
    from ._common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
