"""
Check, clean and split CSV files of ADIDs before uploading them as customer files.

::

    from moment_async import adid

    report = await adid.validate("buyers.csv")        # count, off the event loop
    print(report.summary())
    clean = await adid.normalize("buyers.csv", out="clean.csv")
    plan = await adid.split("clean.csv", out_dir="parts")
    for files in plan.requests:                       # each fits one upload
        await acct.customer_files.upload("buyers", files)

``validate_sync``, ``normalize_sync`` and ``split_sync`` do the same in the
calling thread, for scripts.

A file is read the way the API's sandbox reads an upload (the documents
say only "one ADID per line", so these are the sandbox's rules, and a
Hypothesis test keeps the two in agreement):

- a UTF-8 byte order mark at the start of a file is skipped;
- lines end in LF or CRLF; spaces, tabs, CR, VT and FF around a value are
  ignored;
- an ADID is the 36-character 8-4-4-4-12 hexadecimal form of a GAID or
  IDFA, in either case; IDs are compared lower-cased, and a repeat of an ID
  seen before in any of the files of one request is a duplicate;
- blank lines are counted apart and are not errors;
- the first non-blank line of a file is a header, counted apart, when it
  looks like a column name: a letter, then up to 63 letters, ``_``, ``-``
  or spaces, optionally in double quotes (``adid``, ``"ADID"``);
- every other line is invalid, and so is any line longer than 4 KiB.

``valid`` in a report is what the API reports as ``successCount`` and
``invalid`` its ``failedCount``. Duplicate detection remembers the first
``MAX_TRACKED_IDS`` distinct IDs of a request, as the sandbox does, at
about 120 bytes per ID.
"""

from __future__ import annotations

from ._normalize import normalize, normalize_sync
from ._report import AdidReport, InvalidRow, NormalizeReport, SplitPlan
from ._rules import MAX_TRACKED_IDS
from ._split import DEFAULT_PART_BYTES, split, split_sync
from ._validate import MAX_INVALID_ROWS, validate, validate_sync

__all__ = [
    "DEFAULT_PART_BYTES",
    "MAX_INVALID_ROWS",
    "MAX_TRACKED_IDS",
    "AdidReport",
    "InvalidRow",
    "NormalizeReport",
    "SplitPlan",
    "normalize",
    "normalize_sync",
    "split",
    "split_sync",
    "validate",
    "validate_sync",
]
