"""
Client-side copies of the API's rate limits, one bucket per key.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
import weakref
from collections import OrderedDict
from typing import Final, Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

from ._errors import RateLimitError


@attrs.frozen
class Rate:
    """
    *calls* per *period* seconds, spaced out: never a burst.
    """

    calls: int
    period: float

    @property
    def spacing(self) -> float:
        """
        Seconds between two calls under this rate.
        """
        return self.period / self.calls


@runtime_checkable
class Limiter(Protocol):
    """
    Where the client keeps its copies of the API's rate limits.

    ``KeyedLimiter`` keeps them in this process; ``RedisLimiter`` shares
    them between processes and hosts. Implement this to plug in another
    store. Keys are strings such as ``"file:123"`` or
    ``"user:<fingerprint>:<ad account>"``; a *rate* says how many calls per
    how many seconds. *wait* false makes ``acquire`` raise
    ``RateLimitError`` instead of waiting.
    """

    wait: bool

    def try_acquire(self, key: str, rate: Rate) -> bool:
        """
        Take a slot of *key* now if it is free, without I/O; may always say no.
        """
        ...

    async def acquire(
        self, key: str, rate: Rate, max_wait: float | None = None
    ) -> bool:
        """
        Take a slot of *key*, waiting for it; return whether it may have waited.

        Raises ``TimeoutError`` past *max_wait* seconds.
        """
        ...

    async def release(self, key: str) -> None:
        """
        Give back the slot just taken for *key*: the call sent nothing.
        """
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """
        Give *key* no slot for *seconds*: the API answered 429.
        """
        ...


#: How many keys one acquire looks at for eviction. Small and constant, so
#: an acquire stays cheap, and larger than one, so the table shrinks faster
#: than it grows while calls come.
_EVICT_PER_ACQUIRE: Final = 4
#: How many keys one background sweep looks at: about 0.2 ms of work, so
#: evicting 100,000 keys never holds the loop for long (PERF-NOTES: one full
#: sweep of 100,000 keys stalls it for about 56 ms).
_SWEEP_BATCH: Final = 1024
#: The least time between two sweeps when nothing is idle yet: eviction may
#: come this much late, and a fan-out costs at most 100 timers a second.
_SWEEP_EVERY: Final = 0.01
#: How late a pending sweep may be before a new key checks it is pending on
#: the running loop (not one that closed): a look at the loop costs a fifth
#: of an acquire, too much for every key.
_SWEEP_CHECK: Final = 0.1
#: A dict keeps the size of its hash table when keys are deleted. Once
#: eviction leaves at most this many keys, and a quarter or less of the
#: most the table held, the keys are copied into a new table so the old one
#: is freed: a small, bounded copy (under 1 ms), never a stall.
_SHRINK_AT_MOST: Final = 1024
#: Tables that never held more keys than this are not worth rebuilding.
_SHRINK_ABOVE: Final = 64


class _Bucket:
    """
    Strictly private: a key whose calls contend, with its aiolimiter.
    """

    __slots__ = ("idle_after", "limiter", "paused_until", "users")

    def __init__(self, idle_after: float, rate: Rate) -> None:
        #: Set by a 429: no slot is given before this time.
        self.paused_until = 0.0
        # AsyncLimiter(1, spacing) lets one call through per spacing; an
        # AsyncLimiter(N, T) would let up to 2N-1 through in its first window.
        self.limiter = AsyncLimiter(1, rate.spacing)
        self.users = 0
        self.idle_after = idle_after


class KeyedLimiter:
    """
    Keep one rate per key (a customer file, a user + ad account) in this process.

    A call first waits for its key's slot. With ``wait=False`` it raises
    ``RateLimitError`` at once instead, and nothing is sent.

    Most keys are used once in a while (one call per customer file of a
    fan-out): such a key costs one number, the time its slot is free again,
    and taking its slot costs no await. Only when calls on a key contend
    does it get an aiolimiter, spaced ``AsyncLimiter(1, period / calls)``
    so there is never a burst. A key idle for one full spacing is
    indistinguishable from a new one, so it is dropped then, from the
    least-recently-used end: each call evicts a few keys, and while the
    table holds keys a timer on the running loop evicts the rest in small
    batches, even when no call comes any more. Memory follows the number
    of keys used in the last period, not the number ever used::

        limiter = KeyedLimiter(wait=False)
        client = MomentClient(token, limiter=limiter)

    The timer holds the limiter weakly and stops once the table is empty;
    a limiter used from several loops in turn sweeps on the latest.
    """

    def __init__(self, *, wait: bool = True) -> None:
        self.wait = wait
        self._buckets: OrderedDict[str, float | _Bucket] = OrderedDict()
        # The most keys seen by eviction since the table was last rebuilt:
        # about the size of its hash table.
        self._held = 0
        # Keys paused by a 429: their slot comes later than their place in
        # the table says, so eviction steps over them.
        self._late: set[str] = set()
        # The pending sweep: its loop (weakly: a closed loop is not kept)
        # and its number (an older timer does nothing when it fires). A key
        # that becomes idle before _sweep_pull (time.monotonic) brings it
        # forward; after _sweep_overdue a key checks it is pending at all.
        self._sweep_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._sweep_number = 0
        self._sweep_pull = self._sweep_overdue = math.inf
        self._ref = weakref.ref(self)
        self._loop_gone = functools.partial(_loop_gone, self._ref)

    def __repr__(self) -> str:
        return f"<KeyedLimiter keys={len(self._buckets)} wait={self.wait}>"

    def __len__(self) -> int:
        return len(self._buckets)

    def try_acquire(self, key: str, rate: Rate) -> bool:
        """
        Take a slot of *key* if it is free now, without waiting; say whether it was.
        """
        now = time.monotonic()
        buckets = self._buckets
        if buckets:
            oldest = buckets[next(iter(buckets))]
            # The common case, on every acquire of a fan-out: nothing is idle.
            if not isinstance(oldest, float) or oldest <= now:
                self._evict(now, _EVICT_PER_ACQUIRE)
                # Read again: eviction may have rebuilt the table.
                buckets = self._buckets
        entry = buckets.get(key)
        if entry is None:
            buckets[key] = idle = now + rate.spacing
        elif isinstance(entry, float) and entry <= now:
            buckets[key] = idle = now + rate.spacing
            buckets.move_to_end(key)
        else:
            return False
        if idle < self._sweep_pull or now > self._sweep_overdue:
            self._schedule_sweep(now, idle)
        return True

    async def acquire(
        self, key: str, rate: Rate, max_wait: float | None = None
    ) -> bool:
        """
        Take a slot of *key* under *rate*, waiting for it unless ``wait`` is false.

        Returns whether the call may have waited (the key was used within
        the last spacing); a fresh or idle key never waits.

        Raises:
            RateLimitError: ``wait`` is false and the key has no slot now.
            TimeoutError: the slot did not come within *max_wait* seconds.
        """
        if self.try_acquire(key, rate):
            return False
        buckets = self._buckets
        entry = buckets[key]
        buckets.move_to_end(key)
        if isinstance(entry, _Bucket):
            bucket = entry
            primed = False
        else:
            # The first contention: the slot taken before is still running.
            bucket = buckets[key] = _Bucket(entry, rate)
            # The slot is free at *entry*: later than a spacing from now
            # when a 429 paused the key.
            bucket.paused_until = entry
            primed = True
        limiter = bucket.limiter
        if not self.wait and (primed or not limiter.has_capacity()):
            if primed:
                # Stand for the earlier call's slot, as a waiting call would,
                # so later calls within the spacing are refused too.
                await limiter.acquire()
            msg = (
                f"rate limit reached for {key.split(':', 1)[0]}: "
                f"{rate.calls} call(s) per {rate.period:g} s; nothing was sent"
            )
            raise RateLimitError(msg, retry_after=rate.spacing, local=True)
        bucket.users += 1
        try:
            if primed:
                # Stand for the earlier slot with one taken now: this call
                # then waits a full spacing, maybe a little more than needed,
                # never less.
                await limiter.acquire()
            async with asyncio.timeout(max_wait):
                await limiter.acquire()
                # Slots are handed out in order, so only the first waiter
                # sleeps the whole pause; the later ones sleep what is left.
                pause = bucket.paused_until - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
        finally:
            bucket.users -= 1
            bucket.idle_after = time.monotonic() + rate.spacing
        return True

    async def release(self, key: str) -> None:
        """
        Give back the slot of *key* that ``try_acquire`` took, for a call that sent nothing.

        A slot that other calls wait for is kept: they are already queued
        behind it, and giving it back would not let them go sooner.
        """
        entry = self._buckets.get(key)
        if isinstance(entry, float):
            self._buckets[key] = min(entry, time.monotonic())

    async def pause(self, key: str, seconds: float) -> None:
        """
        Give *key* no slot for *seconds*: the API answered one of its calls 429.

        Every call on the key waits, not only the one that was refused.
        """
        buckets = self._buckets
        now = time.monotonic()
        until = now + seconds
        entry = buckets.get(key)
        if isinstance(entry, _Bucket):
            entry.paused_until = max(entry.paused_until, until)
            entry.idle_after = max(entry.idle_after, until)
        else:
            buckets[key] = until if entry is None else max(entry, until)
            self._late.add(key)
        buckets.move_to_end(key)
        self._schedule_sweep(now, until)

    def _evict(self, now: float, budget: int) -> float:
        """
        Drop idle keys from the least-recently-used end, looking at *budget* keys at most.

        Keys that stay but may hold idle keys behind them (paused by a 429,
        contended, with calls waiting) move to the other end. Return when to
        look again: *now* if idle keys may remain, else the earliest time a
        key seen becomes idle (``inf`` once the table is empty).
        """
        buckets = self._buckets
        late = self._late
        held = len(buckets)
        wake = math.inf
        evicted = False
        for _ in range(budget if budget < held else held):
            key, entry = buckets.popitem(last=False)
            if isinstance(entry, float):
                if entry > now:
                    wake = min(wake, entry)
                    if key not in late:
                        # In order: every key behind this one was used later.
                        buckets[key] = entry
                        buckets.move_to_end(key, last=False)
                        break
                    buckets[key] = entry
                    continue
            elif entry.users:
                # A long wait must not pin the idle keys queued behind it.
                wake = min(wake, now + entry.limiter.time_period)
                buckets[key] = entry
                continue
            elif entry.idle_after > now:
                # Its last wait ended after keys behind it were used.
                wake = min(wake, entry.idle_after)
                buckets[key] = entry
                continue
            evicted = True
            if late:
                late.discard(key)
        else:
            if held > budget:
                # More keys than looked at: soon again if some were idle.
                wake = now if evicted else min(wake, now + _SWEEP_EVERY)
        self._held = most = max(self._held, held)
        left = len(buckets)
        if most > _SHRINK_ABOVE and left <= _SHRINK_AT_MOST and left * 4 <= most:
            self._buckets = OrderedDict(buckets)
            self._late = set(late)
            self._held = left
        return wake

    def _schedule_sweep(self, now: float, at: float) -> None:
        """
        Have the background sweep run on the running loop by *at* (time.monotonic).
        """
        # Not get_running_loop(): raising and catching costs more than the
        # acquire itself, and try_acquire may be called with no loop.
        loop = asyncio._get_running_loop()
        if loop is None:
            # Look again a little later, in case a loop runs then.
            self._sweep_pull = -math.inf
            self._sweep_overdue = now + _SWEEP_CHECK
            return
        pending = self._sweep_loop
        if pending is None or pending() is not loop:
            self._sweep_loop = weakref.ref(loop, self._loop_gone)
        elif at >= self._sweep_pull:
            # Pending on this loop, and not much later than *at*: the loop
            # is busy, or a key that becomes idle sooner is already there.
            self._sweep_overdue = now + _SWEEP_CHECK
            return
        self._start_sweep(loop, now, at)

    def _start_sweep(
        self, loop: asyncio.AbstractEventLoop, now: float, at: float
    ) -> None:
        self._sweep_number += 1
        self._sweep_pull = at - _SWEEP_EVERY
        self._sweep_overdue = at + _SWEEP_CHECK
        loop.call_later(max(0.0, at - now), _on_timer, self._ref, self._sweep_number)

    def _stop_sweep(self) -> None:
        self._sweep_loop = None
        self._sweep_pull = self._sweep_overdue = math.inf

    def _sweep(self) -> None:
        """
        Evict one batch of idle keys, then set the timer for the next, or stop when empty.
        """
        now = time.monotonic()
        wake = self._evict(now, _SWEEP_BATCH)
        if not self._buckets:
            self._stop_sweep()
            return
        at = now if wake <= now else max(wake, now + _SWEEP_EVERY)
        self._start_sweep(asyncio.get_running_loop(), now, at)


def _on_timer(ref: weakref.ref[KeyedLimiter], number: int) -> None:
    """
    Run the sweep of the limiter behind *ref*, if it is alive and this timer is its latest.
    """
    limiter = ref()
    if limiter is not None and limiter._sweep_number == number:
        limiter._sweep()


def _loop_gone(
    ref: weakref.ref[KeyedLimiter],
    loop_ref: weakref.ref[asyncio.AbstractEventLoop],
) -> None:
    """
    Forget the sweep of the limiter behind *ref* when its loop is freed: the next key starts one.
    """
    limiter = ref()
    # The limiter owns loop_ref and drops it without a call when it stops or
    # moves its sweep, so both hold whenever this runs; checked all the same.
    if limiter is not None and limiter._sweep_loop is loop_ref:  # pragma: no branch
        limiter._stop_sweep()
