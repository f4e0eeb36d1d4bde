"""
Customer files and audiences move through their statuses as the clock advances.
"""

from __future__ import annotations

import asyncio

import aiohttp

from moment_async.sandbox import Sandbox

from ._api import ADIDS, Api, csv_of, form
from .conftest import DELAY

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


async def detail(api: Api, file_id: int) -> dict[str, object]:
    """
    Return a file's detail, stepping the clock past the per-file rate limit first.
    """
    api.sandbox.clock.advance(5)
    answer = await api.call("GET", f"/customerFiles/{file_id}")
    assert 200 == answer.status
    return answer.json  # type: ignore[no-any-return]  # a JSON object


async def test_a_new_file_waits_then_completes(api: Api, sandbox: Sandbox) -> None:
    """A file is WAITING until the delay passes, then COMPLETE with 70 % of its distinct IDs."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]

    waiting = await detail(api, file_id)
    sandbox.clock.advance(DELAY)
    complete = await detail(api, file_id)

    assert ("WAITING", None, False) == (
        waiting["customerFileStatus"],
        waiting["populationScore"],
        waiting["ready"],
    )
    assert ("COMPLETE", 7, True) == (
        complete["customerFileStatus"],
        complete["populationScore"],
        complete["ready"],
    )
    assert "2024-02-06T00:04:59" == complete["populationUpdateDate"]


async def test_a_file_without_valid_ids_ends_in_error(
    api: Api, sandbox: Sandbox
) -> None:
    """A file whose rows hold no valid ADID becomes ERROR, not ready."""
    file_id = (await api.upload("junk", csv_of("adid", "nope", "12345"))).json["id"]
    sandbox.clock.advance(DELAY)

    body = await detail(api, file_id)

    assert ("ERROR", False) == (body["customerFileStatus"], body["ready"])


async def test_an_edit_goes_through_modifying(api: Api, sandbox: Sandbox) -> None:
    """An edit of a ready file shows MODIFYING with the old population, then the new one."""
    seeded = sandbox.seed_customer_file(ACCOUNT, valid_adids=1000)
    file_id = seeded.id
    original_key = seeded.generations[0].adid_list_key
    data = form([("new.csv", csv_of(*ADIDS))], id=str(file_id))

    edit = await api.call("PUT", "/customerFiles", data=data)

    modifying = await detail(api, file_id)
    sandbox.clock.advance(DELAY)
    complete = await detail(api, file_id)

    assert "MODIFYING" == edit.json["customerFileStatus"]
    assert ("MODIFYING", 700, True) == (
        modifying["customerFileStatus"],
        modifying["populationScore"],
        modifying["ready"],
    )
    assert ("COMPLETE", 7) == (
        complete["customerFileStatus"],
        complete["populationScore"],
    )
    assert original_key != complete["adidListKey"]


async def test_a_csv_url_completes_with_a_synthetic_population(
    api: Api, sandbox: Sandbox
) -> None:
    """A URL ending in .csv completes with a fixed synthetic list of 1,000 to 9,999 IDs."""
    file_id = (await api.register_url("url", "https://example.com/buyers.csv")).json[
        "id"
    ]
    sandbox.clock.advance(DELAY)

    body = await detail(api, file_id)

    assert ("COMPLETE", "COMPLETED") == (
        body["customerFileStatus"],
        body["transformStatus"],
    )
    assert 700 <= int(body["populationScore"]) < 7000  # type: ignore[call-overload]
    assert "2024-02-06T00:04:59" == body["transformDateTime"]


async def test_a_url_that_is_not_csv_ends_in_transform_error(
    api: Api, sandbox: Sandbox
) -> None:
    """A URL whose path does not end in .csv cannot be read: TRANSFORM_ERROR."""
    file_id = (await api.register_url("url", "https://example.com/buyers.json")).json[
        "id"
    ]
    sandbox.clock.advance(DELAY)

    body = await detail(api, file_id)

    assert ("TRANSFORM_ERROR", "FAILED", None) == (
        body["customerFileStatus"],
        body["transformStatus"],
        body["populationScore"],
    )


async def test_url_content_set_by_a_test_is_counted(api: Api, sandbox: Sandbox) -> None:
    """Content given with set_url_content is read as the URL's CSV."""
    url = "https://example.com/export?id=7"
    count = sandbox.set_url_content(url, csv_of("ADID", *ADIDS[:4], "bad"))
    file_id = (await api.register_url("url", url)).json["id"]
    sandbox.clock.advance(DELAY)

    body = await detail(api, file_id)

    assert (4, 1) == (count.valid, count.invalid)
    assert ("COMPLETE", 2) == (body["customerFileStatus"], body["populationScore"])


async def test_an_audience_becomes_available_after_the_delay(
    api: Api, sandbox: Sandbox
) -> None:
    """An audience is STANDBY, then AVAILABLE with an estimated population."""
    audience_id = (
        await api.create_audience(
            ageType="NOT_ALL", ages=["20", "25"], genderType="NOT_ALL", genders=["F"]
        )
    ).json["id"]

    standby = (await api.call("GET", f"/targetings/{audience_id}")).json
    sandbox.clock.advance(DELAY)
    available = (await api.call("GET", f"/targetings/{audience_id}")).json

    assert ("STANDBY", None) == (standby["audienceStatus"], standby["populationScore"])
    assert ("AVAILABLE", 1_000_000 * 2 // 11 // 2) == (
        available["audienceStatus"],
        available["populationScore"],
    )


async def test_an_audience_of_a_small_file_has_too_few_seeds(
    api: Api, sandbox: Sandbox
) -> None:
    """An audience whose customer files hold fewer than 100 people is SEED_NOT_ENOUGH."""
    small = sandbox.seed_customer_file(ACCOUNT, valid_adids=100).id
    big = sandbox.seed_customer_file(ACCOUNT, valid_adids=10_000).id
    small_audience = (
        await api.create_audience(customerFileTargetings=[{"id": small}])
    ).json["id"]
    big_audience = (
        await api.create_audience(
            customerFileTargetings=[{"id": big}, {"id": small, "exclude": True}]
        )
    ).json["id"]
    sandbox.clock.advance(DELAY)

    answer = await api.call("GET", "/targetings/audiences")

    statuses = {
        entry["id"]: entry["audienceStatus"] for entry in answer.json["content"]
    }
    assert {small_audience: "SEED_NOT_ENOUGH", big_audience: "AVAILABLE"} == statuses


async def test_an_edited_audience_goes_back_to_standby(
    api: Api, sandbox: Sandbox
) -> None:
    """Editing an available audience makes it STANDBY again for the delay."""
    audience_id = (await api.create_audience()).json["id"]
    sandbox.clock.advance(DELAY)
    body = {
        "id": audience_id,
        "adAccountId": ACCOUNT,
        "name": "edited",
        "type": "DISPLAY",
        "ageType": "ALL",
        "genderType": "ALL",
        "locationType": "ALL",
    }

    edited = await api.call("PUT", "/targetings", json=body)

    assert ("STANDBY", "2024-02-06T00:04:59") == (
        edited.json["audienceStatus"],
        edited.json["lastModifiedDate"],
    )


async def test_a_realtime_clock_completes_files_on_its_own() -> None:
    """With the default real-time clock a short delay passes by itself."""
    async with (
        Sandbox(processing_delay=0.05, rate_limits=False) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, sandbox)
        file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]
        first = (await api.call("GET", f"/customerFiles/{file_id}")).json
        await asyncio.sleep(0.1)
        later = (await api.call("GET", f"/customerFiles/{file_id}")).json

    assert ("WAITING", "COMPLETE") == (
        first["customerFileStatus"],
        later["customerFileStatus"],
    )
