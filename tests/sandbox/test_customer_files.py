"""
The 10 customer file calls: answers shaped like the samples, and every documented refusal.
"""

from __future__ import annotations

import pytest

from moment_async.sandbox import Sandbox
from tests.conftest import load_fixture

from ._api import ADIDS, Api, csv_of, form

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


def keys(name: str) -> set[str]:
    """
    Return the field names of a sample answer.
    """
    sample = load_fixture(name)
    return set((sample[0] if isinstance(sample, list) else sample).keys())


async def test_upload_answers_with_the_sample_fields_and_real_counts(api: Api) -> None:
    """A registration with files answers like its sample, counting the rows sent."""
    answer = await api.upload(
        "buyers", csv_of("adid", *ADIDS[:3], "oops"), csv_of(ADIDS[3])
    )

    body = answer.json
    assert 200 == answer.status
    assert keys("customer_files.upload") - {"createDate"} | {"createdDate"} <= set(body)
    assert (4, 1) == (body["successCount"], body["failedCount"])
    assert ("buyers", ACCOUNT, "ADID", "WAITING") == (
        body["name"],
        body["adAccountId"],
        body["fileType"],
        body["customerFileStatus"],
    )
    assert "2024-02-06T00:03:59" == body["createdDate"]
    assert "application/json;charset=UTF-8" == answer.headers["Content-Type"]


async def test_list_is_a_bare_array_with_the_sample_fields(api: Api) -> None:
    """The list answers a bare JSON array of files with the list sample's fields."""
    await api.upload("buyers", csv_of(*ADIDS))

    answer = await api.call("GET", "/customerFiles")

    assert 200 == answer.status
    assert 1 == len(answer.json)
    assert keys("customer_files.list") <= set(answer.json[0])


async def test_get_answers_with_the_detail_sample_fields(api: Api) -> None:
    """The detail call answers with every field of its sample, customerFileStatus included."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]

    answer = await api.call("GET", f"/customerFiles/{file_id}")

    assert 200 == answer.status
    assert keys("customer_files.get") <= set(answer.json)
    assert "FILE" == answer.json["type"]
    assert "WAITING" == answer.json["customerFileStatus"]
    assert answer.json["ready"] is False


async def test_register_url_answers_with_its_sample_fields(api: Api) -> None:
    """A URL registration answers like its sample, the URL masked as the samples show it."""
    answer = await api.register_url(
        "from url", "https://example.com/exports/buyers.csv", True
    )

    body = answer.json
    assert 200 == answer.status
    assert keys("customer_files.register_url") <= set(body)
    assert ("URL", "*****buyers.csv", True, "STANDBY") == (
        body["type"],
        body["sourceUrl"],
        body["renewable"],
        body["transformStatus"],
    )
    assert "2024-05-06T00:03:58" == body["renewalExpireDateTime"]


async def test_replace_files_answers_with_its_sample_fields(
    api: Api, sandbox: Sandbox
) -> None:
    """An edit with files answers like its sample, counting the new rows."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]
    data = form([("new.csv", csv_of(*ADIDS[:2], "bad"))], id=str(file_id))

    answer = await api.call("PUT", "/customerFiles", data=data)

    assert 200 == answer.status
    assert keys("customer_files.replace_files") - {"createDate"} <= set(answer.json)
    assert (2, 1) == (answer.json["successCount"], answer.json["failedCount"])
    assert 2 == len(sandbox.state.customer_file(file_id).generations)  # type: ignore[union-attr]


async def test_replace_url_answers_with_its_sample_fields(api: Api) -> None:
    """An edit by URL answers like its sample: status, version and the masked URL."""
    file_id = (await api.register_url("from url", "https://example.com/a.csv")).json[
        "id"
    ]
    body = {
        "id": file_id,
        "fileType": "ADID",
        "sourceUrl": "https://example.com/e-file.csv",
    }

    answer = await api.call("PUT", "/customerFiles/url", json=body)

    assert 200 == answer.status
    assert keys("customer_files.replace_url") <= set(answer.json)
    assert ("WAITING", 1, "*****e-file.csv") == (
        answer.json["status"],
        answer.json["version"],
        answer.json["maskedSourceUrl"],
    )


async def test_rename_changes_only_the_name(api: Api) -> None:
    """Renaming answers with the rename sample's fields and the new name."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]

    answer = await api.call(
        "PUT", "/customerFiles/name", json={"id": file_id, "name": "고객파일 등록 v2"}
    )

    assert 200 == answer.status
    assert keys("customer_files.rename") <= set(answer.json)
    assert "고객파일 등록 v2" == answer.json["name"]


async def test_delete_answers_200_with_an_empty_body(
    api: Api, sandbox: Sandbox
) -> None:
    """A delete answers 200 with no body, and the file is gone."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]

    answer = await api.call("DELETE", f"/customerFiles/{file_id}")

    assert (200, b"") == (answer.status, answer.body)
    assert [] == sandbox.state.customer_files(ACCOUNT)


async def test_delete_many_reports_each_failure_in_korean(
    api: Api, sandbox: Sandbox
) -> None:
    """A bulk delete counts successes and failures with the reasons for each failure."""
    used = sandbox.seed_customer_file(ACCOUNT, "used").id
    sandbox.seed_ad_group(ACCOUNT, customer_file_ids=[used])
    free = sandbox.seed_customer_file(ACCOUNT, "free").id
    gone = sandbox.seed_customer_file(ACCOUNT, "gone").id
    await api.call("DELETE", f"/customerFiles/{gone}")

    answer = await api.call(
        "DELETE",
        "/customerFiles",
        params={"customerFileIds": f"{used},{free},{gone},999"},
    )

    assert keys("customer_files.delete_many") == set(answer.json)
    assert {
        "successCount": 1,
        "failCount": 3,
        "errorMessages": [
            "광고그룹에서 사용 중인 고객파일입니다.",
            "이미 삭제된 고객파일입니다.",
            "존재하지 않는 고객파일입니다.",
        ],
    } == answer.json


async def test_usage_lists_ad_groups_with_campaigns(api: Api, sandbox: Sandbox) -> None:
    """Usage answers a bare array of ad group + campaign pairs shaped like the sample."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    sandbox.seed_ad_group(
        ACCOUNT,
        ad_group_id=56,
        name="first_ad_group",
        campaign_id=78,
        campaign_name="first_campaign",
        customer_file_ids=[file_id],
    )

    answer = await api.call("GET", f"/customerFiles/usages/{file_id}")

    assert load_fixture("customer_files.usage") == answer.json


@pytest.mark.parametrize(
    ("name", "detail_code"),
    [
        pytest.param("", 31001, id="empty"),
        pytest.param("   ", 31001, id="blank"),
        pytest.param("x" * 51, 31001, id="51 characters"),
        pytest.param("buyers 🛒", 31002, id="emoji"),
        pytest.param("買い物客", 31002, id="kanji"),
    ],
)
async def test_upload_refuses_bad_names(api: Api, name: str, detail_code: int) -> None:
    """Names must be 1 to 50 Korean, English, digit, special or space characters."""
    answer = await api.upload(name, csv_of(*ADIDS))

    assert 400 == answer.status
    assert (-813, detail_code) == (answer.json["code"], answer.detail_code)


async def test_upload_takes_fifty_allowed_characters(api: Api) -> None:
    """A 50-character name of Korean, English, digits, specials and spaces is fine."""
    name = ("고객 file_1!" * 5)[:50]

    answer = await api.upload(name, csv_of(*ADIDS))

    assert (200, name) == (answer.status, answer.json["name"])


@pytest.mark.parametrize(
    ("files", "detail_code"),
    [
        pytest.param([], 31101, id="no file"),
        pytest.param([(f"{i}.csv", b"x\n") for i in range(11)], 31101, id="11 files"),
        pytest.param([("a.txt", b"x\n")], 31102, id="not .csv"),
        pytest.param([("a.csv", b"x\n", "text/plain")], 31103, id="text/plain"),
        pytest.param(
            [("a.csv", b"x\n", "application/octet-stream")], 31103, id="octet-stream"
        ),
    ],
)
async def test_upload_refuses_bad_files(
    api: Api, sandbox: Sandbox, files: list[tuple[str, bytes]], detail_code: int
) -> None:
    """Uploads take 1 to 10 parts named *.csv sent as text/csv, and nothing is created otherwise."""
    answer = await api.call("POST", "/customerFiles", data=form(files, name="buyers"))

    assert (400, detail_code) == (answer.status, answer.detail_code)
    assert 0 == sandbox.state.created_customer_files(ACCOUNT)


async def test_upload_takes_ten_files_and_upper_case_extensions(api: Api) -> None:
    """Ten parts are allowed, and ``.CSV`` counts as a CSV name."""
    files = [(f"part{i}.CSV", csv_of(ADIDS[i])) for i in range(10)]

    answer = await api.call("POST", "/customerFiles", data=form(files, name="ten"))

    assert (200, 10) == (answer.status, answer.json["successCount"])


async def test_upload_refuses_more_than_the_byte_limit_in_total(api: Api) -> None:
    """Files adding up to more than the limit are refused after the body was read."""
    async with Sandbox(upload_limit_bytes=100) as small:
        api.sandbox = small
        fits = await api.upload("fits", csv_of(ADIDS[0]), csv_of(ADIDS[1]))
        small.rate_limits = False
        too_big = await api.upload("big", csv_of(*ADIDS[:2]), csv_of(*ADIDS[2:4]))

    assert 200 == fits.status
    assert (400, 31104) == (too_big.status, too_big.detail_code)
    assert 150 < small.requests[-1].body_size


async def test_upload_refuses_a_body_that_is_not_multipart(api: Api) -> None:
    """A JSON body on the upload path is a malformed request (-2)."""
    answer = await api.call("POST", "/customerFiles", json={"name": "x"})

    assert (400, -2, 31401) == (answer.status, answer.json["code"], answer.detail_code)


async def test_registrations_stop_at_fifty_files_per_account(
    api: Api, sandbox: Sandbox
) -> None:
    """The 51st customer file of an account is refused with a -10 quota error, by file or URL."""
    sandbox.rate_limits = False
    for index in range(50):
        sandbox.seed_customer_file(ACCOUNT, f"file {index}")

    by_file = await api.upload("one more", csv_of(*ADIDS))
    by_url = await api.register_url("one more", "https://example.com/a.csv")

    assert (400, -10, 31201) == (
        by_file.status,
        by_file.json["code"],
        by_file.detail_code,
    )
    assert (400, -10, 31201) == (by_url.status, by_url.json["code"], by_url.detail_code)


async def test_a_url_file_cannot_be_edited_with_files(api: Api) -> None:
    """A file registered by URL refuses an edit with files."""
    file_id = (await api.register_url("from url", "https://example.com/a.csv")).json[
        "id"
    ]

    answer = await api.call(
        "PUT", "/customerFiles", data=form([("a.csv", csv_of(*ADIDS))], id=str(file_id))
    )

    assert (400, 31301) == (answer.status, answer.detail_code)


async def test_a_file_registered_with_files_cannot_be_edited_by_url(api: Api) -> None:
    """A file registered with files refuses an edit by URL."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]
    body = {"id": file_id, "fileType": "ADID", "sourceUrl": "https://example.com/a.csv"}

    answer = await api.call("PUT", "/customerFiles/url", json=body)

    assert (400, 31301) == (answer.status, answer.detail_code)


@pytest.mark.parametrize(
    ("body", "detail_code"),
    [
        pytest.param({"sourceUrl": "ftp://example.com/a.csv"}, 31404, id="ftp"),
        pytest.param({"sourceUrl": "https:///a.csv"}, 31404, id="no host"),
        pytest.param({"sourceUrl": 5}, 31404, id="not a string"),
        pytest.param({"sourceUrl": "https://exa mple.com/a.csv"}, 31404, id="space"),
        pytest.param({"sourceUrl": "http://[::1/a.csv"}, 31404, id="unparsable"),
        pytest.param({"fileType": "EMAIL"}, 31404, id="file type"),
        pytest.param({"renewable": "yes"}, 31401, id="renewable not bool"),
        pytest.param({"renewable": None}, 31401, id="renewable missing"),
    ],
)
async def test_register_url_refuses_bad_fields(
    api: Api, body: dict[str, object], detail_code: int
) -> None:
    """A URL registration needs an http(s) URL, fileType ADID and a boolean renewable."""
    full: dict[str, object] = {
        "name": "x",
        "fileType": "ADID",
        "sourceUrl": "https://example.com/a.csv",
        "renewable": False,
    }
    full.update(body)

    answer = await api.call("POST", "/customerFiles/url", json=full)

    assert (400, detail_code) == (answer.status, answer.detail_code)


async def test_delete_refuses_a_file_used_by_an_ad_group(
    api: Api, sandbox: Sandbox
) -> None:
    """A customer file an ad group uses cannot be deleted."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    sandbox.seed_ad_group(ACCOUNT, customer_file_ids=[file_id])

    answer = await api.call("DELETE", f"/customerFiles/{file_id}")

    assert (400, 31302) == (answer.status, answer.detail_code)
    assert sandbox.state.customer_file(file_id) is not None


async def test_delete_refuses_a_file_an_audience_targets(
    api: Api, sandbox: Sandbox
) -> None:
    """A customer file that an audience targets cannot be deleted, as the bulk sample's message says."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    await api.create_audience(customerFileTargetings=[{"id": file_id}])

    single = await api.call("DELETE", f"/customerFiles/{file_id}")
    bulk = await api.call(
        "DELETE", "/customerFiles", params={"customerFileIds": str(file_id)}
    )

    assert (400, 31303) == (single.status, single.detail_code)
    assert ["타겟을 사용 중인 오디언스가 있습니다."] == bulk.json["errorMessages"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/customerFiles/424242", id="get"),
        pytest.param("DELETE", "/customerFiles/424242", id="delete"),
        pytest.param("GET", "/customerFiles/usages/424242", id="usage"),
    ],
)
async def test_unknown_files_are_not_found(api: Api, method: str, path: str) -> None:
    """An unknown customer file id answers 400 with -813 / 21006."""
    answer = await api.call(method, path)

    assert (400, -813, 21006) == (
        answer.status,
        answer.json["code"],
        answer.detail_code,
    )


async def test_a_file_of_another_account_is_not_found(
    api: Api, sandbox: Sandbox
) -> None:
    """A token granted two accounts sees each account's files only under that account."""
    sandbox.grant(Sandbox.DEFAULT_TOKEN, 2000)
    file_id = sandbox.seed_customer_file(2000).id

    mine = await api.call("GET", f"/customerFiles/{file_id}", account=2000)
    sandbox.clock.advance(5)
    other = await api.call("GET", f"/customerFiles/{file_id}")

    assert 200 == mine.status
    assert (400, 21006) == (other.status, other.detail_code)


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        pytest.param("GET", "/customerFiles/abc", None, id="path id"),
        pytest.param("GET", "/customerFiles/0", None, id="zero id"),
        pytest.param(
            "DELETE", "/customerFiles", {"customerFileIds": "1,x"}, id="bulk ids"
        ),
        pytest.param("DELETE", "/customerFiles", None, id="bulk without ids"),
    ],
)
async def test_malformed_ids_are_bad_parameters(
    api: Api, method: str, path: str, params: dict[str, str] | None
) -> None:
    """Ids that are not positive integers answer 400 with the bad-parameter code -2."""
    answer = await api.call(method, path, params=params)

    assert (400, -2) == (answer.status, answer.json["code"])


async def test_rename_refuses_a_bad_name(api: Api) -> None:
    """Renaming follows the same name rules as registering."""
    file_id = (await api.upload("buyers", csv_of(*ADIDS))).json["id"]

    answer = await api.call(
        "PUT", "/customerFiles/name", json={"id": file_id, "name": "x" * 51}
    )

    assert (400, 31001) == (answer.status, answer.detail_code)


async def test_rename_reads_json_without_a_content_type(
    api: Api, sandbox: Sandbox
) -> None:
    """The rename sample sends JSON with no Content-Type; the sandbox reads it anyway."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    body = f'{{"id": {file_id}, "name": "renamed"}}'.encode()

    answer = await api.call("PUT", "/customerFiles/name", data=body)

    assert (200, "renamed") == (answer.status, answer.json["name"])


async def test_json_calls_refuse_a_body_that_is_not_a_json_object(api: Api) -> None:
    """A body that is not JSON, or not an object, answers -2."""
    not_json = await api.call("PUT", "/customerFiles/name", data=b"{oops")
    a_list = await api.call("PUT", "/customerFiles/name", json=[1, 2])

    assert (400, -2) == (not_json.status, not_json.json["code"])
    assert (400, -2) == (a_list.status, a_list.json["code"])
