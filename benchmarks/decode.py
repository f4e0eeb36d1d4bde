"""
Decode rate of 10,000 ``Audience`` objects: the SDK's path against pydantic v2.

The SDK side does exactly what the session does with an answer:
``orjson.loads(body)`` and the converter's structure hook for
``list[Audience]``. The reference is pydantic v2 with equivalent frozen
models (camelCase aliases, the alternate spellings the API sends as
``AliasChoices``, datetimes, string enums) through
``TypeAdapter(list[PAudience]).validate_json(body)``. Both read the same
bytes: a JSON array of audiences varied from the detail and create samples.
SDK and pydantic rounds alternate, the best round of each is kept (with
the median of the round-by-round ratios beside it), and the
garbage collector stays in its normal state (enabled) throughout.
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import sys
import time
from typing import Any, Final

import orjson
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter

from moment_async._convert import make_converter
from moment_async.models import Audience

from ._common import Row, fixture_bytes, paired_median

COUNT: Final = 10_000
FULL_ROUNDS: Final = 7
QUICK_ROUNDS: Final = 3
TARGET: Final = 0.7


# The pydantic mirror of moment_async.models.audiences.


class PAudienceType(enum.StrEnum):
    DISPLAY = "DISPLAY"
    MESSAGE = "MESSAGE"


class PAudienceStatus(enum.StrEnum):
    STANDBY = "STANDBY"
    AVAILABLE = "AVAILABLE"
    SEED_NOT_ENOUGH = "SEED_NOT_ENOUGH"
    ERROR = "ERROR"


class PSelectionType(enum.StrEnum):
    ALL = "ALL"
    NOT_ALL = "NOT_ALL"


class PLocationType(enum.StrEnum):
    ALL = "ALL"
    AREA = "AREA"


class PLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    description: str | None = Field(
        None, validation_alias=AliasChoices("description", "desrciption")
    )
    depth1_name: str | None = Field(None, alias="depth1Name")
    depth2_name: str | None = Field(None, alias="depth2Name")
    depth3_name: str | None = Field(None, alias="depth3Name")
    deprecated: bool | None = None


class PDepth2Location(PLocation):
    pass


class PDepth3Location(PLocation):
    pass


class PTargeting(BaseModel):
    # The SDK keeps unknown targeting fields in ``extra``; pydantic keeps
    # them as extra attributes.
    model_config = ConfigDict(frozen=True, extra="allow")

    id: int | None = None
    name: str | None = None
    exclude: bool | None = None


class PAudience(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    ad_account_id: int | None = Field(None, alias="adAccountId")
    name: str | None = None
    type: PAudienceType | None = None
    status: PAudienceStatus | None = Field(None, alias="audienceStatus")
    population_score: int | None = Field(None, alias="populationScore")
    created_date: dt.datetime | None = Field(None, alias="createdDate")
    last_modified_date: dt.datetime | None = Field(None, alias="lastModifiedDate")
    age_type: PSelectionType | None = Field(None, alias="ageType")
    ages: tuple[str, ...] = ()
    gender_type: PSelectionType | None = Field(None, alias="genderType")
    genders: tuple[str, ...] = ()
    location_type: PLocationType | None = Field(None, alias="locationType")
    locations: tuple[PLocation, ...] = ()
    depth2_locations: tuple[PDepth2Location, ...] = Field(
        (), validation_alias=AliasChoices("depth2Locations", "depth2locations")
    )
    depth3_locations: tuple[PDepth3Location, ...] = Field((), alias="depth3Locations")
    ufo_interests: tuple[str, ...] = Field((), alias="ufoInterests")
    ufo_deprecated_interests: tuple[str, ...] = Field(
        (), alias="ufoDeprecatedInterests"
    )
    ufo_business_types: tuple[str, ...] = Field((), alias="ufoBusinessTypes")
    ufo_deprecated_business_types: tuple[str, ...] = Field(
        (), alias="ufoDeprecatedBusinessTypes"
    )
    customer_file_targetings: tuple[PTargeting, ...] = Field(
        (), alias="customerFileTargetings"
    )
    tracker_targetings: tuple[PTargeting, ...] = Field((), alias="trackerTargetings")
    cohort_targetings: tuple[PTargeting, ...] = Field((), alias="cohortTargetings")
    talk_channel_targetings: tuple[PTargeting, ...] = Field(
        (), alias="talkChannelTargetings"
    )
    sync_app_targetings: tuple[PTargeting, ...] = Field((), alias="syncAppTargetings")
    talk_channel_group_targetings: tuple[PTargeting, ...] = Field(
        (), alias="talkChannelGroupTargetings"
    )


# The input: one JSON array both decoders read.

_STATUSES: Final = ("AVAILABLE", "STANDBY", "SEED_NOT_ENOUGH", "ERROR")
_DATES: Final = (
    "2021-04-14T17:49:35",
    "2024-01-25T19:31:41.571411",
    "2020-01-01 00:00",
    "2024-02-06T00:03:59",
)
_AGES: Final = ("15", "20", "25", "30", "35", "40", "45", "50", "55", "60", "65")


def build_body(count: int = COUNT) -> bytes:
    """
    Return a JSON array of *count* audiences varied from the two samples.

    Even entries follow the detail sample (status, dates, interests,
    locations with ``deprecated``); odd ones follow the create sample (the
    ``depth2locations`` and ``desrciption`` spellings, depth-2 and depth-3
    locations). Ids, names, enums, dates and list lengths vary.
    """
    detail: dict[str, Any] = orjson.loads(fixture_bytes("audiences.get"))
    created: dict[str, Any] = orjson.loads(fixture_bytes("audiences.create"))
    items: list[dict[str, Any]] = []
    for i in range(count):
        sample = detail if i % 2 == 0 else created
        # A fresh copy per entry: no two entries share an object.
        item: dict[str, Any] = orjson.loads(orjson.dumps(sample))
        item["id"] = 10_000_000 + i
        item["name"] = f"{sample['name']}_{i}"
        item["type"] = "DISPLAY" if i % 3 else "MESSAGE"
        item["ages"] = list(_AGES[: i % len(_AGES)])
        item["ageType"] = "NOT_ALL" if item["ages"] else "ALL"
        item["locationType"] = "AREA"
        if sample is detail:
            item["audienceStatus"] = _STATUSES[i % len(_STATUSES)]
            item["populationScore"] = i % 1000
            item["createdDate"] = _DATES[i % len(_DATES)]
            item["lastModifiedDate"] = _DATES[(i + 1) % len(_DATES)]
            item["locations"] = item["locations"][: 1 + i % 3]
        else:
            item["adAccountId"] = 27429 + i % 7
            item["depth2locations"] = item["depth2locations"][: 1 + i % 2]
        items.append(item)
    return orjson.dumps(items)


def _check_same(sdk: list[Audience], reference: list[PAudience]) -> None:
    # Both sides must have read everything, alternate spellings included.
    if len(sdk) != len(reference):
        msg = "the decoders returned different numbers of audiences"
        raise RuntimeError(msg)
    for ours, theirs in zip(sdk, reference, strict=True):
        same = (
            ours.id == theirs.id
            and ours.name == theirs.name
            and str(ours.status) == str(theirs.status)
            and ours.ages == theirs.ages
            and len(ours.depth2_locations) == len(theirs.depth2_locations)
            and [x.description for x in ours.depth2_locations]
            == [x.description for x in theirs.depth2_locations]
            and (ours.created_date is None) == (theirs.created_date is None)
        )
        if not same:
            msg = f"the decoders disagree on audience {ours.id}"
            raise RuntimeError(msg)


def run(*, quick: bool = False) -> list[Row]:
    """
    Decode the array with both sides, alternating; best round of each.
    """
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    body = build_body()
    hook = make_converter().get_structure_hook(list[Audience])
    adapter = TypeAdapter(list[PAudience])

    def sdk_decode() -> list[Audience]:
        # What Session._decode does for a list[Audience] answer.
        result: list[Audience] = hook(orjson.loads(body), list[Audience])
        return result

    def pydantic_decode() -> list[PAudience]:
        return adapter.validate_json(body)

    _check_same(sdk_decode(), pydantic_decode())
    sdk_times: list[float] = []
    ref_times: list[float] = []
    for round_ in range(rounds):
        # Alternate which side goes first: drift hits both alike.
        for decode in (
            (sdk_decode, pydantic_decode)
            if round_ % 2 == 0
            else (pydantic_decode, sdk_decode)
        ):
            started = time.perf_counter()
            decode()
            elapsed = time.perf_counter() - started
            (sdk_times if decode is sdk_decode else ref_times).append(elapsed)
    print(
        f"  decode ({len(body):,} bytes, gc enabled={gc.isenabled()}): SDK "
        + ", ".join(f"{COUNT / t:,.0f}" for t in sdk_times)
        + " | pydantic "
        + ", ".join(f"{COUNT / t:,.0f}" for t in ref_times)
        + " objects/s",
        file=sys.stderr,
    )
    return [
        Row(
            name=f"decode {COUNT:,} Audience (gc on) vs pydantic",
            sdk=COUNT / min(sdk_times),
            reference=COUNT / min(ref_times),
            unit="obj/s",
            target=TARGET,
            paired=paired_median(
                [COUNT / t for t in sdk_times], [COUNT / t for t in ref_times]
            ),
        )
    ]


if __name__ == "__main__":
    from ._common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
