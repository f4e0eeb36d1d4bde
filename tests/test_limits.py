"""
KeyedLimiter and Rate: spacing per key, refusals, timeouts and eviction of idle keys.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import math
import time
import tracemalloc
import weakref

import pytest

import moment_async as ma
from moment_async import _limits
from moment_async._constants import MAX_RETRY_AFTER

#: Slack for timer granularity when checking that a wait was long enough.
EPSILON = 0.02


async def timed(limiter: ma.KeyedLimiter, key: str, rate: ma.Rate) -> float:
    """
    Return the seconds one acquire of *key* took.
    """
    started = time.monotonic()
    await limiter.acquire(key, rate)
    return time.monotonic() - started


def test_rate_spacing_is_period_over_calls():
    """A rate's spacing is its period divided by its calls."""
    rate = ma.Rate(4, 2.0)

    spacing = rate.spacing

    assert 0.5 == spacing


async def test_acquire_on_fresh_key_does_not_wait():
    """The first acquire of a key returns at once and says it did not wait."""
    limiter = ma.KeyedLimiter()
    started = time.monotonic()

    waited = await limiter.acquire("file:1", ma.Rate(1, 5.0))

    assert False is waited
    assert time.monotonic() - started < 0.1


async def test_second_acquire_on_same_key_waits_one_spacing():
    """A second acquire on the same key waits about one spacing and says so."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.2)
    await limiter.acquire("file:1", rate)
    started = time.monotonic()

    waited = await limiter.acquire("file:1", rate)

    elapsed = time.monotonic() - started
    assert True is waited
    assert 0.15 <= elapsed < 1.5


async def test_different_keys_do_not_wait_on_each_other():
    """Acquires on distinct keys under a slow rate all pass at once."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 5.0)
    started = time.monotonic()

    waited = await asyncio.gather(
        *(limiter.acquire(f"file:{n}", rate) for n in range(50))
    )

    assert [False] * 50 == waited
    assert time.monotonic() - started < 0.5


async def test_acquire_after_a_full_spacing_does_not_wait():
    """A key idle for one spacing is like a fresh one."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    await limiter.acquire("file:1", rate)
    await asyncio.sleep(0.1)

    waited = await limiter.acquire("file:1", rate)

    assert False is waited


async def test_no_wait_lets_first_call_through():
    """With wait=False the first call on a key passes."""
    limiter = ma.KeyedLimiter(wait=False)

    waited = await limiter.acquire("file:1", ma.Rate(1, 5.0))

    assert False is waited


async def test_no_wait_refuses_without_slot():
    """With wait=False a call on a busy key raises a local RateLimitError with retry_after."""
    limiter = ma.KeyedLimiter(wait=False)
    rate = ma.Rate(1, 5.0)
    await limiter.acquire("file:1", rate)

    with pytest.raises(ma.RateLimitError) as info:
        await limiter.acquire("file:1", rate)

    error = info.value
    assert True is error.local
    assert error.retry_after is not None
    assert 0 < error.retry_after <= 5.0
    assert "nothing was sent" in str(error)


async def test_no_wait_refuses_every_call_within_the_spacing():
    """With wait=False no further call on a busy key passes until the spacing is over."""
    limiter = ma.KeyedLimiter(wait=False)
    rate = ma.Rate(1, 5.0)
    await limiter.acquire("file:1", rate)
    outcomes = []

    for _ in range(3):
        try:
            await limiter.acquire("file:1", rate)
        except ma.RateLimitError:
            outcomes.append("refused")
        else:
            outcomes.append("passed")

    assert ["refused"] * 3 == outcomes


async def test_no_wait_keeps_other_keys_free():
    """A refusal on one key does not affect another key."""
    limiter = ma.KeyedLimiter(wait=False)
    rate = ma.Rate(1, 5.0)
    await limiter.acquire("file:1", rate)
    with pytest.raises(ma.RateLimitError):
        await limiter.acquire("file:1", rate)

    waited = await limiter.acquire("file:2", rate)

    assert False is waited


async def test_max_wait_shorter_than_the_wait_raises_timeout():
    """A slot that cannot come within max_wait raises TimeoutError quickly."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 2.0)
    await limiter.acquire("file:1", rate)
    started = time.monotonic()

    with pytest.raises(TimeoutError):
        await limiter.acquire("file:1", rate, max_wait=0.05)

    assert time.monotonic() - started < 1.0


async def test_max_wait_longer_than_the_wait_passes():
    """A slot that comes within max_wait is taken."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.1)
    await limiter.acquire("file:1", rate)

    waited = await limiter.acquire("file:1", rate, max_wait=2.0)

    assert True is waited


def test_idle_keys_are_evicted_by_later_acquires():
    """With no loop to sweep, keys idle for a spacing are dropped as new keys come, a few per acquire."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    for n in range(1000):
        limiter.try_acquire(f"old:{n}", rate)
    assert 1000 == len(limiter)
    time.sleep(0.1)

    for n in range(300):
        limiter.try_acquire(f"new:{n}", rate)

    assert len(limiter) < 700


async def test_key_with_waiter_in_flight_is_never_evicted():
    """A key whose waiter is in flight survives eviction and keeps its spacing."""
    limiter = ma.KeyedLimiter()
    slow = ma.Rate(1, 0.5)
    fast = ma.Rate(1, 0.01)
    for n in range(20):
        await limiter.acquire(f"old:{n}", fast)
    await limiter.acquire("busy", slow)
    waiter = asyncio.create_task(timed(limiter, "busy", slow))
    await asyncio.sleep(0.05)

    for n in range(200):
        await limiter.acquire(f"new:{n}", fast)
    taken_while_waiting = limiter.try_acquire("busy", slow)
    elapsed = await waiter
    waited_after = await timed(limiter, "busy", slow)

    assert False is taken_while_waiting
    assert elapsed >= 0.5 - EPSILON
    assert waited_after >= 0.5 - EPSILON


async def test_sequential_acquires_are_spaced_without_burst():
    """N acquires in a row on one key take at least (N - 1) spacings."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.1)
    calls = 6
    started = time.monotonic()

    for _ in range(calls):
        await limiter.acquire("file:1", rate)

    assert time.monotonic() - started >= (calls - 1) * 0.1 - EPSILON


async def test_multi_call_rate_is_spaced_without_burst():
    """Rate(3, 0.3) spaces calls 0.1 s apart instead of letting three through at once."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(3, 0.3)
    calls = 4
    started = time.monotonic()

    for _ in range(calls):
        await limiter.acquire("file:1", rate)

    assert time.monotonic() - started >= (calls - 1) * 0.1 - EPSILON


async def test_concurrent_acquires_on_one_key_are_spaced():
    """Acquires started together on one key finish one spacing apart."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.1)
    calls = 5
    started = time.monotonic()

    async def one() -> float:
        await limiter.acquire("file:1", rate)
        return time.monotonic() - started

    finished = sorted(await asyncio.gather(*(one() for _ in range(calls))))

    gaps = [later - earlier for earlier, later in itertools.pairwise(finished)]
    assert finished[-1] >= (calls - 1) * 0.1 - EPSILON
    assert all(gap >= 0.1 - EPSILON for gap in gaps), gaps


async def test_concurrent_acquires_report_who_waited():
    """Of acquires started together on a fresh key, exactly the first did not wait."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)

    waited = await asyncio.gather(*(limiter.acquire("file:1", rate) for _ in range(3)))

    assert [False, True, True] == waited


def test_try_acquire_takes_a_free_slot_once():
    """try_acquire takes a free slot and then says the key is busy."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 5.0)

    first = limiter.try_acquire("file:1", rate)
    second = limiter.try_acquire("file:1", rate)

    assert (True, False) == (first, second)


def test_repr_shows_keys_and_mode():
    """The repr shows the number of keys and whether calls wait."""
    limiter = ma.KeyedLimiter(wait=False)
    limiter.try_acquire("file:1", ma.Rate(1, 5.0))

    text = repr(limiter)

    assert "<KeyedLimiter keys=1 wait=False>" == text


def test_memory_returns_to_an_empty_limiters_once_idle_keys_are_evicted():
    """After 5,000 keys go idle and acquires evict them, the table is rebuilt small: memory is back to baseline."""
    tracemalloc.start()
    try:
        limiter = ma.KeyedLimiter()
        rate = ma.Rate(1, 0.05)
        gc.collect()
        empty = tracemalloc.get_traced_memory()[0]
        for n in range(5000):
            limiter.try_acquire(f"old:{n}", rate)
        time.sleep(0.1)

        for _ in range(2000):
            limiter.try_acquire("live", rate)
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - empty
    finally:
        tracemalloc.stop()

    assert 1 == len(limiter)
    assert left < 4096


def test_a_key_taken_while_the_table_is_rebuilt_is_kept():
    """The acquire that triggers a rebuild of the table keeps its own slot in the new table."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    for n in range(300):
        limiter.try_acquire(f"old:{n}", rate)
    time.sleep(0.1)
    table = limiter._buckets

    taken = [limiter.try_acquire(f"new:{n}", rate) for n in range(150)]
    again = [limiter.try_acquire(f"new:{n}", rate) for n in range(150)]

    assert table is not limiter._buckets
    assert [True] * 150 == taken
    assert [False] * 150 == again


async def test_a_waiter_survives_a_rebuild_of_the_table():
    """A key whose waiter is in flight is copied into the rebuilt table and keeps its spacing."""
    limiter = ma.KeyedLimiter()
    slow = ma.Rate(1, 0.3)
    fast = ma.Rate(1, 0.01)
    for n in range(300):
        await limiter.acquire(f"old:{n}", fast)
    await limiter.acquire("busy", slow)
    waiter = asyncio.create_task(timed(limiter, "busy", slow))
    await asyncio.sleep(0.05)
    table = limiter._buckets

    for n in range(200):
        await limiter.acquire(f"new:{n}", fast)
    elapsed = await waiter
    waited_after = await timed(limiter, "busy", slow)

    assert table is not limiter._buckets
    assert elapsed >= 0.3 - EPSILON
    assert waited_after >= 0.3 - EPSILON


async def fill(
    limiter: ma.KeyedLimiter, count: int, rate: ma.Rate, prefix: str = "file"
) -> None:
    """
    Take a slot of *count* new keys, all in one go.
    """
    held = len(limiter)
    for n in range(count):
        limiter.try_acquire(f"{prefix}:{n}", rate)
    assert held + count == len(limiter)


async def until_empty(limiter: ma.KeyedLimiter, within: float) -> float:
    """
    Sleep in 1 ms ticks until *limiter* holds no key or *within* seconds pass; return the largest lateness of a tick.
    """
    loop = asyncio.get_running_loop()
    worst = 0.0
    deadline = loop.time() + within
    while len(limiter) and loop.time() < deadline:
        planned = loop.time() + 0.001
        await asyncio.sleep(0.001)
        worst = max(worst, loop.time() - planned)
    return worst


def count_sweeps(limiter: ma.KeyedLimiter) -> list[int]:
    """
    Count the batches *limiter* sweeps from now on, in the one item of the list returned.
    """
    count = [0]
    sweep = limiter._sweep

    def counted(now: float, budget: int) -> float:
        count[0] += 1
        return sweep(now, budget)

    limiter._sweep = counted  # type: ignore[method-assign]  # spy on one instance
    return count


async def test_idle_keys_are_evicted_without_further_calls():
    """10,000 keys idle for one period are all dropped by the background sweep, with no call coming after them."""
    limiter = ma.KeyedLimiter()
    await fill(limiter, 10_000, ma.Rate(1, 0.1))

    await asyncio.sleep(0.1 + 0.1)

    assert 0 == len(limiter)


async def test_memory_is_back_to_baseline_without_further_calls():
    """After 5,000 keys go idle and no call comes, the sweep frees them and the table: memory is back to baseline."""
    tracemalloc.start()
    try:
        limiter = ma.KeyedLimiter()
        gc.collect()
        empty = tracemalloc.get_traced_memory()[0]
        # Long enough for 5,000 acquires under tracemalloc and coverage.
        await fill(limiter, 5000, ma.Rate(1, 0.5))

        await until_empty(limiter, within=3.0)
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - empty
    finally:
        tracemalloc.stop()

    assert 0 == len(limiter)
    # What is left is the loop's own bookkeeping: 5,000 keys take ~900 KB.
    assert left < 4096


async def test_sweeping_100_000_keys_never_stalls_the_loop():
    """While 100,000 idle keys are evicted, a 1 ms ticker is never late by much: the sweep works in small batches."""
    limiter = ma.KeyedLimiter()
    # Long enough for 100,000 acquires under coverage: all expire after.
    await fill(limiter, 100_000, ma.Rate(1, 1.0))

    worst = await until_empty(limiter, within=6.0)

    assert 0 == len(limiter)
    # The target is 10 ms; the bound leaves room for a loaded test machine.
    assert worst < 0.05


async def test_the_sweep_stops_once_the_table_is_empty():
    """With every key evicted, no sweep runs any more and no live sweep timer is left on the loop."""
    limiter = ma.KeyedLimiter()
    await fill(limiter, 100, ma.Rate(1, 0.02))
    await until_empty(limiter, within=2.0)
    sweeps = count_sweeps(limiter)

    await asyncio.sleep(0.1)

    assert None is limiter._timer
    assert [0] == sweeps
    assert not any(
        handle._callback is _limits._on_timer and not handle.cancelled()
        for handle in asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]  # the loop's own timer heap
    )


async def test_the_sweep_restarts_when_keys_come_again():
    """Keys taken after the table emptied are swept too."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.02)
    await fill(limiter, 100, rate)
    await until_empty(limiter, within=2.0)

    await fill(limiter, 100, rate, prefix="again")
    await until_empty(limiter, within=2.0)

    assert 0 == len(limiter)


async def test_a_paused_key_does_not_pin_idle_keys_behind_it():
    """A key paused by a 429 for long stays; the idle keys taken after it are still evicted."""
    limiter = ma.KeyedLimiter()
    await limiter.pause("paused", 30.0)
    await fill(limiter, 1000, ma.Rate(1, 0.02))

    await asyncio.sleep(0.15)

    assert ["paused"] == list(limiter._buckets)
    assert False is limiter.try_acquire("paused", ma.Rate(1, 0.02))


async def test_a_waiting_key_does_not_pin_idle_keys_behind_it():
    """A key with a call waiting stays; the idle keys taken after it are still evicted."""
    limiter = ma.KeyedLimiter()
    slow = ma.Rate(1, 0.4)
    await limiter.acquire("busy", slow)
    waiter = asyncio.create_task(timed(limiter, "busy", slow))
    await asyncio.sleep(0.01)
    await fill(limiter, 1000, ma.Rate(1, 0.02))

    await asyncio.sleep(0.15)
    left = list(limiter._buckets)
    elapsed = await waiter

    assert ["busy"] == left
    assert elapsed >= 0.4 - EPSILON


async def test_a_dropped_limiter_is_freed_with_its_sweep_pending():
    """The sweep's timer holds the limiter weakly: dropping the limiter frees it, and the timer then does nothing."""
    limiter = ma.KeyedLimiter()
    await fill(limiter, 10, ma.Rate(1, 0.02))
    ref = weakref.ref(limiter)

    del limiter
    gc.collect()
    await asyncio.sleep(0.05)

    assert None is ref()


def test_a_closed_loop_is_not_kept_and_the_next_loop_sweeps():
    """A sweep left pending on a closed loop keeps no reference to it; keys taken on the next loop are swept there."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.02)
    loops = []

    async def first() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await fill(limiter, 10, rate)

    asyncio.run(first())
    gc.collect()
    freed = loops[0]() is None

    async def again() -> None:
        # Not fill(): the first loop's keys may be evicted as these come.
        for n in range(10):
            limiter.try_acquire(f"next:{n}", rate)
        await until_empty(limiter, within=2.0)

    asyncio.run(again())

    assert freed
    assert 0 == len(limiter)


def test_a_free_key_behind_a_busy_one_is_taken_in_place():
    """A key whose slot is free again, behind one still in use, is taken again and moves to the recent end."""
    limiter = ma.KeyedLimiter()
    limiter.try_acquire("slow", ma.Rate(1, 5.0))
    limiter.try_acquire("fast", ma.Rate(1, 0.01))
    time.sleep(0.02)

    taken = limiter.try_acquire("fast", ma.Rate(1, 0.01))

    assert True is taken
    assert ["slow", "fast"] == list(limiter._buckets)


async def test_a_contended_key_is_evicted_once_idle():
    """A key whose calls contended (it holds an aiolimiter) is dropped by the sweep once idle for a spacing."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    await asyncio.gather(*(limiter.acquire("busy", rate) for _ in range(2)))
    assert isinstance(limiter._buckets["busy"], _limits._Bucket)

    await until_empty(limiter, within=2.0)

    assert 0 == len(limiter)


def test_try_acquire_works_without_a_running_loop():
    """Outside a loop try_acquire still takes and refuses slots; no sweep is started."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 5.0)

    taken = (limiter.try_acquire("file:1", rate), limiter.try_acquire("file:1", rate))

    assert (True, False) == taken
    assert None is limiter._timer


@pytest.mark.parametrize(
    "paused", [pytest.param(False, id="waiting"), pytest.param(True, id="paused")]
)
async def test_keys_that_must_stay_are_not_looked_at_again_and_again(paused):
    """2,000 keys that must stay a while (calls waiting, or paused by a 429) are swept a few times in 0.3 s, not every 10 ms, and evicted once free."""
    limiter = ma.KeyedLimiter()
    slow = ma.Rate(1, 0.5)
    # An idle key in front starts the sweep while the others must stay.
    limiter.try_acquire("front", ma.Rate(1, 0.01))
    keys = [f"file:{n}" for n in range(2000)]
    for key in keys:
        if paused:
            await limiter.pause(key, 0.5)
        else:
            limiter.try_acquire(key, slow)
    waiters = [] if paused else [limiter.acquire(key, slow) for key in keys]
    waiting = asyncio.gather(*waiters)
    sweeps = count_sweeps(limiter)

    await asyncio.sleep(0.3)
    swept, held = sweeps[0], len(limiter)
    await waiting
    await until_empty(limiter, within=3.0)

    assert 2000 == held
    assert swept <= 5, swept
    assert 0 == len(limiter)


HOSTILE_PAUSES = [
    pytest.param(math.inf, id="inf"),
    pytest.param(1e300, id="1e300"),
    pytest.param(10**400, id="int-10**400"),
    pytest.param(1e9, id="eleven-days"),
]


@pytest.mark.parametrize("seconds", HOSTILE_PAUSES)
async def test_a_hostile_pause_is_cut_to_the_ceiling(seconds):
    """A pause of inf, 1e300, 10**400 or eleven days holds a key for 10 minutes at most, and raises nothing."""
    limiter = ma.KeyedLimiter()

    await limiter.pause("file:1", seconds)

    free_at = limiter._buckets["file:1"]
    assert isinstance(free_at, float)
    assert free_at <= time.monotonic() + MAX_RETRY_AFTER


@pytest.mark.parametrize(
    "contended", [pytest.param(False, id="idle"), pytest.param(True, id="contended")]
)
async def test_a_key_paused_by_a_hostile_answer_is_usable_after_the_ceiling(
    contended,
):
    """With max_pause=0.2, a key paused for ever is free again 0.2 s later, whether its calls contended or not."""
    limiter = ma.KeyedLimiter(max_pause=0.2)
    rate = ma.Rate(1, 0.05)
    if contended:
        await asyncio.gather(*(limiter.acquire("file:1", rate) for _ in range(2)))
        assert isinstance(limiter._buckets["file:1"], _limits._Bucket)
    await limiter.pause("file:1", math.inf)
    started = time.monotonic()

    waited = await limiter.acquire("file:1", rate, max_wait=2.0)

    # A key still paused would end in TimeoutError, at once or at max_wait.
    assert True is waited
    assert 0.2 - EPSILON <= time.monotonic() - started < 0.2 + 1.5


@pytest.mark.parametrize(
    "contended", [pytest.param(False, id="idle"), pytest.param(True, id="contended")]
)
async def test_a_key_paused_past_the_deadline_times_out_at_once(contended):
    """A key paused for 600 s against a max_wait of 60 s raises TimeoutError at once, as RedisLimiter does, not after 60 s."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    if contended:
        await asyncio.gather(*(limiter.acquire("file:1", rate) for _ in range(2)))
        assert isinstance(limiter._buckets["file:1"], _limits._Bucket)
    await limiter.pause("file:1", 600)
    started = time.monotonic()

    # The outer bound ends the old wait of 60 s; it must not be what ends this one.
    async with asyncio.timeout(5):
        with pytest.raises(TimeoutError) as caught:
            await limiter.acquire("file:1", rate, max_wait=60)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert "the next slot of file is 600" in str(caught.value)
    assert "s away, past the 60.000 s allowed" in str(caught.value)


async def test_a_key_paused_within_the_deadline_is_waited_for():
    """A pause that ends before max_wait is waited out, and the slot taken."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    await limiter.pause("file:1", 0.2)
    started = time.monotonic()

    waited = await limiter.acquire("file:1", rate, max_wait=0.5)

    assert True is waited
    assert 0.2 - EPSILON <= time.monotonic() - started


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(-5.0, id="negative"),
        pytest.param(-math.inf, id="-inf"),
    ],
)
async def test_a_pause_of_no_time_pauses_nothing(seconds):
    """A NaN or negative pause leaves a fresh key free."""
    limiter = ma.KeyedLimiter()

    await limiter.pause("file:1", seconds)

    assert False is await limiter.acquire("file:1", ma.Rate(1, 5.0), max_wait=0.1)


@pytest.mark.parametrize(
    "max_pause",
    [
        pytest.param(-1.0, id="negative"),
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
        pytest.param(86_401, id="over-a-day"),
        pytest.param("600", id="text"),
        pytest.param(True, id="bool"),
    ],
)
def test_a_ceiling_outside_zero_to_a_day_is_refused(max_pause):
    """max_pause must be a number of seconds from 0 to a day, and a bool is none."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.KeyedLimiter(max_pause=max_pause)

    assert str(caught.value).startswith(
        "max_pause must be a finite number of seconds, at least 0 and at most 86,400, got "
    )


def test_wait_must_be_a_bool():
    """KeyedLimiter(wait=...) takes True or False, not a truthy string."""
    with pytest.raises(
        ma.ValidationError, match=r"^wait must be True or False, got 'no'$"
    ):
        ma.KeyedLimiter(wait="no")  # type: ignore[arg-type]  # the point: refused


@pytest.mark.parametrize(
    ("calls", "period"),
    [
        pytest.param(0, 5.0, id="no-calls"),
        pytest.param(1.5, 5.0, id="fractional-calls"),
        pytest.param(True, 5.0, id="bool-calls"),
        pytest.param(1, 0.0, id="zero-period"),
        pytest.param(1, -1.0, id="negative-period"),
        pytest.param(1, math.nan, id="nan-period"),
        pytest.param(1, math.inf, id="inf-period"),
        pytest.param(1, 86_401.0, id="period-over-a-day"),
        pytest.param(1, "5", id="text-period"),
        pytest.param(1, True, id="bool-period"),
        pytest.param(1, False, id="false-period"),
    ],
)
def test_a_rate_outside_its_bounds_is_refused(calls, period):
    """A Rate needs at least one whole call per period of more than 0 s and at most a day; a bool is neither."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.Rate(calls, period)

    assert str(caught.value).startswith(
        "a Rate's period must be a finite number of seconds, more than 0 and "
        "at most 86,400, got "
        if period != 5.0
        else "a Rate's calls must be a whole number of at least 1, got "
    )


async def test_a_nan_max_wait_is_refused():
    """A call that would wait with a NaN max_wait raises ValidationError, not a timer at NaN."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 5.0)
    await limiter.acquire("file:1", rate)

    with pytest.raises(ma.ValidationError, match="max_wait"):
        await limiter.acquire("file:1", rate, max_wait=math.nan)


def test_a_contended_key_moves_between_loops_in_turn():
    """A key whose calls contended in one asyncio.run contends again in the next without aiolimiter's warning, keeping its spacing."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.3)
    times: list[float] = []

    async def contend() -> None:
        async def one() -> None:
            await limiter.acquire("file:1", rate)
            times.append(time.monotonic())

        await asyncio.gather(one(), one())

    asyncio.run(contend())
    contended = isinstance(limiter._buckets.get("file:1"), _limits._Bucket)
    asyncio.run(contend())

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert contended
    assert 3 == len(gaps)
    assert all(gap >= rate.spacing - EPSILON for gap in gaps), gaps


def test_a_contended_key_works_on_two_open_loops_in_turn():
    """A key that contended on a loop still open contends on another, and back: no future of one loop is awaited in the other."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.1)
    times: list[float] = []

    async def contend() -> None:
        async def one() -> None:
            await limiter.acquire("file:1", rate)
            times.append(time.monotonic())

        await asyncio.gather(one(), one(), one())

    loops = [asyncio.new_event_loop(), asyncio.new_event_loop()]
    try:
        for loop in (*loops, loops[0]):
            loop.run_until_complete(contend())
    finally:
        for loop in loops:
            loop.close()

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert 8 == len(gaps)
    assert all(gap >= rate.spacing - EPSILON for gap in gaps), gaps
