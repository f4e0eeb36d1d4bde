"""
The toolkit against the sandbox: the row table, and real uploads through the SDK.

Both count a line longer than 4 KiB (BOM and CR included) as one invalid
row whatever the chunking, so the table is checked against the sandbox fed
one byte at a time and whole.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import moment_async as ma
from moment_async import adid
from moment_async.sandbox import AdidCount, Sandbox, count_adids
from moment_async.sandbox._csv import MAX_TRACKED_IDS, AdidCounter

from ._data import BOM, csv_of
from .test_validate import ROW_KINDS


def byte_by_byte(content: bytes) -> AdidCount:
    """
    Return the sandbox's counts of *content* fed one byte at a time.
    """
    counter = AdidCounter()
    counter.start_file()
    for index in range(len(content)):
        counter.feed(content[index : index + 1])
    counter.end_file()
    return counter.result()


@pytest.mark.parametrize(("content", "expected"), ROW_KINDS)
def test_row_table_agrees_with_the_sandbox(content, expected):
    """Every row kind of the table is counted as the sandbox counts an upload."""
    sandbox = byte_by_byte(content)
    assert sandbox == count_adids([content])

    report = adid.validate_sync(content)

    assert (sandbox.valid, sandbox.invalid, sandbox.duplicates, sandbox.headers) == (
        report.valid,
        report.invalid,
        report.duplicates,
        report.headers,
    )


def test_tracking_cap_is_the_sandbox_cap():
    """Both remember the same number of distinct IDs for duplicate detection."""
    assert MAX_TRACKED_IDS == adid.MAX_TRACKED_IDS


def generated(seed: int, rows: int) -> bytes:
    """
    Return a CSV file of mostly valid IDs with repeats, case changes, blanks, padding and garbage.
    """
    rnd = random.Random(seed)  # noqa: S311  # test data, not a secret
    pool = [f"{rnd.getrandbits(128):032x}" for _ in range(rows // 2)]
    ids = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in pool]
    lines = ["adid"] if rnd.random() < 0.5 else []
    for _ in range(rows):
        roll = rnd.random()
        if roll < 0.8:
            value = rnd.choice(ids)
            lines.append(value.upper() if rnd.random() < 0.3 else value)
        elif roll < 0.85:
            lines.append(" \t" + rnd.choice(ids) + " ")
        elif roll < 0.9:
            lines.append(rnd.choice(["", "  ", "\t"]))
        elif roll < 0.97:
            lines.append(rnd.choice(["not-an-adid", "12345", ids[0][:-1], "é"]))
        else:
            lines.append("x" * rnd.randint(4097, 9000))
    return (BOM if seed % 2 else b"") + csv_of(*lines, crlf=bool(seed % 3))


@pytest.fixture
async def client() -> AsyncIterator[tuple[Sandbox, ma.MomentClient]]:
    """
    A sandbox whose files are ready at once, and a client on it.
    """
    async with (
        Sandbox(processing_delay=0.0) as sandbox,
        ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sandbox.url) as client,
    ):
        yield sandbox, client


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_upload_counts_equal_the_report(client, tmp_path: Path, seed: int):
    """successCount and failedCount of a real upload are the report's valid and invalid."""
    _, moment = client
    paths = []
    for index, rows in enumerate((30_000, 500)):
        path = tmp_path / f"part{index}.csv"
        path.write_bytes(generated(seed * 10 + index, rows))
        paths.append(path)
    report = await adid.validate(*paths)

    upload = await moment.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files.upload(
        "agreement", paths
    )

    assert (report.valid, report.invalid) == (upload.success_count, upload.failed_count)
    assert report.duplicates > 0
    assert report.invalid > 0
    assert count_adids(p.read_bytes() for p in paths).valid == report.valid


async def test_normalized_file_uploads_without_failures(client, tmp_path: Path):
    """A normalised file uploads with every ID counted and none failed."""
    _, moment = client
    out = tmp_path / "clean.csv"
    clean = await adid.normalize(generated(7, 5000), out=out)

    upload = await moment.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files.upload(
        "clean", [out]
    )

    assert (clean.written, 0) == (upload.success_count, upload.failed_count)
