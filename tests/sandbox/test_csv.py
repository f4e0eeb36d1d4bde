"""
ADID row counting: header, BOM, CRLF, spaces, case, duplicates, invalid rows, chunk edges.
"""

from __future__ import annotations

import re

import pytest

from moment_async.sandbox import AdidCount, Sandbox, count_adids
from moment_async.sandbox._csv import AdidCounter

from ._api import ADIDS, Api, csv_of

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(csv_of(*ADIDS[:3]), AdidCount(valid=3), id="plain"),
        pytest.param(
            csv_of("adid", *ADIDS[:3]), AdidCount(valid=3, headers=1), id="header"
        ),
        pytest.param(
            csv_of('"ADID"', ADIDS[0]),
            AdidCount(valid=1, headers=1),
            id="quoted header",
        ),
        pytest.param(
            BOM + csv_of("adid", ADIDS[0]),
            AdidCount(valid=1, headers=1),
            id="BOM and header",
        ),
        pytest.param(BOM + csv_of(ADIDS[0]), AdidCount(valid=1), id="BOM before an ID"),
        pytest.param(csv_of(*ADIDS[:2], crlf=True), AdidCount(valid=2), id="CRLF"),
        pytest.param(
            csv_of(f"  {ADIDS[0]}\t", f" {ADIDS[1]}"), AdidCount(valid=2), id="spaces"
        ),
        pytest.param(csv_of(ADIDS[0].upper()), AdidCount(valid=1), id="upper case"),
        pytest.param(
            csv_of(ADIDS[0], ADIDS[0].upper(), ADIDS[0]),
            AdidCount(valid=1, duplicates=2),
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
            ),
            AdidCount(invalid=5, headers=1),
            id="invalid rows",
        ),
        pytest.param(
            csv_of("", ADIDS[0], "  ", ""), AdidCount(valid=1), id="blank lines"
        ),
        pytest.param(
            csv_of(ADIDS[0], "adid"),
            AdidCount(valid=1, invalid=1),
            id="header only first",
        ),
        pytest.param(ADIDS[0].encode(), AdidCount(valid=1), id="no final newline"),
        pytest.param(b"", AdidCount(), id="empty"),
        pytest.param(
            csv_of("x" * 5000, ADIDS[0]), AdidCount(valid=1, invalid=1), id="long line"
        ),
        pytest.param(
            csv_of("g" * 8 + ADIDS[0][8:]), AdidCount(invalid=1), id="not hex"
        ),
    ],
)
def test_count_adids_reads_each_row_kind(content: bytes, expected: AdidCount) -> None:
    """Each documented row form is counted as valid, duplicate, header, blank or invalid."""
    assert expected == count_adids([content])


def test_duplicates_are_counted_across_files() -> None:
    """An ID repeated in a second file of the same request is a duplicate."""
    assert AdidCount(valid=2, duplicates=1, headers=2) == count_adids(
        [csv_of("adid", ADIDS[0]), csv_of("adid", ADIDS[0].upper(), ADIDS[1])]
    )


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_chunk_edges_do_not_change_the_counts(size: int) -> None:
    """Feeding a file in chunks of any size, BOM and CRLF split included, gives the same counts."""
    content = BOM + csv_of("adid", *ADIDS, "bad", ADIDS[0], "x" * 5000, crlf=True)
    counter = AdidCounter()

    counter.start_file()
    for start in range(0, len(content), size):
        counter.feed(content[start : start + size])
    counter.end_file()

    assert count_adids([content]) == counter.result()
    assert AdidCount(valid=10, invalid=2, duplicates=1, headers=1) == counter.result()


def test_only_so_many_ids_are_remembered() -> None:
    """Past the tracking cap, IDs count as valid without the duplicate check."""
    counter = AdidCounter(max_tracked=2)

    counter.start_file()
    counter.feed(csv_of(ADIDS[0], ADIDS[1], ADIDS[2], ADIDS[2], ADIDS[0]))
    counter.end_file()

    assert AdidCount(valid=4, duplicates=1) == counter.result()


async def test_upload_counts_match_the_rows_sent(api: Api, sandbox: Sandbox) -> None:
    """An upload's successCount and failedCount are the distinct valid and the invalid rows."""
    first = BOM + csv_of("ADID", *[a.upper() for a in ADIDS[:5]], "oops", crlf=True)
    second = csv_of(f"  {ADIDS[0]}  ", *ADIDS[5:], "", "12345")

    answer = await api.upload("counted", first, second)

    assert (10, 2) == (answer.json["successCount"], answer.json["failedCount"])
    record = sandbox.state.customer_files(Sandbox.DEFAULT_ACCOUNT)[0]
    assert (
        AdidCount(valid=10, invalid=2, duplicates=1, headers=1)
        == record.generations[0].count
    )


def reference_count(content: bytes) -> AdidCount:
    """
    Count one file line by line, the plain way the module docstring states the rules.
    """
    adid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    seen: set[bytes] = set()
    valid = invalid = duplicates = headers = 0
    first = True
    for line in content.removeprefix(BOM).split(b"\n"):
        value = line.strip().lower()
        if not value:
            continue
        if adid.fullmatch(value):
            duplicates += value in seen
            valid += value not in seen
            seen.add(value)
        elif first and re.fullmatch(rb'"?[a-z][a-z_ \-]{0,63}"?', value):
            headers += 1
        else:
            invalid += 1
        first = False
    return AdidCount(
        valid=valid, invalid=invalid, duplicates=duplicates, headers=headers
    )


def test_whole_blocks_count_like_single_lines() -> None:
    """The per-block fast path agrees with a line-by-line count on every kind of row."""
    rows = [
        "Advertising_ID",
        *ADIDS,
        "",
        " \t ",
        "\x0b",
        f"\t{ADIDS[3].upper()}\r",
        f"{ADIDS[4]} x",
        "adid",
        "-" * 36,
        f"\x0c{ADIDS[9]}\x0c",
        "12345678-1234-1234-1234-1234567890ab",
    ]
    content = BOM + csv_of(*rows, crlf=True) + b"tail-without-newline"

    assert reference_count(content) == count_adids([content])


@pytest.mark.parametrize("chunk", [1, 7, 1000, 4096, 1 << 20])
def test_long_lines_count_the_same_however_the_file_is_chunked(chunk):
    """A line over 4 KiB is one invalid row, whole or cut into chunks, even when it pads an ID."""
    padded = b" " * 5000 + b"12345678-1234-1234-1234-123456789012\n"
    data = b"adid\n" + padded + b" " * 5000 + b"\n"
    counter = AdidCounter()
    counter.start_file()
    for start in range(0, len(data), chunk):
        counter.feed(data[start : start + chunk])
    counter.end_file()

    assert counter.result() == count_adids([data])
    assert (0, 2, 1) == (
        counter.result().valid,
        counter.result().invalid,
        counter.result().headers,
    )
