"""
The toolkit's sources and outputs that are no regular file: FIFOs, devices, /proc files, pipes and sockets, planted partial files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

from moment_async import ValidationError, adid
from tests._sources import (
    ONLY_REGULAR,
    make_fifo,
    opened_in,
    pipe_with,
    release_fifo,
    socket_file,
)

from ._data import ADIDS, csv_of

#: The longest a refusal may take: far longer than it does, far shorter than forever.
BOUND = 5.0


@pytest.mark.parametrize(
    ("make_path", "what"),
    [
        pytest.param(lambda tmp: "/dev/zero", "is a character device, not a regular file", id="dev-zero"),
        pytest.param(make_fifo, "is a pipe (FIFO), not a regular file", id="fifo"),
        pytest.param(lambda tmp: "/proc/self/status", "is a file whose size (0 bytes) is not what it holds", id="proc-file"),
    ],
)  # fmt: skip
async def test_a_path_that_is_no_regular_file_is_refused_at_once(
    tmp_path, make_path, what
):
    """A FIFO with no writer, an endless device or a /proc file is refused at once, saying what it is."""
    path = make_path(tmp_path)

    try:
        with pytest.raises(ValidationError) as caught:
            async with asyncio.timeout(BOUND):
                await adid.validate(path)
    finally:
        if what.startswith("is a pipe"):
            release_fifo(path, os.O_WRONLY)

    assert str(caught.value).startswith(f"sources[0] ({str(path)!r}): {what}")
    assert ONLY_REGULAR in str(caught.value)


@pytest.mark.parametrize(
    ("make_source", "what"),
    [
        pytest.param(lambda stack: opened_in(stack, "/dev/zero"), "a character device, not a regular file", id="dev-zero"),
        pytest.param(lambda stack: stack.enter_context(pipe_with(csv_of(*ADIDS))), "a pipe (FIFO), not a regular file", id="pipe"),
        pytest.param(lambda stack: stack.enter_context(socket_file(csv_of(*ADIDS))), "a socket, not a regular file", id="socket"),
        pytest.param(lambda stack: opened_in(stack, "/proc/self/status"), "a file whose size (0 bytes) is not what it holds", id="proc-file"),
    ],
)  # fmt: skip
async def test_a_file_object_that_reads_no_regular_file_is_refused(make_source, what):
    """A file object over a device, pipe, socket or /proc file is a ValidationError saying what it reads."""
    with contextlib.ExitStack() as stack:
        source = make_source(stack)

        with pytest.raises(ValidationError) as caught:
            async with asyncio.timeout(BOUND):
                await adid.validate(source)

    assert f"the file object reads {what}" in str(caught.value)
    assert ONLY_REGULAR in str(caught.value)


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    """A symlink to a regular file is followed."""
    target = tmp_path / "target.csv"
    target.write_bytes(csv_of(*ADIDS))
    link = tmp_path / "link.csv"
    link.symlink_to(target)

    report = adid.validate_sync(link)

    assert len(ADIDS) == report.valid


async def test_a_fifo_planted_as_the_partial_output_is_replaced_not_opened(tmp_path):
    """A FIFO where the partial output goes is replaced by a new file, never waited on."""
    out = tmp_path / "clean.csv"
    planted = tmp_path / ".clean.csv.partial"
    os.mkfifo(planted)

    try:
        async with asyncio.timeout(BOUND):
            report = await adid.normalize(csv_of(*ADIDS), out=out)
    finally:
        release_fifo(planted, os.O_RDONLY)

    assert len(ADIDS) == report.written
    assert csv_of(*ADIDS) == out.read_bytes()


def test_a_symlink_planted_as_the_partial_output_is_not_followed(tmp_path):
    """A symlink where the partial output goes is replaced: the file it points to is left as it was."""
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me\n")
    (tmp_path / ".clean.csv.partial").symlink_to(victim)
    out = tmp_path / "clean.csv"

    adid.normalize_sync(csv_of(*ADIDS), out=out)

    assert b"keep me\n" == victim.read_bytes()
    assert csv_of(*ADIDS) == out.read_bytes()
    assert not out.is_symlink()
