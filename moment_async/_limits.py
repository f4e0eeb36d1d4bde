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

    A limiter that also has an ``async def aclose()`` is closed by
    ``MomentClient.aclose()`` of every client it was given to: once per
    client, after the client's own connections, even if closing those
    failed. So a limiter shared by several clients must keep working
    after ``aclose()``: a later call reopens what it needs (as
    ``RedisLimiter`` reconnects), calls still running finish, and another
    ``aclose()`` is harmless. ``KeyedLimiter`` holds nothing to close.
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


#: Without a running event loop no sweep runs: each call then evicts up to
#: this many keys instead, more than one so the table shrinks faster than it
#: grows while calls come.
_EVICT_PER_ACQUIRE: Final = 4
#: How many keys one sweep looks at: about 0.2 ms of work, so evicting
#: 100,000 keys never holds the loop for long (PERF-NOTES: one full sweep of
#: 100,000 keys stalls it for about 56 ms).
_SWEEP_BATCH: Final = 1024
#: The least wait before a sweep that has nothing to evict now, and how much
#: sooner than the pending sweep a key must become idle to bring it forward:
#: eviction may come this much late, and the timer is rarely replaced.
_SWEEP_EVERY: Final = 0.01
#: A dict keeps the size of its hash table when keys are deleted. Once a
#: sweep leaves at most this many keys, and a quarter or less of the most
#: the table held, the keys are copied into a new table so the old one is
#: freed: a small, bounded copy (under 1 ms), never a stall.
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
    least-recently-used end, by a timer on the running loop that evicts
    small batches, even when no call comes any more (outside a loop, each
    call evicts a few keys instead). Memory follows the number of keys
    used in the last period, not the number ever used::

        limiter = KeyedLimiter(wait=False)
        client = MomentClient(token, limiter=limiter)

    The timer holds the limiter weakly, and the limiter holds the timer
    weakly, so neither a dropped limiter nor a closed loop is kept alive;
    the timer stops once the table is empty. A limiter used from several
    loops in turn sweeps on the next once the previous one is closed.
    """

    def __init__(self, *, wait: bool = True) -> None:
        self.wait = wait
        self._buckets: OrderedDict[str, float | _Bucket] = OrderedDict()
        # The most keys seen by a sweep since the table was last rebuilt:
        # about the size of its hash table.
        self._held = 0
        # Keys paused by a 429: their slot comes later than their place in
        # the table says, so the sweep steps over them.
        self._late: set[str] = set()
        # Keys stepped over one after another, none evicted, and the
        # earliest time one of them may become idle: once the count reaches
        # the table's size, the sweep waits until then.
        self._lap = 0
        self._lap_wake = math.inf
        # The pending sweep, held weakly: a closed loop frees it, and then
        # _forget_timer clears it. A key that becomes idle before _pull
        # (time.monotonic) brings the sweep forward.
        self._timer: weakref.ref[asyncio.TimerHandle] | None = None
        self._pull = math.inf
        self._ref = weakref.ref(self)
        self._forget_timer = functools.partial(_forget_timer, self._ref)

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
        if self._timer is None and buckets:
            # No sweep is pending (no running loop): evict here instead.
            oldest = buckets[next(iter(buckets))]
            if not isinstance(oldest, float) or oldest <= now:
                self._sweep(now, _EVICT_PER_ACQUIRE)
                buckets = self._buckets  # May be a new, smaller table.
        entry = buckets.get(key)
        if entry is None:
            buckets[key] = idle = now + rate.spacing
        elif isinstance(entry, float) and entry <= now:
            buckets[key] = idle = now + rate.spacing
            buckets.move_to_end(key)
        else:
            return False
        if idle < self._pull:
            self._schedule(now, idle)
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
            # Not before its pause ends, even if the call gave up waiting.
            bucket.idle_after = max(
                bucket.paused_until, time.monotonic() + rate.spacing
            )
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
        if until < self._pull:
            self._schedule(now, until)

    def _sweep(self, now: float, budget: int) -> float:
        """
        Drop idle keys from the least-recently-used end, looking at *budget* keys at most.

        Keys that stay out of turn (paused by a 429, or contended) move to
        the recent end, so they never pin the idle keys behind them. Return
        when to look again: *now* while keys not looked at may be idle,
        else the earliest time a key seen may become idle (``inf`` once the
        table is empty).
        """
        buckets = self._buckets
        late = self._late
        held = len(buckets)
        lap, lap_wake = self._lap, self._lap_wake
        for _ in range(min(budget, held)):
            key, entry = buckets.popitem(last=False)
            if isinstance(entry, float):
                until = entry
                if until > now and key not in late:
                    # In order: every key behind this one was used later.
                    buckets[key] = entry
                    buckets.move_to_end(key, last=False)
                    wake, lap, lap_wake = until, 0, math.inf
                    break
            elif entry.users:
                # Its calls end no sooner than now, nor before its pause.
                until = max(now + entry.limiter.time_period, entry.paused_until)
            else:
                until = entry.idle_after
            if until <= now:
                late.discard(key)
                lap, lap_wake = 0, math.inf
            else:
                buckets[key] = entry
                lap += 1
                lap_wake = min(lap_wake, until)
        else:
            if not buckets:
                wake = math.inf
            elif lap >= len(buckets):
                # Every key was stepped over since the last eviction: wait
                # until the first may be idle instead of looking again now.
                wake, lap, lap_wake = lap_wake, 0, math.inf
            else:
                wake = now
        self._lap, self._lap_wake = lap, lap_wake
        self._held = most = max(self._held, held)
        left = len(buckets)
        if most > _SHRINK_ABOVE and left <= _SHRINK_AT_MOST and left * 4 <= most:
            self._buckets = OrderedDict(buckets)
            self._late = set(late)
            self._held = left
        return wake

    def _schedule(self, now: float, at: float) -> None:
        """
        Have the sweep run at *at* (time.monotonic) on the running loop, instead of when pending.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # Each call evicts a few keys until a loop runs.
        pending = self._timer() if self._timer is not None else None
        if pending is not None:
            pending.cancel()
        timer = loop.call_later(max(0.0, at - now), _on_timer, self._ref)
        self._timer = weakref.ref(timer, self._forget_timer)
        self._pull = at - _SWEEP_EVERY

    def _timer_fired(self) -> None:
        """
        Evict one batch of idle keys, then set the timer for the next, or stop when empty.
        """
        self._timer = None
        self._pull = math.inf
        now = time.monotonic()
        wake = self._sweep(now, _SWEEP_BATCH)
        if self._buckets:
            self._schedule(now, now if wake <= now else max(wake, now + _SWEEP_EVERY))


def _on_timer(ref: weakref.ref[KeyedLimiter]) -> None:
    """
    Run the sweep of the limiter behind *ref*, if it is still alive.
    """
    limiter = ref()
    if limiter is not None:
        limiter._timer_fired()


def _forget_timer(
    ref: weakref.ref[KeyedLimiter], timer: weakref.ref[asyncio.TimerHandle]
) -> None:
    """
    Forget the sweep of the limiter behind *ref* when its loop dropped *timer* unrun.
    """
    limiter = ref()
    # Both hold whenever this runs: the limiter drops *timer* before the
    # handle when the timer runs or is replaced, and a dropped weakref never
    # calls back. Checked all the same.
    if limiter is not None and limiter._timer is timer:  # pragma: no branch
        limiter._timer = None
        limiter._pull = math.inf
