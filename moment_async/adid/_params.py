"""
Checks of the toolkit's keyword arguments, each raising ``ValidationError`` with what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._errors import ValidationError


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    """
    Return *value* if it is an integer of at least *minimum*.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{name} must be an integer of at least {minimum}, got {value!r}"
        raise ValidationError(msg)
    return value


def check_limit(name: str, value: object, *, minimum: int, maximum: int) -> int:
    """
    Return *value* if it is an integer from *minimum* to *maximum*.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not minimum <= value <= maximum
    ):
        msg = (
            f"{name} must be an integer from {minimum:,} to {maximum:,}, got {value!r}"
        )
        raise ValidationError(msg)
    return value


def check_tracked(value: object) -> int | None:
    """
    Return *value* if it is ``None`` (no cap) or a positive integer.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"max_tracked must be None (no cap) or a positive integer, got {value!r}"
        raise ValidationError(msg)
    return value


def check_sources(sources: Sequence[object]) -> None:
    """
    Refuse an empty list of sources.
    """
    if not sources:
        msg = "give at least one source: a path, bytes or a binary file"
        raise ValidationError(msg)
