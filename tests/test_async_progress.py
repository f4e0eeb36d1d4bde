"""
A progress callback is called, never awaited: an async one is refused before anything starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import moment_async as ma
from moment_async import adid
from moment_async.sandbox import Sandbox

CSV = b"adid\n" + b"".join(
    f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}\n".encode() for i in range(1, 6)
)


async def async_progress(done: int, total: int | None) -> None:
    """An async callback: calling it only makes a coroutine."""


class AsyncCallable:
    """An object whose __call__ is async."""

    async def __call__(self, done: int, total: int | None) -> None:
        """Never awaited by anyone."""


@pytest.mark.parametrize("progress", [async_progress, AsyncCallable()])
async def test_an_upload_refuses_an_async_progress_callback(moment_sandbox, progress):
    """The upload raises ValidationError and sends nothing."""
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url
    ) as client:
        files = client.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files
        with pytest.raises(ma.ValidationError, match="plain function"):
            await files.upload("buyers", [("a.csv", CSV)], progress=progress)

    assert 0 == moment_sandbox.count("customer_files.upload")


@pytest.mark.parametrize("progress", [async_progress, AsyncCallable()])
async def test_for_each_account_refuses_an_async_progress_callback(progress):
    """for_each_account raises ValidationError before any job starts."""
    ran: list[int] = []

    async def job(acct: ma.AdAccount) -> None:
        ran.append(acct.id)

    async with ma.MomentClient("token", base_url="http://127.0.0.1:9") as client:
        with pytest.raises(ma.ValidationError, match="plain function"):
            await client.for_each_account([1, 2], job, progress=progress)

    assert [] == ran


@pytest.mark.parametrize("progress", [async_progress, AsyncCallable()])
async def test_the_adid_toolkit_refuses_an_async_progress_callback(
    tmp_path: Path, progress
):
    """adid.validate raises ValidationError instead of never reporting."""
    path = tmp_path / "a.csv"
    path.write_bytes(CSV)
    with pytest.raises(ma.ValidationError, match="plain function"):
        await adid.validate(path, progress=progress)
