"""
Type aliases shared by several floors of the package.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import BinaryIO, TypeAlias

#: A decoded JSON document.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None

#: A business token, or an async callable that returns the current one.
TokenSource: TypeAlias = str | Callable[[], Awaitable[str]]

#: Where the bytes of one uploaded CSV come from.
ByteSource: TypeAlias = bytes | bytearray | memoryview | BinaryIO | AsyncIterable[bytes]

#: One uploaded file: a path, or a ``(filename, source)`` pair.
FileInput: TypeAlias = str | os.PathLike[str] | tuple[str, ByteSource]

#: Called with (bytes sent so far, total bytes or None when unknown).
Progress: TypeAlias = Callable[[int, int | None], None]
