"""
The two documented rate limits, counted on the sandbox's clock.

- Detail, edit with file and edit with URL: one call every 5 s per
  customer file (the three calls share the window).
- Registration with file and with URL: one call every 5 s per user (the
  token) and ad account (the two calls share the window).

A call inside the window is refused with 429 and does not move the window;
any other call that reaches the check takes the slot, even if it is then
refused for another reason, as a server-side counter would. The window is
5 s less 0.1 s of slack: a client that spaces its calls 5 s apart at its
end must not see a 429 because one request spent longer on the wire.
"""

from __future__ import annotations

import math
from typing import Final

from ._clock import Clock
from ._errors import FILE_RATE, REGISTRATION_RATE, Refusal

#: The documented spacing: "one call every five seconds".
WINDOW: Final = 5.0
SLACK: Final = 0.1


class RateLimits:
    """
    The last accepted call per key, and the check against it.
    """

    def __init__(self, clock: Clock, *, enabled: bool, retry_after: bool) -> None:
        self._clock = clock
        self.enabled = enabled
        self._retry_after = retry_after
        self._last: dict[tuple[object, ...], float] = {}

    def _take(self, key: tuple[object, ...], refusal: Refusal) -> None:
        if not self.enabled:
            return
        now = self._clock.now()
        last = self._last.get(key)
        if last is not None and now - last < WINDOW - SLACK:
            headers = {}
            if self._retry_after:
                # HTTP's Retry-After takes whole seconds.
                headers["Retry-After"] = str(max(1, math.ceil(last + WINDOW - now)))
            raise refusal.error(headers=headers)
        self._last[key] = now

    def customer_file(self, file_id: int) -> None:
        """
        Take the slot of customer file *file_id*, or refuse with 429.
        """
        self._take(("file", file_id), FILE_RATE)

    def registration(self, token: str, account_id: int) -> None:
        """
        Take the registration slot of *token* on *account_id*, or refuse with 429.
        """
        self._take(("registration", token, account_id), REGISTRATION_RATE)

    def reset(self) -> None:
        """
        Forget every window.
        """
        self._last.clear()
