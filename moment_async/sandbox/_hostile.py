"""
Hostile answer bodies: too big, without end, or small ones that inflate to gigabytes.

A body is made of spaces (a JSON reader finds no document in it) and is
made a piece at a time, so the sandbox never holds a whole one. A
compressed body is a bomb: a MiB of spaces deflates to about a KiB, so a
GiB goes out as about a MiB. Its deflate blocks are made once and repeated:
each is compressed from a clean state (a full flush), so any number of them
in a row is valid deflate data. Only the last block and the checksum depend
on the size; they are computed once per size, in a pass over the spaces
that costs a fraction of a second per GiB.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Final, Literal

#: The content codings the sandbox can send, as ``Content-Encoding`` names them.
Encoding = Literal["gzip", "deflate"]
ENCODINGS: Final[tuple[Encoding, ...]] = ("gzip", "deflate")

#: What a hostile body is made of.
_FILL: Final = b" "
#: Bytes handed to the socket per write.
_PIECE: Final = 64 * 1024
#: Bytes of spaces per repeated deflate block; a MiB deflates to about a KiB.
_RUN: Final = 1024 * 1024
#: Repeated deflate blocks per write: about 64 KiB.
_RUNS_PER_PIECE: Final = 64
#: Where a body "without end" ends (decompressed bytes): far past any sane
#: client's bound, yet a bound, so no loop of the sandbox runs for ever.
ENDLESS_LIMIT: Final = 2 * 1024 * 1024 * 1024
#: A gzip member header: deflate, no name, no time, best compression, unknown OS.
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
#: A zlib stream header: deflate with a 32 KiB window, best compression.
_ZLIB_HEADER: Final = b"\x78\xda"


def hostile_body(
    size: int | None, encoding: Encoding | None
) -> tuple[int | None, Iterator[bytes]]:
    """
    Return a hostile body's length on the wire (``None`` without end) and its pieces.

    *size* is the decoded length in bytes; ``None`` is a body that goes on
    until the client leaves, or until ``ENDLESS_LIMIT`` decoded bytes.
    *encoding* compresses it as a gzip or deflate (zlib) bomb.
    """
    if encoding is None:
        return size, _spaces(ENDLESS_LIMIT if size is None else size)
    if size is None:
        return None, _endless_bomb(encoding)
    runs = size // _RUN
    ending = _ending(encoding, size)
    length = len(_header(encoding)) + runs * len(_deflated_run()) + len(ending)
    return length, _bomb(encoding, runs, ending)


def _spaces(size: int) -> Iterator[bytes]:
    piece = _FILL * _PIECE
    whole, rest = divmod(size, _PIECE)
    for _ in range(whole):
        yield piece
    if rest:
        yield piece[:rest]


def _bomb(encoding: Encoding, runs: int, ending: bytes) -> Iterator[bytes]:
    yield _header(encoding)
    yield from _runs(runs)
    yield ending


def _endless_bomb(encoding: Encoding) -> Iterator[bytes]:
    # Never finished: no last block, no checksum.
    yield _header(encoding)
    yield from _runs(ENDLESS_LIMIT // _RUN)


def _runs(count: int) -> Iterator[bytes]:
    run = _deflated_run()
    piece = run * _RUNS_PER_PIECE
    whole, rest = divmod(count, _RUNS_PER_PIECE)
    for _ in range(whole):
        yield piece
    if rest:
        yield run * rest


def _header(encoding: Encoding) -> bytes:
    return _GZIP_HEADER if encoding == "gzip" else _ZLIB_HEADER


@functools.cache
def _run() -> bytes:
    return _FILL * _RUN


@functools.cache
def _deflated_run() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(_run()) + packer.flush(zlib.Z_FULL_FLUSH)


@functools.lru_cache(maxsize=8)
def _ending(encoding: Encoding, size: int) -> bytes:
    """
    Return the last deflate block (the spaces after the whole runs) and the trailer.
    """
    runs, rest = divmod(size, _RUN)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    last = packer.compress(_FILL * rest) + packer.flush()
    if encoding == "gzip":
        crc = _checksum(zlib.crc32, 0, runs, rest)
        return last + struct.pack("<II", crc, size & 0xFFFFFFFF)
    return last + struct.pack(">I", _checksum(zlib.adler32, 1, runs, rest))


def _checksum(
    update: Callable[[bytes, int], int], value: int, runs: int, rest: int
) -> int:
    for _ in range(runs):
        value = update(_run(), value)
    return update(_FILL * rest, value)
