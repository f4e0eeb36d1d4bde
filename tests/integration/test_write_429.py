"""
A create or edit answered 429 is sent again: Kakao refuses with 429 before doing anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox
from tests.cli.test_cli import against

TOKEN: Final = Sandbox.DEFAULT_TOKEN
ACCOUNT: Final = Sandbox.DEFAULT_ACCOUNT
CSV: Final = b"adid\n" + b"".join(
    f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}\n".encode() for i in range(1, 21)
)


async def test_two_cli_uploads_one_second_apart_both_succeed(tmp_path: Path):
    """The second process meets the sandbox's 5 s limit, waits it out and succeeds."""
    path = tmp_path / "buyers.csv"
    path.write_bytes(CSV)
    async with Sandbox(processing_delay=0.0) as sandbox:
        api = against(sandbox.url)
        first = asyncio.create_task(
            api("--json", "files", "upload", "first", str(path))
        )
        await asyncio.sleep(1.0)
        second = asyncio.create_task(
            api("--json", "files", "upload", "second", str(path))
        )
        runs = await asyncio.gather(first, second)

        assert [0, 0] == [run.code for run in runs]
        names = sorted(record.name for record in sandbox.state.customer_files(ACCOUNT))
        assert ["first", "second"] == names
        # The second upload really was refused once, then sent again.
        assert 1 == sandbox.count("customer_files.upload", status=429)
        assert 3 == sandbox.count("customer_files.upload")


async def test_an_upload_answered_429_is_sent_again_after_the_limit(
    moment_sandbox: Sandbox,
):
    """A replayable upload refused with 429 is sent again after 5 s and creates one file."""
    moment_sandbox.faults.fail_next("customer_files.upload", status=429, code=-813)
    async with ma.MomentClient(TOKEN, base_url=moment_sandbox.url) as client:
        started = time.monotonic()
        created = await client.ad_account(ACCOUNT).customer_files.upload(
            "buyers", [("a.csv", CSV)]
        )
        waited = time.monotonic() - started

    assert "buyers" == created.name
    assert waited >= 4.9
    assert 1 == len(moment_sandbox.state.customer_files(ACCOUNT))
    assert 2 == moment_sandbox.count("customer_files.upload")


async def test_a_one_shot_upload_answered_429_raises_rate_limit_error(
    moment_sandbox: Sandbox,
):
    """An async iterable cannot be sent twice: its 429 is a RateLimitError, not ambiguous."""
    moment_sandbox.faults.fail_next("customer_files.upload", status=429, code=-813)

    async def chunks() -> AsyncIterator[bytes]:
        yield CSV

    async with ma.MomentClient(TOKEN, base_url=moment_sandbox.url) as client:
        with pytest.raises(ma.RateLimitError):
            await client.ad_account(ACCOUNT).customer_files.upload(
                "buyers", [("a.csv", chunks())]
            )

    assert [] == list(moment_sandbox.state.customer_files(ACCOUNT))
    assert 1 == moment_sandbox.count("customer_files.upload")
