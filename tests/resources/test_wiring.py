"""
All 18 documented calls in one table, through MockTransport and over loopback HTTP.

Each row: the call, the method and path the API documents, the query and
body it must send, and the sample answer it decodes.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest
from aiohttp import web

import moment_async as ma
from moment_async._routes import ROUTES
from moment_async.testing import Request, Response, json_response
from tests.conftest import load_fixture

ACCOUNT = 27429
PREFIX = "/openapi/v4"

Call = Callable[[ma.AdAccount], Awaitable[object]]


@attrs.frozen
class Seen:
    """
    What the server received: method, path, query, headers, body.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


def parse_multipart(
    content_type: str, body: bytes
) -> list[tuple[str, str | None, str, bytes]]:
    """
    Return (field name, filename, content type, payload) for each part.
    """
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts: list[tuple[str, str | None, str, bytes]] = []
    for part in message.iter_parts():
        disposition: Any = part.get("Content-Disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append(
            (
                disposition.params["name"],
                disposition.params.get("filename"),
                part.get_content_type(),
                payload,
            )
        )
    return parts


SPEC = ma.AudienceSpec(
    name="create_open_api",
    type=ma.AudienceType.DISPLAY,
    age_type=ma.SelectionType.NOT_ALL,
    ages=("20", "15"),
    gender_type=ma.SelectionType.NOT_ALL,
    genders=("M",),
    location_type=ma.LocationType.AREA,
    locations=(
        ma.Location(value="E", description="광주광역시", depth1_name="광주광역시"),
    ),
    depth2_locations=(
        ma.Depth2Location(
            value="B7222",
            description="경기도 여주시",
            depth1_name="경기도",
            depth2_name="여주시",
        ),
    ),
    customer_file_targetings=(ma.CustomerFileTargeting(id=2656),),
)
SPEC_JSON = {
    "name": "create_open_api",
    "type": "DISPLAY",
    "ageType": "NOT_ALL",
    "ages": ["20", "15"],
    "genderType": "NOT_ALL",
    "genders": ["M"],
    "locationType": "AREA",
    "locations": [
        {"value": "E", "description": "광주광역시", "depth1Name": "광주광역시"}
    ],
    "depth2Locations": [
        {
            "value": "B7222",
            "description": "경기도 여주시",
            "depth1Name": "경기도",
            "depth2Name": "여주시",
        }
    ],
    "customerFileTargetings": [{"id": 2656}],
    "adAccountId": ACCOUNT,
}
CSV = b"8f0f7b6e-9a3c-4e2a-b1d4-0c9e8f7a6b5c\n"
UPLOAD_FORM = [
    ("name", None, "text/plain", "고객파일 등록".encode()),
    ("files", "a.csv", "text/csv", CSV),
    ("files", "b.csv", "text/csv", CSV * 2),
]
REPLACE_FORM = [
    ("id", None, "text/plain", b"2656"),
    ("files", "a.csv", "text/csv", CSV),
    ("files", "b.csv", "text/csv", CSV * 2),
]


def first_id(result: object) -> object:
    """
    Return the id of a model, or of the first model of a list.
    """
    if isinstance(result, list):
        result = result[0]
    return getattr(result, "id", getattr(result, "ad_group_id", result))


# call, method, path, query, sent body (dict = JSON, list = multipart form,
# None = no body), fixture answered (None = empty body), expected result check
TABLE = [
    pytest.param(
        lambda a: a.customer_files.list(),
        "GET", "/customerFiles", {}, None, "customer_files.list", 1,
        id="customer_files.list",
    ),
    pytest.param(
        lambda a: a.customer_files.get(2656),
        "GET", "/customerFiles/2656", {}, None, "customer_files.get", 2656,
        id="customer_files.get",
    ),
    pytest.param(
        lambda a: a.customer_files.upload(
            "고객파일 등록", [("a.csv", CSV), ("dir/b.csv", CSV * 2)]
        ),
        "POST", "/customerFiles", {}, UPLOAD_FORM, "customer_files.upload", 1,
        id="customer_files.upload",
    ),
    pytest.param(
        lambda a: a.customer_files.register_url("test9", "https://example.com/e-file.csv", renewable=True),
        "POST", "/customerFiles/url", {},
        {"name": "test9", "fileType": "ADID", "sourceUrl": "https://example.com/e-file.csv", "renewable": True},
        "customer_files.register_url", 1234,
        id="customer_files.register_url",
    ),
    pytest.param(
        lambda a: a.customer_files.replace_files(2656, [("a.csv", CSV), ("b.csv", CSV * 2)]),
        "PUT", "/customerFiles", {}, REPLACE_FORM, "customer_files.replace_files", 1,
        id="customer_files.replace_files",
    ),
    pytest.param(
        lambda a: a.customer_files.replace_url(9999, "https://example.com/e-file.csv", renewable=False),
        "PUT", "/customerFiles/url", {},
        {"id": 9999, "fileType": "ADID", "sourceUrl": "https://example.com/e-file.csv", "renewable": False},
        "customer_files.replace_url", 2611,
        id="customer_files.replace_url",
    ),
    pytest.param(
        lambda a: a.customer_files.rename(123, "new_name_of_customer_file"),
        "PUT", "/customerFiles/name", {}, {"id": 123, "name": "new_name_of_customer_file"},
        "customer_files.rename", 2687,
        id="customer_files.rename",
    ),
    pytest.param(
        lambda a: a.customer_files.delete(2656),
        "DELETE", "/customerFiles/2656", {}, None, None, None,
        id="customer_files.delete",
    ),
    pytest.param(
        lambda a: a.customer_files.delete_many([1, 2, 3]),
        "DELETE", "/customerFiles", {"customerFileIds": "1,2,3"}, None,
        "customer_files.delete_many", ma.BulkDeleteResult(
            success_count=1, fail_count=1, error_messages=("타겟을 사용 중인 오디언스가 있습니다.",)
        ),
        id="customer_files.delete_many",
    ),
    pytest.param(
        lambda a: a.customer_files.usage(2656),
        "GET", "/customerFiles/usages/2656", {}, None, "customer_files.usage", None,
        id="customer_files.usage",
    ),
    pytest.param(
        lambda a: a.audiences.list(),
        "GET", "/targetings/audiences", {}, None, "audiences.list", 1,
        id="audiences.list",
    ),
    pytest.param(
        lambda a: a.audiences.get(1),
        "GET", "/targetings/1", {}, None, "audiences.get", 1,
        id="audiences.get",
    ),
    pytest.param(
        lambda a: a.audiences.create(SPEC),
        "POST", "/targetings", {}, SPEC_JSON, "audiences.create", 1,
        id="audiences.create",
    ),
    pytest.param(
        lambda a: a.audiences.update(7, SPEC),
        "PUT", "/targetings", {}, {**SPEC_JSON, "id": 7}, "audiences.update", 1,
        id="audiences.update",
    ),
    pytest.param(
        lambda a: a.audiences.delete(7),
        "DELETE", "/targetings/7", {}, None, None, None,
        id="audiences.delete",
    ),
    pytest.param(
        lambda a: a.audiences.delete_many([7, 8]),
        "DELETE", "/targetings", {"audienceIds": "7,8"}, None,
        "audiences.delete_many", ma.BulkDeleteResult(
            success_count=1, fail_count=1, error_messages=("이미 삭제된 오디언스입니다.",)
        ),
        id="audiences.delete_many",
    ),
    pytest.param(
        lambda a: a.audiences.ad_groups(7),
        "GET", "/targetings/7/adGroups", {}, None, "audiences.ad_groups", 1,
        id="audiences.ad_groups",
    ),
    pytest.param(
        lambda a: a.audiences.unlink(7, 42),
        "PUT", "/targetings/7/unlink", {"adGroupId": "42"}, None, None, None,
        id="audiences.unlink",
    ),
]  # fmt: skip


def answer_for(fixture: str | None) -> Response:
    """
    Return the sample answer of a call, or an empty 200.
    """
    if fixture is None:
        return Response(
            status=200, headers={"content-type": "application/json;charset=UTF-8"}
        )
    return json_response(load_fixture(fixture))


@pytest.fixture(params=["mock", "aiohttp"])
async def harness(
    request,
) -> AsyncIterator[tuple[list[Seen], dict[str, Response], ma.MomentClient]]:
    """
    Give a client, the list of requests its server saw, and the answer slot.
    """
    seen: list[Seen] = []
    answer: dict[str, Response] = {}
    if request.param == "mock":

        async def handler(req: Request) -> Response:
            assert isinstance(req.body, bytes | None)
            path = urlsplit(req.url).path
            seen.append(
                Seen(
                    req.method,
                    path,
                    dict(req.query or {}),
                    dict(req.headers),
                    req.body or b"",
                )
            )
            return answer["next"]

        async with ma.MomentClient(
            "secret-token", transport=ma.MockTransport(handler)
        ) as client:
            yield seen, answer, client
        return

    async def web_handler(req: web.Request) -> web.Response:
        seen.append(
            Seen(
                req.method,
                req.path,
                dict(req.query),
                dict(req.headers),
                await req.read(),
            )
        )
        reply = answer["next"]
        return web.Response(
            status=reply.status, body=reply.body, headers=dict(reply.headers)
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", web_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with ma.MomentClient(
            "secret-token", base_url=f"http://127.0.0.1:{port}{PREFIX}"
        ) as client:
            yield seen, answer, client
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "sent", "fixture", "expected"), TABLE
)
async def test_call_sends_documented_request_and_decodes_answer(
    harness, call: Call, method, path, query, sent, fixture, expected
):
    """Each call sends its documented method, path, headers and body, and decodes the sample answer."""
    seen, answer, client = harness
    answer["next"] = answer_for(fixture)

    result = await call(client.ad_account(ACCOUNT))

    assert 1 == len(seen)
    request = seen[0]
    assert method == request.method
    assert PREFIX + path == request.path
    assert query == request.query
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert "Bearer secret-token" == headers["authorization"]
    assert str(ACCOUNT) == headers["adaccountid"]
    assert f"moment-async/{ma.__version__}" == headers["user-agent"]
    if isinstance(sent, dict):
        assert "application/json" == headers["content-type"]
        assert sent == json.loads(request.body)
    elif isinstance(sent, list):
        assert headers["content-type"].startswith("multipart/form-data; boundary=")
        assert str(len(request.body)) == headers["content-length"]
        assert sent == [
            (name, filename, ctype, payload)
            for name, filename, ctype, payload in parse_multipart(
                headers["content-type"], request.body
            )
        ]
    else:
        assert b"" == request.body
    if fixture is None:
        assert result is None
    elif isinstance(expected, ma.BulkDeleteResult):
        assert expected == result
    elif expected is not None:
        assert expected == first_id(result)
    else:
        assert isinstance(result, list)
        assert result


async def test_every_documented_call_is_in_the_table():
    """The table covers each of the 18 routes exactly once."""
    ids = [str(param.id) for param in TABLE]

    assert sorted(ROUTES) == sorted(ids)
    assert 18 == len(ids)


async def test_dates_decode_in_korea_time(harness):
    """A date the API sends without an offset decodes as KST over either transport."""
    _, answer, client = harness
    answer["next"] = answer_for("customer_files.get")

    result = await client.ad_account(ACCOUNT).customer_files.get(2656)

    assert (
        dt.datetime(2024, 2, 6, 0, 3, 59, tzinfo=dt.timezone(dt.timedelta(hours=9)))
        == result.created_date
    )
