"""
Checks of call arguments against the documented rules, before anything is sent.

Each check takes ``object`` (callers may pass anything at run time), raises
``ValidationError`` naming the argument, the fault and what is allowed, and
returns the narrowed value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from ._constants import MAX_NAME_LENGTH
from ._errors import ValidationError

#: Korean (Hangul syllables and jamo), English, digits, space and the ASCII
#: special characters: the documents' "Korean, English, special characters,
#: space".
_NAME_CHARS: Final = re.compile(r"[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3\x20-\x7E]*")
_BAD_NAME_CHAR: Final = re.compile(
    r"[^\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3\x20-\x7E]"
)

_AGES: Final = ("15", "20", "25", "30", "35", "40", "45", "50", "55", "60", "65")
_GENDERS: Final = ("M", "F")
#: Targetings each audience type refuses (the "Available parameter by
#: Audience type" table).
_FORBIDDEN_TARGETINGS: Final = {
    "DISPLAY": ("talk_channel_group_targetings",),
    "MESSAGE": ("customer_file_targetings", "tracker_targetings"),
}
_LOCATION_LISTS: Final = ("locations", "depth2_locations", "depth3_locations")


def _fail(message: str) -> ValidationError:
    return ValidationError(message)


def check_id(value: object, what: str = "id") -> int:
    """
    Return *value* if it is a positive integer id; it goes into paths and headers.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        msg = f"{what} must be a positive integer, got {value!r}"
        raise _fail(msg)
    return value


def check_ids(values: object, what: str = "ids") -> list[int]:
    """
    Return a non-empty list of distinct positive integer ids, in the order given.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        msg = f"{what} must be an iterable of positive integers, got {values!r}"
        raise _fail(msg)
    ids = [check_id(value, f"each of {what}") for value in values]
    if not ids:
        msg = f"{what} must name at least one id, got none"
        raise _fail(msg)
    return list(dict.fromkeys(ids))


def check_name(value: object, what: str = "name") -> str:
    """
    Return *value* if it is a name the API accepts: 1 to 50 allowed characters.
    """
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise _fail(msg)
    if not value.strip():
        msg = f"{what} must not be empty or blank"
        raise _fail(msg)
    if len(value) > MAX_NAME_LENGTH:
        msg = f"{what} is {len(value)} characters long; at most {MAX_NAME_LENGTH} are allowed"
        raise _fail(msg)
    if not _NAME_CHARS.fullmatch(value):
        bad = _BAD_NAME_CHAR.search(value)
        char = bad.group() if bad else "?"
        msg = (
            f"{what} contains {char!r}; allowed are Korean, English letters, "
            "digits, space and ASCII special characters"
        )
        raise _fail(msg)
    return value


def check_url(value: object, what: str = "source_url") -> str:
    """
    Return *value* if it is an http or https URL with a host.
    """
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise _fail(msg)
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        msg = f"{what} is not a valid URL: {exc}"
        raise _fail(msg) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"{what} must be an http:// or https:// URL with a host, got {value!r}"
        raise _fail(msg)
    if any(ch.isspace() or ord(ch) < 0x20 for ch in value):
        msg = f"{what} must not contain spaces or control characters"
        raise _fail(msg)
    return value


def check_bool(value: object, what: str) -> bool:
    """
    Return *value* if it is a real bool (not 0/1, not a string).
    """
    if not isinstance(value, bool):
        msg = f"{what} must be True or False, got {value!r}"
        raise _fail(msg)
    return value


def _check_choice(
    kind: object, items: tuple[str, ...], allowed: tuple[str, ...], what: str
) -> None:
    if kind == "NOT_ALL":
        if not items:
            msg = f"{what}_type is NOT_ALL, so {what}s must list at least one of {', '.join(allowed)}"
            raise _fail(msg)
        bad = [item for item in items if item not in allowed]
        if bad:
            msg = f"{what}s has {bad!r}; allowed are {', '.join(allowed)}"
            raise _fail(msg)
    elif kind == "ALL":
        if items:
            msg = f"{what}_type is ALL, so {what}s must be empty (got {list(items)!r})"
            raise _fail(msg)
    else:
        msg = f"{what}_type must be ALL or NOT_ALL, got {kind!r}"
        raise _fail(msg)


def check_audience_spec(spec: object) -> None:
    """
    Refuse an audience spec that breaks the documented rules.

    The rules: a name; a type DISPLAY or MESSAGE with only the targetings
    that type allows; ``ages`` exactly when ``age_type`` is NOT_ALL, from 15
    to 65 in steps of 5; ``genders`` (M, F) exactly when ``gender_type`` is
    NOT_ALL; at least one location list exactly when ``location_type`` is
    AREA.
    """
    check_name(getattr(spec, "name", None), "spec.name")
    kind = getattr(spec, "type", None)
    if kind not in _FORBIDDEN_TARGETINGS:
        msg = f"spec.type must be DISPLAY or MESSAGE, got {kind!r}"
        raise _fail(msg)
    for field in _FORBIDDEN_TARGETINGS[str(kind)]:
        if getattr(spec, field):
            msg = f"spec.{field} is not allowed for a {kind} audience"
            raise _fail(msg)
    _check_choice(
        getattr(spec, "age_type", None), tuple(getattr(spec, "ages", ())), _AGES, "age"
    )
    _check_choice(
        getattr(spec, "gender_type", None),
        tuple(getattr(spec, "genders", ())),
        _GENDERS,
        "gender",
    )
    location_type = getattr(spec, "location_type", None)
    chosen = [name for name in _LOCATION_LISTS if getattr(spec, name)]
    if location_type == "AREA" and not chosen:
        msg = "spec.location_type is AREA, so at least one of locations, depth2_locations, depth3_locations must be set"
        raise _fail(msg)
    if location_type == "ALL" and chosen:
        msg = f"spec.location_type is ALL, so {', '.join(chosen)} must be empty"
        raise _fail(msg)
    if location_type not in ("ALL", "AREA"):
        msg = f"spec.location_type must be ALL or AREA, got {location_type!r}"
        raise _fail(msg)
