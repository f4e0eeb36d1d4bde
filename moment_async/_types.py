"""
Types shared by several floors of the package; the public ones are exported by ``moment_async``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import BinaryIO, Protocol, TypeAlias

#: A decoded JSON document.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None

#: What ``MomentClient(token=...)`` takes: a business token, or an async
#: callable that returns the current one (asked again once after a 401)::
#:
#:     async def current_token() -> str:
#:         return await vault.read("moment")
#:
#:     client = ma.MomentClient(current_token)
TokenSource: TypeAlias = str | Callable[[], Awaitable[str]]

#: Where the bytes of one uploaded CSV come from: bytes, a binary file
#: object, or an async iterable of bytes (streamed, its size unknown).
ByteSource: TypeAlias = bytes | bytearray | memoryview | BinaryIO | AsyncIterable[bytes]

#: One file of ``upload`` and ``replace_files``: a path, or a
#: ``(filename, source)`` pair such as ``("buyers.csv", b"...")``.
FileInput: TypeAlias = str | os.PathLike[str] | tuple[str, ByteSource]


class ProgressCallback(Protocol):
    """
    What ``progress=`` takes: a function called with (done so far, total).

    The total is None while unknown (an upload from an async iterable).
    Uploads count bytes sent, the ADID toolkit bytes read, and
    ``for_each_account`` accounts done; any function of two arguments
    fits, whatever their names::

        def show(done: int, total: int | None) -> None:
            print(f"{done} of {total or '?'}")

        await acct.customer_files.upload("buyers", ["buyers.csv"], progress=show)

    An exception the callback raises stops the work it reports on and
    reaches the caller as itself, on every transport: an upload stops
    before its body is complete, so it created nothing; ``for_each_account``
    cancels the jobs still running.
    """

    def __call__(self, done: int, total: int | None, /) -> None:
        """
        Take one report: *done* so far of *total* (None while unknown).
        """
