"""
parse_retry_after on any text: a number of seconds from 0 to the ceiling, or None; never an exception.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from moment_async._constants import MAX_RETRY_AFTER
from moment_async._retry import parse_retry_after

DAYS = ("Mon", "Fri", "Sun", "Xyz", "")
MONTHS = ("Jan", "Dec", "Foo")
ZONES = ("GMT", "UTC", "-0000", "+2359", "-2359", "+9999", "EST", "")

#: Text shaped like an HTTP date, with every field allowed out of range.
dates = st.builds(
    "{}, {} {} {} {}:{}:{} {}".format,
    st.sampled_from(DAYS),
    st.integers(-5, 10**6),
    st.sampled_from(MONTHS),
    st.integers(-10, 10**6),
    st.integers(-1, 99),
    st.integers(-1, 99),
    st.integers(-1, 99),
    st.one_of(st.sampled_from(ZONES), st.text(max_size=6)),
)
numbers = st.one_of(st.floats().map(repr), st.integers().map(str))


@settings(max_examples=500, deadline=None)
@given(st.one_of(dates, numbers, st.text(max_size=80)))
def test_any_retry_after_is_a_bounded_wait_or_none(value):
    """Whatever a server sends as Retry-After, the wait read from it lies in [0, 10 minutes], or is None."""
    seconds = parse_retry_after(value)

    assert seconds is None or 0.0 <= seconds <= MAX_RETRY_AFTER
