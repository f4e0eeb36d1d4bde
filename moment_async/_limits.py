"""
Client-side copies of the API's rate limits, one bucket per key.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import Final

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


#: How many idle buckets one acquire looks at for eviction. Small and
#: constant, so eviction never stalls the loop, and larger than one, so the
#: table shrinks faster than it grows.
_EVICT_PER_ACQUIRE: Final = 4


class _Bucket:
    """
    Strictly private: one key's state, and what eviction needs to know.

    Most keys are used once in a while (one call per customer file of a
    fan-out): they need no more than the time their slot is free again.
    An aiolimiter is made only when calls on the key contend.
    """

    __slots__ = ("idle_after", "limiter", "users")

    def __init__(self) -> None:
        self.limiter: AsyncLimiter | None = None
        self.users = 0
        self.idle_after = 0.0


class KeyedLimiter:
    """
    Keep one rate per key (a customer file, a user + ad account) in this process.

    A call first waits for its key's slot. With ``wait=False`` it raises
    ``RateLimitError`` at once instead, and nothing is sent.

    A key costs a small record while it is used, and an aiolimiter
    (spaced ``AsyncLimiter(1, period / calls)``, so never a burst) once
    calls on it contend. A key idle for one full spacing is
    indistinguishable from a new one, so it is dropped then: each acquire
    evicts a few keys from the least-recently-used end, and memory follows
    the number of keys used in the last period, not the number ever used::

        limiter = KeyedLimiter(wait=False)
        client = MomentClient(token, limiter=limiter)
    """

    def __init__(self, *, wait: bool = True) -> None:
        self.wait = wait
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __repr__(self) -> str:
        return f"<KeyedLimiter keys={len(self._buckets)} wait={self.wait}>"

    def __len__(self) -> int:
        return len(self._buckets)

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
        buckets = self._buckets
        now = time.monotonic()
        # Evict first: the key itself may go if idle, and is then made anew.
        self._evict(now)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket()
        else:
            buckets.move_to_end(key)
        limiter = bucket.limiter
        if bucket.idle_after <= now and not bucket.users:
            # The key's last slot has passed and nobody waits: take it.
            if limiter is not None:
                await limiter.acquire()
            bucket.idle_after = now + rate.spacing
            return False
        if not self.wait and (limiter is None or not limiter.has_capacity()):
            msg = (
                f"rate limit reached for {key.split(':', 1)[0]}: "
                f"{rate.calls} call(s) per {rate.period:g} s; nothing was sent"
            )
            raise RateLimitError(msg, retry_after=rate.spacing, local=True)
        bucket.users += 1
        try:
            async with asyncio.timeout(max_wait):
                if limiter is None:
                    # The first contention: the slot taken before is still
                    # running. Take one now to stand for it; this call then
                    # waits a full spacing, which may be a little more than
                    # needed, never less.
                    limiter = bucket.limiter = AsyncLimiter(1, rate.spacing)
                    await limiter.acquire()
                await limiter.acquire()
        finally:
            bucket.users -= 1
            bucket.idle_after = time.monotonic() + rate.spacing
        return True

    def _evict(self, now: float) -> None:
        buckets = self._buckets
        for _ in range(_EVICT_PER_ACQUIRE):
            if not buckets:
                return
            key, oldest = next(iter(buckets.items()))
            if oldest.users:
                # A long wait must not pin the idle keys queued behind it.
                buckets.move_to_end(key)
            elif oldest.idle_after > now:
                return
            else:
                del buckets[key]
