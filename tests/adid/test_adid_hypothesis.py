"""
Property: the toolkit and the sandbox count every generated CSV the same, however it is chunked.

The two are written apart from the same rules (neither imports the other);
this holds them together.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from moment_async import adid
from moment_async.sandbox import AdidCount, count_adids
from moment_async.sandbox._csv import AdidCounter

from ._data import BOM, scan

HEX = "0123456789abcdefABCDEF"
LETTERS = "abcdefghijklmnopqrstuvwxyzADIZ"
SPACE = st.text(alphabet=" \t\r\x0b\x0c", max_size=3)
ADID = st.tuples(*(st.text(HEX, min_size=n, max_size=n) for n in (8, 4, 4, 4, 12))).map(
    "-".join
)


@st.composite
def headers(draw: st.DrawFn) -> bytes:
    """
    Draw a header-like line, around the 64-character limit as often as not.
    """
    size = draw(st.sampled_from([0, 1, 62, 63, 64]))
    text = draw(st.text(LETTERS, min_size=1, max_size=1)) + draw(
        st.text(LETTERS + "_ -", min_size=size, max_size=size)
    )
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from("0.,")) + text[at:]
    opening = draw(st.sampled_from(["", "", '"']))
    closing = draw(st.sampled_from(["", "", '"']))
    return (draw(SPACE) + opening + text + closing + draw(SPACE)).encode()


def padded(value: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """
    Return *value* with spaces drawn around it, encoded.
    """
    return st.tuples(SPACE, value, SPACE).map(lambda parts: "".join(parts).encode())


@st.composite
def near_misses(draw: st.DrawFn, pool: list[str]) -> bytes:
    """
    Draw an ID of *pool* with one character dropped, doubled or replaced.
    """
    value = draw(st.sampled_from(pool))
    cut = draw(st.integers(0, len(value) - 1))
    edit = draw(st.sampled_from(["", "g", "--", "0", "é", ","]))
    return (value[:cut] + edit + value[cut + 1 :]).encode()


def lines(pool: list[str]) -> st.SearchStrategy[bytes]:
    """
    Return a strategy for one line of any kind, without its line ending.

    Long lines cross 4 KiB: filler, and IDs or nothing padded with
    spaces to either side of the limit.
    """
    ids = st.sampled_from(pool).flatmap(
        lambda value: st.sampled_from([value, value.upper(), value.lower()])
    )
    return st.one_of(
        padded(ids),
        padded(ids),
        padded(ids),
        SPACE.map(str.encode),
        headers(),
        st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
        near_misses(pool),
        st.tuples(st.sampled_from([b"x", b"0", b"-"]), st.integers(4090, 4200)).map(
            lambda fill: fill[0] * fill[1]
        ),
        st.binary(max_size=40),
        st.tuples(ids, st.integers(4080 - 36, 4110 - 36)).map(
            lambda fill: b" " * fill[1] + fill[0].encode()
        ),
        st.integers(4090, 4100).map(lambda fill: b" " * fill),
    )


@st.composite
def csv_file(draw: st.DrawFn) -> bytes:
    """
    Draw one CSV file: lines of every kind, LF or CRLF, maybe a BOM, maybe a final break.
    """
    pool = draw(st.lists(ADID, min_size=1, max_size=6))
    rows = draw(st.lists(lines(pool), max_size=30))
    if draw(st.booleans()):
        rows.insert(0, draw(headers()))
    ends = draw(
        st.lists(
            st.sampled_from([b"\n", b"\r\n"]), min_size=len(rows), max_size=len(rows)
        )
    )
    body = b"".join(row + end for row, end in zip(rows, ends, strict=True))
    if draw(st.booleans()) and rows:
        body = body.removesuffix(ends[-1])
    return (BOM if draw(st.booleans()) else b"") + body


def sandbox_fed(files: list[bytes], sizes: list[int]) -> AdidCount:
    """
    Return the sandbox's counts with each file fed in chunks of *sizes*, cycled.
    """
    counter = AdidCounter()
    for data in files:
        counter.start_file()
        start = 0
        for size in itertools.cycle(sizes):
            if start >= len(data):
                break
            counter.feed(data[start : start + size])
            start += size
        counter.end_file()
    return counter.result()


@settings(max_examples=200, deadline=None)
@given(
    files=st.lists(csv_file(), min_size=1, max_size=3),
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=5),
)
def test_toolkit_and_sandbox_agree(files: list[bytes], sizes: list[int]):
    """Valid, invalid, duplicate and header counts equal the sandbox's, for any chunking."""
    expected = count_adids(files)

    whole = adid.validate_sync(*files)
    chunked = scan(files, sizes)

    for report in (whole, chunked):
        assert (
            expected.valid,
            expected.invalid,
            expected.duplicates,
            expected.headers,
        ) == (
            report.valid,
            report.invalid,
            report.duplicates,
            report.headers,
        )
    assert expected == sandbox_fed(files, sizes)
