"""
The ADID toolkit keeps the one rule of progress callbacks: an exception the callback raises reaches the caller as itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moment_async import adid

from ._data import ADIDS, csv_of


class Stop(Exception):  # noqa: N818  # a user's own exception, named as users name theirs
    """
    What the callback raises: nothing of the library's.
    """


CALLS: dict[str, Callable[[bytes, Path, Any], Any]] = {
    "validate": lambda data, _, progress: adid.validate(data, progress=progress),
    "validate_sync": lambda data, _, progress: adid.validate_sync(
        data, progress=progress
    ),
    "normalize": lambda data, tmp, progress: adid.normalize(
        data, out=tmp / "clean.csv", progress=progress
    ),
    "normalize_sync": lambda data, tmp, progress: adid.normalize_sync(
        data, out=tmp / "clean.csv", progress=progress
    ),
    "split": lambda data, tmp, progress: adid.split(
        data, out_dir=tmp / "parts", progress=progress
    ),
    "split_sync": lambda data, tmp, progress: adid.split_sync(
        data, out_dir=tmp / "parts", progress=progress
    ),
}


async def run(name: str, tmp_path: Path, progress: Any) -> None:
    """
    Run the call *name* over a small CSV, awaiting it when it is a coroutine.
    """
    result = CALLS[name](csv_of(*ADIDS), tmp_path, progress)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize("name", list(CALLS))
async def test_a_failing_callback_raises_as_itself(name: str, tmp_path: Path):
    """validate, normalize and split, async and sync, raise the callback's own exception object, unwrapped."""
    raised = Stop("enough")

    def progress(done: int, total: int | None) -> None:
        raise raised

    with pytest.raises(Stop) as info:
        await run(name, tmp_path, progress)

    assert raised is info.value
