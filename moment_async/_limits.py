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

from ._constants import MAX_RETRY_AFTER
from ._errors import RateLimitError, ValidationError
from ._validate import check_bool, check_count, check_number

#: The longest period, pause or pause ceiling the limiters take, in seconds:
#: a day. Kakao counts its limits in seconds; ``RedisLimiter`` keeps times
#: as microseconds in Lua numbers, exact up to 2**53 (285 years), so no
#: time within a day can overflow or lose precision there.
_LONGEST: Final = 86_400.0


def _check_calls(instance: Rate, attribute: attrs.Attribute[int], value: int) -> None:
    check_count(value, "a Rate's calls")


def _check_period(
    instance: Rate, attribute: attrs.Attribute[float], value: float
) -> None:
    check_number(
        value, "a Rate's period", unit="seconds", above_zero=True, most=_LONGEST
    )


@attrs.frozen
class Rate:
    """
    *calls* per *period* seconds, spaced out: never a burst.

    *calls* is a whole number from 1, *period* more than 0 and at most a
    day (86,400 s); anything else is a ``ValidationError``.
    """

    calls: int = attrs.field(validator=_check_calls)
    period: float = attrs.field(validator=_check_period)

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

        Raises ``TimeoutError`` past *max_wait* seconds: the whole wait,
        any exchange with a shared store included, ends by then. May be
        cancelled at any await without losing track of its slots.
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

        *seconds* is cut to the limiter's ceiling (10 minutes by default,
        the most a ``Retry-After`` is read as), and never raises: a longer
        or infinite pause lasts the ceiling, a negative or NaN one nothing.
        """
        ...


def check_max_pause(value: object) -> float:
    """
    Return *value* as a limiter's pause ceiling, or raise ``ValidationError``.
    """
    return check_number(value, "max_pause", unit="seconds", most=_LONGEST)


def pause_length(seconds: float, ceiling: float) -> float:
    """
    Return *seconds* as a pause from 0 to *ceiling*: longer or infinite is *ceiling*, NaN is 0.
    """
    # Compared before any arithmetic, so an int too large for a float, an
    # infinity or a NaN never reaches the clock.
    if seconds > 0:
        return float(seconds) if seconds < ceiling else ceiling
    return 0.0


def check_max_wait(max_wait: float | None) -> None:
    """
    Refuse a NaN *max_wait*: no deadline can be computed from it.
    """
    if max_wait is not None and math.isnan(max_wait):
        msg = "max_wait must be a number of seconds or None, got nan"
        raise ValidationError(msg)


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

    __slots__ = ("idle_after", "limiter", "loop", "paused_until", "users")

    def __init__(
        self, idle_after: float, rate: Rate, loop: asyncio.AbstractEventLoop
    ) -> None:
        #: Set by a 429: no slot is given before this time.
        self.paused_until = 0.0
        # AsyncLimiter(1, spacing) lets one call through per spacing; an
        # AsyncLimiter(N, T) would let up to 2N-1 through in its first window.
        self.limiter = AsyncLimiter(1, rate.spacing)
        #: The loop the aiolimiter belongs to: its waiters are futures of it.
        self.loop = loop
        self.users = 0
        self.idle_after = idle_after

    def free_at(self, now: float) -> float:
        """
        Return when the key's next slot is free, counting the calls still waiting.
        """
        free = max(self.paused_until, self.idle_after)
        if self.users:
            free = max(free, now) + self.users * self.limiter.time_period
        return free


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
    loops in turn sweeps on the next once the previous one is closed. A
    contended key's aiolimiter belongs to the loop it ran in; in another
    loop the key gets a new one that keeps its spacing and pause.

    A 429 pauses its key (``pause``) for at most *max_pause* seconds
    (``MAX_RETRY_AFTER``, 10 minutes, by default; at most a day): one
    hostile or broken answer (``Retry-After: 1e400``, a date in the year
    9999) cannot lock a customer file or an ad account for longer. The
    client reads a ``Retry-After`` up to 10 minutes, so a larger ceiling
    only holds longer the pauses other code asks for. A call whose key is
    paused past its *max_wait* raises ``TimeoutError`` at once, as
    ``RedisLimiter`` does, rather than waiting until then.
    """

    def __init__(
        self, *, wait: bool = True, max_pause: float = MAX_RETRY_AFTER
    ) -> None:
        self.wait = check_bool(wait, "wait")
        self._max_pause = check_max_pause(max_pause)
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
            TimeoutError: the slot did not come within *max_wait* seconds,
                or (at once) the key is paused past them.
            ValidationError: the call would wait and *max_wait* is NaN.
        """
        if self.try_acquire(key, rate):
            return False
        check_max_wait(max_wait)
        loop = asyncio.get_running_loop()
        buckets = self._buckets
        entry = buckets[key]
        if isinstance(entry, _Bucket) and entry.loop is not loop:
            # Its aiolimiter's waiters are futures of another loop: the key
            # goes on here as the time its slot is free, as if it had not
            # contended yet.
            entry = buckets[key] = entry.free_at(time.monotonic())
            self._late.add(key)
            if self.try_acquire(key, rate):
                return False
        if self.wait and max_wait is not None:
            _check_in_time(key, entry, max_wait)
        buckets.move_to_end(key)
        if isinstance(entry, _Bucket):
            bucket = entry
            primed = False
        else:
            # The first contention: the slot taken before is still running.
            bucket = buckets[key] = _Bucket(entry, rate, loop)
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
        *seconds* is cut to the limiter's *max_pause*; negative or NaN
        *seconds* pause nothing.
        """
        buckets = self._buckets
        now = time.monotonic()
        until = now + pause_length(seconds, self._max_pause)
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


def _check_in_time(key: str, entry: float | _Bucket, max_wait: float) -> None:
    """
    Raise ``TimeoutError`` now if *key*'s next slot comes later than *max_wait* seconds from now.

    A key paused by a 429 past the call's deadline (or, idle, spaced past
    it) cannot give it a slot in time: the call fails at once, as
    ``RedisLimiter``'s does, instead of waiting its whole deadline out. A
    contended key's pause is certain; the calls queued before this one are
    not (they may give up), so they are waited for.
    """
    now = time.monotonic()
    away = (entry if isinstance(entry, float) else entry.paused_until) - now
    if away > max_wait:
        msg = (
            f"the next slot of {key.split(':', 1)[0]} is {away:.3f} s away, past "
            f"the {max_wait:.3f} s allowed"
        )
        raise TimeoutError(msg)


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
