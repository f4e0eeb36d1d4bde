"""
Fixtures shared by the transport tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import moment_async as ma


@pytest.fixture
async def transport() -> AsyncIterator[ma.AiohttpTransport]:
    """
    Give an AiohttpTransport that is closed after the test.
    """
    transport = ma.AiohttpTransport()
    yield transport
    await transport.aclose()
