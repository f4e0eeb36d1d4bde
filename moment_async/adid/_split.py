"""
Cutting a large set of ADIDs into part files that each fit an upload, grouped into requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import BinaryIO, Final

from .._constants import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from .._errors import ValidationError
from .._types import ProgressCallback
from ._drive import drive, drive_sync
from ._output import create
from ._params import check_limit, check_sources
from ._report import SplitPlan
from ._sources import CsvSource, IdSource, Input, SyncCsvSource

#: Ten parts of this size fill one request to its documented limit.
DEFAULT_PART_BYTES: Final = MAX_UPLOAD_BYTES // MAX_UPLOAD_FILES
#: A part must hold at least one ADID line (37 bytes) with room to spare.
_MIN_PART_BYTES: Final = 64


class _Splitting:
    """
    Strictly private: the job that copies whole lines into parts of at most *part_bytes*.
    """

    def __init__(self, directory: Path, stem: str, part_bytes: int) -> None:
        self._directory = directory
        self._stem = stem
        self._part_bytes = part_bytes
        self.parts: list[tuple[Path, int]] = []
        self._file: BinaryIO | None = None
        self._path = directory
        self._source = ""
        self._room = 0
        self._rest = b""
        self.rows = 0
        self.size = 0

    def start_file(self, source: Input) -> None:
        self._source = source.name
        self._rest = b""

    def feed(self, chunk: bytes) -> None:
        data = self._rest + chunk if self._rest else chunk
        cut = data.rfind(b"\n") + 1
        self._rest = data[cut:]
        if len(self._rest) > self._part_bytes:
            self._too_long()
        if cut:
            self._write(data, cut)

    def end_file(self) -> None:
        if self._rest:
            line = self._rest + b"\n"
            self._rest = b""
            self._write(line, len(line))

    def _write(self, data: bytes, end: int) -> None:
        # data[:end] is whole lines; a part closes when its next line does not fit.
        view = memoryview(data)
        pos = 0
        while pos < end:
            file = self._file or self._open_part()
            stop = end
            if end - pos > self._room:
                stop = data.rfind(b"\n", pos, pos + self._room) + 1
                if stop <= pos:
                    if self._room == self._part_bytes:
                        self._too_long()
                    self._close_part()
                    continue
            file.write(view[pos:stop])
            self._room -= stop - pos
            self.rows += data.count(b"\n", pos, stop)
            self.size += stop - pos
            pos = stop
            if pos < end:
                self._close_part()

    def _too_long(self) -> None:
        msg = (
            f"{self._source}: a line is longer than part_bytes "
            f"({self._part_bytes:,}); is the input one ID a line?"
        )
        raise ValidationError(msg)

    def _open_part(self) -> BinaryIO:
        self._path = self._directory / f"{self._stem}-{len(self.parts) + 1:04d}.csv"
        try:
            self._file = create(self._path)
        except OSError as exc:
            msg = f"{str(self._path)!r}: cannot write this part: {exc.strerror or exc}"
            raise ValidationError(msg) from exc
        self.parts.append((self._path, 0))
        self._room = self._part_bytes
        return self._file

    def _close_part(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self.parts[-1] = (self._path, self._part_bytes - self._room)

    def finish(self, ok: bool) -> None:
        self._close_part()
        if not ok:
            for path, _ in self.parts:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def plan(self, max_files: int, max_request_bytes: int) -> SplitPlan:
        requests: list[tuple[Path, ...]] = []
        current: list[Path] = []
        size = 0
        for path, part_size in self.parts:
            if current and (
                len(current) == max_files or size + part_size > max_request_bytes
            ):
                requests.append(tuple(current))
                current, size = [], 0
            current.append(path)
            size += part_size
        if current:
            requests.append(tuple(current))
        return SplitPlan(requests=tuple(requests), rows=self.rows, size=self.size)


def _prepare(
    out_dir: object,
    stem: object,
    part_bytes: object,
    max_files: object,
    max_request_bytes: object,
) -> tuple[Path, str, int, int, int]:
    request_bytes = check_limit(
        "max_request_bytes",
        max_request_bytes,
        minimum=_MIN_PART_BYTES,
        maximum=MAX_UPLOAD_BYTES,
    )
    part = check_limit(
        "part_bytes", part_bytes, minimum=_MIN_PART_BYTES, maximum=request_bytes
    )
    files = check_limit("max_files", max_files, minimum=1, maximum=MAX_UPLOAD_FILES)
    if not isinstance(stem, str) or not stem or os.sep in stem or "/" in stem:
        msg = f"stem must be a non-empty file name prefix, got {stem!r}"
        raise ValidationError(msg)
    if not isinstance(out_dir, str | os.PathLike):
        msg = f"out_dir must be a path, got {type(out_dir).__name__}"
        raise ValidationError(msg)
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        msg = f"out_dir ({str(directory)!r}) is a file, not a directory"
        raise ValidationError(msg)
    directory.mkdir(parents=True, exist_ok=True)
    # Old parts beside new ones would be uploaded by mistake with a glob.
    old = sorted(directory.glob(f"{stem}-*.csv"))
    if old:
        msg = (
            f"out_dir ({str(directory)!r}) already holds {old[0].name}; "
            "empty it or choose another stem"
        )
        raise ValidationError(msg)
    return directory, stem, part, files, request_bytes


async def split(
    *sources: CsvSource | IdSource,
    out_dir: str | os.PathLike[str],
    part_bytes: int = DEFAULT_PART_BYTES,
    max_files: int = MAX_UPLOAD_FILES,
    max_request_bytes: int = MAX_UPLOAD_BYTES,
    stem: str = "part",
    progress: ProgressCallback | None = None,
) -> SplitPlan:
    """
    Copy the lines of *sources* into part files and group them into requests.

    Each part (``out_dir/part-0001.csv`` …) holds whole lines and at most
    *part_bytes*; each request of the plan holds at most *max_files* parts
    and *max_request_bytes* in all. The defaults are the documented upload
    limits (10 files, 200 MB: 200,000,000 bytes), with parts of 20 MB so
    that ten fill one request; smaller values are allowed, larger ones
    refused.

    Sources are read as ``normalize`` reads them (files, or IDs one per
    item), but the lines are copied as they are: run ``normalize`` first
    to drop invalid rows and duplicates. Work happens in worker threads.

    ::

        plan = await adid.split("clean.csv", out_dir="parts")
        for files in plan.requests:
            upload = await acct.customer_files.upload("buyers", files)

    Raises:
        ValidationError: a source cannot be read, a line is longer than
            *part_bytes*, *out_dir* is a file or already holds parts with
            this *stem*, or a limit is out of range.
    """
    check_sources(sources)
    directory, name, part, files, request_bytes = await asyncio.to_thread(
        _prepare, out_dir, stem, part_bytes, max_files, max_request_bytes
    )
    job = _Splitting(directory, name, part)
    ok = False
    try:
        await drive(job, sources, ids=True, progress=progress)
        ok = True
    finally:
        await asyncio.to_thread(job.finish, ok)
    return job.plan(files, request_bytes)


def split_sync(
    *sources: SyncCsvSource | IdSource,
    out_dir: str | os.PathLike[str],
    part_bytes: int = DEFAULT_PART_BYTES,
    max_files: int = MAX_UPLOAD_FILES,
    max_request_bytes: int = MAX_UPLOAD_BYTES,
    stem: str = "part",
    progress: ProgressCallback | None = None,
) -> SplitPlan:
    """
    Split into request-sized parts in the calling thread, for scripts; see ``split``.

    ::

        plan = adid.split_sync("clean.csv", out_dir="parts")
        print(len(plan.requests), "requests")
    """
    check_sources(sources)
    directory, name, part, files, request_bytes = _prepare(
        out_dir, stem, part_bytes, max_files, max_request_bytes
    )
    job = _Splitting(directory, name, part)
    ok = False
    try:
        drive_sync(job, sources, ids=True, progress=progress)
        ok = True
    finally:
        job.finish(ok)
    return job.plan(files, request_bytes)
