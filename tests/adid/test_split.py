"""
adid.split: parts of whole lines within the limits, grouped into requests, and its refusals.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from moment_async import ValidationError, adid
from moment_async._constants import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES

from ._data import ADIDS, csv_of, items

LINE = len(ADIDS[0]) + 1
#: Small limits keep the tests fast: 10 lines a part, 3 parts or 1000 bytes a request.
SMALL: dict[str, Any] = {
    "part_bytes": 10 * LINE,
    "max_files": 3,
    "max_request_bytes": 1000,
}
IDS = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(100)]


def joined(paths: tuple[Path, ...]) -> bytes:
    """
    Return the parts' contents one after the other.
    """
    return b"".join(path.read_bytes() for path in paths)


async def test_parts_and_requests_keep_the_limits(tmp_path: Path):
    """Every part is whole lines within part_bytes; every request within both request limits."""
    content = csv_of(*IDS)

    plan = await adid.split(content, out_dir=tmp_path, **SMALL)

    assert content == joined(plan.parts)
    assert all(path.stat().st_size <= SMALL["part_bytes"] for path in plan.parts)
    assert all(path.read_bytes().endswith(b"\n") for path in plan.parts)
    for request in plan.requests:
        assert len(request) <= SMALL["max_files"]
        assert sum(path.stat().st_size for path in request) <= 1000
    assert [2] * 5 == [len(request) for request in plan.requests]
    assert (100, len(content)) == (plan.rows, plan.size)


def test_requests_fill_up_to_the_file_count(tmp_path: Path):
    """With room in bytes, a request takes max_files parts."""
    plan = adid.split_sync(
        csv_of(*IDS), out_dir=tmp_path, part_bytes=10 * LINE, max_files=3,
        max_request_bytes=100_000,
    )  # fmt: skip

    assert [3, 3, 3, 1] == [len(request) for request in plan.requests]
    assert [f"part-{i:04d}.csv" for i in range(1, 11)] == [p.name for p in plan.parts]


def test_one_request_when_everything_fits(tmp_path: Path):
    """A small set is one request of one part with the default limits."""
    plan = adid.split_sync(csv_of(*IDS), out_dir=tmp_path / "new" / "dir")

    assert 1 == len(plan.requests)
    assert (tmp_path / "new" / "dir" / "part-0001.csv",) == plan.parts


def test_defaults_are_the_documented_upload_limits():
    """By default ten parts of 20 MB fill one request of 10 files and 200 MB."""
    defaults = inspect.signature(adid.split).parameters

    assert MAX_UPLOAD_BYTES // MAX_UPLOAD_FILES == adid.DEFAULT_PART_BYTES
    assert adid.DEFAULT_PART_BYTES == defaults["part_bytes"].default
    assert MAX_UPLOAD_FILES == defaults["max_files"].default
    assert MAX_UPLOAD_BYTES == defaults["max_request_bytes"].default


def test_a_last_line_without_newline_gets_one(tmp_path: Path):
    """The last line is ended with LF so that the parts join into whole lines."""
    plan = adid.split_sync(
        csv_of(*IDS[:3], end=False), csv_of(*IDS[3:5]), out_dir=tmp_path
    )

    assert csv_of(*IDS[:5]) == joined(plan.parts)


async def test_ids_from_iterables_are_written_one_a_line(tmp_path: Path):
    """Iterables of IDs, sync and async, are split like a file of their lines."""
    plan = await adid.split(items(IDS[:50]), iter(IDS[50:]), out_dir=tmp_path, **SMALL)

    assert csv_of(*IDS) == joined(plan.parts)


def test_lines_cut_by_read_chunks_stay_whole(tmp_path: Path):
    """Parts hold whole lines also where the 1 MiB reads cut the input."""
    ids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(120_000)]
    source = tmp_path / "in.csv"
    source.write_bytes(csv_of(*ids, crlf=True))

    plan = adid.split_sync(source, out_dir=tmp_path / "parts", part_bytes=1_000_000)

    assert source.read_bytes() == joined(plan.parts)
    assert all(p.read_bytes().endswith(b"\r\n") for p in plan.parts)
    assert 5 == len(plan.parts)


def test_empty_input_makes_no_parts(tmp_path: Path):
    """Nothing to split is an empty plan."""
    plan = adid.split_sync(b"", out_dir=tmp_path)

    assert ((), ()) == (plan.requests, plan.parts)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(csv_of(ADIDS[0], "x" * 400, ADIDS[1]), id="in a block"),
        pytest.param(b"x" * 5000, id="last line"),
        pytest.param(csv_of(ADIDS[0], "y" * (2 << 20)), id="across reads"),
    ],
)
def test_a_line_longer_than_a_part_is_refused(tmp_path: Path, content):
    """A line that cannot fit a part is a ValidationError, and the parts written are removed."""
    with pytest.raises(ValidationError, match="longer than part_bytes"):
        adid.split_sync(content, out_dir=tmp_path, **SMALL)

    assert [] == list(tmp_path.iterdir())


def test_old_parts_are_not_mixed_with_new_ones(tmp_path: Path):
    """A directory that holds parts of the same stem is refused; another stem is fine."""
    adid.split_sync(csv_of(*IDS), out_dir=tmp_path)

    with pytest.raises(ValidationError, match=r"already holds part-0001\.csv"):
        adid.split_sync(csv_of(*IDS), out_dir=tmp_path)
    plan = adid.split_sync(csv_of(*IDS), out_dir=tmp_path, stem="again")

    assert "again-0001.csv" == plan.parts[0].name


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"part_bytes": 10}, "part_bytes must be", id="tiny part"),
        pytest.param(
            {"part_bytes": 2000, "max_request_bytes": 1000},
            "part_bytes must be an integer from 64 to 1,000",
            id="part over request",
        ),
        pytest.param({"max_files": 11}, "from 1 to 10", id="eleven files"),
        pytest.param({"max_files": 0}, "max_files must be", id="no files"),
        pytest.param(
            {"max_request_bytes": MAX_UPLOAD_BYTES + 1},
            "max_request_bytes must be",
            id="over 200 MB",
        ),
        pytest.param({"stem": "a/b"}, "stem must be", id="stem with a slash"),
        pytest.param({"stem": ""}, "stem must be", id="empty stem"),
    ],
)
def test_bad_limits_are_refused(tmp_path: Path, options, message):
    """Limits beyond the documented ones, or that cannot work, are a ValidationError."""
    with pytest.raises(ValidationError, match=message):
        adid.split_sync(b"", out_dir=tmp_path, **options)


@pytest.mark.parametrize(
    ("out_dir", "message"),
    [
        pytest.param("file.txt", "is a file", id="a file"),
        pytest.param(7, "out_dir must be a path", id="int"),
    ],
)
def test_bad_directories_are_refused(tmp_path: Path, monkeypatch, out_dir, message):
    """out_dir must be a directory path."""
    monkeypatch.chdir(tmp_path)
    Path("file.txt").write_text("")

    with pytest.raises(ValidationError, match=message):
        adid.split_sync(b"", out_dir=out_dir)
