"""
For the decoding tests: a session that never sends, and the API's dates read as datetimes.
"""

from __future__ import annotations

import datetime as dt

import moment_async as ma
from moment_async._convert import KST
from moment_async._session import Session
from moment_async.testing import Request, Response


def decoding_session() -> Session:
    """
    Return the session of a client that never sends: its ``_decode`` is what tests call.
    """
    client = ma.MomentClient("t", transport=ma.MockTransport(_never), limiter=False)
    return client._session


async def _never(request: Request) -> Response:
    raise AssertionError


def as_date(value: object) -> object:
    """
    Return a date string of the API as an aware datetime (no offset is KST); anything else as it is.
    """
    if (
        isinstance(value, str)
        and len(value) >= 16
        and value[4] == "-"
        and value[10] in "T "
    ):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)
    return value
