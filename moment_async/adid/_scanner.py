"""
Classifying the rows of CSV files fed in chunks of any size, at memcmp speed for plain rows.

A block of whole lines is translated to its *shape* (every hex digit an
``h``, see ``_rules.SHAPE``); runs of plain ADID lines are then found with
a few ``startswith`` calls each, and only the other lines (blank, padded,
invalid, a header) are looked at one by one in Python. The IDs of a block
become 16-byte keys in C (``_dedup.key_batches``). The counts do not depend on
where the chunks are cut.
"""

from __future__ import annotations

from typing import Final

from ._dedup import KeySet
from ._report import AdidReport, InvalidRow
from ._rules import (
    ADID,
    BOM,
    CRLF_LINE,
    CRLF_RUNS,
    HEADER,
    LF_LINE,
    LF_RUNS,
    LOWER,
    MAX_LINE,
    SHAPE,
    SPACE,
    excerpt,
    run_end,
)

_LF: Final = len(LF_LINE)
_CRLF: Final = len(CRLF_LINE)


class RowScanner:
    """
    Strictly private: count the rows of one or more files fed in chunks.

    Call ``start_file()`` before each file's chunks and ``end_file()``
    after them, then ``report()``. With *emit* on, the lower-case text of
    every new distinct ID collects in ``output`` for a writer to take.
    """

    def __init__(
        self,
        *,
        max_invalid: int,
        max_tracked: int | None,
        emit: bool = False,
    ) -> None:
        self._keys = KeySet(max_tracked)
        self._max_invalid = max_invalid
        self._emit = emit
        self.output: list[bytes] = []
        self._invalid_rows: list[InvalidRow] = []
        self._invalid = self._blank = self._headers = 0
        self._header: str | None = None
        self._rows = self._size = 0
        self._files = 0
        self._file = -1
        self._headers_allowed = True
        self._rest = b""
        self._skipping = False
        self._line_no = 0
        self._content_seen = False

    def start_file(self, *, headers: bool = True) -> None:
        """
        Begin a new file; its first content line may be a header if *headers*.
        """
        self._file = self._files
        self._files += 1
        self._headers_allowed = headers
        self._rest = b""
        self._skipping = False
        self._line_no = 0
        self._content_seen = False

    def feed(self, chunk: bytes) -> None:
        """
        Count the complete lines in *chunk*; keep a partial last line for later.
        """
        self._size += len(chunk)
        if self._skipping:
            end = chunk.find(b"\n")
            if end < 0:
                return
            chunk = chunk[end + 1 :]
            self._skipping = False
        data = self._rest + chunk if self._rest else chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            self._block(data[:cut] if cut < len(data) else data)
        self._rest = data[cut:]
        if len(self._rest) > MAX_LINE:
            # Too long to be anything but invalid: count it now and skip the
            # rest of it, so one endless line cannot fill the memory.
            self._line_no += 1
            line = self._rest
            if self._line_no == 1:
                line = line.removeprefix(BOM)
            self._invalid_row(line)
            self._content_seen = True
            self._rest = b""
            self._skipping = True

    def end_file(self) -> None:
        """
        Count the file's last line, which may lack a line break.
        """
        if self._rest and not self._skipping:
            self._block(self._rest + b"\n")
        self._rows += self._line_no
        self._rest = b""
        self._line_no = 0

    def report(self) -> AdidReport:
        """
        Return the counts so far.
        """
        keys = self._keys
        return AdidReport(
            valid=keys.valid,
            duplicates=keys.duplicates,
            invalid=self._invalid,
            blank=self._blank,
            headers=self._headers,
            header=self._header,
            rows=self._rows + self._line_no,
            size=self._size,
            files=self._files,
            unchecked=keys.unchecked,
            invalid_rows=tuple(self._invalid_rows),
        )

    def close(self) -> None:
        """
        Free the de-duplication set.
        """
        self._keys.clear()

    def _block(self, block: bytes) -> None:
        # A file's first content line may carry a BOM or be a header: read
        # line by line until it has been seen.
        pos = 0
        while not self._content_seen and pos < len(block):
            end = block.index(b"\n", pos)
            self._first_line(block[pos:end])
            pos = end + 1
        if pos < len(block):
            self._scan(block[pos:] if pos else block)

    def _first_line(self, line: bytes) -> None:
        size = len(line)
        if self._line_no == 0 and line.startswith(BOM):
            line = line[len(BOM) :]
        self._line_no += 1
        if size > MAX_LINE:
            self._content_seen = True
            self._invalid_row(line)
            return
        value = line.strip(SPACE)
        if not value:
            self._blank += 1
            return
        self._content_seen = True
        if ADID.fullmatch(value):
            self._ids(value + b"\n")
        elif self._headers_allowed and HEADER.fullmatch(value):
            self._headers += 1
            if self._header is None:
                self._header = value.decode("ascii")
        else:
            self._invalid_row(line)

    def _scan(self, block: bytes) -> None:
        # *block* is whole lines after the first content line.
        shape = block.translate(SHAPE)
        view = memoryview(block)
        ids: list[bytes | memoryview] = []
        end = len(block)
        pos = 0
        while pos < end:
            if shape.startswith(LF_LINE, pos):
                stop = run_end(shape, pos, LF_RUNS)
                self._line_no += (stop - pos) // _LF
            elif shape.startswith(CRLF_LINE, pos):
                stop = run_end(shape, pos, CRLF_RUNS)
                self._line_no += (stop - pos) // _CRLF
            else:
                stop = block.index(b"\n", pos) + 1
                self._line_no += 1
                self._other_line(block[pos : stop - 1], ids)
                pos = stop
                continue
            ids.append(view[pos:stop])
            pos = stop
        if ids:
            self._ids(b"".join(ids))

    def _other_line(self, line: bytes, ids: list[bytes | memoryview]) -> None:
        if len(line) > MAX_LINE:
            self._invalid_row(line)
            return
        value = line.strip(SPACE)
        if not value:
            self._blank += 1
        elif ADID.fullmatch(value):
            ids.append(value + b"\n")
        else:
            self._invalid_row(line)

    def _ids(self, text: bytes) -> None:
        # *text* is ADIDs one a line, CR allowed, in file order.
        if not self._emit:
            self._keys.add(text)
            return
        texts = text.translate(LOWER, b"\r").split(b"\n")
        texts.pop()
        fresh = self._keys.add_new(text, texts)
        if fresh:
            fresh.append(b"")
            self.output.append(b"\n".join(fresh))

    def _invalid_row(self, line: bytes) -> None:
        self._invalid += 1
        if len(self._invalid_rows) < self._max_invalid:
            self._invalid_rows.append(
                InvalidRow(line=self._line_no, text=excerpt(line), file=self._file)
            )
