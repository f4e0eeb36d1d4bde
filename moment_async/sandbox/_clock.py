"""
The sandbox's clock: real time by default, moved by hand when a test says so.

Everything that depends on time (the customer file and audience lifecycle,
the rate limits, the dates in answers) reads this clock when a request is
served. Nothing runs in the background, so ``clock.advance(6 * 3600)`` jumps
over hours of "extraction" at once and the next answer shows the result.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Final

#: The API writes its dates in Korea Standard Time, without an offset.
KST: Final = dt.timezone(dt.timedelta(hours=9), "KST")
#: How the documents' samples write a date ("2024-02-06T00:03:59").
DATE_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"


class Clock:
    """
    Seconds since the sandbox started, plus whatever tests added.

    A real-time clock (the default) moves with ``time.monotonic()``; a
    manual one (``Clock.manual()``) stands still until ``advance()`` is
    called, which makes lifecycle and rate-limit tests deterministic. Both
    kinds can be advanced.

    *start* is the wall-clock time (naive, read as KST) that ``now() == 0``
    stands for; it only shapes the dates the sandbox writes. It defaults to
    the current time in Korea, to the second.
    """

    def __init__(
        self, *, realtime: bool = True, start: dt.datetime | None = None
    ) -> None:
        if start is None:
            start = dt.datetime.now(KST).replace(microsecond=0, tzinfo=None)
        elif start.tzinfo is not None:
            start = start.astimezone(KST).replace(tzinfo=None)
        self._start = start
        self._realtime = realtime
        self._origin = time.monotonic()
        self._offset = 0.0

    @classmethod
    def manual(cls, start: dt.datetime | None = None) -> Clock:
        """
        Return a clock that moves only when ``advance()`` is called.
        """
        return cls(realtime=False, start=start)

    def __repr__(self) -> str:
        kind = "realtime" if self._realtime else "manual"
        return f"<Clock {kind} now={self.now():.3f}>"

    @property
    def realtime(self) -> bool:
        """
        Whether the clock moves by itself.
        """
        return self._realtime

    def now(self) -> float:
        """
        Return the seconds since the clock started (advances included).
        """
        elapsed = time.monotonic() - self._origin if self._realtime else 0.0
        return elapsed + self._offset

    def advance(self, seconds: float) -> None:
        """
        Move the clock forward by *seconds*; it never goes back.
        """
        if seconds < 0:
            msg = f"the clock only moves forward; got {seconds} seconds"
            raise ValueError(msg)
        self._offset += seconds

    def wall(self, at: float | None = None) -> dt.datetime:
        """
        Return the naive KST date and time of clock reading *at* (default: now).
        """
        return self._start + dt.timedelta(seconds=self.now() if at is None else at)

    def stamp(self, at: float | None = None) -> str:
        """
        Return clock reading *at* (default: now) written as the samples write dates.
        """
        return self.wall(at).strftime(DATE_FORMAT)
