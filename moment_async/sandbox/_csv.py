"""
Counting the ADID rows of uploaded CSV files, chunk by chunk as they arrive.

The documents give the row format only as "one ADID per line" (the
36-character 8-4-4-4-12 hexadecimal form of a GAID or IDFA). Kakao does not
publish its template's header or case rules, so the sandbox reads a file as
follows:

- a UTF-8 byte order mark at the start of a file is skipped;
- lines end in LF or CRLF; spaces and tabs around a value are ignored;
- blank lines are skipped and counted nowhere;
- an ADID in either case is valid; IDs are compared lower-cased, and a
  repeat of an ID already seen in the same request (in any of its files)
  is a duplicate;
- the first non-blank line of each file is a header, and counted nowhere,
  when it looks like a column name: up to 64 letters, ``_``, ``-`` or
  spaces starting with a letter, optionally in double quotes (``adid``,
  ``"ADID"``, ``advertising_id``); with a digit it is a (bad) row;
- every other line is invalid; a line longer than 4 KiB is one invalid row.

``successCount`` of an upload is the number of distinct valid IDs and
``failedCount`` the number of invalid rows. To keep memory bounded, only
the first million distinct IDs of a request are remembered for duplicate
detection; later IDs are counted as valid without the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import attrs

_ADID: Final = re.compile(
    rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
_SPACE: Final = rb"[ \t\r\x0b\x0c]*"
#: The same rules over a block of whole lines at once: what ``bytes.strip``
#: and ``_ADID`` decide line by line, the regex engine decides per block,
#: several times faster on a 200 MB upload.
#: A line of at most 4 KiB: a longer one is invalid whatever it holds, and
#: so whether it came in one chunk or in several.
_SHORT: Final = rb"(?=[^\n]{0,4096}$)"
_ROWS: Final = re.compile(
    rb"^" + _SHORT + _SPACE + rb"(" + _ADID.pattern + rb")" + _SPACE + rb"$", re.M
)
_BLANK_ROWS: Final = re.compile(rb"^" + _SHORT + _SPACE + rb"$", re.M)
_HEADER: Final = re.compile(rb'"?[A-Za-z][A-Za-z_ \-]{0,63}"?')
_BOM: Final = b"\xef\xbb\xbf"
#: Longer lines cannot hold an ADID; keeping them would let one endless
#: line fill the memory.
_MAX_LINE: Final = 4096
#: Distinct IDs remembered per request for duplicate detection (~100 MB).
MAX_TRACKED_IDS: Final = 1_000_000


@attrs.frozen
class AdidCount:
    """
    What the rows of one request's CSV files held.
    """

    #: Distinct valid ADIDs.
    valid: int = 0
    #: Rows that are neither an ADID, a header nor blank.
    invalid: int = 0
    #: Valid rows that repeat an ID seen before in the same request.
    duplicates: int = 0
    #: Header lines skipped (at most one per file).
    headers: int = 0


class AdidCounter:
    """
    Count ADID rows over one or more files fed in chunks of any size.

    Call ``start_file()`` before each file's chunks and ``end_file()``
    after them, then read ``result()``.
    """

    def __init__(self, max_tracked: int = MAX_TRACKED_IDS) -> None:
        self._max_tracked = max_tracked
        self._seen: set[bytes] = set()
        self._valid = self._invalid = self._duplicates = self._headers = 0
        self._rest = b""
        self._skipping = False
        self._line_no = 0
        self._content_seen = False

    def start_file(self) -> None:
        """
        Begin a new file: its first line may carry a BOM or be a header.
        """
        self._rest = b""
        self._skipping = False
        self._line_no = 0
        self._content_seen = False

    def feed(self, chunk: bytes) -> None:
        """
        Count the complete lines in *chunk*; keep a partial last line for later.
        """
        if self._skipping:
            end = chunk.find(b"\n")
            if end < 0:
                return
            chunk = chunk[end + 1 :]
            self._skipping = False
        data = self._rest + chunk
        cut = data.rfind(b"\n") + 1
        block, self._rest = data[:cut], data[cut:]
        # A file's first content line may carry a BOM or be a header: read
        # line by line until it has been seen.
        while block and not self._content_seen:
            end = block.index(b"\n")
            self._line(block[:end])
            block = block[end + 1 :]
        if block:
            self._block(block)
        if len(self._rest) > _MAX_LINE:
            self._rest = b""
            self._skipping = True
            self._line_no += 1
            self._content_seen = True
            self._invalid += 1

    def end_file(self) -> None:
        """
        Count the file's last line, which may lack a line break.
        """
        if self._rest and not self._skipping:
            self._line(self._rest)
        self.start_file()

    def result(self) -> AdidCount:
        """
        Return the counts so far.
        """
        return AdidCount(
            valid=self._valid,
            invalid=self._invalid,
            duplicates=self._duplicates,
            headers=self._headers,
        )

    def _block(self, block: bytes) -> None:
        lines = block.count(b"\n")
        self._line_no += lines
        # Without the final line break, every line ends at "\n" or at the end;
        # lower-cased once here, the IDs found need no lower() each.
        text = block[:-1].lower()
        ids = _ROWS.findall(text)
        others = lines - len(ids)
        if others:
            # Blank lines are rare; counting them is the slow regex.
            self._invalid += others - len(_BLANK_ROWS.findall(text))
        seen = self._seen
        if len(seen) + len(ids) > self._max_tracked:
            for value in ids:
                self._adid(value)
            return
        before = len(seen)
        seen.update(ids)
        added = len(seen) - before
        self._valid += added
        self._duplicates += len(ids) - added

    def _adid(self, value: bytes) -> None:
        key = value.lower()
        if key in self._seen:
            self._duplicates += 1
            return
        if len(self._seen) < self._max_tracked:
            self._seen.add(key)
        self._valid += 1

    def _line(self, line: bytes) -> None:
        if len(line) > _MAX_LINE:
            # Counted as the chunked path counts it: BOM and CR included.
            self._line_no += 1
            self._content_seen = True
            self._invalid += 1
            return
        if self._line_no == 0 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        self._line_no += 1
        value = line.strip()
        if not value:
            return
        first = not self._content_seen
        self._content_seen = True
        if _ADID.fullmatch(value):
            self._adid(value)
        elif first and _HEADER.fullmatch(value):
            self._headers += 1
        else:
            self._invalid += 1


def count_adids(files: Iterable[bytes]) -> AdidCount:
    """
    Return the counts of *files*, each given whole as bytes.
    """
    counter = AdidCounter()
    for data in files:
        counter.start_file()
        counter.feed(data)
        counter.end_file()
    return counter.result()
