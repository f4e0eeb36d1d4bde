"""
Arbitrary bytes through the CSV validator: a report, or the documented error, never anything else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import moment_async as ma
from moment_async import adid

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _consistent(report: adid.AdidReport, size: int) -> None:
    # Every row is counted once, as exactly one kind.
    assert min(report.valid, report.invalid, report.duplicates, report.blank) >= 0
    assert report.size == size
    assert len(report.invalid_rows) == min(report.invalid, adid.MAX_INVALID_ROWS)


@SETTINGS
@given(st.binary(max_size=20_000))
def test_any_bytes_give_a_report(data: bytes) -> None:
    """Whatever the bytes, validate_sync returns a consistent report."""
    _consistent(adid.validate_sync(data), len(data))


@SETTINGS
@given(st.lists(st.binary(max_size=3000), max_size=8))
async def test_any_chunking_gives_the_whole_files_report(chunks: list[bytes]) -> None:
    """The async validator fed arbitrary chunks agrees with the whole bytes."""

    async def stream() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    whole = b"".join(chunks)
    streamed = await adid.validate(stream())

    assert streamed == adid.validate_sync(whole)


@SETTINGS
@given(st.one_of(st.integers(), st.none(), st.lists(st.integers()), st.floats()))
def test_anything_else_is_a_validation_error(value: object) -> None:
    """A source that is not a path, bytes or a binary file is refused with ValidationError."""
    with pytest.raises(ma.ValidationError):
        adid.validate_sync(value)  # type: ignore[arg-type]  # the point of the test


@SETTINGS
@given(st.text(alphabet="abc/._-", min_size=1, max_size=12))
def test_missing_paths_are_a_validation_error(name: str) -> None:
    """A path that names no file is refused with ValidationError."""
    with pytest.raises(ma.ValidationError):
        adid.validate_sync(f"/nonexistent-moment-async/{name}")
