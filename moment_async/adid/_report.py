"""
What the ADID toolkit returns: a validation report, a normalisation report and a split plan.
"""

from __future__ import annotations

from pathlib import Path

import attrs


@attrs.frozen
class InvalidRow:
    """
    One row that is neither an ADID, a header nor blank.

    *line* counts from 1 in file *file* (the index of the source, from 0);
    *text* is the start of the row, decoded as UTF-8::

        for row in report.invalid_rows:
            print(f"line {row.line}: {row.text!r}")
    """

    #: Line number in its file, from 1.
    line: int
    #: The row's first 100 characters, without the line ending.
    text: str
    #: Index of the source the row came from, from 0.
    file: int = 0


@attrs.frozen(kw_only=True)
class AdidReport:
    """
    What the rows of one or more CSV files held, counted as the API counts them.

    *valid* is what Kakao reports as ``successCount`` (distinct valid IDs)
    and *invalid* its ``failedCount``; ``ok`` says whether the files would
    be taken whole::

        report = await adid.validate("buyers.csv")
        if not report.ok:
            print(report.summary())
    """

    #: Distinct valid ADIDs (the API's ``successCount``).
    valid: int = 0
    #: Valid rows that repeat an ID seen before in the same files.
    duplicates: int = 0
    #: Rows that are neither an ADID, a header nor blank (``failedCount``).
    invalid: int = 0
    #: Lines holding nothing but spaces.
    blank: int = 0
    #: Header lines skipped (at most one per file).
    headers: int = 0
    #: The first header's text, or ``None`` without one.
    header: str | None = None
    #: Lines read, blank lines and headers included.
    rows: int = 0
    #: Bytes read.
    size: int = 0
    #: Sources read.
    files: int = 0
    #: Valid IDs counted without the duplicate check, once *max_tracked*
    #: distinct IDs were remembered (0 unless the cap was reached).
    unchecked: int = 0
    #: The first invalid rows (as many as *max_invalid* asked for).
    invalid_rows: tuple[InvalidRow, ...] = ()

    @property
    def ok(self) -> bool:
        """
        Whether there is at least one valid ID and no invalid row.
        """
        return self.invalid == 0 and self.valid > 0

    def summary(self) -> str:
        """
        Return the counts as one line of text.

        ``"970,204 valid, 19,710 duplicates, 10,086 invalid, 0 blank,
        header 'adid', 1,000,000 rows"``
        """
        parts = [
            f"{self.valid:,} valid",
            f"{self.duplicates:,} duplicates",
            f"{self.invalid:,} invalid",
            f"{self.blank:,} blank",
            "no header" if self.header is None else f"header {self.header!r}",
            f"{self.rows:,} rows",
        ]
        if self.unchecked:
            parts.append(f"{self.unchecked:,} not checked for duplicates")
        return ", ".join(parts)


@attrs.frozen(kw_only=True)
class NormalizeReport:
    """
    What ``normalize`` wrote, and what its input held.

    ::

        report = await adid.normalize(ids, "clean.csv")
        print(report.written, report.duplicates, report.invalid)
    """

    #: The file written, or ``None`` when a file object was given.
    path: Path | None
    #: IDs written, one a line.
    written: int
    #: Bytes written.
    size: int
    #: The input's counts, as ``validate`` reports them.
    source: AdidReport

    @property
    def duplicates(self) -> int:
        """
        Repeated IDs left out.
        """
        return self.source.duplicates

    @property
    def invalid(self) -> int:
        """
        Rows left out because they are not ADIDs.
        """
        return self.source.invalid


@attrs.frozen(kw_only=True)
class SplitPlan:
    """
    The part files ``split`` wrote, grouped into requests that each fit one upload.

    ::

        plan = await adid.split("clean.csv", "parts/")
        for files in plan.requests:
            await acct.customer_files.upload("buyers", files)
    """

    #: One tuple of part files per request, in order.
    requests: tuple[tuple[Path, ...], ...] = ()
    #: Lines written over all parts.
    rows: int = 0
    #: Bytes written over all parts.
    size: int = 0

    @property
    def parts(self) -> tuple[Path, ...]:
        """
        Every part file, in order.
        """
        return tuple(path for request in self.requests for path in request)
