"""
Checks of call arguments against the documented rules, before anything is sent.

Each check takes ``object`` (callers may pass anything at run time), raises
``ValidationError`` naming the argument, the fault and what is allowed, and
returns the narrowed value. What each check allows, decided from the two
documents (``*.seed.txt``):

- **ids** (customer files, audiences, ad groups, ad accounts) are integers
  from 1 to 2**63 - 1 (Kakao's ids are Java ``Long``). ``bool``, ``float``
  and ``str`` are refused, even ``"7"`` or ``7.0``; any other object that
  is an integer by ``operator.index`` (an ``IntEnum``, a NumPy integer) is
  accepted and returned as a plain ``int``, so what goes into a path or the
  ``adAccountId`` header is always the decimal digits of the number and
  nothing a subclass's ``__str__`` or ``__format__`` might say.
- **names** ("Allowed characters: Korean, English, special characters,
  space. Character limits: 50 characters") are 1 to 50 characters, counted
  as code points exactly as given (a name in decomposed form, NFD, counts
  each jamo), not all spaces, made only of:

  - Korean: Hangul syllables (U+AC00 to U+D7A3), Hangul jamo (U+1100 to
    U+11FF) and Hangul compatibility jamo (U+3130 to U+318F, which holds
    the Korean middle dot U+318D);
  - English letters ``A-Z a-z`` and the digits ``0-9`` (the documents'
    own sample names are ``test9`` and ``first_customer_file``);
  - the ASCII special characters ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~``;
  - the space U+0020 (not tabs, line breaks, or other Unicode spaces).

  Anything else is refused: Hanja, accented letters, emoji, other
  punctuation such as U+00B7 or full-width forms; the documents do not
  say Kakao takes them. The same rule applies to audience names, for
  which the documents state none (the sandbox enforces this one too).
- **URLs** (``source_url``: "must be in a http:// or https:// format and
  available for public access") are strings with the scheme ``http`` or
  ``https``, a host, a valid port if any, no user name or password (a
  public URL needs none, and they would be stored with the file), and no
  whitespace, control, format or unassigned characters anywhere.
- **audience specs** follow the body table and the "Available parameter by
  Audience type" table; ``check_audience_spec`` lists the rules.
"""

from __future__ import annotations

import operator
import re
import typing
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from ._constants import MAX_NAME_LENGTH
from ._errors import ValidationError

#: Kakao's ids are Java longs.
_MAX_ID: Final = 2**63 - 1
_NAME_RANGES: Final = r"\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3\x20-\x7E"
_NAME_CHARS: Final = re.compile(f"[{_NAME_RANGES}]*")
_BAD_NAME_CHAR: Final = re.compile(f"[^{_NAME_RANGES}]")

_AGES: Final = ("15", "20", "25", "30", "35", "40", "45", "50", "55", "60", "65")
#: What the documents ask for "adult" audiences: NOT_ALL with these ages. The
#: ``adult`` flag itself is not in the request body table, and
#: ``AudienceSpec`` has no such field; a spec with these ages is an ordinary
#: NOT_ALL spec and passes like any other.
ADULT_AGES: Final = _AGES[1:]
_GENDERS: Final = ("M", "F")
_AUDIENCE_TYPES: Final = ("DISPLAY", "MESSAGE")
#: Targetings each audience type refuses (the "Available parameter by
#: Audience type" table).
_FORBIDDEN_TARGETINGS: Final = {
    "DISPLAY": ("talk_channel_group_targetings",),
    "MESSAGE": ("customer_file_targetings", "tracker_targetings"),
}
_TARGETINGS: Final = (
    "customer_file_targetings",
    "tracker_targetings",
    "cohort_targetings",
    "talk_channel_targetings",
    "sync_app_targetings",
    "talk_channel_group_targetings",
)
_LOCATION_LISTS: Final = ("locations", "depth2_locations", "depth3_locations")
_STRING_LISTS: Final = ("ufo_interests", "ufo_business_types")
#: Nesting allowed in a targeting's ``extra`` values (JSON the API sent back).
_MAX_DEPTH: Final = 32


def _fail(message: str) -> ValidationError:
    return ValidationError(message)


def _show(value: object, limit: int = 40) -> str:
    # repr() cut short; an int past 4300 digits has no repr at all.
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit]}..."


def check_id(value: object, what: str = "id") -> int:
    """
    Return *value* as a plain ``int`` if it is an id from 1 to 2**63 - 1.

    Ids go into paths and headers: only the digits of a real number may.
    """
    number: int | None = None
    if not isinstance(value, bool | float | str | bytes):
        try:
            # int.__index__ makes a plain int of an int subclass.
            number = int.__index__(operator.index(value))  # type: ignore[arg-type]  # anything with __index__
        except TypeError:
            number = None
    if number is None or not 0 < number <= _MAX_ID:
        msg = f"{what} must be a positive integer of at most 2**63 - 1, got {_show(value)}"
        raise _fail(msg)
    return number


def check_ids(values: object, what: str = "ids") -> list[int]:
    """
    Return a non-empty list of distinct positive integer ids, in the order given.
    """
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        msg = f"{what} must be an iterable of positive integers, got {type(values).__name__}"
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
    if not value.strip(" "):
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


def _is_bad_url_char(char: str) -> bool:
    # Whitespace, and the "C" categories: control, format, surrogate,
    # private use, unassigned.
    return char.isspace() or unicodedata.category(char)[0] == "C"


def check_url(value: object, what: str = "source_url") -> str:
    """
    Return *value* if it is a public http or https URL with a host.
    """
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise _fail(msg)
    bad = next((char for char in value if _is_bad_url_char(char)), None)
    if bad is not None:
        msg = f"{what} must not contain whitespace or control characters, found {bad!r}"
        raise _fail(msg)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError on a bad port
    except ValueError as exc:
        msg = f"{what} is not a valid URL: {exc}"
        raise _fail(msg) from exc
    if parts.scheme not in ("http", "https") or not host:
        shown = value if len(value) <= 80 else f"{value[:80]}..."
        msg = f"{what} must be an http:// or https:// URL with a host, got {shown!r}"
        raise _fail(msg)
    if parts.username is not None or parts.password is not None:
        msg = (
            f"{what} must not hold a user name or password: Kakao fetches the "
            "URL publicly and would store them"
        )
        raise _fail(msg)
    return value


def check_bool(value: object, what: str) -> bool:
    """
    Return *value* if it is a real bool (not 0/1, not a string).
    """
    if not isinstance(value, bool):
        msg = f"{what} must be True or False, got {_show(value)}"
        raise _fail(msg)
    return value


def check_callback(value: object, what: str) -> None:
    """
    Refuse *value* unless it is None or callable.
    """
    if value is not None and not callable(value):
        msg = f"{what} must be a function or None, got {type(value).__name__}"
        raise _fail(msg)


def check_seconds(value: object, what: str) -> float:
    """
    Return *value* as a float if it is a positive, finite number of seconds.
    """
    # NaN fails both comparisons; bool is an int but never means seconds.
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{what} must be a positive number of seconds, got {_show(value)}"
        raise _fail(msg)
    if not 0 < value < float("inf"):
        msg = f"{what} must be a positive, finite number of seconds, got {value!r}"
        raise _fail(msg)
    return float(value)


def _check_code(value: object, allowed: tuple[str, ...], what: str) -> str:
    # A WireEnum is a str; an unknown member keeps its raw value.
    if not isinstance(value, str) or value not in allowed:
        msg = f"{what} must be {' or '.join(allowed)}, got {_show(value)}"
        raise _fail(msg)
    return str(value)


def _items(spec: object, field: str) -> tuple[object, ...]:
    value = getattr(spec, field, ())
    if not isinstance(value, tuple | list):
        msg = f"spec.{field} must be a tuple (or a list), got {type(value).__name__}"
        raise _fail(msg)
    return tuple(value)


def _check_choice(spec: object, what: str, allowed: tuple[str, ...]) -> None:
    kind = _check_code(
        getattr(spec, f"{what}_type", None), ("ALL", "NOT_ALL"), f"spec.{what}_type"
    )
    items = _items(spec, f"{what}s")
    if kind == "ALL":
        if items:
            msg = f"spec.{what}_type is ALL, so spec.{what}s must be empty (got {list(items)!r})"
            raise _fail(msg)
        return
    if not items:
        msg = f"spec.{what}_type is NOT_ALL, so spec.{what}s must list at least one of {', '.join(allowed)}"
        raise _fail(msg)
    bad = [item for item in items if not isinstance(item, str) or item not in allowed]
    if bad:
        msg = f"spec.{what}s has {bad!r}; allowed are the strings {', '.join(allowed)}"
        raise _fail(msg)


def _element_type(spec: object, field: str) -> type:
    """
    Return the class a list field of *spec* holds, from its annotation.

    ``tuple[Depth2Location, ...]`` gives ``Depth2Location``: this module
    may not import the models. ``object`` for a spec that is not attrs.
    """
    cls = type(spec)
    if not attrs.has(cls):
        return object
    # Resolves the string annotations once per class; later calls are cheap.
    found = attrs.fields_dict(attrs.resolve_types(cls)).get(field)
    args = typing.get_args(found.type) if found is not None else ()
    return args[0] if args and isinstance(args[0], type) else object


def _check_json(value: object, what: str, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        msg = f"{what} is nested deeper than {_MAX_DEPTH} levels"
        raise _fail(msg)
    if value is None or isinstance(value, bool | str | float):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            msg = f"{what} is an integer JSON cannot carry: {_show(value)}"
            raise _fail(msg)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{what}[{index}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                msg = f"{what} has the key {key!r}; keys must be strings"
                raise _fail(msg)
            _check_json(item, f"{what}[{key!r}]", depth + 1)
        return
    msg = f"{what} must hold only JSON values, got {type(value).__name__}"
    raise _fail(msg)


def _check_optional(item: object, field: str, kind: type, what: str) -> None:
    value = getattr(item, field, None)
    if value is not None and not isinstance(value, kind):
        msg = f"{what}.{field} must be a {kind.__name__} or None, got {type(value).__name__}"
        raise _fail(msg)


def _check_location(item: object, cls: type, what: str) -> None:
    if not isinstance(item, cls):
        msg = f"{what} must be a moment_async.{cls.__name__}, got {type(item).__name__}"
        raise _fail(msg)
    value = getattr(item, "value", None)
    if not isinstance(value, str) or not value.strip():
        msg = f"{what}.value must be the area's key, a non-empty string; got {_show(value)}"
        raise _fail(msg)
    for field in ("description", "depth1_name", "depth2_name", "depth3_name"):
        _check_optional(item, field, str, what)
    _check_optional(item, "deprecated", bool, what)


def _check_targeting(item: object, cls: type, what: str, *, needs_id: bool) -> None:
    if not isinstance(item, cls):
        msg = f"{what} must be a moment_async.{cls.__name__}, got {type(item).__name__}"
        raise _fail(msg)
    ident = getattr(item, "id", None)
    extra: Any = getattr(item, "extra", {})
    if not isinstance(extra, Mapping):
        msg = f"{what}.extra must be a mapping, got {type(extra).__name__}"
        raise _fail(msg)
    _check_json(extra, f"{what}.extra")
    if ident is not None:
        check_id(ident, f"{what}.id")
    elif needs_id or not extra:
        msg = f"{what} needs an id: the id of the entry to target"
        raise _fail(msg)
    _check_optional(item, "name", str, what)
    _check_optional(item, "exclude", bool, what)


def check_audience_spec(spec: object) -> None:
    """
    Refuse an audience spec that breaks the documented rules.

    The rules, each error naming the field (``spec.ages[2]``):

    - ``name`` follows ``check_name``; ``type`` is DISPLAY or MESSAGE.
    - ``age_type`` is ALL (no ``ages``) or NOT_ALL with at least one of the
      age codes 15, 20, ..., 65 (strings; "15" means 15 to 19). The
      documents' "adult" list is 20 to 65 (``ADULT_AGES``).
    - ``gender_type`` is ALL (no ``genders``) or NOT_ALL with M and/or F.
    - ``location_type`` is ALL with no location list, or AREA with at least
      one of ``locations``, ``depth2_locations``, ``depth3_locations``;
      each entry is a ``Location`` (of the list's class) with a ``value``.
    - ``ufo_interests`` and ``ufo_business_types`` hold non-empty strings.
    - Targetings: a DISPLAY audience takes no
      ``talk_channel_group_targetings``; a MESSAGE audience takes no
      ``customer_file_targetings`` or ``tracker_targetings``. Each entry
      is of the list's class, with a positive ``id`` (required for a
      customer file; other kinds may carry their fields in ``extra``
      instead), and ``extra`` holds only JSON values.
    - Every list is a tuple (or a list), never a string.
    """
    check_name(getattr(spec, "name", None), "spec.name")
    kind = _check_code(getattr(spec, "type", None), _AUDIENCE_TYPES, "spec.type")
    _check_choice(spec, "age", _AGES)
    _check_choice(spec, "gender", _GENDERS)
    location_type = _check_code(
        getattr(spec, "location_type", None), ("ALL", "AREA"), "spec.location_type"
    )
    chosen = []
    for field in _LOCATION_LISTS:
        items = _items(spec, field)
        if items:
            chosen.append(field)
            cls = _element_type(spec, field)
            for index, item in enumerate(items):
                _check_location(item, cls, f"spec.{field}[{index}]")
    if location_type == "AREA" and not chosen:
        msg = "spec.location_type is AREA, so at least one of spec.locations, spec.depth2_locations, spec.depth3_locations must be set"
        raise _fail(msg)
    if location_type == "ALL" and chosen:
        msg = f"spec.location_type is ALL, so {', '.join('spec.' + name for name in chosen)} must be empty"
        raise _fail(msg)
    for field in _STRING_LISTS:
        for index, item in enumerate(_items(spec, field)):
            if not isinstance(item, str) or not item.strip():
                msg = f"spec.{field}[{index}] must be a non-empty string, got {_show(item)}"
                raise _fail(msg)
    for field in _TARGETINGS:
        items = _items(spec, field)
        if not items:
            continue
        if field in _FORBIDDEN_TARGETINGS[kind]:
            msg = f"spec.{field} is not allowed for a {kind} audience"
            raise _fail(msg)
        cls = _element_type(spec, field)
        for index, item in enumerate(items):
            _check_targeting(
                item,
                cls,
                f"spec.{field}[{index}]",
                # A customer file is named by its id; the sandbox refuses one without.
                needs_id=field == "customer_file_targetings",
            )
