"""
The moment-async adid commands, run in a subprocess on files in a temporary directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_cli import ADIDS, cli


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """
    A file the API takes whole: a header, IDs, a blank line and a repeat.
    """
    path = tmp_path / "good.csv"
    path.write_text("adid\n" + "\n".join(ADIDS) + "\n\n" + ADIDS[0].upper() + "\n")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """
    A file with two invalid rows among its IDs.
    """
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([ADIDS[0], "oops", ADIDS[1], "12345"]) + "\n")
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """
    Run in a temporary directory that holds one small file, in.csv.
    """
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text(ADIDS[0] + "\n")
    return tmp_path


async def test_check_a_good_file_exits_0(good: Path):
    """A file without invalid rows passes with exit 0 and a summary of its counts."""
    run = await cli("adid", "check", str(good))

    assert 0 == run.code, run.err
    assert "good.csv: 43 rows" in run.out
    assert "valid" in run.out
    assert "OK: 40 distinct ID(s)" in run.out
    assert "" == run.err


async def test_check_a_bad_file_exits_1_and_lists_the_rows(bad: Path):
    """Invalid rows make exit 1, each listed with its file and line number."""
    run = await cli("adid", "check", str(bad))

    assert 1 == run.code
    assert "bad.csv:2  'oops'" in run.out
    assert "bad.csv:4  '12345'" in run.out
    assert "NOT OK: 2 invalid row(s)" in run.out


async def test_check_json_has_every_count(good: Path, bad: Path):
    """--json prints the counts and the invalid rows of all files as one request."""
    run = await cli(
        "adid", "check", str(good), str(bad), "--json", "--max-invalid", "1"
    )

    assert 1 == run.code
    data = run.json()
    assert isinstance(data, dict)
    assert (40, 3, 2, 1, 1, False) == (
        data["valid"],
        data["duplicates"],
        data["invalid"],
        data["blank"],
        data["headers"],
        data["ok"],
    )
    assert [{"file": str(bad), "line": 2, "text": "oops"}] == data["invalidRows"]


async def test_the_global_json_flag_works_too(good: Path):
    """moment-async --json adid check is the same as adid check --json."""
    run = await cli("--json", "adid", "check", str(good))

    data = run.json()
    assert 0 == run.code
    assert isinstance(data, dict)
    assert data["ok"] is True


async def test_clean_writes_the_clean_file(good: Path, bad: Path, tmp_path: Path):
    """clean writes one lower-case ID a line and prints what it wrote and left out."""
    out = tmp_path / "clean.csv"

    run = await cli("adid", "clean", str(good), str(bad), str(out))

    assert 0 == run.code, run.err
    assert "wrote 40 ID(s)" in run.out
    assert ("\n".join(ADIDS) + "\n") == out.read_text()


async def test_clean_json(good: Path, tmp_path: Path):
    """clean --json prints the output path and counts."""
    out = tmp_path / "clean.csv"

    run = await cli("adid", "clean", str(good), str(out), "--json")

    data = run.json()
    assert isinstance(data, dict)
    assert (str(out), 40, 1) == (
        data["path"],
        data["written"],
        data["source"]["duplicates"],
    )


async def test_clean_with_nothing_valid_exits_1(tmp_path: Path):
    """An input without a single ID makes an empty file and exit 1."""
    source = tmp_path / "none.csv"
    source.write_text("adid\nnope\n")

    run = await cli("adid", "clean", str(source), str(tmp_path / "out.csv"))

    assert 1 == run.code
    assert "wrote 0 ID(s)" in run.out


async def test_split_prints_the_uploads(good: Path, tmp_path: Path):
    """split writes parts and prints which go in each upload."""
    clean = tmp_path / "clean.csv"
    await cli("adid", "clean", str(good), str(clean))

    run = await cli("adid", "split", str(clean), str(tmp_path / "parts"), "--json")

    data = run.json()
    assert 0 == run.code, run.err
    assert isinstance(data, dict)
    assert [[str(tmp_path / "parts" / "part-0001.csv")]] == data["requests"]
    assert (40, 40 * 37) == (data["rows"], data["size"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("check", "missing.csv"), "no such file", id="check missing"),
        pytest.param(("clean", "missing.csv", "out.csv"), "no such file", id="clean missing"),
        pytest.param(("clean", "in.csv", "in.csv"), "is also a source", id="clean onto itself"),
        pytest.param(("check", "in.csv", "--max-invalid", "-1"), "max_invalid", id="bad option"),
        pytest.param(("split", "in.csv", "in.csv"), "is a file", id="split into a file"),
        pytest.param(("split", "in.csv", "d", "--part-mb", "500"), "part_bytes", id="huge part"),
    ],
)  # fmt: skip
async def test_input_errors_exit_2_with_one_line(workdir: Path, args, message):
    """A missing file or a bad option exits 2 with a one-line message and no traceback."""
    run = await cli("adid", *args)

    assert 2 == run.code
    assert message in run.err
    assert "Traceback" not in run.err
    assert 1 == len(run.err.strip().splitlines())


@pytest.fixture
def undecodable(tmp_path: Path) -> Path:
    """
    A directory whose name is not UTF-8 (byte 0xFF), holding in.csv with one ID and one bad row.
    """
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/raw-\xff"))
    folder.mkdir()
    (folder / "in.csv").write_text(ADIDS[0] + "\noops\n")
    return folder


@pytest.mark.parametrize(
    "action",
    [pytest.param("check", id="check"), pytest.param("clean", id="clean"), pytest.param("split", id="split")],
)  # fmt: skip
async def test_json_keeps_a_path_that_is_not_utf8_exact(undecodable: Path, action):
    """--json shows a file name that is not UTF-8 as \\udcff escapes, which read back to the very same path; no traceback."""
    source = undecodable / "in.csv"
    if action == "split":
        await cli("adid", "clean", str(source), str(undecodable / "clean.csv"))
        source = undecodable / "clean.csv"
    extra = {"check": [], "clean": [str(undecodable / "out.csv")], "split": [str(undecodable / "parts")]}  # fmt: skip

    run = await cli("adid", action, str(source), *extra[action], "--json")

    assert "Traceback" not in run.err
    assert "\\udcff" in run.out
    data = run.json()
    assert isinstance(data, dict)
    found = {
        "check": lambda: data["invalidRows"][0]["file"],
        "clean": lambda: data["path"],
        "split": lambda: data["requests"][0][0],
    }[action]()
    expected = {
        "check": source,
        "clean": undecodable / "out.csv",
        "split": undecodable / "parts" / "part-0001.csv",
    }[action]
    assert os.fsencode(expected) == os.fsencode(found)
