"""
Running a job over its sources: in the calling thread, or chunk by chunk in worker threads.

The async driver keeps the event loop free: opening, reading and parsing
each chunk (1 MiB) happen in ``asyncio.to_thread``, one chunk per hop, so
other tasks run between chunks and a cancellation takes effect at the next
chunk. Async iterables are read on the loop (they belong to it) and their
chunks gathered to 1 MiB before each hop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Protocol

from .._callbacks import check_callback
from .._errors import ValidationError
from .._types import ProgressCallback
from ._sources import CHUNK, Input, is_path, open_input


class Job(Protocol):
    """
    Strictly private: what the drivers feed.
    """

    def start_file(self, source: Input) -> None:
        """
        Begin the next source.
        """

    def feed(self, chunk: bytes) -> None:
        """
        Take the next chunk of the current source.
        """

    def end_file(self) -> None:
        """
        End the current source.
        """


def _total(inputs: Sequence[Input]) -> int | None:
    sizes = [source.size for source in inputs]
    if any(size is None for size in sizes):
        return None
    return sum(size for size in sizes if size is not None)


class _Counter:
    """
    Strictly private: bytes fed so far, reported to the caller's progress callback.
    """

    def __init__(self, progress: ProgressCallback | None, total: int | None) -> None:
        check_callback(progress, "progress")
        self.progress = progress
        self.total = total
        self.done = 0

    def add(self, size: int) -> None:
        self.done += size
        if self.progress is not None:
            self.progress(self.done, self.total)


def drive_sync(
    job: Job, sources: Sequence[object], *, ids: bool, progress: ProgressCallback | None
) -> None:
    """
    Feed every source to *job* in the calling thread.
    """
    inputs: list[Input] = []
    try:
        for index, source in enumerate(sources):
            opened = open_input(source, index, ids=ids)
            inputs.append(opened)
            if opened.pull is None:
                msg = f"{opened.name}: an async iterable needs the async function"
                raise ValidationError(msg)
        counter = _Counter(progress, _total(inputs))
        for source in inputs:
            job.start_file(source)
            pull = source.pull
            while pull is not None and (chunk := pull()):
                job.feed(chunk)
                counter.add(len(chunk))
            job.end_file()
    finally:
        for source in inputs:
            source.close()


def _step(job: Job, pull: Callable[[], bytes]) -> int:
    chunk = pull()
    if chunk:
        job.feed(chunk)
    return len(chunk)


async def _open_all(sources: Sequence[object], *, ids: bool) -> list[Input]:
    inputs: list[Input] = []
    try:
        for index, source in enumerate(sources):
            if is_path(source):
                opened = await asyncio.to_thread(open_input, source, index, ids=ids)
            else:
                opened = open_input(source, index, ids=ids)
            inputs.append(opened)
    except BaseException:
        for source in inputs:
            await asyncio.to_thread(source.close)
        raise
    return inputs


async def _feed_stream(
    job: Job, stream: AsyncGenerator[bytes, None], counter: _Counter
) -> None:
    # Small chunks are gathered to 1 MiB (one thread hop costs about as much
    # as parsing 30 KB) and large ones cut to it (one long parse would hold
    # the GIL, and so the loop, for as long).
    async with contextlib.aclosing(stream):
        parts: list[bytes] = []
        pending = 0
        async for chunk in stream:
            parts.append(chunk)
            pending += len(chunk)
            if pending >= CHUNK:
                await _feed_cut(job, b"".join(parts), counter)
                parts, pending = [], 0
        if parts:
            await _feed_cut(job, b"".join(parts), counter)


async def _feed_cut(job: Job, data: bytes, counter: _Counter) -> None:
    for start in range(0, len(data), CHUNK):
        piece = data[start : start + CHUNK] if len(data) > CHUNK else data
        await asyncio.to_thread(job.feed, piece)
        counter.add(len(piece))


async def drive(
    job: Job, sources: Sequence[object], *, ids: bool, progress: ProgressCallback | None
) -> None:
    """
    Feed every source to *job*, doing the blocking work in worker threads.
    """
    inputs = await _open_all(sources, ids=ids)
    try:
        counter = _Counter(progress, _total(inputs))
        for source in inputs:
            job.start_file(source)
            if source.pull is not None:
                while size := await asyncio.to_thread(_step, job, source.pull):
                    counter.add(size)
            elif source.stream is not None:
                await _feed_stream(job, source.stream, counter)
            await asyncio.to_thread(job.end_file)
    finally:
        # Closing waits for a read still running in a worker thread (after
        # a cancellation); that wait belongs off the loop too.
        for source in inputs:
            await asyncio.to_thread(source.close)
