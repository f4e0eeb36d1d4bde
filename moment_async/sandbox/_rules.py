"""
The documented rules on names, URLs and audience settings, as the sandbox enforces them.

Each check takes what the request body held (any JSON value), raises the
matching ``SandboxError`` when a rule is broken, and returns the value in
the form the sandbox stores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

import attrs

from ._errors import (
    AGES,
    AUDIENCE_TYPE,
    BAD_REQUEST,
    BAD_URL,
    GENDERS,
    LOCATIONS,
    NAME_CHARS,
    NAME_LENGTH,
    TARGETING_TYPE,
)

MAX_NAME_LENGTH: Final = 50
#: "Korean, English, special characters, space": Hangul syllables and jamo,
#: plus printable ASCII (letters, digits, specials, space).
_NAME_CHARS: Final = re.compile(r"[\x20-\x7E\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]*")

AUDIENCE_TYPES: Final = ("DISPLAY", "MESSAGE")
#: Age codes: 15 (15-19) up to 65 (65-69).
AGE_CODES: Final = ("15", "20", "25", "30", "35", "40", "45", "50", "55", "60", "65")
GENDER_CODES: Final = ("F", "M")
#: The "Available parameter by Audience type" table, for the targetings
#: that not both types take.
TARGETING_TYPES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "customerFileTargetings": ("DISPLAY",),
        "trackerTargetings": ("DISPLAY",),
        "cohortTargetings": AUDIENCE_TYPES,
        "talkChannelTargetings": AUDIENCE_TYPES,
        "syncAppTargetings": AUDIENCE_TYPES,
        "talkChannelGroupTargetings": ("MESSAGE",),
    }
)
#: The location lists; depth 2 also arrives as the samples' "depth2locations".
LOCATION_KEYS: Final = ("locations", "depth2Locations", "depth3Locations")
_DEPTH2_SAMPLE_SPELLING: Final = "depth2locations"


def check_name(value: object, what: str = "name") -> str:
    """
    Return *value* if it is 1 to 50 allowed characters, not all blank.
    """
    if not isinstance(value, str):
        msg = f"{what}은(는) 문자열이어야 합니다."
        raise BAD_REQUEST.error(msg)
    if not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise NAME_LENGTH.error()
    if not _NAME_CHARS.fullmatch(value):
        raise NAME_CHARS.error()
    return value


def check_url(value: object) -> str:
    """
    Return *value* if it is an http or https URL with a host.
    """
    if not isinstance(value, str):
        raise BAD_URL.error()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise BAD_URL.error() from None
    if parts.scheme not in ("http", "https") or not host or " " in value:
        raise BAD_URL.error()
    return value


def check_file_type(value: object) -> str:
    """
    Return ``"ADID"``, the only identifier type the documents name.
    """
    if value != "ADID":
        msg = "fileType은 ADID 이어야 합니다."
        raise BAD_URL.error(msg)
    return "ADID"


@attrs.frozen(kw_only=True)
class AudienceSettings:
    """
    An audience's settings as a create or edit body gave them, checked.

    Lists of objects (locations, targetings) are kept as sent, so answers
    echo what the client wrote; ``ages`` and ``genders`` are sorted sets,
    as the create sample answers them.
    """

    name: str
    type: str
    age_type: str
    ages: tuple[str, ...]
    gender_type: str
    genders: tuple[str, ...]
    location_type: str
    locations: Mapping[str, tuple[object, ...]]
    ufo_interests: tuple[str, ...]
    ufo_business_types: tuple[str, ...]
    targetings: Mapping[str, tuple[object, ...]]
    #: The customer files of ``customerFileTargetings``, excluded ones included.
    customer_file_ids: tuple[int, ...]


def _list(body: Mapping[str, object], key: str) -> list[object]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"{key}은(는) 배열이어야 합니다."
        raise BAD_REQUEST.error(msg)
    return value


def _strings(body: Mapping[str, object], key: str) -> tuple[str, ...]:
    items = _list(body, key)
    if not all(isinstance(item, str) for item in items):
        msg = f"{key}의 항목은 문자열이어야 합니다."
        raise BAD_REQUEST.error(msg)
    return tuple(str(item) for item in items)


def _choice(
    body: Mapping[str, object],
    kind_key: str,
    list_key: str,
    codes: tuple[str, ...],
) -> tuple[str, tuple[str, ...]]:
    refusal = AGES if list_key == "ages" else GENDERS
    kind = body.get(kind_key)
    items = _list(body, list_key)
    if kind == "ALL":
        if items:
            msg = f"{kind_key}이(가) ALL이면 {list_key}을(를) 보낼 수 없습니다."
            raise refusal.error(msg)
        return "ALL", ()
    if kind != "NOT_ALL":
        msg = f"{kind_key}은(는) ALL 또는 NOT_ALL 입니다."
        raise refusal.error(msg)
    if not items:
        msg = f"{kind_key}이(가) NOT_ALL이면 {list_key}이(가) 필요합니다."
        raise refusal.error(msg)
    bad = [item for item in items if item not in codes]
    if bad:
        msg = f"{list_key}에 허용되지 않는 값이 있습니다: {bad}"
        raise refusal.error(msg)
    chosen = {str(item) for item in items}
    return "NOT_ALL", tuple(code for code in codes if code in chosen)


def _locations(body: Mapping[str, object]) -> tuple[str, dict[str, tuple[object, ...]]]:
    lists: dict[str, tuple[object, ...]] = {}
    for key in LOCATION_KEYS:
        items = _list(body, key)
        if not items and key == "depth2Locations":
            items = _list(body, _DEPTH2_SAMPLE_SPELLING)
        if not all(
            isinstance(item, dict) and isinstance(item.get("value"), str)
            for item in items
        ):
            msg = f"{key}의 항목에는 문자열 value가 필요합니다."
            raise LOCATIONS.error(msg)
        if items:
            lists[key] = tuple(items)
    kind = body.get("locationType")
    if kind == "ALL" and lists:
        msg = "locationType이 ALL이면 지역 목록을 보낼 수 없습니다."
        raise LOCATIONS.error(msg)
    if kind == "AREA" and not lists:
        msg = "locationType이 AREA이면 locations, depth2Locations, depth3Locations 중 하나가 필요합니다."
        raise LOCATIONS.error(msg)
    if kind not in ("ALL", "AREA"):
        msg = "locationType은 ALL 또는 AREA 입니다."
        raise LOCATIONS.error(msg)
    return str(kind), lists


def _targetings(body: Mapping[str, object], kind: str) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    for key, types in TARGETING_TYPES.items():
        items = _list(body, key)
        if not items:
            continue
        if kind not in types:
            msg = f"{kind} 오디언스에는 {key}을(를) 사용할 수 없습니다."
            raise TARGETING_TYPE.error(msg)
        if not all(isinstance(item, dict) for item in items):
            msg = f"{key}의 항목은 객체여야 합니다."
            raise BAD_REQUEST.error(msg)
        found[key] = tuple(items)
    return found


def _customer_file_ids(entries: tuple[object, ...]) -> tuple[int, ...]:
    ids = []
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(ident, int) or isinstance(ident, bool):
            msg = "customerFileTargetings의 항목에는 숫자 id가 필요합니다."
            raise BAD_REQUEST.error(msg)
        ids.append(ident)
    return tuple(ids)


def check_audience(body: Mapping[str, object]) -> AudienceSettings:
    """
    Return the settings of an audience create or edit *body*, checked.
    """
    name = check_name(body.get("name"))
    kind = body.get("type")
    if kind not in AUDIENCE_TYPES:
        raise AUDIENCE_TYPE.error()
    age_type, ages = _choice(body, "ageType", "ages", AGE_CODES)
    gender_type, genders = _choice(body, "genderType", "genders", GENDER_CODES)
    location_type, locations = _locations(body)
    targetings = _targetings(body, str(kind))
    return AudienceSettings(
        name=name,
        type=str(kind),
        age_type=age_type,
        ages=ages,
        gender_type=gender_type,
        genders=genders,
        location_type=location_type,
        locations=locations,
        ufo_interests=_strings(body, "ufoInterests"),
        ufo_business_types=_strings(body, "ufoBusinessTypes"),
        targetings=targetings,
        customer_file_ids=_customer_file_ids(
            targetings.get("customerFileTargetings", ())
        ),
    )
