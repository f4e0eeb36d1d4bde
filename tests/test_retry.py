"""
RetryPolicy: which calls are retried, the jittered backoff and Retry-After.
"""

from __future__ import annotations

import datetime as dt
import math
from email.utils import format_datetime

import attrs
import pytest

import moment_async as ma
from moment_async._constants import MAX_RETRY_AFTER
from moment_async._retry import parse_retry_after

METHODS = ("GET", "DELETE", "POST", "PUT")
SAFE = ("GET", "DELETE")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 502, 503, 504])
def test_retries_status_only_safe_methods_on_transient_statuses(method, status):
    """A GET or DELETE answered 429, 502, 503 or 504 is retried; a POST or PUT only on 429."""
    policy = ma.RetryPolicy()

    retried = policy.retries_status(method, status)

    expected = status == 429 or (method in SAFE and status in (502, 503, 504))
    assert expected == retried


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        pytest.param("GET", True, id="GET"),
        pytest.param("DELETE", True, id="DELETE"),
        pytest.param("POST", False, id="POST"),
        pytest.param("PUT", False, id="PUT"),
    ],
)
def test_retries_error_maybe_sent_only_for_safe_methods(method, expected):
    """A failure after the request may have been sent is retried only for GET and DELETE."""
    policy = ma.RetryPolicy()
    error = ma.TransportError("connection reset", maybe_sent=True)

    retried = policy.retries_error(method, error)

    assert expected == retried


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ma.ConnectError("refused"), id="ConnectError"),
        pytest.param(ma.TransportError("reset", maybe_sent=False), id="not-sent"),
        pytest.param(
            ma.RequestTimeoutError("waited", maybe_sent=False), id="timeout-not-sent"
        ),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_retries_error_not_sent_for_every_method(method, error):
    """A failure before anything was sent is retried whatever the method."""
    policy = ma.RetryPolicy()

    retried = policy.retries_error(method, error)

    assert True is retried


def test_retries_error_timeout_after_sending_a_post_is_not_retried():
    """A POST that timed out after it may have been sent is not retried."""
    policy = ma.RetryPolicy()

    retried = policy.retries_error("POST", ma.RequestTimeoutError("60 s"))

    assert False is retried


def test_custom_statuses_replace_the_default_set():
    """Statuses given to the policy replace the default transient set."""
    policy = ma.RetryPolicy(statuses=frozenset({500}))

    retried = (policy.retries_status("GET", 500), policy.retries_status("GET", 503))

    assert (True, False) == retried


@pytest.mark.parametrize(
    ("retry", "ceiling"),
    [
        pytest.param(1, 0.5, id="1st"),
        pytest.param(2, 1.0, id="2nd"),
        pytest.param(3, 2.0, id="3rd"),
        pytest.param(4, 4.0, id="4th"),
        pytest.param(5, 8.0, id="5th"),
        pytest.param(6, 8.0, id="6th-capped"),
        pytest.param(20, 8.0, id="20th-capped"),
    ],
)
def test_delay_stays_within_the_exponential_ceiling(retry, ceiling):
    """Each delay lies in [0, min(max_backoff, backoff * 2 ** (n - 1))]."""
    policy = ma.RetryPolicy(backoff=0.5, max_backoff=8.0)

    delays = [policy.delay(retry) for _ in range(2000)]

    assert all(0 <= delay <= ceiling for delay in delays)
    assert max(delays) > ceiling / 2


def test_delay_is_jittered():
    """Delays for the same retry differ: full jitter, not a constant."""
    policy = ma.RetryPolicy()

    delays = {policy.delay(2) for _ in range(200)}

    assert len(delays) > 100


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param("0.5", 0.5, id="fraction"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("007", 7.0, id="leading-zeros"),
        pytest.param(" 7 ", 7.0, id="padded"),
        pytest.param("\t7", 7.0, id="tab"),
    ],
)
def test_parse_retry_after_reads_seconds(header, expected):
    """A Retry-After of ASCII digits, with a decimal fraction taken too, is read as a float."""
    seconds = parse_retry_after(header)

    assert expected == seconds


def test_parse_retry_after_reads_http_date():
    """A Retry-After HTTP date about ten seconds ahead gives about ten seconds."""
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)

    seconds = parse_retry_after(format_datetime(when, usegmt=True))

    assert seconds is not None
    assert 8.0 <= seconds <= 11.0


def test_parse_retry_after_clamps_past_date_to_zero():
    """A Retry-After date in the past means retry now."""
    seconds = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")

    assert 0.0 == seconds


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("soon", id="word"),
        pytest.param("", id="empty"),
        pytest.param("3 seconds", id="with-unit"),
        pytest.param("Mon, 99 Foo 2024", id="bad-date"),
        pytest.param("-4", id="negative"),
        pytest.param("-0", id="negative-zero"),
        pytest.param("+5", id="plus"),
        pytest.param("1e2", id="exponent"),
        pytest.param("1_0", id="underscore"),
        pytest.param("\u0661\u0662", id="arabic-indic-digits"),
        pytest.param("\uff11\uff12", id="full-width-digits"),
        pytest.param("0x10", id="hex"),
        pytest.param(".5", id="fraction-alone"),
        pytest.param("5.", id="point-alone"),
        pytest.param("5\n", id="line-feed"),
    ],
)
def test_parse_retry_after_refuses_garbage(header):
    """A Retry-After that is neither delay-seconds (RFC 9110: ASCII digits) nor a date gives None."""
    seconds = parse_retry_after(header)

    assert seconds is None


def test_delay_honours_retry_after():
    """The server's Retry-After replaces the backoff, even above max_backoff."""
    policy = ma.RetryPolicy(max_backoff=1.0)

    delay = policy.delay(1, "3")

    assert 3.0 == delay


def test_delay_ignores_unreadable_retry_after():
    """An unreadable Retry-After falls back to the jittered backoff."""
    policy = ma.RetryPolicy(backoff=0.5, max_backoff=8.0)

    delays = [policy.delay(1, "soon") for _ in range(200)]

    assert all(0 <= delay <= 0.5 for delay in delays)


def test_never_tries_once():
    """RetryPolicy.never() allows just the first attempt."""
    policy = ma.RetryPolicy.never()

    attempts = policy.attempts

    assert 1 == attempts


def test_default_policy_values():
    """The default policy tries four times, from 0.5 s up to 8 s."""
    policy = ma.RetryPolicy()

    values = (policy.attempts, policy.backoff, policy.max_backoff)

    assert (4, 0.5, 8.0) == values


@pytest.mark.parametrize(
    "attempts", [pytest.param(0, id="0"), pytest.param(-1, id="-1")]
)
def test_attempts_below_one_refused(attempts):
    """A policy with fewer than one attempt is refused at construction."""
    with pytest.raises(ValueError, match="attempts"):
        ma.RetryPolicy(attempts=attempts)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        pytest.param({"attempts": 1.5}, "attempts must be a whole number of at least 1, got 1.5", id="fractional-attempts"),
        pytest.param({"attempts": True}, "attempts must be a whole number of at least 1, got True", id="bool-attempts"),
        pytest.param({"attempts": "3"}, "attempts must be a whole number of at least 1, got '3'", id="text-attempts"),
        pytest.param({"attempts": 0}, "attempts must be a whole number of at least 1, got 0", id="no-attempts"),
        pytest.param({"backoff": math.nan}, "backoff must be a finite number of seconds, at least 0, got nan", id="nan-backoff"),
        pytest.param({"backoff": -0.5}, "backoff must be a finite number of seconds, at least 0, got -0.5", id="negative-backoff"),
        pytest.param({"max_backoff": math.inf}, "max_backoff must be a finite number of seconds, at least 0, got inf", id="inf-max-backoff"),
        pytest.param({"max_backoff": True}, "max_backoff must be a finite number of seconds, at least 0, got True", id="bool-max-backoff"),
        pytest.param({"statuses": frozenset({"429"})}, "statuses must be a set of HTTP statuses (whole numbers from 100 to 599), got '429'", id="text-status"),
        pytest.param({"statuses": frozenset({True})}, "statuses must be a set of HTTP statuses (whole numbers from 100 to 599), got True", id="bool-status"),
        pytest.param({"statuses": "429"}, "statuses must be a set of HTTP statuses (whole numbers from 100 to 599), got str", id="text-statuses"),
        pytest.param({"budget": 10}, "budget must be a RetryBudget or None, got int", id="number-budget"),
    ],
)  # fmt: skip
def test_a_bad_policy_is_a_validation_error_saying_what_is_allowed(kwargs, says):
    """Each field of a RetryPolicy refuses what it cannot mean with a ValidationError naming it."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.RetryPolicy(**kwargs)

    assert says == str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        pytest.param({"capacity": 0}, "capacity must be a finite number, more than 0, got 0", id="no-capacity"),
        pytest.param({"capacity": math.nan}, "capacity must be a finite number, more than 0, got nan", id="nan-capacity"),
        pytest.param({"per_success": True}, "per_success must be a finite number, at least 0, got True", id="bool-per-success"),
        pytest.param({"per_second": math.inf}, "per_second must be a finite number, at least 0, got inf", id="inf-per-second"),
    ],
)  # fmt: skip
def test_a_bad_budget_is_a_validation_error_saying_what_is_allowed(kwargs, says):
    """Each field of a RetryBudget refuses NaN, infinities, bools and numbers out of range, naming it."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.RetryBudget(**kwargs)

    assert says == str(caught.value)


def test_statuses_may_be_given_as_any_set():
    """A plain set of statuses is kept as a frozenset, so the policy stays hashable."""
    policy = ma.RetryPolicy(statuses={503})

    assert (frozenset({503}), True) == (policy.statuses, isinstance(hash(policy), int))


def test_policy_is_frozen():
    """A policy cannot be changed after construction; clients may share it."""
    policy = ma.RetryPolicy()

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.attempts = 9  # type: ignore[misc]  # the point: frozen


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("inf", None, id="inf"),
        pytest.param("1e400", None, id="1e400"),
        pytest.param("1e300", None, id="1e300"),
        pytest.param("950400", MAX_RETRY_AFTER, id="eleven-days"),
        pytest.param("9" * 64, MAX_RETRY_AFTER, id="64-digits"),
        pytest.param("-inf", None, id="-inf"),
        pytest.param("-1e400", None, id="-1e400"),
        pytest.param("nan", None, id="nan"),
        pytest.param("-nan", None, id="-nan"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER, id="year-9999"),
        pytest.param(
            "Fri, 31 Dec 9999 23:59:59 -2359", MAX_RETRY_AFTER, id="year-9999-west"
        ),
        pytest.param("Thu, 01 Jan 1900 00:00:00 GMT", 0.0, id="before-1970"),
        pytest.param("Mon, 01 Jan 0001 00:00:00 +2359", 0.0, id="year-1-east"),
        pytest.param("Mon, 01 Jan 2024 00:00:00 +9999", None, id="zone-of-days"),
        pytest.param(
            "Mon, 20 Nov 9999999999 12:00:00 +0000", None, id="year-past-a-c-long"
        ),
        pytest.param("9" * 65, None, id="overlong-number"),
        pytest.param(
            "Sun, 06 Nov 1994 08:49:37 GMT" + " " * 40, None, id="padded-date"
        ),
        pytest.param("1" * 100_000, None, id="100-kB"),
    ],
)
def test_parse_retry_after_clamps_or_ignores_hostile_values(header, expected):
    """A huge number or far-future date is 10 minutes; a past date 0; inf, NaN, exponents, a bad zone or an overlong value None."""
    seconds = parse_retry_after(header)

    assert expected == seconds


def test_delay_caps_a_huge_retry_after():
    """A Retry-After of 10**63 s waits 10 minutes at most before the retry."""
    policy = ma.RetryPolicy()

    delay = policy.delay(1, "1" + "0" * 63)

    assert MAX_RETRY_AFTER == delay


def test_delay_of_a_late_retry_does_not_overflow():
    """The 2,000th retry of a long policy waits at most max_backoff instead of raising OverflowError."""
    policy = ma.RetryPolicy(attempts=5000, backoff=0.5, max_backoff=8.0)

    delays = [policy.delay(retry) for retry in (1024, 1025, 2000, 4999)]

    assert all(0 <= delay <= 8.0 for delay in delays)


@pytest.mark.parametrize("field", ["backoff", "max_backoff"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(-1.0, id="negative"),
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
    ],
)
def test_backoffs_must_be_finite_and_not_negative(field, value):
    """A negative, NaN or infinite backoff is refused at construction, not turned into a NaN sleep."""
    with pytest.raises(ValueError, match=field):
        ma.RetryPolicy(**{field: value})
