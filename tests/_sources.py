"""
Sources that are not regular files, for the upload and ADID tests: a one-way stream, pipes, sockets, FIFOs.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

#: What every refusal of a source that is no regular file says is allowed.
ONLY_REGULAR = "only regular files are read; pass other data as bytes"


class OneWay(io.RawIOBase):
    """
    A binary stream that cannot seek and has no file descriptor: a caller's own reader.
    """

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), len(self._data))
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


def one_way(data: bytes) -> BinaryIO:
    """
    Return a buffered binary file over *data* that cannot seek and has no descriptor.
    """
    return io.BufferedReader(OneWay(data))


def pipe_with(data: bytes) -> BinaryIO:
    """
    Return the read end of a pipe holding *data*, its write end closed.
    """
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return os.fdopen(read_end, "rb")


@contextlib.contextmanager
def socket_file(data: bytes) -> Iterator[BinaryIO]:
    """
    Give a binary file object reading one end of a socket pair that holds *data*.
    """
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(data)
        theirs.shutdown(socket.SHUT_WR)
        with ours.makefile("rb") as file:
            yield file


def make_fifo(folder: Path) -> Path:
    """
    Make a FIFO named ``f.csv`` in *folder*, with no writer, and return its path.
    """
    path = folder / "f.csv"
    os.mkfifo(path)
    return path


def release_fifo(path: Path, flags: int) -> None:
    """
    Open the FIFO at *path* from the other side without blocking, freeing a thread stuck opening it.
    """
    with contextlib.suppress(OSError):
        os.close(os.open(path, flags | os.O_NONBLOCK))


@contextlib.contextmanager
def swapped_for_fifo(path: Path) -> Iterator[Path]:
    """
    Replace the file at *path* with a FIFO no one writes to, for the block.

    On the way out the FIFO is opened for writing without blocking: a
    reader stuck opening it (code that does not open FIFOs safely) is set
    free, so a failing test never leaves a thread blocked for good.
    """
    path.unlink()
    os.mkfifo(path)
    try:
        yield path
    finally:
        release_fifo(path, os.O_WRONLY)


def opened_in(stack: contextlib.ExitStack, path: str | Path) -> BinaryIO:
    """
    Open *path* for reading in binary mode until *stack* closes.
    """
    return stack.enter_context(Path(path).open("rb"))
