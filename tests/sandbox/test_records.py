"""
Every request is recorded without its token; tokens and ad accounts are checked first.
"""

from __future__ import annotations

import pytest

from moment_async.sandbox import Sandbox

from ._api import ADIDS, Api, csv_of

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


async def test_requests_are_recorded_without_the_token(
    api: Api, sandbox: Sandbox
) -> None:
    """A record holds method, path, query, call name, headers minus Authorization, size and status."""
    await api.upload("buyers", csv_of(*ADIDS))
    await api.call("DELETE", "/customerFiles", params={"customerFileIds": "1,2"})

    upload, delete = sandbox.requests

    assert ("POST", "/openapi/v4/customerFiles", "customer_files.upload", 200) == (
        upload.method,
        upload.path,
        upload.endpoint,
        upload.status,
    )
    assert "Authorization" not in upload.headers
    assert str(ACCOUNT) == upload.headers["adaccountid"]
    assert int(upload.headers["Content-Length"]) == upload.body_size
    assert {"customerFileIds": "1,2"} == delete.query
    assert Sandbox.DEFAULT_TOKEN not in repr(sandbox.requests)


async def test_count_filters_by_endpoint_and_status(api: Api, sandbox: Sandbox) -> None:
    """count() counts records of one call, optionally with one status."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    for _ in range(3):
        await api.call("GET", f"/customerFiles/{file_id}")

    assert (3, 1, 2, 0) == (
        sandbox.count("customer_files.get"),
        sandbox.count("customer_files.get", status=200),
        sandbox.count("customer_files.get", status=429),
        sandbox.count("audiences.get"),
    )
    sandbox.clear_requests()
    assert 0 == sandbox.count()


async def test_unknown_paths_answer_a_web_server_page_and_are_recorded(
    api: Api, sandbox: Sandbox
) -> None:
    """A path the documents do not list answers the web server's HTML 404, not Kakao's body, and is recorded with no call name."""
    answer = await api.call("GET", "/campaigns")

    assert (404, "text/html") == (
        answer.status,
        answer.headers["Content-Type"].split(";")[0],
    )
    assert b"<h1>404 Not Found</h1>" in answer.body
    assert (None, 404) == (sandbox.requests[0].endpoint, sandbox.requests[0].status)


@pytest.mark.parametrize(
    ("token", "header"),
    [
        pytest.param(None, None, id="no Authorization"),
        pytest.param("wrong-token", None, id="unknown token"),
        pytest.param(None, f"Basic {Sandbox.DEFAULT_TOKEN}", id="not Bearer"),
        pytest.param(None, "Bearer ", id="empty Bearer"),
    ],
)
async def test_a_bad_token_is_401(
    api: Api, sandbox: Sandbox, token: str | None, header: str | None
) -> None:
    """Without a known Bearer token every call answers 401 with code -401."""
    headers = {"adAccountId": str(ACCOUNT)}
    if header is not None:
        headers["Authorization"] = header
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"

    async with api.session.get(
        sandbox.url + "/customerFiles", headers=headers
    ) as response:
        status, body = response.status, await response.json()

    assert (401, -401) == (status, body["code"])


@pytest.mark.parametrize(
    "account",
    [
        pytest.param(None, id="no adAccountId"),
        pytest.param("abc", id="not a number"),
        pytest.param(2000, id="not granted"),
    ],
)
async def test_an_account_not_granted_is_403(
    api: Api, account: int | str | None
) -> None:
    """The adAccountId header is required and must be granted to the token: 403, -5, 9004."""
    answer = await api.call("GET", "/customerFiles", account=account)

    assert (403, -5, 9004) == (answer.status, answer.json["code"], answer.detail_code)


async def test_grant_adds_accounts_to_a_token(api: Api, sandbox: Sandbox) -> None:
    """grant() lets a new token act on the accounts given, and no others."""
    sandbox.grant("team-token", 3000, 3001)

    granted = await api.call("GET", "/customerFiles", token="team-token", account=3001)
    refused = await api.call(
        "GET", "/customerFiles", token="team-token", account=ACCOUNT
    )

    assert (200, 403) == (granted.status, refused.status)


async def test_the_default_token_can_be_disabled(api: Api) -> None:
    """With default_token=None the default token is unknown."""
    async with Sandbox(default_token=None) as sandbox:
        api.sandbox = sandbox
        answer = await api.call("GET", "/customerFiles")

    assert 401 == answer.status


async def test_a_refused_upload_body_is_still_read(api: Api, sandbox: Sandbox) -> None:
    """An upload refused before its body is read still gets its answer, and its size is recorded."""
    big = csv_of(*ADIDS * 2000)

    answer = await api.upload("buyers", big, token="wrong")

    assert 401 == answer.status
    assert len(big) < sandbox.requests[0].body_size
