"""
Sample ADIDs, CSV builders and a chunked feed shared by the ADID toolkit tests.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Sequence

from moment_async.adid import AdidReport
from moment_async.adid._scanner import RowScanner

#: Forty distinct valid ADIDs, lower case.
ADIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 41)]
BOM = b"\xef\xbb\xbf"


def csv_of(*lines: str, crlf: bool = False, end: bool = True) -> bytes:
    """
    Return a CSV file of *lines* ended by LF (or CRLF); *end* False drops the last break.
    """
    eol = "\r\n" if crlf else "\n"
    text = eol.join(lines) + (eol if end and lines else "")
    return text.encode()


def counts(report: AdidReport) -> tuple[int, int, int, int, int]:
    """
    Return (valid, duplicates, invalid, blank, headers) of *report*.
    """
    return (
        report.valid,
        report.duplicates,
        report.invalid,
        report.blank,
        report.headers,
    )


def scan(
    files: Iterable[bytes],
    size: int | Sequence[int],
    *,
    max_invalid: int = 100,
    max_tracked: int | None = None,
) -> AdidReport:
    """
    Feed each file to the toolkit's scanner in chunks of *size* bytes (a list: cycled).
    """
    sizes = [size] if isinstance(size, int) else list(size)
    scanner = RowScanner(max_invalid=max_invalid, max_tracked=max_tracked)
    for data in files:
        scanner.start_file()
        start = 0
        for step in itertools.cycle(sizes):
            if start >= len(data):
                break
            scanner.feed(data[start : start + step])
            start += step
        scanner.end_file()
    return scanner.report()


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    """
    Yield *data* in pieces of *size* bytes, as a network stream would.
    """
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def items(values: Iterable[str | bytes]) -> AsyncIterator[str | bytes]:
    """
    Yield *values* one by one from an async generator.
    """
    for value in values:
        yield value
