"""
Client-side copies of the API's rate limits, one bucket per key.
"""

from __future__ import annotations

import asyncio
import time
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


#: How many idle buckets one acquire looks at for eviction. Small and
#: constant, so eviction never stalls the loop, and larger than one, so the
#: table shrinks faster than it grows.
_EVICT_PER_ACQUIRE: Final = 4
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
    indistinguishable from a new one, so it is dropped then: each call
    evicts a few keys from the least-recently-used end, and memory follows
    the number of keys used in the last period, not the number ever used::

        limiter = KeyedLimiter(wait=False)
        client = MomentClient(token, limiter=limiter)
    """

    def __init__(self, *, wait: bool = True) -> None:
        self.wait = wait
        self._buckets: OrderedDict[str, float | _Bucket] = OrderedDict()
        # The most keys seen by eviction since the table was last rebuilt:
        # about the size of its hash table.
        self._held = 0

    def __repr__(self) -> str:
        return f"<KeyedLimiter keys={len(self._buckets)} wait={self.wait}>"

    def __len__(self) -> int:
        return len(self._buckets)

    def try_acquire(self, key: str, rate: Rate) -> bool:
        """
        Take a slot of *key* if it is free now, without waiting; say whether it was.
        """
        now = time.monotonic()
        self._evict(now)
        # Read after eviction, which may have rebuilt the table.
        buckets = self._buckets
        entry = buckets.get(key)
        if entry is None:
            buckets[key] = now + rate.spacing
            return True
        if isinstance(entry, float) and entry <= now:
            buckets[key] = now + rate.spacing
            buckets.move_to_end(key)
            return True
        return False

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
        until = time.monotonic() + seconds
        entry = buckets.get(key)
        if isinstance(entry, _Bucket):
            entry.paused_until = max(entry.paused_until, until)
            entry.idle_after = max(entry.idle_after, until)
        else:
            buckets[key] = until if entry is None else max(entry, until)
        buckets.move_to_end(key)

    def _evict(self, now: float) -> None:
        buckets = self._buckets
        if not buckets:
            return
        key = next(iter(buckets))
        oldest = buckets[key]
        # The common case, on every acquire of a fan-out: nothing is idle yet.
        if isinstance(oldest, float) and oldest > now:
            return
        held = len(buckets)
        for _ in range(_EVICT_PER_ACQUIRE):
            if isinstance(oldest, float):
                if oldest > now:
                    break
                del buckets[key]
            elif oldest.users:
                # A long wait must not pin the idle keys queued behind it.
                buckets.move_to_end(key)
            elif oldest.idle_after > now:
                break
            else:
                del buckets[key]
            if not buckets:
                break
            key = next(iter(buckets))
            oldest = buckets[key]
        self._held = most = max(self._held, held)
        left = len(buckets)
        if most > _SHRINK_ABOVE and left <= _SHRINK_AT_MOST and left * 4 <= most:
            self._buckets = OrderedDict(buckets)
            self._held = left
