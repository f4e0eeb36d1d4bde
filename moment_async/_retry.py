"""
Which failed calls are tried again, and how long to wait before each try.
"""

from __future__ import annotations

import datetime as dt
import random
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

from ._errors import TransportError

_SAFE_METHODS: Final = frozenset({"GET", "DELETE"})
_RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """
    Retry what is safe to repeat, with exponential backoff and full jitter.

    A call is tried again when it is a GET or DELETE and failed with a
    connection error or one of *statuses* (429, 502, 503, 504), or when it
    failed before anything was sent, whatever its method. POST and PUT are
    never sent again once their body may have reached the server: that could
    create a customer file or audience twice.

    The wait before retry *n* (1-based) is a random time between 0 and
    ``min(max_backoff, backoff * 2 ** (n - 1))`` seconds, or the server's
    ``Retry-After`` when it sends one. *attempts* counts the first try; the
    client's total timeout bounds the whole series::

        MomentClient(token, retry=RetryPolicy(attempts=6, max_backoff=30))
        MomentClient(token, retry=RetryPolicy.never())
    """

    attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    backoff: float = 0.5
    max_backoff: float = 8.0
    statuses: frozenset[int] = _RETRY_STATUSES

    @classmethod
    def never(cls) -> RetryPolicy:
        """
        Return a policy that tries every call once.
        """
        return cls(attempts=1)

    def retries_status(self, method: str, status: int) -> bool:
        """
        Whether an answer with *status* to a *method* call may be retried.
        """
        return status in self.statuses and method in _SAFE_METHODS

    def retries_error(self, method: str, error: TransportError) -> bool:
        """
        Whether a call that failed with *error* may be sent again.
        """
        return not error.maybe_sent or method in _SAFE_METHODS

    def delay(self, retry: int, retry_after: str | None = None) -> float:
        """
        Return the seconds to wait before retry number *retry* (from 1).
        """
        if retry_after is not None:
            seconds = parse_retry_after(retry_after)
            if seconds is not None:
                return seconds
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        # Jitter spreads retries out; it needs no cryptographic randomness.
        return random.uniform(0, ceiling)  # noqa: S311


def parse_retry_after(value: str) -> float | None:
    """
    Read a ``Retry-After`` header: seconds, or an HTTP date; ``None`` if neither.
    """
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
