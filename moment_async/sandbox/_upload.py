"""
Reading a multipart upload as a stream: its text fields, and its CSV parts counted on the fly.

File parts are never held whole: each chunk is counted (bytes and ADID
rows) and dropped. When a rule is broken the rest of the body is still
read, so the client gets the refusal rather than a reset connection.
"""

from __future__ import annotations

from typing import Final

import attrs
from aiohttp import BodyPartReader, web

from ._csv import AdidCount, AdidCounter
from ._errors import (
    BAD_REQUEST,
    FILE_COUNT,
    FILE_EXTENSION,
    FILE_SIZE,
    FILE_TYPE,
    SandboxError,
)

MAX_FILES: Final = 10
#: "200 MB" in the documents, read as decimal megabytes: 200,000,000 bytes,
#: the strict reading, so that a client passing the sandbox stays within
#: whatever Kakao means (the client refuses the same by default).
MAX_UPLOAD_BYTES: Final = 200_000_000
_CHUNK: Final = 256 * 1024
#: A name or id field is short; more than this is not a form field.
_MAX_FIELD: Final = 4096
_TEXT_FIELDS: Final = ("name", "id")


@attrs.frozen(kw_only=True)
class Upload:
    """
    What a multipart upload carried.
    """

    fields: dict[str, str]
    files: int
    file_bytes: int
    count: AdidCount


async def _drain(part: BodyPartReader) -> int:
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
    return size


async def _field(part: BodyPartReader) -> str | None:
    data = b""
    while chunk := await part.read_chunk(_CHUNK):
        data += chunk
        if len(data) > _MAX_FIELD:
            await _drain(part)
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _file_problem(part: BodyPartReader, index: int) -> SandboxError | None:
    if index > MAX_FILES:
        return FILE_COUNT.error()
    if not (part.filename or "").lower().endswith(".csv"):
        return FILE_EXTENSION.error(
            f"CSV 파일(.csv)만 등록할 수 있습니다: {part.filename!r}"
        )
    content_type = part.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "text/csv":
        return FILE_TYPE.error(
            f"파일 형식은 text/csv 이어야 합니다: {content_type or '없음'}"
        )
    return None


class _Reader:
    """
    Strictly private: the running totals of one upload.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counter = AdidCounter()
        self.fields: dict[str, str] = {}
        self.files = 0
        self.file_bytes = 0
        self.problem: SandboxError | None = None

    def refuse(self, error: SandboxError) -> None:
        # The first broken rule is the one reported.
        if self.problem is None:
            self.problem = error

    async def file(self, part: BodyPartReader) -> None:
        self.files += 1
        problem = _file_problem(part, self.files)
        if problem is not None:
            self.refuse(problem)
        counting = self.problem is None
        if counting:
            self.counter.start_file()
        while chunk := await part.read_chunk(_CHUNK):
            self.file_bytes += len(chunk)
            if counting and self.file_bytes > self.limit:
                self.refuse(FILE_SIZE.error())
                counting = False
            if counting:
                self.counter.feed(chunk)
        if counting:
            self.counter.end_file()

    async def text(self, part: BodyPartReader, name: str) -> None:
        value = await _field(part)
        if value is None:
            self.refuse(BAD_REQUEST.error(f"{name} 필드가 올바르지 않습니다."))
        else:
            self.fields[name] = value


async def read_upload(request: web.Request, limit: int = MAX_UPLOAD_BYTES) -> Upload:
    """
    Read a multipart/form-data body of ``files`` parts and text fields.

    Refuses (after reading the whole body): a body that is not multipart, a
    file part whose name does not end in ``.csv`` or whose Content-Type is
    not text/csv, no file part or more than 10, more than *limit* bytes of
    files. Parts with other names are read and ignored.
    """
    if request.content_type != "multipart/form-data":
        msg = "multipart/form-data 요청이어야 합니다."
        raise BAD_REQUEST.error(msg)
    reader = _Reader(limit)
    try:
        parts = await request.multipart()
        while (part := await parts.next()) is not None:
            if not isinstance(part, BodyPartReader):
                reader.refuse(
                    BAD_REQUEST.error("중첩된 multipart는 지원하지 않습니다.")
                )
                await part.release()
            elif part.name == "files":
                await reader.file(part)
            elif part.name in _TEXT_FIELDS:
                await reader.text(part, part.name)
            else:
                await _drain(part)
    except ValueError:
        msg = "multipart 본문을 읽을 수 없습니다."
        raise BAD_REQUEST.error(msg) from None
    if reader.problem is None and reader.files == 0:
        reader.refuse(FILE_COUNT.error())
    if reader.problem is not None:
        raise reader.problem
    return Upload(
        fields=reader.fields,
        files=reader.files,
        file_bytes=reader.file_bytes,
        count=reader.counter.result(),
    )
