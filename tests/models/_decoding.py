"""
A session whose decode path tests drive directly, without sending anything.
"""

from __future__ import annotations

import moment_async as ma
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
