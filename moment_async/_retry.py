"""
Which failed calls are tried again, and how long to wait before each try.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any, Final

import attrs

from ._constants import MAX_RETRY_AFTER
from ._errors import (
    PERMANENT_CODES,
    ResponseTooLargeError,
    TransportError,
    ValidationError,
)
from ._validate import check_count, check_number

_SAFE_METHODS: Final = frozenset({"GET", "DELETE"})
_RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
#: Characters a ``Retry-After`` may hold: an HTTP date takes 29 (its two
#: obsolete forms about as many), seconds far fewer. A longer value is
#: neither, and is not parsed at all.
_RETRY_AFTER_CHARS: Final = 64
#: delay-seconds (RFC 9110: ``1*DIGIT``), a decimal fraction taken too (a
#: proxy may send "0.5"): ASCII digits only, so no sign, exponent, "inf",
#: underscore, nor the digits of other scripts that float() would take.
_DELAY_SECONDS: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?").fullmatch
#: The most times the backoff is doubled: 2.0 ** 1024 is past a float.
_DOUBLINGS: Final = 1023


def _seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A backoff: finite, never negative, and no bool.
    check_number(value, attribute.name, unit="seconds")


def _share(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Tokens given back: finite, never negative, and no bool.
    check_number(value, attribute.name)


def _capacity(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_number(value, attribute.name, above_zero=True)


def _attempts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_count(value, attribute.name)


def _statuses(value: Iterable[int]) -> frozenset[int]:
    """
    Return *value* as a frozenset of HTTP statuses, or raise ``ValidationError``.
    """
    given: object = value  # checked at run time: callers may pass anything
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise _bad_statuses(type(given).__name__)
    items = list(given)
    for item in items:
        if (
            isinstance(item, bool)
            or not isinstance(item, int)
            or not 100 <= item <= 599
        ):
            raise _bad_statuses(repr(item)[:40])
    return frozenset(items)


def _bad_statuses(shown: str) -> ValidationError:
    return ValidationError(
        f"statuses must be a set of HTTP statuses (whole numbers from 100 to 599), got {shown}"
    )


def _budget(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, RetryBudget):
        msg = f"budget must be a RetryBudget or None, got {type(value).__name__}"
        raise ValidationError(msg)


@attrs.frozen(kw_only=True)
class RetryBudget:
    """
    How many retries a whole client may make: a token bucket of retries.

    Each retry takes one token; each call that succeeds at once puts back
    *per_success* of one, and *per_second* tokens come back with time, up
    to *capacity*. When the bucket is empty a failed call is not retried
    but raised. A fan-out over thousands of ad accounts during an outage
    then sends about one extra request per ten calls instead of three per
    call, and the retries come back as soon as calls succeed again::

        RetryPolicy(budget=RetryBudget(capacity=50, per_success=0.2))
        RetryPolicy(budget=None)  # no budget: every call retries on its own
    """

    capacity: float = attrs.field(default=100.0, validator=_capacity)
    per_success: float = attrs.field(default=0.1, validator=_share)
    per_second: float = attrs.field(default=1.0, validator=_share)


class RetryTokens:
    """
    Strictly private: the live bucket of a ``RetryBudget``, one per client.
    """

    __slots__ = ("_budget", "_tokens", "_updated")

    def __init__(self, budget: RetryBudget) -> None:
        self._budget = budget
        self._tokens = budget.capacity
        self._updated = time.monotonic()

    def __repr__(self) -> str:
        return f"<RetryTokens {self._tokens:.1f}/{self._budget.capacity:g}>"

    @property
    def tokens(self) -> float:
        """
        Tokens in the bucket now.
        """
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = time.monotonic()
        budget = self._budget
        self._tokens = min(
            budget.capacity, self._tokens + (now - self._updated) * budget.per_second
        )
        self._updated = now

    def success(self) -> None:
        """
        Put back a share of a token for a call that succeeded.
        """
        tokens = self._tokens + self._budget.per_success
        self._tokens = (
            tokens if tokens < self._budget.capacity else self._budget.capacity
        )

    def take(self) -> bool:
        """
        Take a token for one retry; say whether there was one.
        """
        self._refill()
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """
    Retry what is safe to repeat, with exponential backoff and full jitter.

    A call is tried again when it is a GET or DELETE and failed with a
    connection error or one of *statuses* (429, 502, 503, 504), or when it
    failed before anything was sent, whatever its method. POST and PUT are
    never sent again once their body may have reached the server: that could
    create a customer file or audience twice. A 429 is the exception: Kakao
    refuses with it before doing anything, so a create or edit answered 429
    is sent again too (after its rate limit's period), when its body can be
    sent again (not a one-shot async iterable).

    The wait before retry *n* (1-based) is a random time between 0 and
    ``min(max_backoff, backoff * 2 ** (n - 1))`` seconds, or the server's
    ``Retry-After`` when it sends one, read up to a ceiling of 10 minutes
    (``MAX_RETRY_AFTER``): a longer or far-future one waits 10 minutes, so
    one hostile answer cannot stall a call (nor, through the limiter, its
    key) for days, and one that is neither ASCII digits nor an HTTP date
    (``inf``, ``1e3``, ``-5``) is ignored. *attempts* counts the first try
    (a whole number from 1); the client's total timeout bounds the whole
    series. An answer whose Kakao code is a permanent refusal (a bad
    parameter, no permission, a quota, a bad token) is never retried,
    whatever its status. *budget* caps the retries of the whole client (see
    ``RetryBudget``). A field that cannot mean what it says (``attempts=1.5``,
    ``backoff=nan``, ``statuses={"429"}``) is a ``ValidationError``::

        MomentClient(token, retry=RetryPolicy(attempts=6, max_backoff=30))
        MomentClient(token, retry=RetryPolicy.never())
    """

    attempts: int = attrs.field(default=4, validator=_attempts)
    backoff: float = attrs.field(default=0.5, validator=_seconds)
    max_backoff: float = attrs.field(default=8.0, validator=_seconds)
    statuses: frozenset[int] = attrs.field(default=_RETRY_STATUSES, converter=_statuses)
    budget: RetryBudget | None = attrs.field(default=RetryBudget(), validator=_budget)

    @classmethod
    def never(cls) -> RetryPolicy:
        """
        Return a policy that tries every call once.
        """
        return cls(attempts=1)

    def retries_status(self, method: str, status: int, code: int | None = None) -> bool:
        """
        Whether an answer with *status* and Kakao *code* to a *method* call may be retried.
        """
        return (
            status in self.statuses
            # A 429 says nothing was done: even a create may be sent again.
            and (method in _SAFE_METHODS or status == 429)
            and code not in PERMANENT_CODES
        )

    def retries_error(self, method: str, error: TransportError) -> bool:
        """
        Whether a call that failed with *error* may be sent again.

        An answer past ``max_response_bytes`` never is: the same answer
        would come back.
        """
        if isinstance(error, ResponseTooLargeError):
            return False
        return not error.maybe_sent or method in _SAFE_METHODS

    def delay(self, retry: int, retry_after: str | None = None) -> float:
        """
        Return the seconds to wait before retry number *retry* (from 1).

        A readable *retry_after* (the header's value) gives its seconds, at
        most 10 minutes (``parse_retry_after``); otherwise the jittered
        backoff.
        """
        if retry_after is not None:
            seconds = parse_retry_after(retry_after)
            if seconds is not None:
                return seconds
        doublings = min(retry - 1, _DOUBLINGS)
        ceiling = min(self.max_backoff, self.backoff * 2.0**doublings)
        # Jitter spreads retries out; it needs no cryptographic randomness.
        return random.uniform(0, ceiling)  # noqa: S311


def parse_retry_after(value: str) -> float | None:
    """
    Read a ``Retry-After`` header: seconds, or an HTTP date; ``None`` if neither.

    Seconds are ASCII digits, as RFC 9110 writes them, with a decimal
    fraction taken too; spaces and tabs around them are dropped. The
    result lies between 0 and ``MAX_RETRY_AFTER`` (10 minutes): a past
    date gives 0, and a larger number or a date further ahead (up to the
    year 9999) gives 10 minutes. Anything else (a sign, an exponent,
    ``inf``, ``nan``, other digits than ASCII, text) and anything longer
    than an HTTP date gives ``None``: the header is ignored.
    """
    if len(value) > _RETRY_AFTER_CHARS:
        return None
    text = value.strip(" \t")
    seconds = float(text) if _DELAY_SECONDS(text) else _seconds_until(value)
    if seconds is None:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _seconds_until(value: str) -> float | None:
    """
    Return the seconds from now until the HTTP date *value*, or ``None`` if it is not one.
    """
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        # email.utils raises ValueError on a field out of range (day 99, a
        # zone of days), OverflowError on a year past a C long (CPython
        # gh-153406), and IndexError on some truncated dates before 3.11
        # (gh-95087).
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    # Aware datetimes subtract as a timedelta, which holds any two dates of
    # years 1 to 9999: no OverflowError here.
    return (when - dt.datetime.now(dt.UTC)).total_seconds()
