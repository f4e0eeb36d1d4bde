"""
The shapes the Audience API returns, and the body that creates or edits one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from ._shared import AdGroupType, CampaignTypeGoal
from ._wire_enum import WireEnum


class AudienceType(WireEnum):
    """
    What an audience is for: display ads or message ads.
    """

    DISPLAY = "DISPLAY"
    MESSAGE = "MESSAGE"


class AudienceStatus(WireEnum):
    """
    Whether an audience can be used yet.
    """

    STANDBY = "STANDBY"
    AVAILABLE = "AVAILABLE"
    SEED_NOT_ENOUGH = "SEED_NOT_ENOUGH"
    ERROR = "ERROR"


class SelectionType(WireEnum):
    """
    ``ALL`` ages or genders, or ``NOT_ALL`` with an explicit list.
    """

    ALL = "ALL"
    NOT_ALL = "NOT_ALL"


class LocationType(WireEnum):
    """
    ``ALL`` areas, or ``AREA`` with at least one location list.
    """

    ALL = "ALL"
    AREA = "AREA"


@attrs.frozen(kw_only=True)
class Location:
    """
    An administrative area: a city or province (``value`` is its key).

    The API also returns finer areas in this list, with ``depth2_name`` and
    ``depth3_name`` set.
    """

    value: str
    description: str | None = None
    depth1_name: str | None = None
    depth2_name: str | None = None
    depth3_name: str | None = None
    deprecated: bool | None = None


@attrs.frozen(kw_only=True)
class Depth2Location(Location):
    """
    A city, county or district (``-si``/``-gun``/``-gu``).
    """


@attrs.frozen(kw_only=True)
class Depth3Location(Location):
    """
    A neighbourhood, town or township (``-dong``/``-eup``/``-myeon``).
    """


@attrs.frozen(kw_only=True)
class Targeting:
    """
    One custom-audience targeting entry.

    The documents name these entries but do not give their fields, so the
    common ones are typed and every other field the API sends is kept in
    ``extra`` (and sent back as it came when the entry is reused in a spec).
    """

    id: int | None = None
    name: str | None = None
    exclude: bool | None = None
    extra: Mapping[str, object] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class CustomerFileTargeting(Targeting):
    """
    A customer file to target (DISPLAY audiences only).
    """


@attrs.frozen(kw_only=True)
class TrackerTargeting(Targeting):
    """
    A Pixel & SDK event to target (DISPLAY audiences only).
    """


@attrs.frozen(kw_only=True)
class CohortTargeting(Targeting):
    """
    An engagement target.
    """


@attrs.frozen(kw_only=True)
class TalkChannelTargeting(Targeting):
    """
    Friends of a Kakao Talk Channel.
    """


@attrs.frozen(kw_only=True)
class SyncAppTargeting(Targeting):
    """
    Users of an app with Kakao Login.
    """


@attrs.frozen(kw_only=True)
class TalkChannelGroupTargeting(Targeting):
    """
    A friend group (MESSAGE audiences only).
    """


@attrs.frozen(kw_only=True)
class AudienceSummary:
    """
    One entry of the audience list.
    """

    id: int
    name: str | None = None
    status: AudienceStatus | None = None
    type: AudienceType | None = None
    created_date: dt.datetime | None = None
    last_modified_date: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class Audience:
    """
    An audience with its targeting, as detail, create and edit return it.
    """

    id: int
    ad_account_id: int | None = None
    name: str | None = None
    type: AudienceType | None = None
    status: AudienceStatus | None = None
    population_score: int | None = None
    created_date: dt.datetime | None = None
    last_modified_date: dt.datetime | None = None
    age_type: SelectionType | None = None
    ages: tuple[str, ...] = ()
    gender_type: SelectionType | None = None
    genders: tuple[str, ...] = ()
    location_type: LocationType | None = None
    locations: tuple[Location, ...] = ()
    depth2_locations: tuple[Depth2Location, ...] = ()
    depth3_locations: tuple[Depth3Location, ...] = ()
    ufo_interests: tuple[str, ...] = ()
    ufo_deprecated_interests: tuple[str, ...] = ()
    ufo_business_types: tuple[str, ...] = ()
    ufo_deprecated_business_types: tuple[str, ...] = ()
    customer_file_targetings: tuple[CustomerFileTargeting, ...] = ()
    tracker_targetings: tuple[TrackerTargeting, ...] = ()
    cohort_targetings: tuple[CohortTargeting, ...] = ()
    talk_channel_targetings: tuple[TalkChannelTargeting, ...] = ()
    sync_app_targetings: tuple[SyncAppTargeting, ...] = ()
    talk_channel_group_targetings: tuple[TalkChannelGroupTargeting, ...] = ()


@attrs.frozen(kw_only=True)
class AudienceAdGroup:
    """
    One ad group that uses an audience.
    """

    ad_group_id: int
    ad_group_name: str | None = None
    ad_group_status: tuple[str, ...] = ()
    ad_group_type: AdGroupType | None = None
    campaign_id: int | None = None
    campaign_name: str | None = None
    campaign_type_goal: CampaignTypeGoal | None = None


@attrs.frozen(kw_only=True)
class AudienceSpec:
    """
    The body that creates or edits an audience.

    Leave ``age_type``, ``gender_type`` and ``location_type`` at ``ALL`` to
    target everyone; set ``NOT_ALL``/``AREA`` together with the matching
    list. The client adds the ad account id (and, on edit, the audience id)
    and refuses a spec that breaks the documented rules before sending::

        spec = AudienceSpec(
            name="buyers 20-34",
            type=AudienceType.DISPLAY,
            age_type=SelectionType.NOT_ALL,
            ages=("20", "25", "30"),
            customer_file_targetings=(CustomerFileTargeting(id=2656),),
        )

    From a mapping (a JSON file, a web request's body), build it with
    ``moment_async.from_data``: it takes the API's names (``ageType``) and
    these attribute names (``age_type``), refuses any other key, naming the
    nearest known one, and checks the same rules::

        spec = ma.from_data(ma.AudienceSpec, json.loads(path.read_text()))
    """

    name: str
    type: AudienceType
    age_type: SelectionType = SelectionType.ALL
    ages: tuple[str, ...] = ()
    gender_type: SelectionType = SelectionType.ALL
    genders: tuple[str, ...] = ()
    location_type: LocationType = LocationType.ALL
    locations: tuple[Location, ...] = ()
    depth2_locations: tuple[Depth2Location, ...] = ()
    depth3_locations: tuple[Depth3Location, ...] = ()
    ufo_interests: tuple[str, ...] = ()
    ufo_business_types: tuple[str, ...] = ()
    customer_file_targetings: tuple[CustomerFileTargeting, ...] = ()
    tracker_targetings: tuple[TrackerTargeting, ...] = ()
    cohort_targetings: tuple[CohortTargeting, ...] = ()
    talk_channel_targetings: tuple[TalkChannelTargeting, ...] = ()
    sync_app_targetings: tuple[SyncAppTargeting, ...] = ()
    talk_channel_group_targetings: tuple[TalkChannelGroupTargeting, ...] = ()
