"""
Pytest fixtures for code that uses moment_async: a sandbox and a client bound to it.

Installed with the package (the ``pytest11`` entry point), so a project's
tests can ask for them by name::

    async def test_upload(moment_client):
        acct = moment_client.ad_account(Sandbox.DEFAULT_ACCOUNT)
        upload = await acct.customer_files.upload("buyers", [("a.csv", b"...")])

The fixtures are async: they need pytest-asyncio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ._client import MomentClient
from .sandbox import Sandbox

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised only without pytest-asyncio
    # The plugin loads in every project that installs moment-async; the
    # fixtures then explain what is missing instead of breaking collection.
    pytest_asyncio = None  # type: ignore[assignment]  # absent optional module

__all__ = ["moment_client", "moment_sandbox"]


def _async_fixture(function: Any) -> Any:
    # pragma: no cover - the branch runs only without pytest-asyncio
    if pytest_asyncio is None:

        @pytest.fixture(name=function.__name__)  # type: ignore[unreachable]  # see the import above
        def missing() -> None:
            msg = f"the {function.__name__} fixture needs pytest-asyncio"
            raise pytest.UsageError(msg)

        return missing
    return pytest_asyncio.fixture(function)


@_async_fixture
async def moment_sandbox() -> AsyncIterator[Sandbox]:
    """
    A fresh in-memory Moment API sandbox on loopback, with files ready in 50 ms.
    """
    async with Sandbox(processing_delay=0.05) as sandbox:
        yield sandbox


@_async_fixture
async def moment_client(moment_sandbox: Sandbox) -> AsyncIterator[MomentClient]:
    """
    A MomentClient on the sandbox, with the sandbox's default token.

    It ignores proxy settings of the environment: the sandbox is on
    loopback, and a proxy would only stand between them.
    """
    async with MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url, trust_env=False
    ) as client:
        yield client
