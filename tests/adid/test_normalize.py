"""
adid.normalize: the clean file it writes, from files and from (async) iterables of IDs, and its refusals.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from moment_async import ValidationError, adid

from ._data import ADIDS, BOM, csv_of, items


def listing(directory: Path) -> list[Path]:
    """
    Return the files in *directory*.
    """
    return list(directory.iterdir())


async def test_clean_file_from_a_messy_csv(tmp_path: Path):
    """One lower-case ID a line, in order of first appearance, LF, without header, blanks or repeats."""
    content = BOM + csv_of(
        "ADID", ADIDS[1].upper(), "", f"  {ADIDS[0]}\t", "bad", ADIDS[1], ADIDS[2],
        crlf=True,
    )  # fmt: skip
    out = tmp_path / "clean.csv"

    report = await adid.normalize(content, out=out)

    assert csv_of(ADIDS[1], ADIDS[0], ADIDS[2]) == out.read_bytes()
    assert (3, 1, 1) == (report.written, report.duplicates, report.invalid)
    assert (out, out.stat().st_size) == (report.path, report.size)
    assert (1, 1, "ADID") == (
        report.source.blank,
        report.source.headers,
        report.source.header,
    )


def test_ids_from_a_sync_iterable_of_str_and_bytes(tmp_path: Path):
    """Items are IDs (str or bytes), spaces around allowed; a header-like first item is invalid."""
    ids: list[str | bytes] = [
        "adid", ADIDS[0].upper(), ADIDS[1].encode(), f" {ADIDS[0]} ", "", b"nope",
    ]  # fmt: skip
    out = tmp_path / "clean.csv"

    report = adid.normalize_sync(iter(ids), out=out)

    assert csv_of(ADIDS[0], ADIDS[1]) == out.read_bytes()
    assert (2, 1, 2) == (report.written, report.duplicates, report.invalid)
    assert (0, 1) == (report.source.headers, report.source.blank)
    assert [1, 6] == [row.line for row in report.source.invalid_rows]


async def test_ids_from_an_async_iterable(tmp_path: Path):
    """An async iterable of IDs is read on the loop and written like a sync one."""
    out = tmp_path / "clean.csv"
    ids = [*ADIDS, *[a.upper() for a in ADIDS]] * 300

    report = await adid.normalize(items(ids), out=out)

    assert csv_of(*ADIDS) == out.read_bytes()
    assert (40, 23_960) == (report.written, report.duplicates)


async def test_ids_from_a_sync_iterable_in_the_async_function(tmp_path: Path):
    """The async function also takes a plain iterable, read in a worker thread."""
    out = tmp_path / "clean.csv"

    report = await adid.normalize((a for a in ADIDS * 2), out=out)

    assert 40 == report.written


def test_several_files_are_merged_without_repeats(tmp_path: Path):
    """IDs repeated across the sources are written once."""
    out = tmp_path / "clean.csv"

    report = adid.normalize_sync(
        csv_of(*ADIDS[:30]), csv_of("adid", *ADIDS[20:]), out=out
    )

    assert csv_of(*ADIDS) == out.read_bytes()
    assert (40, 10) == (report.written, report.duplicates)


def test_a_large_input_is_written_whole(tmp_path: Path):
    """IDs split by the 1 MiB chunk edges are written once each, in order."""
    ids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(80_000)]
    source = tmp_path / "in.csv"
    source.write_bytes(csv_of(*[i.upper() for i in ids], *ids[::7]))
    out = tmp_path / "clean.csv"

    report = adid.normalize_sync(source, out=out)

    assert csv_of(*ids) == out.read_bytes()
    assert (80_000, len(ids[::7])) == (report.written, report.duplicates)


def test_the_result_validates_clean(tmp_path: Path):
    """A normalised file has no duplicates, header, blank or invalid row."""
    out = tmp_path / "clean.csv"
    adid.normalize_sync(csv_of("adid", *ADIDS, "", "bad", *ADIDS), out=out)

    report = adid.validate_sync(out)

    assert (40, 0, 0, 0, 0) == (
        report.valid,
        report.duplicates,
        report.invalid,
        report.blank,
        report.headers,
    )


def test_writes_to_a_binary_file_object():
    """A file object is written to and left open; the report has no path."""
    buffer = io.BytesIO()

    report = adid.normalize_sync([ADIDS[0], ADIDS[0]], out=buffer)

    assert csv_of(ADIDS[0]) == buffer.getvalue()
    assert report.path is None


def test_past_the_cap_ids_are_written_unchecked(tmp_path: Path):
    """With max_tracked, IDs past the cap are written without the duplicate check."""
    out = tmp_path / "clean.csv"

    report = adid.normalize_sync(
        [ADIDS[0], ADIDS[1], ADIDS[2], ADIDS[2], ADIDS[0]], out=out, max_tracked=2
    )

    assert csv_of(ADIDS[0], ADIDS[1], ADIDS[2], ADIDS[2]) == out.read_bytes()
    assert (4, 2) == (report.written, report.source.unchecked)


async def test_a_failure_leaves_no_file_behind(tmp_path: Path):
    """An item of the wrong type stops the run, and neither the file nor its partial remain."""
    out = tmp_path / "clean.csv"

    with pytest.raises(ValidationError, match="IDs must be str or bytes, got int"):
        await adid.normalize([ADIDS[0], 7], out=out)  # type: ignore[list-item]

    assert [] == listing(tmp_path)


def test_an_existing_file_is_replaced_only_when_done(tmp_path: Path):
    """The old file stays until the new one is complete."""
    out = tmp_path / "clean.csv"
    out.write_bytes(b"old\n")

    with pytest.raises(ValidationError):
        adid.normalize_sync(["x", None], out=out)  # type: ignore[list-item]

    assert b"old\n" == out.read_bytes()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        pytest.param("in.csv", "is also a source", id="same file"),
        pytest.param(".", "is a directory", id="directory"),
        pytest.param("nowhere/clean.csv", "no such directory", id="no directory"),
        pytest.param(io.StringIO(), "text mode", id="text file"),
        pytest.param(3, "got int", id="int"),
    ],
)
def test_bad_outputs_are_refused(tmp_path: Path, monkeypatch, out, message):
    """An output that cannot be written, or that is the input, is a ValidationError."""
    monkeypatch.chdir(tmp_path)
    Path("in.csv").write_bytes(csv_of(*ADIDS))

    with pytest.raises(ValidationError, match=message):
        adid.normalize_sync("in.csv", out=out)

    assert csv_of(*ADIDS) == Path("in.csv").read_bytes()


def test_an_unwritable_output_is_refused(tmp_path: Path):
    """An output that cannot be opened for writing is a ValidationError."""
    (tmp_path / ".clean.csv.partial").mkdir()

    with pytest.raises(ValidationError, match="cannot write it"):
        adid.normalize_sync([ADIDS[0]], out=tmp_path / "clean.csv")


def test_a_failure_leaves_a_file_object_as_it_was_written():
    """A caller's file object keeps what was written before the failure, and stays open."""
    buffer = io.BytesIO()

    with pytest.raises(ValidationError):
        adid.normalize_sync([ADIDS[0], 7], out=buffer)  # type: ignore[list-item]

    assert b"" == buffer.getvalue()
    assert not buffer.closed


async def test_no_ids_make_an_empty_file(tmp_path: Path):
    """An empty async iterable writes an empty file."""
    out = tmp_path / "clean.csv"

    report = await adid.normalize(items([]), out=out)

    assert (0, b"") == (report.written, await asyncio.to_thread(out.read_bytes))


def test_a_missing_source_is_refused(tmp_path: Path):
    """A missing input is a ValidationError, and no output is created."""
    out = tmp_path / "clean.csv"

    with pytest.raises(ValidationError, match="no such file"):
        adid.normalize_sync(tmp_path / "missing.csv", out=out)

    assert [] == list(tmp_path.iterdir())
