"""
The JSON shapes of the answers, with the field names of the documents' samples.

Where the samples of two calls differ, each call answers like its own
sample: the edit-by-URL answer says ``status`` (not ``customerFileStatus``)
and carries the extra fields of its sample; create and edit of an audience
spell ``depth2locations`` as their samples do, while detail uses the
table's ``depth2Locations``. The upload answer uses the table's
``createdDate`` (its sample's ``createDate`` is a typo the client accepts).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from ._clock import DATE_FORMAT, Clock
from ._csv import AdidCount
from ._lifecycle import FileView, transform_status, view_audience, view_file
from ._state import AdGroupRecord, AudienceRecord, CustomerFileRecord, State

JSON = dict[str, object]

#: URL registrations keep 90 days of renewals, less one second as in the sample
#: (created 2024-02-06T00:03:59, renewals until 2024-05-06T00:03:58).
_RENEWAL: Final = dt.timedelta(days=90) - dt.timedelta(seconds=1)
_MASK: Final = "*****"
#: The samples show the last ten characters of a URL after the mask.
_SHOWN: Final = 10


def mask_url(url: str | None) -> str | None:
    """
    Return *url* masked as the samples show it (``*****valid1.csv``).
    """
    return None if url is None else _MASK + url[-_SHOWN:]


def _stamp(clock: Clock, at: float | None) -> str | None:
    return None if at is None else clock.stamp(at)


def _url_fields(record: CustomerFileRecord, view: FileView, clock: Clock) -> JSON:
    if record.registration != "URL":
        return {
            "type": "FILE",
            "sourceUrl": None,
            "renewable": False,
            "renewalExpireDateTime": None,
            "transformStatus": None,
            "transformDateTime": None,
        }
    transform = transform_status(view)
    expires = None
    if record.renewable:
        expires = (clock.wall(view.latest.requested_at) + _RENEWAL).strftime(
            DATE_FORMAT
        )
    return {
        "type": "URL",
        "sourceUrl": mask_url(record.source_url),
        "renewable": record.renewable,
        "renewalExpireDateTime": expires,
        "transformStatus": transform,
        "transformDateTime": None
        if transform == "STANDBY" or view.settled is None
        else clock.stamp(view.settled.ready_at),
    }


def customer_file(record: CustomerFileRecord, clock: Clock) -> JSON:
    """
    Return a customer file as list, detail, URL registration and rename answer it.
    """
    view = view_file(record, clock.now())
    latest = view.latest
    return {
        "id": record.id,
        "adAccountId": record.account_id,
        "name": record.name,
        "adidListKey": latest.adid_list_key,
        "customerFileStatus": view.status,
        "populationScore": view.population,
        "ready": view.ready,
        "createdDate": clock.stamp(latest.requested_at),
        "lastModifyRequestDate": clock.stamp(latest.requested_at),
        "lastModifiedDate": clock.stamp(record.modified_at),
        "originalCreatedDate": clock.stamp(record.created_at),
        "populationUpdateDate": _stamp(
            clock, None if view.settled is None else view.settled.ready_at
        ),
        **_url_fields(record, view, clock),
    }


def upload(record: CustomerFileRecord, count: AdidCount, clock: Clock) -> JSON:
    """
    Return the answer of a registration or edit with files.
    """
    view = view_file(record, clock.now())
    return {
        "id": record.id,
        "adAccountId": record.account_id,
        "name": record.name,
        "successCount": count.valid,
        "failedCount": count.invalid,
        "successFileUrl": "",
        "failedFileUrl": "",
        "fileType": "ADID",
        "customerFileStatus": view.status,
        "createdDate": clock.stamp(view.latest.requested_at),
    }


def replace_url(record: CustomerFileRecord, clock: Clock) -> JSON:
    """
    Return the answer of an edit by URL, shaped like its sample.
    """
    view = view_file(record, clock.now())
    latest = view.latest
    url_fields = _url_fields(record, view, clock)
    return {
        "id": record.id,
        "version": len(record.generations) - 1,
        "createdDate": clock.stamp(latest.requested_at),
        "adAccountId": record.account_id,
        "name": record.name,
        "fileUrl": None,
        "payloadFileUrl": None,
        "status": view.status,
        "adidListKey": latest.adid_list_key,
        "fileType": "ADID",
        "type": "URL",
        "sourceUrl": url_fields["sourceUrl"],
        "renewable": record.renewable,
        "renewalExpireDateTime": url_fields["renewalExpireDateTime"],
        "payloadFileUploadDate": None,
        "dataRegStatusTargeting": "STANDBY",
        "dataRegStatusPopulation": "STANDBY",
        "transformStatus": url_fields["transformStatus"],
        "transformDateTime": url_fields["transformDateTime"],
        "originalCreatedDate": clock.stamp(record.created_at),
        "populationUpdateDate": _stamp(
            clock, None if view.settled is None else view.settled.ready_at
        ),
        "modifyStatus": view.status,
        "lastModifiedDate": clock.stamp(record.modified_at),
        "maskedSourceUrl": mask_url(record.source_url),
    }


def audience_summary(record: AudienceRecord, state: State, clock: Clock) -> JSON:
    """
    Return one entry of the audience list.
    """
    status, _ = view_audience(record, state, clock.now())
    return {
        "id": record.id,
        "name": record.settings.name,
        "audienceStatus": status,
        "type": record.settings.type,
        "createdDate": clock.stamp(record.created_at),
        "lastModifiedDate": clock.stamp(record.modified_at),
    }


def audience(
    record: AudienceRecord, state: State, clock: Clock, *, sample_spelling: bool = False
) -> JSON:
    """
    Return an audience with its settings; *sample_spelling* writes ``depth2locations``.
    """
    settings = record.settings
    status, score = view_audience(record, state, clock.now())
    depth2 = "depth2locations" if sample_spelling else "depth2Locations"
    answer: JSON = {
        "id": record.id,
        "type": settings.type,
        "adAccountId": record.account_id,
        "name": settings.name,
        "audienceStatus": status,
        "populationScore": score,
        "ageType": settings.age_type,
        "ages": list(settings.ages),
        "genderType": settings.gender_type,
        "genders": list(settings.genders),
        "locationType": settings.location_type,
        "locations": list(settings.locations.get("locations", ())),
        depth2: list(settings.locations.get("depth2Locations", ())),
        "depth3Locations": list(settings.locations.get("depth3Locations", ())),
        "ufoInterests": list(settings.ufo_interests),
        "ufoDeprecatedInterests": [],
        "ufoBusinessTypes": list(settings.ufo_business_types),
        "ufoDeprecatedBusinessTypes": [],
        "createdDate": clock.stamp(record.created_at),
        "lastModifiedDate": clock.stamp(record.modified_at),
    }
    for key, entries in settings.targetings.items():
        answer[key] = list(entries)
    return answer


def _campaign_type_goal(group: AdGroupRecord) -> JSON:
    return {"campaignType": group.campaign_type, "goal": group.goal}


def file_usage(group: AdGroupRecord) -> JSON:
    """
    Return one entry of a customer file's usage (an ad group and its campaign).
    """
    return {
        "adGroup": {
            "id": group.id,
            "name": group.name,
            "adGroupStatus": list(group.status),
            "adGroupType": group.type,
        },
        "campaign": {
            "id": group.campaign_id,
            "name": group.campaign_name,
            "campaignTypeGoal": _campaign_type_goal(group),
        },
    }


def audience_ad_group(group: AdGroupRecord) -> JSON:
    """
    Return one entry of an audience's usage.
    """
    return {
        "campaignId": group.campaign_id,
        "campaignName": group.campaign_name,
        "campaignTypeGoal": _campaign_type_goal(group),
        "adGroupId": group.id,
        "adGroupName": group.name,
        "adGroupStatus": list(group.status),
        "adGroupType": group.type,
    }


def bulk(successes: int, messages: list[str]) -> JSON:
    """
    Return a bulk delete answer.
    """
    return {
        "successCount": successes,
        "failCount": len(messages),
        "errorMessages": messages,
    }
