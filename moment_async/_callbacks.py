"""
Checking the callbacks a caller hands over (progress), for every floor that takes one.
"""

from __future__ import annotations

import inspect

from ._errors import ValidationError


def check_callback(value: object, what: str) -> None:
    """
    Refuse *value* unless it is None or a plain (not async) callable.

    The callback is called, never awaited: an async one would only make
    coroutines that never run.
    """
    if value is None:
        return
    if not callable(value):
        msg = f"{what} must be a function or None, got {type(value).__name__}"
        raise ValidationError(msg)
    if inspect.iscoroutinefunction(value) or inspect.iscoroutinefunction(
        getattr(value, "__call__", None)  # noqa: B004  # an object's async __call__
    ):
        msg = (
            f"{what} must be a plain function, called with (done, total) and "
            "never awaited; got an async one: wrap it in a plain function that "
            "hands the numbers on (for example to an asyncio.Queue with put_nowait)"
        )
        raise ValidationError(msg)
