"""
adid.validate: each row kind, line numbers, chunk edges, every input form and the errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from pathlib import Path

import pytest

from moment_async import ValidationError, adid

from ._data import ADIDS, BOM, chunks, counts, csv_of, scan

PADDED_LONG = (" " * 5000 + ADIDS[0]).encode() + b"\n"

ROW_KINDS = [
    pytest.param(csv_of(*ADIDS[:3]), (3, 0, 0, 0, 0), id="plain"),
    pytest.param(csv_of("adid", *ADIDS[:3]), (3, 0, 0, 0, 1), id="header"),
    pytest.param(csv_of('"ADID"', ADIDS[0]), (1, 0, 0, 0, 1), id="quoted header"),
    pytest.param(
        csv_of("advertising id-x_y", ADIDS[0]), (1, 0, 0, 0, 1), id="header chars"
    ),
    pytest.param(BOM + csv_of("adid", ADIDS[0]), (1, 0, 0, 0, 1), id="BOM, header"),
    pytest.param(BOM + csv_of(ADIDS[0]), (1, 0, 0, 0, 0), id="BOM before an ID"),
    pytest.param(
        csv_of(ADIDS[0]) + BOM + csv_of(ADIDS[1]), (1, 0, 1, 0, 0), id="BOM later"
    ),
    pytest.param(csv_of(*ADIDS[:2], crlf=True), (2, 0, 0, 0, 0), id="CRLF"),
    pytest.param(
        csv_of(f"  {ADIDS[0]}\t", f"\x0b{ADIDS[1]}\x0c", f"\t{ADIDS[2]}\r"),
        (3, 0, 0, 0, 0),
        id="spaces around",
    ),
    pytest.param(csv_of(ADIDS[0].upper()), (1, 0, 0, 0, 0), id="upper case"),
    pytest.param(
        csv_of(ADIDS[0], ADIDS[0].upper(), ADIDS[0].title()),
        (1, 2, 0, 0, 0),
        id="duplicates in any case",
    ),
    pytest.param(
        csv_of(
            "adid",
            "not-an-adid",
            "12345",
            ADIDS[0][:-1],
            ADIDS[0] + "0",
            ADIDS[0] + ",",
            ADIDS[0].replace("-", ""),
            "g" * 8 + ADIDS[0][8:],
            ADIDS[0][:10] + " " + ADIDS[0][11:],
        ),
        (0, 0, 8, 0, 1),
        id="invalid rows",
    ),
    pytest.param(
        csv_of("", ADIDS[0], "  ", "\t", "", crlf=True), (1, 0, 0, 4, 0), id="blank"
    ),
    pytest.param(csv_of(ADIDS[0], "adid"), (1, 0, 1, 0, 0), id="header only first"),
    pytest.param(
        csv_of("", "  ", "adid", ADIDS[0]), (1, 0, 0, 2, 1), id="header after blanks"
    ),
    pytest.param(csv_of("adid", "adid"), (0, 0, 1, 0, 1), id="second header"),
    pytest.param(csv_of("adid1", ADIDS[0]), (1, 0, 1, 0, 0), id="header with digit"),
    pytest.param(csv_of("a" * 65), (0, 0, 1, 0, 0), id="header too long"),
    pytest.param(csv_of("a" * 64), (0, 0, 0, 0, 1), id="longest header"),
    pytest.param(csv_of(*ADIDS[:2], end=False), (2, 0, 0, 0, 0), id="no final newline"),
    pytest.param(b"", (0, 0, 0, 0, 0), id="empty"),
    pytest.param(b"\n\n", (0, 0, 0, 2, 0), id="only blank lines"),
    pytest.param(csv_of("x" * 5000, ADIDS[0]), (1, 0, 1, 0, 0), id="long garbage line"),
    pytest.param(PADDED_LONG, (0, 0, 1, 0, 0), id="long padded ID"),
    pytest.param(
        (" " * (4096 - 36) + ADIDS[0]).encode() + b"\n",
        (1, 0, 0, 0, 0),
        id="4096 bytes exactly",
    ),
    pytest.param(
        ("x" * 5000).encode(), (0, 0, 1, 0, 0), id="long last line without newline"
    ),
    pytest.param(f"{ADIDS[0]}\r{ADIDS[1]}\r".encode(), (0, 0, 1, 0, 0), id="CR alone"),
    pytest.param(
        "아이디\n".encode() + csv_of(ADIDS[0]), (1, 0, 1, 0, 0), id="non-ASCII"
    ),
]


@pytest.mark.parametrize(("content", "expected"), ROW_KINDS)
def test_each_row_kind_is_counted(content, expected):
    """Valid, duplicate, invalid, blank and header rows are counted by the documented rules."""
    report = adid.validate_sync(content)

    assert expected == counts(report)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 37, 4096])
@pytest.mark.parametrize(("content", "expected"), ROW_KINDS)
def test_chunk_edges_do_not_change_the_counts(content, expected, size):
    """Feeding a file in chunks of any size, BOM and CRLF split included, gives the same counts."""
    report = scan([content], size)

    assert expected == counts(report)


async def test_async_api_gives_the_sync_report(tmp_path: Path):
    """validate over a path, bytes, a binary file and an async iterable equals validate_sync."""
    content = BOM + csv_of("adid", *ADIDS, "bad", "", ADIDS[0].upper(), crlf=True)
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    expected = adid.validate_sync(path)

    with path.open("rb") as file:
        reports = [
            await adid.validate(str(path)),
            await adid.validate(content),
            await adid.validate(file),
            await adid.validate(chunks(content, 5)),
        ]

    assert [expected] * 4 == reports
    assert (40, 1, 1, 1, 1) == counts(expected)


def test_invalid_rows_carry_line_numbers_and_text():
    """Each invalid row is reported with its line number (from 1) and its text."""
    content = BOM + csv_of(
        "adid", ADIDS[0], "", "oops", f" {ADIDS[1]}", "x;y ", crlf=True
    )

    report = adid.validate_sync(content)

    assert (
        adid.InvalidRow(line=4, text="oops"),
        adid.InvalidRow(line=6, text="x;y "),
    ) == report.invalid_rows


def test_long_invalid_row_is_cut_to_an_excerpt():
    """A long invalid row keeps its line number and its first 100 characters."""
    content = csv_of(ADIDS[0], "y" * 10_000, ADIDS[1])

    report = scan([content], 1000)

    assert (adid.InvalidRow(line=2, text="y" * 100),) == report.invalid_rows
    assert 3 == report.rows


@pytest.mark.parametrize(("kept", "expected"), [(0, 0), (2, 2), (100, 5)])
def test_only_the_first_invalid_rows_are_kept(kept, expected):
    """max_invalid caps the rows kept, not the rows counted."""
    content = csv_of(*[f"bad {i}" for i in range(5)])

    report = adid.validate_sync(content, max_invalid=kept)

    assert 5 == report.invalid
    assert [f"bad {i}" for i in range(expected)] == [
        row.text for row in report.invalid_rows
    ]


def test_files_of_one_request_share_duplicates_and_keep_their_headers():
    """An ID repeated in a later file is a duplicate; each file may have a header."""
    first = csv_of("adid", ADIDS[0], "bad")
    second = csv_of("ADID", ADIDS[0].upper(), ADIDS[1], "worse")

    report = adid.validate_sync(first, second)

    assert (2, 1, 2, 0, 2) == counts(report)
    assert ((0, 3), (1, 4)) == tuple(
        (row.file, row.line) for row in report.invalid_rows
    )
    assert (2, 7) == (report.files, report.rows)


def test_report_sizes_and_header_text():
    """The report counts files, lines and bytes read, and keeps the first header's text."""
    content = csv_of('"ADID"', *ADIDS[:3], "")

    report = adid.validate_sync(content)

    assert (1, 5, len(content)) == (report.files, report.rows, report.size)
    assert '"ADID"' == report.header


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        pytest.param(csv_of("adid", ADIDS[0], "", ADIDS[0]), True, id="fine"),
        pytest.param(csv_of(ADIDS[0], "bad"), False, id="invalid row"),
        pytest.param(csv_of("adid", ""), False, id="no ID"),
    ],
)
def test_ok_needs_an_id_and_no_invalid_row(content, ok):
    """A report is ok with at least one valid ID and no invalid row."""
    report = adid.validate_sync(content)

    assert ok is report.ok


def test_summary_is_one_line_of_counts():
    """summary() says every count in one line."""
    report = adid.validate_sync(csv_of("adid", ADIDS[0], ADIDS[0], "bad", ""))

    assert (
        "1 valid, 1 duplicates, 1 invalid, 1 blank, header 'adid', 5 rows"
        == report.summary()
    )


def test_past_the_tracking_cap_ids_are_not_checked():
    """With max_tracked, later new IDs count as valid and unchecked, as in the sandbox."""
    content = csv_of(ADIDS[0], ADIDS[1], ADIDS[2], ADIDS[2], ADIDS[0])

    report = adid.validate_sync(content, max_tracked=2)

    assert (4, 1, 2) == (report.valid, report.duplicates, report.unchecked)
    assert "2 not checked for duplicates" in report.summary()


def test_default_cap_is_the_sandbox_cap():
    """By default the first million distinct IDs are tracked."""
    assert 1_000_000 == adid.MAX_TRACKED_IDS


def test_chunks_larger_than_a_mebibyte_keep_rows_whole(tmp_path: Path):
    """Rows cut by the 1 MiB read boundaries, long lines included, are counted once."""
    ids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(60_000)]
    lines = [*ids, "x" * 9000, *ids[:1000], " " * 6000, *[f"  {i} " for i in ids[-10:]]]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_of(*lines, crlf=True))

    report = adid.validate_sync(path)

    assert (60_000, 1010, 2, 0, 0) == counts(report)
    assert [60_001, 61_002] == [row.line for row in report.invalid_rows]


async def test_progress_reports_bytes_read(tmp_path: Path):
    """progress gets the bytes read so far and the total, ending at the file size."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_of(*ADIDS) * 40_000)
    calls: list[tuple[int, int | None]] = []

    await adid.validate(path, progress=lambda done, total: calls.append((done, total)))

    size = path.stat().st_size
    assert (size, size) == calls[-1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) > 1


async def test_progress_total_is_unknown_for_streams():
    """A stream's size is unknown: progress gets None as the total."""
    calls: list[tuple[int, int | None]] = []

    await adid.validate(
        chunks(csv_of(*ADIDS), 100), progress=lambda d, t: calls.append((d, t))
    )

    assert [(len(csv_of(*ADIDS)), None)] == calls


async def test_a_huge_stream_chunk_is_parsed_in_pieces():
    """A chunk larger than 1 MiB is cut, so no single parse holds the loop for long."""
    content = csv_of(*ADIDS) * 1700
    calls: list[int] = []

    async def one_chunk():
        yield content

    report = await adid.validate(one_chunk(), progress=lambda d, t: calls.append(d))

    assert [1 << 20, 2 << 20, len(content)] == calls
    assert (40, 40 * 1699) == (report.valid, report.duplicates)


async def test_cancelling_stops_the_validation(tmp_path: Path):
    """A cancelled validation raises CancelledError and closes its file."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_of(*ADIDS) * 100_000)
    task = asyncio.create_task(adid.validate(path))
    await asyncio.sleep(0.02)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert [] == open_descriptors(path)


def open_descriptors(path: Path) -> list[str]:
    """
    Return this process's file descriptors open on *path* (Linux).
    """
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            if Path(os.readlink(fd)) == path:
                found.append(fd.name)
    return found


async def test_a_later_missing_source_closes_the_opened_ones(tmp_path: Path):
    """When one source cannot be opened, the files opened before it are closed."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_of(*ADIDS))

    with pytest.raises(ValidationError, match=r"sources\[1\].*no such file"):
        await adid.validate(path, tmp_path / "missing.csv")

    assert [] == open_descriptors(path)


async def test_chunks_may_be_any_bytes_like_object():
    """An async iterable may yield bytes, bytearray or memoryview chunks."""
    content = csv_of(*ADIDS)

    async def mixed():
        yield bytearray(content[:100])
        yield memoryview(content[100:200])
        yield content[200:]

    report = await adid.validate(mixed())

    assert 40 == report.valid


class _NonBlocking(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> None:
        return None


class _TextLike(io.RawIOBase):
    def read(self, size: int = -1) -> str:
        return "adid\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("missing.csv", "no such file", id="missing"),
        pytest.param(".", "is a directory", id="directory"),
        pytest.param(io.StringIO("adid\n"), "text mode", id="text file"),
        pytest.param(_TextLike(), "expected bytes, got str", id="read gives str"),
        pytest.param(_NonBlocking(), "returned None", id="read gives None"),
        pytest.param("x" * 300 + ".csv", "cannot open it", id="name too long"),
        pytest.param(42, "got int", id="int"),
        pytest.param([b"adid\n"], "async iterable of bytes, got list", id="list"),
    ],
)
async def test_unreadable_sources_are_refused(source, message):
    """A source that cannot be read is a ValidationError naming it and what is allowed."""
    with pytest.raises(ValidationError, match=message) as caught:
        await adid.validate(source)

    assert "sources[0]" in str(caught.value)


async def test_a_stream_of_text_is_refused():
    """An async iterable must yield bytes."""

    async def text():
        yield "adid\n"

    with pytest.raises(ValidationError, match="expected bytes, got str"):
        await adid.validate(text())


def test_the_sync_function_refuses_streams():
    """validate_sync cannot read an async iterable and says to use validate."""
    with pytest.raises(ValidationError, match="needs the async function"):
        adid.validate_sync(chunks(b"", 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"max_invalid": -1}, "max_invalid must be", id="negative"),
        pytest.param({"max_invalid": 1.5}, "max_invalid must be", id="float"),
        pytest.param({"max_tracked": 0}, "max_tracked must be", id="zero cap"),
        pytest.param({"max_tracked": True}, "max_tracked must be", id="bool cap"),
    ],
)
def test_bad_options_are_refused(options, message):
    """Out-of-range options are a ValidationError that says what is allowed."""
    with pytest.raises(ValidationError, match=message):
        adid.validate_sync(b"", **options)


def test_no_source_is_refused():
    """Validating nothing is a ValidationError."""
    with pytest.raises(ValidationError, match="at least one source"):
        adid.validate_sync()
