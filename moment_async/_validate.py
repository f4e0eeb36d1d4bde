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

import math
import operator
import re
import typing
import unicodedata
from collections.abc import Collection, Iterable, Mapping
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
    number = _whole(value)
    if number is None or not 0 < number <= _MAX_ID:
        msg = f"{what} must be a positive integer of at most 2**63 - 1, got {_show(value)}"
        raise _fail(msg)
    return number


def _whole(value: object) -> int | None:
    """
    Return *value* as a plain ``int`` if it is an integer by ``operator.index``, but not a bool.
    """
    if isinstance(value, bool | float | str | bytes):
        return None
    try:
        # int.__index__ makes a plain int of an int subclass.
        return int.__index__(operator.index(value))  # type: ignore[arg-type]  # anything with __index__
    except TypeError:
        return None


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


def check_base_url(value: str, what: str = "base_url") -> str:
    """
    Return *value* if it is an API root: ``http(s)://host[:port][/path]`` and nothing more.

    A user name and password would go with every call and stay in reprs
    and tracebacks; a query or fragment would land in the middle of every
    call's URL. The message shows the URL only when it lacks the scheme
    and holds nothing that could be a secret.
    """
    if not value.startswith(("http://", "https://")):
        safe = len(value) <= 80 and not {"@", "?", "#", ":"} & set(value)
        msg = f"{what} must start with http:// or https://" + (
            f", got {value!r}" if safe else ""
        )
        raise _fail(msg)
    problem = _base_url_problem(value)
    if problem is not None:
        msg = f"{what} {problem}"
        raise _fail(msg)
    return value


def _base_url_problem(url: str) -> str | None:
    if any(_is_bad_url_char(char) for char in url):
        return "must not hold whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL (check its host and port)"
    if parts.username is not None or parts.password is not None:
        return (
            "must not hold a user name or password: the business token is the "
            "only credential sent (a proxy's go in its own URL, proxy=...)"
        )
    if "?" in url or "#" in url:
        return (
            "must not hold a query (?) or a fragment (#): each call adds its "
            "own path and query to it"
        )
    return None if parts.hostname else "has no host"


def check_bool(value: object, what: str) -> bool:
    """
    Return *value* if it is a real bool (not 0/1, not a string).
    """
    if not isinstance(value, bool):
        msg = f"{what} must be True or False, got {_show(value)}"
        raise _fail(msg)
    return value


def check_count(value: object, what: str, least: int = 1) -> int:
    """
    Return *value* as a plain ``int`` if it is a whole number of at least *least*.

    A bool, a float (even ``2.0``) and a string are refused: ``True`` is
    no count, and a fraction of an attempt means nothing.
    """
    number = _whole(value)
    if number is None or number < least:
        msg = f"{what} must be a whole number of at least {least}, got {_show(value)}"
        raise _fail(msg)
    return number


def check_number(
    value: object,
    what: str,
    *,
    unit: str = "",
    above_zero: bool = False,
    most: float = math.inf,
) -> float:
    """
    Return *value* as a float if it is a finite number from 0 (or above 0) to *most*.

    A bool, a string, NaN and an infinity are refused. *unit* ("seconds")
    says what the number counts, in the message.
    """
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int past a float
            number = math.inf
    low_ok = number > 0 if above_zero else number >= 0
    if not (low_ok and number <= most and math.isfinite(number)):
        low = "more than 0" if above_zero else "at least 0"
        high = f" and at most {most:,g}" if most < math.inf else ""
        of = f" of {unit}" if unit else ""
        msg = f"{what} must be a finite number{of}, {low}{high}, got {_show(value)}"
        raise _fail(msg)
    return number


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


@attrs.frozen
class _Names:
    """
    Strictly private: how the messages about one spec name its fields.

    A spec built in Python is spoken of by its attribute names
    (``spec.age_type``). One read from a mapping (``from_data``) is spoken
    of by the keys the caller wrote (``spec.ageType``), and a field the
    mapping left out or null, which took its default, is said to be not set.
    """

    #: The caller's spelling of each field, by attribute name.
    spelled: Mapping[str, str] = attrs.field(factory=dict)
    #: The fields the caller set; None when every field is the caller's own.
    given: Collection[str] | None = None

    def __call__(self, field: str) -> str:
        return f"spec.{self.spelled.get(field, field)}"

    def defaulted(self, field: str) -> bool:
        """
        Whether *field* took its default because the mapping did not set it.
        """
        return self.given is not None and field not in self.given


def _items(spec: object, field: str, names: _Names) -> tuple[object, ...]:
    value = getattr(spec, field, ())
    if not isinstance(value, tuple | list):
        msg = f"{names(field)} must be a tuple (or a list), got {type(value).__name__}"
        raise _fail(msg)
    return tuple(value)


def _check_choice(
    spec: object, what: str, allowed: tuple[str, ...], names: _Names
) -> None:
    kind_field, list_field = f"{what}_type", f"{what}s"
    kind = _check_code(
        getattr(spec, kind_field, None), ("ALL", "NOT_ALL"), names(kind_field)
    )
    items = _items(spec, list_field, names)
    if kind == "ALL":
        if not items:
            return
        if names.defaulted(kind_field):
            msg = (
                f"{names(list_field)} is {list(items)!r}, but {names(kind_field)} "
                f"is not set, so it is ALL (every {what}), which takes no list: "
                f"give {names(kind_field)} NOT_ALL to target these {what}s only"
            )
        else:
            msg = f"{names(kind_field)} is ALL, so {names(list_field)} must be empty (got {list(items)!r})"
        raise _fail(msg)
    if not items:
        msg = f"{names(kind_field)} is NOT_ALL, so {names(list_field)} must list at least one of {', '.join(allowed)}"
        raise _fail(msg)
    bad = [item for item in items if not isinstance(item, str) or item not in allowed]
    if bad:
        msg = f"{names(list_field)} has {bad!r}; allowed are the strings {', '.join(allowed)}"
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


def _check_locations(spec: object, names: _Names) -> None:
    location_type = _check_code(
        getattr(spec, "location_type", None), ("ALL", "AREA"), names("location_type")
    )
    chosen = []
    for field in _LOCATION_LISTS:
        items = _items(spec, field, names)
        if items:
            chosen.append(field)
            cls = _element_type(spec, field)
            for index, item in enumerate(items):
                _check_location(item, cls, f"{names(field)}[{index}]")
    if location_type == "AREA" and not chosen:
        lists = ", ".join(names(field) for field in _LOCATION_LISTS)
        msg = (
            f"{names('location_type')} is AREA, so at least one of {lists} must be set"
        )
        raise _fail(msg)
    if location_type == "ALL" and chosen:
        lists = ", ".join(names(field) for field in chosen)
        if names.defaulted("location_type"):
            verb = "is" if len(chosen) == 1 else "are"
            msg = (
                f"{lists} {verb} set, but {names('location_type')} is not set, "
                "so it is ALL (every area), which takes no location list: give "
                f"{names('location_type')} AREA to target these areas only"
            )
        else:
            msg = f"{names('location_type')} is ALL, so {lists} must be empty"
        raise _fail(msg)


def check_audience_spec(
    spec: object,
    *,
    spelled: Mapping[str, str] | None = None,
    given: Collection[str] | None = None,
) -> None:
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

    A spec read from a mapping is spoken of as the mapping spelled it:
    *spelled* gives the caller's key of each field (``ageType`` for
    ``age_type``), and *given* the fields the mapping set (not null), so
    that a field left to its default is said to be not set.
    """
    names = _Names(spelled or {}, given)
    check_name(getattr(spec, "name", None), names("name"))
    kind = _check_code(getattr(spec, "type", None), _AUDIENCE_TYPES, names("type"))
    _check_choice(spec, "age", _AGES, names)
    _check_choice(spec, "gender", _GENDERS, names)
    _check_locations(spec, names)
    for field in _STRING_LISTS:
        for index, item in enumerate(_items(spec, field, names)):
            if not isinstance(item, str) or not item.strip():
                msg = f"{names(field)}[{index}] must be a non-empty string, got {_show(item)}"
                raise _fail(msg)
    for field in _TARGETINGS:
        items = _items(spec, field, names)
        if not items:
            continue
        if field in _FORBIDDEN_TARGETINGS[kind]:
            msg = f"{names(field)} is not allowed for a {kind} audience"
            raise _fail(msg)
        cls = _element_type(spec, field)
        for index, item in enumerate(items):
            _check_targeting(
                item,
                cls,
                f"{names(field)}[{index}]",
                # A customer file is named by its id; the sandbox refuses one without.
                needs_id=field == "customer_file_targetings",
            )


def check_token(token: object, source: str) -> str:
    """
    Return *token* if it can go in an ``Authorization`` header as it is.

    The message says what is wrong and where it sits, never the token.
    """
    if not isinstance(token, str) or not token:
        msg = f"{source} must be a non-empty string, got {type(token).__name__ if not isinstance(token, str) else 'an empty string'}"
        raise ValidationError(msg)
    if token != token.strip():
        end = "ends" if token[-1].isspace() else "starts"
        char = token[-1] if end == "ends" else token[0]
        hint = (
            "a token read from a file keeps its trailing newline: strip it, "
            "for example Path(...).read_text().strip()"
            if char in "\r\n"
            else "strip it"
        )
        msg = f"{source} {end} with whitespace, {_char_name(char)}; {hint}"
        raise ValidationError(msg)
    for position, char in enumerate(token):
        # An Authorization value is a line of visible ASCII: anything else
        # could end the header (CR, LF), be dropped or mangled on the way, or
        # fail inside the transport with an error that is not ours.
        if not "!" <= char <= "~":
            # A visible character would show a piece of the secret: only
            # invisible ones are named.
            shown = (
                "a non-ASCII character"
                if char.isprintable() and char != " "
                else _char_name(char)
            )
            msg = (
                f"{source} holds {shown} at position {position}; a business "
                "token is visible ASCII only: check how it was read or pasted"
            )
            raise ValidationError(msg)
    return token


def _char_name(char: str) -> str:
    # Names a character without showing the token around it.
    name = _CONTROL_NAMES.get(char)
    if name is None:
        name = unicodedata.name(char, "a control character").lower()
    return f"{name} (U+{ord(char):04X})"


#: Control characters have no name in ``unicodedata``.
_CONTROL_NAMES: Final = {
    "\n": "line feed",
    "\r": "carriage return",
    "\t": "tab",
    "\x00": "NUL",
    "\x7f": "DEL",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    " ": "space",
}
