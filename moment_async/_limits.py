"""
Client-side copies of the API's rate limits, one bucket per key.
"""

from __future__ import annotations

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
    Strictly private: one aiolimiter plus what eviction needs to know.
    """

    __slots__ = ("idle_after", "limiter", "users")

    def __init__(self, rate: Rate) -> None:
        # AsyncLimiter(1, spacing) lets one call through per spacing; an
        # AsyncLimiter(N, T) would let up to 2N-1 through in its first window.
        self.limiter = AsyncLimiter(1, rate.spacing)
        self.users = 0
        self.idle_after = 0.0


class KeyedLimiter:
    """
    Keep one rate per key (a customer file, a user + ad account) in this process.

    A call first waits for its key's slot. With ``wait=False`` it raises
    ``RateLimitError`` at once instead, and nothing is sent.

    A bucket idle for one full period is indistinguishable from a new one,
    so it is dropped then: each acquire evicts a few buckets from the
    least-recently-used end, and memory follows the number of keys used in
    the last period, not the number ever used::

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

    async def acquire(self, key: str, rate: Rate) -> None:
        """
        Wait for a slot of *key* under *rate* (or raise, with ``wait=False``).

        Raises:
            RateLimitError: ``wait`` is false and the key has no slot now.
        """
        buckets = self._buckets
        # Evict first: the key itself may go if idle, and is then made anew.
        self._evict(time.monotonic())
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket(rate)
        else:
            buckets.move_to_end(key)
        limiter = bucket.limiter
        if not self.wait and not limiter.has_capacity():
            msg = (
                f"rate limit reached for {key.split(':', 1)[0]}: "
                f"{rate.calls} call(s) per {rate.period:g} s; nothing was sent"
            )
            raise RateLimitError(msg, retry_after=rate.spacing, local=True)
        bucket.users += 1
        try:
            await limiter.acquire()
        finally:
            bucket.users -= 1
            bucket.idle_after = time.monotonic() + rate.spacing

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
