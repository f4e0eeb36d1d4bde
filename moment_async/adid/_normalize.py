"""
Writing a clean ADID file: ``normalize`` (off the event loop) and ``normalize_sync``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import BinaryIO

from .._types import ProgressCallback
from ._drive import drive, drive_sync
from ._output import OutTarget, Writer, check_target
from ._params import check_count, check_sources, check_tracked
from ._report import NormalizeReport
from ._scanner import RowScanner
from ._sources import CsvSource, IdSource, Input, SyncCsvSource
from ._validate import MAX_INVALID_ROWS


class _Cleaning:
    """
    Strictly private: the job that writes each new distinct ID as it is found.
    """

    def __init__(
        self, target: Path | BinaryIO, max_invalid: object, max_tracked: object
    ) -> None:
        self.scanner = RowScanner(
            max_invalid=check_count("max_invalid", max_invalid),
            max_tracked=check_tracked(max_tracked),
            emit=True,
        )
        # Opened last: bad arguments leave no partial file behind.
        self.writer = Writer(target)
        self.written = 0

    def start_file(self, source: Input) -> None:
        self.scanner.start_file(headers=source.headers)

    def feed(self, chunk: bytes) -> None:
        self.scanner.feed(chunk)
        self._flush()

    def end_file(self) -> None:
        self.scanner.end_file()
        self._flush()

    def _flush(self) -> None:
        output = self.scanner.output
        if output:
            data = b"".join(output)
            output.clear()
            self.writer.write(data)
            self.written += data.count(b"\n")

    def finish(self, ok: bool) -> None:
        self.scanner.close()
        if ok:
            self.writer.commit()
        else:
            self.writer.abort()

    def report(self) -> NormalizeReport:
        return NormalizeReport(
            path=self.writer.path,
            written=self.written,
            size=self.writer.size,
            source=self.scanner.report(),
        )


async def normalize(
    *sources: CsvSource | IdSource,
    out: OutTarget,
    max_invalid: int = MAX_INVALID_ROWS,
    max_tracked: int | None = None,
    progress: ProgressCallback | None = None,
) -> NormalizeReport:
    """
    Write the distinct valid ADIDs of *sources* to *out*: one lower-case ID a line, LF, no header.

    A source is a CSV file (a path, its ``bytes``, a binary file object;
    read by the rules of ``validate``), or IDs: an iterable or async iterable
    of ``str`` or ``bytes``, one ID per item (spaces around it are allowed;
    a header is not). IDs keep the order of their first appearance; invalid
    rows, blank lines, headers and repeats are left out and counted in the
    report. Reading, parsing and writing happen in worker threads, 1 MiB at
    a time.

    Memory: apart from a few MiB of buffers, only the set of distinct IDs,
    about 120 bytes per ID (115 to 130 measured); *max_tracked*
    caps it, and IDs past the cap are written without the duplicate check
    (``report.source.unchecked`` counts them). A path is written as
    ``.NAME.partial`` and renamed when done, so a failure leaves no half
    file behind.

    ::

        report = await adid.normalize("export.csv", out="clean.csv")
        report = await adid.normalize(db_rows(), out="clean.csv")  # IDs
        print(report.written, report.duplicates, report.invalid)

    Raises:
        ValidationError: a source cannot be read or has the wrong type, an
            item is neither str nor bytes, *out* is a source, a directory or
            not writable, or an argument is out of range.
    """
    check_sources(sources)
    target = await asyncio.to_thread(check_target, out, sources)
    job = await asyncio.to_thread(_Cleaning, target, max_invalid, max_tracked)
    ok = False
    try:
        await drive(job, sources, ids=True, progress=progress)
        ok = True
    finally:
        await asyncio.to_thread(job.finish, ok)
    return job.report()


def normalize_sync(
    *sources: SyncCsvSource | IdSource,
    out: OutTarget,
    max_invalid: int = MAX_INVALID_ROWS,
    max_tracked: int | None = None,
    progress: ProgressCallback | None = None,
) -> NormalizeReport:
    """
    Write a clean ADID file in the calling thread, for scripts; see ``normalize``.

    ::

        adid.normalize_sync(["7C3F6E2A-0B1D-4C5E-9F8A-1234567890AB"], out="clean.csv")
    """
    check_sources(sources)
    target = check_target(out, sources)
    job = _Cleaning(target, max_invalid, max_tracked)
    ok = False
    try:
        drive_sync(job, sources, ids=True, progress=progress)
        ok = True
    finally:
        job.finish(ok)
    return job.report()
