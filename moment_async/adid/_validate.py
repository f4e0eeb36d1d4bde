"""
Validating CSV files of ADIDs: ``validate`` (off the event loop) and ``validate_sync``.
"""

from __future__ import annotations

import asyncio

from .._types import ProgressCallback
from ._drive import drive, drive_sync
from ._params import check_count, check_sources, check_tracked
from ._report import AdidReport
from ._rules import MAX_TRACKED_IDS
from ._scanner import RowScanner
from ._sources import CsvSource, Input, SyncCsvSource

#: Invalid rows a report keeps by default.
MAX_INVALID_ROWS = 100


class _Counting:
    """
    Strictly private: the job that only counts.
    """

    def __init__(self, max_invalid: object, max_tracked: object) -> None:
        self.scanner = RowScanner(
            max_invalid=check_count("max_invalid", max_invalid),
            max_tracked=check_tracked(max_tracked),
        )

    def start_file(self, source: Input) -> None:
        self.scanner.start_file(headers=source.headers)

    def feed(self, chunk: bytes) -> None:
        self.scanner.feed(chunk)

    def end_file(self) -> None:
        self.scanner.end_file()


async def validate(
    *sources: CsvSource,
    max_invalid: int = MAX_INVALID_ROWS,
    max_tracked: int | None = MAX_TRACKED_IDS,
    progress: ProgressCallback | None = None,
) -> AdidReport:
    """
    Count the valid, duplicate, invalid and blank rows of one request's CSV files.

    Each source is a path, the file's ``bytes``, a binary file object, or an
    async iterable of byte chunks (a path or file object must read a regular
    file: a FIFO, pipe, socket, device or ``/proc`` file is refused; read a
    stream on the event loop and pass its chunks); several sources are the
    files of one request, so an ID repeated in a later file is a duplicate.
    The files are read and parsed 1 MiB at a time in worker threads, so the
    event loop keeps running: while 50 MB of distinct IDs were checked on a
    2-core machine, a task sleeping 5 ms at a time woke within about 20 ms.

    The rules are the ones the module docstring lists; the report keeps the
    first *max_invalid* invalid rows with their line numbers. Duplicates are
    checked among the first *max_tracked* distinct IDs (``None``: all of
    them), which costs about 120 bytes per distinct ID. *progress* is
    called on the loop with (bytes read, total bytes or ``None``).

    ::

        report = await adid.validate("buyers.csv", max_invalid=10)
        print(report.summary())
        for row in report.invalid_rows:
            print(row.line, row.text)

    Raises:
        ValidationError: a source is missing, not a regular file, open in
            text mode or of a type not listed; an argument is out of range.
    """
    check_sources(sources)
    job = _Counting(max_invalid, max_tracked)
    try:
        await drive(job, sources, ids=False, progress=progress)
        return job.scanner.report()
    finally:
        # Freeing a million keys takes tens of milliseconds: not on the loop.
        await asyncio.to_thread(job.scanner.close)


def validate_sync(
    *sources: SyncCsvSource,
    max_invalid: int = MAX_INVALID_ROWS,
    max_tracked: int | None = MAX_TRACKED_IDS,
    progress: ProgressCallback | None = None,
) -> AdidReport:
    """
    Count the rows of CSV files in the calling thread, for scripts; see ``validate``.

    Sources are paths, ``bytes`` or binary file objects (no async iterables)::

        print(adid.validate_sync("buyers.csv").summary())
    """
    check_sources(sources)
    job = _Counting(max_invalid, max_tracked)
    try:
        drive_sync(job, sources, ids=False, progress=progress)
        return job.scanner.report()
    finally:
        job.scanner.close()
