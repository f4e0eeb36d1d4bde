"""
The 8 audience calls: answers shaped like the samples, and the documented parameter rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from moment_async.sandbox import Sandbox
from tests.conftest import load_fixture

from ._api import Api

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


def sample_request() -> dict[str, Any]:
    """
    Return the create sample's request body, for the default ad account.
    """
    body: dict[str, Any] = load_fixture("audiences.create.request")
    body["adAccountId"] = ACCOUNT
    return body


async def test_create_answers_like_the_create_sample(api: Api) -> None:
    """Creating from the sample request answers the sample's fields, ages sorted and spellings kept."""
    answer = await api.call("POST", "/targetings", json=sample_request())

    sample = load_fixture("audiences.create")
    body = answer.json
    assert 200 == answer.status
    assert set(sample) <= set(body)
    for field in (
        "type",
        "name",
        "ageType",
        "ages",
        "genders",
        "genderType",
        "locations",
    ):
        assert sample[field] == body[field]
    assert sample["depth2locations"] == body["depth2locations"]
    assert sample["depth3Locations"] == body["depth3Locations"]
    assert ("STANDBY", ACCOUNT) == (body["audienceStatus"], body["adAccountId"])


async def test_update_answers_like_the_update_sample(api: Api) -> None:
    """Editing answers the update sample's fields with the new settings."""
    audience_id = (await api.create_audience()).json["id"]
    body = sample_request() | {"id": audience_id, "name": "renamed"}

    answer = await api.call("PUT", "/targetings", json=body)

    assert 200 == answer.status
    assert set(load_fixture("audiences.update")) <= set(answer.json)
    assert ("renamed", audience_id) == (answer.json["name"], answer.json["id"])


async def test_get_answers_like_the_detail_sample(api: Api) -> None:
    """The detail call answers the detail sample's fields, with the table's depth2Locations."""
    audience_id = (await api.call("POST", "/targetings", json=sample_request())).json[
        "id"
    ]

    answer = await api.call("GET", f"/targetings/{audience_id}")

    assert 200 == answer.status
    assert set(load_fixture("audiences.get")) <= set(answer.json)
    assert 2 == len(answer.json["depth2Locations"])


async def test_list_wraps_summaries_in_content(api: Api) -> None:
    """The list answers {"content": [...]} with the list sample's fields."""
    await api.create_audience(name="first")
    await api.create_audience(name="second", type="MESSAGE")

    answer = await api.call("GET", "/targetings/audiences")

    sample_keys = set(load_fixture("audiences.list")["content"][0])
    assert ["content"] == list(answer.json)
    assert [sample_keys, sample_keys] == [
        set(entry) for entry in answer.json["content"]
    ]
    assert ["DISPLAY", "MESSAGE"] == [entry["type"] for entry in answer.json["content"]]


async def test_ad_groups_wraps_usage_in_content(api: Api, sandbox: Sandbox) -> None:
    """Usage answers {"content": [...]} shaped exactly like its sample."""
    audience_id = (await api.create_audience()).json["id"]
    for group_id, name, campaign_id, campaign in (
        (1, "first_ad_group", 1, "first_campaign"),
        (2, "second_ad_group", 1, "first_campaign"),
        (3, "third_ad_group", 2, "second_campaign"),
    ):
        sandbox.seed_ad_group(
            ACCOUNT,
            ad_group_id=group_id,
            name=name,
            campaign_id=campaign_id,
            campaign_name=campaign,
            campaign_type="TALK_BIZ_BOARD",
            audience_ids=[audience_id],
        )

    answer = await api.call("GET", f"/targetings/{audience_id}/adGroups")

    assert load_fixture("audiences.ad_groups") == answer.json


async def test_unlink_stops_an_ad_group_using_the_audience(
    api: Api, sandbox: Sandbox
) -> None:
    """Unlink answers 200 with no body and the usage no longer lists the ad group."""
    audience_id = (await api.create_audience()).json["id"]
    group = sandbox.seed_ad_group(ACCOUNT, audience_ids=[audience_id])

    answer = await api.call(
        "PUT", f"/targetings/{audience_id}/unlink", params={"adGroupId": str(group.id)}
    )
    usage = await api.call("GET", f"/targetings/{audience_id}/adGroups")

    assert (200, b"") == (answer.status, answer.body)
    assert {"content": []} == usage.json
    assert set() == sandbox.state.ad_group(group.id).audience_ids  # type: ignore[union-attr]


async def test_unlink_refuses_an_ad_group_that_does_not_use_it(
    api: Api, sandbox: Sandbox
) -> None:
    """Unlinking an ad group that does not use the audience is refused; an unknown one is not found."""
    audience_id = (await api.create_audience()).json["id"]
    group = sandbox.seed_ad_group(ACCOUNT)

    unused = await api.call(
        "PUT", f"/targetings/{audience_id}/unlink", params={"adGroupId": str(group.id)}
    )
    unknown = await api.call(
        "PUT", f"/targetings/{audience_id}/unlink", params={"adGroupId": "999999"}
    )

    assert (400, 31601) == (unused.status, unused.detail_code)
    assert (400, 21006) == (unknown.status, unknown.detail_code)


async def test_unlink_is_put_only(api: Api) -> None:
    """The sample curl's GET is not served: the table's PUT is the documented method."""
    audience_id = (await api.create_audience()).json["id"]

    answer = await api.call(
        "GET", f"/targetings/{audience_id}/unlink", params={"adGroupId": "1"}
    )

    assert (405, "text/html") == (
        answer.status,
        answer.headers["Content-Type"].split(";")[0],
    )


async def test_delete_answers_200_with_an_empty_body(
    api: Api, sandbox: Sandbox
) -> None:
    """Deleting an audience answers 200 with no body, and it is gone."""
    audience_id = (await api.create_audience()).json["id"]

    answer = await api.call("DELETE", f"/targetings/{audience_id}")
    again = await api.call("GET", f"/targetings/{audience_id}")

    assert (200, b"") == (answer.status, answer.body)
    assert (400, 21006) == (again.status, again.detail_code)
    assert [] == sandbox.state.audiences(ACCOUNT)


async def test_delete_refuses_an_audience_an_ad_group_uses(
    api: Api, sandbox: Sandbox
) -> None:
    """An audience in use by an ad group is not deleted until it is unlinked."""
    audience_id = (await api.create_audience()).json["id"]
    sandbox.seed_ad_group(ACCOUNT, audience_ids=[audience_id])

    answer = await api.call("DELETE", f"/targetings/{audience_id}")

    assert (400, 31304) == (answer.status, answer.detail_code)


async def test_delete_many_reports_each_failure_in_korean(
    api: Api, sandbox: Sandbox
) -> None:
    """A bulk delete answers like its sample, with a reason per failed id."""
    kept = (await api.create_audience()).json["id"]
    sandbox.seed_ad_group(ACCOUNT, audience_ids=[kept])
    free = (await api.create_audience()).json["id"]
    gone = (await api.create_audience()).json["id"]
    await api.call("DELETE", f"/targetings/{gone}")

    answer = await api.call(
        "DELETE", "/targetings", params={"audienceIds": f"{free},{gone},{kept},5"}
    )

    assert set(load_fixture("audiences.delete_many")) == set(answer.json)
    assert {
        "successCount": 1,
        "failCount": 3,
        "errorMessages": [
            "이미 삭제된 오디언스입니다.",
            "광고그룹에서 사용 중인 오디언스입니다.",
            "존재하지 않는 오디언스입니다.",
        ],
    } == answer.json


@pytest.mark.parametrize(
    ("fields", "detail_code"),
    [
        pytest.param({"type": "VIDEO"}, 31501, id="type"),
        pytest.param({"type": None}, 31501, id="no type"),
        pytest.param({"ages": ["20"]}, 31503, id="ages with ALL"),
        pytest.param({"ageType": "NOT_ALL"}, 31503, id="NOT_ALL without ages"),
        pytest.param({"ageType": "NOT_ALL", "ages": ["18"]}, 31503, id="unknown age"),
        pytest.param({"ageType": "SOME"}, 31503, id="age type"),
        pytest.param({"genders": ["M"]}, 31504, id="genders with ALL"),
        pytest.param({"genderType": "NOT_ALL"}, 31504, id="NOT_ALL without genders"),
        pytest.param(
            {"genderType": "NOT_ALL", "genders": ["X"]}, 31504, id="unknown gender"
        ),
        pytest.param({"locationType": "AREA"}, 31505, id="AREA without locations"),
        pytest.param({"locations": [{"value": "E"}]}, 31505, id="locations with ALL"),
        pytest.param(
            {"depth2locations": [{"value": "B7222"}]}, 31505, id="depth2 with ALL"
        ),
        pytest.param(
            {"locationType": "AREA", "locations": [{}]},
            31505,
            id="location without value",
        ),
        pytest.param({"locationType": None}, 31505, id="no location type"),
        pytest.param({"name": "x" * 51}, 31001, id="long name"),
        pytest.param({"adAccountId": 2000}, 31402, id="other account"),
        pytest.param({"adAccountId": None}, 31401, id="no account"),
        pytest.param({"ufoInterests": "I03"}, 31401, id="interests not a list"),
        pytest.param({"ufoInterests": [3]}, 31401, id="interest not a string"),
        pytest.param({"name": 5}, 31401, id="name not a string"),
        pytest.param({"cohortTargetings": ["x"]}, 31401, id="targeting not an object"),
        pytest.param(
            {"customerFileTargetings": [{"name": "a"}]}, 31401, id="file without id"
        ),
    ],
)
async def test_create_refuses_inconsistent_settings(
    api: Api, sandbox: Sandbox, fields: dict[str, object], detail_code: int
) -> None:
    """Each documented consistency rule of an audience body is enforced; nothing is created."""
    answer = await api.create_audience(**fields)

    assert (400, detail_code) == (answer.status, answer.detail_code)
    assert 0 == sandbox.state.created_audiences(ACCOUNT)


@pytest.mark.parametrize(
    ("kind", "targeting"),
    [
        pytest.param("MESSAGE", "customerFileTargetings", id="MESSAGE customer file"),
        pytest.param("MESSAGE", "trackerTargetings", id="MESSAGE tracker"),
        pytest.param(
            "DISPLAY", "talkChannelGroupTargetings", id="DISPLAY friend group"
        ),
    ],
)
async def test_create_refuses_targetings_the_type_does_not_take(
    api: Api, kind: str, targeting: str
) -> None:
    """The "available parameter by audience type" table is enforced."""
    answer = await api.create_audience(type=kind, **{targeting: [{"id": 1}]})

    assert (400, 31502) == (answer.status, answer.detail_code)


@pytest.mark.parametrize(
    ("kind", "targeting"),
    [
        pytest.param("DISPLAY", "trackerTargetings", id="DISPLAY tracker"),
        pytest.param(
            "MESSAGE", "talkChannelGroupTargetings", id="MESSAGE friend group"
        ),
        pytest.param("MESSAGE", "cohortTargetings", id="MESSAGE cohort"),
        pytest.param("DISPLAY", "syncAppTargetings", id="DISPLAY sync app"),
    ],
)
async def test_create_takes_targetings_the_type_allows(
    api: Api, kind: str, targeting: str
) -> None:
    """Targetings the table allows are stored and echoed as sent."""
    entries = [{"id": 7, "name": "seven"}]

    answer = await api.create_audience(type=kind, **{targeting: entries})

    assert (200, entries) == (answer.status, answer.json[targeting])


async def test_create_takes_both_depth2_spellings(api: Api) -> None:
    """The table's depth2Locations and the samples' depth2locations are both read."""
    area = {"value": "B7222", "description": "경기도 여주시"}

    table = await api.create_audience(locationType="AREA", depth2Locations=[area])
    sample = await api.create_audience(locationType="AREA", depth2locations=[area])

    assert [area] == table.json["depth2locations"]
    assert [area] == sample.json["depth2locations"]


async def test_create_refuses_an_unknown_customer_file(api: Api) -> None:
    """Targeting a customer file the account does not have is not found."""
    answer = await api.create_audience(customerFileTargetings=[{"id": 424242}])

    assert (400, 21006) == (answer.status, answer.detail_code)


async def test_update_needs_a_known_audience_id(api: Api) -> None:
    """Editing an unknown audience is not found; editing without an id is malformed."""
    unknown = await api.call(
        "PUT", "/targetings", json=sample_request() | {"id": 424242}
    )
    missing = await api.call("PUT", "/targetings", json=sample_request())

    assert (400, 21006) == (unknown.status, unknown.detail_code)
    assert (400, -2) == (missing.status, missing.json["code"])


async def test_audience_ids_are_not_customer_file_ids(
    api: Api, sandbox: Sandbox
) -> None:
    """A customer file id used as an audience id is not found (the id ranges differ)."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id

    answer = await api.call("GET", f"/targetings/{file_id}")

    assert (400, 21006) == (answer.status, answer.detail_code)
