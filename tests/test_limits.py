"""
KeyedLimiter and Rate: spacing per key, refusals, timeouts and eviction of idle keys.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
import tracemalloc

import pytest

import moment_async as ma

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


async def test_idle_keys_are_evicted():
    """Keys idle for a spacing are dropped as new keys come, a few per acquire."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    for n in range(1000):
        await limiter.acquire(f"old:{n}", rate)
    assert 1000 == len(limiter)
    await asyncio.sleep(0.1)

    for n in range(300):
        await limiter.acquire(f"new:{n}", rate)

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


async def test_memory_returns_to_an_empty_limiters_once_idle_keys_are_evicted():
    """After 5,000 keys go idle and are evicted, the table is rebuilt small: memory is back to baseline."""
    tracemalloc.start()
    try:
        limiter = ma.KeyedLimiter()
        rate = ma.Rate(1, 0.05)
        gc.collect()
        empty = tracemalloc.get_traced_memory()[0]
        for n in range(5000):
            limiter.try_acquire(f"old:{n}", rate)
        await asyncio.sleep(0.1)

        for _ in range(2000):
            limiter.try_acquire("live", rate)
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - empty
    finally:
        tracemalloc.stop()

    assert 1 == len(limiter)
    assert left < 4096


async def test_a_key_taken_while_the_table_is_rebuilt_is_kept():
    """The acquire that triggers a rebuild of the table keeps its own slot in the new table."""
    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 0.05)
    for n in range(300):
        limiter.try_acquire(f"old:{n}", rate)
    await asyncio.sleep(0.1)
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
