"""
What a row of an ADID CSV file is: the patterns and limits every reader here applies.

These are the sandbox's documented rules (``moment_async/sandbox/_csv.py``),
written again on purpose: the two implementations check each other, and a
Hypothesis test holds them together. Neither imports the other.
"""

from __future__ import annotations

import re
from typing import Final

#: One ADID: the 36-character 8-4-4-4-12 hexadecimal form, in either case.
ADID: Final = re.compile(
    rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
#: A file's first non-blank line is a header, and counted nowhere, when it
#: looks like a column name (``adid``, ``"ADID"``, ``advertising_id``).
HEADER: Final = re.compile(rb'"?[A-Za-z][A-Za-z_ \-]{0,63}"?')
#: What ``bytes.strip()`` removes around a value (the line break aside).
SPACE: Final = b" \t\r\x0b\x0c"
BOM: Final = b"\xef\xbb\xbf"
#: Longer lines (counted before the line feed, carriage return and a
#: leading BOM included) are one invalid row whatever they hold: no ADID
#: needs them, and keeping them would let one endless line fill the memory.
MAX_LINE: Final = 4096
#: Distinct IDs remembered per request for duplicate detection, as the
#: sandbox does; past it, new IDs count as valid without the check.
MAX_TRACKED_IDS: Final = 1_000_000
#: Characters of an invalid row kept in a report.
EXCERPT: Final = 100


def _shape_table() -> bytes:
    # Every hex digit becomes "h" and every other byte "x", except the
    # hyphen and the line endings: a plain ADID line then reads the same
    # whatever its digits, and whole runs of them compare at memcmp speed.
    table = bytearray(b"x" * 256)
    for char in b"0123456789abcdefABCDEF":
        table[char] = ord("h")
    for char in b"-\r\n":
        table[char] = char
    return bytes(table)


#: ``bytes.translate`` table from a block to its shape (see above).
SHAPE: Final = _shape_table()
#: ``bytes.translate`` table to lower case (``bytes.lower`` cannot delete).
LOWER: Final = bytes(range(256)).lower()
_PLAIN: Final = b"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh"
#: The shape of a bare ADID line ending in LF, and in CRLF.
LF_LINE: Final = _PLAIN + b"\n"
CRLF_LINE: Final = _PLAIN + b"\r\n"
#: Runs of 1, 2, 4 … 256 bare lines: a run of any length is matched with
#: a few ``startswith`` calls (about 40 KB of constants in all).
LF_RUNS: Final = tuple(LF_LINE * (1 << k) for k in range(9))
CRLF_RUNS: Final = tuple(CRLF_LINE * (1 << k) for k in range(9))


def run_end(shape: bytes, start: int, runs: tuple[bytes, ...]) -> int:
    """
    Return where the run of bare ADID lines of *shape* that begins at *start* ends.

    The run is measured by galloping: as many of the longest template as
    fit, then each shorter power of two once, largest first.
    """
    end = start
    longest = runs[-1]
    while shape.startswith(longest, end):
        end += len(longest)
    for template in reversed(runs[:-1]):
        if shape.startswith(template, end):
            end += len(template)
    return end


def excerpt(line: bytes) -> str:
    """
    Return the start of an invalid *line* as text, for a report.
    """
    return line[:EXCERPT].rstrip(b"\r").decode("utf-8", "replace")
