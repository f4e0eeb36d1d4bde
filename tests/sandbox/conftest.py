"""
Fixtures of the sandbox tests: a sandbox on a manual clock and a client for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest

from moment_async.sandbox import KST, Clock, Sandbox

from ._api import Api

#: The sandbox's "extraction" takes a minute of clock time in these tests.
DELAY = 60.0
#: The creation date of the customer file detail sample.
START = dt.datetime(2024, 2, 6, 0, 3, 59, tzinfo=KST)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    Give a started sandbox whose clock moves only when a test advances it.
    """
    async with Sandbox(clock=Clock.manual(START), processing_delay=DELAY) as sb:
        yield sb


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[Api]:
    """
    Give a client of the sandbox that sends the default token and account.
    """
    async with aiohttp.ClientSession() as session:
        yield Api(session, sandbox)
