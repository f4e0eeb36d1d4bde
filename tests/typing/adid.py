"""
Typed use of moment_async.adid: mypy checks this file; pytest never runs it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import assert_type

import moment_async as ma
from moment_async import adid


async def chunks() -> AsyncIterator[bytes]:
    """
    Yield a CSV in pieces, as a download would.
    """
    yield b"adid\n"


async def ids() -> AsyncIterator[str]:
    """
    Yield IDs one by one, as a database cursor would.
    """
    yield "7c3f6e2a-0b1d-4c5e-9f8a-1234567890ab"


async def toolkit() -> None:
    """
    Validate, normalise and split with every input form.
    """
    report = await adid.validate("a.csv", Path("b.csv"), b"adid\n", chunks())
    assert_type(report, adid.AdidReport)
    assert_type(report.invalid_rows, tuple[adid.InvalidRow, ...])
    assert_type(report.ok, bool)
    assert_type(adid.validate_sync(io.BytesIO(b""), max_invalid=5), adid.AdidReport)
    clean = await adid.normalize(ids(), ["x"], "c.csv", out="clean.csv")
    assert_type(clean, adid.NormalizeReport)
    assert_type(clean.path, Path | None)
    assert_type(adid.normalize_sync([b"x"], out=io.BytesIO()).written, int)
    plan = await adid.split("clean.csv", out_dir="parts", part_bytes=1 << 20)
    assert_type(plan.requests, tuple[tuple[Path, ...], ...])
    assert_type(adid.split_sync(["x"], out_dir=Path("p")).parts, tuple[Path, ...])


async def upload_plan(acct: ma.AdAccount, plan: adid.SplitPlan) -> None:
    """
    Upload each request of a split plan as it is.
    """
    for files in plan.requests:
        await acct.customer_files.upload("buyers", files)
