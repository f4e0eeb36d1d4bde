"""
Raw answers: every call through ``with_raw_response``, against the sandbox over loopback.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
from collections.abc import AsyncIterator

import pytest

import moment_async as ma
from moment_async._routes import ROUTES
from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
ADID = b"7c3f6e2a-0b1d-4c5e-9f8a-1234567890ab\n"
VIEWS = [
    pytest.param(
        ma.CustomerFiles, ma.CustomerFilesWithRawResponse, id="customer_files"
    ),
    pytest.param(ma.Audiences, ma.AudiencesWithRawResponse, id="audiences"),
]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox without rate limits: these tests are about answers.
    """
    async with Sandbox(rate_limits=False) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[ma.MomentClient]:
    """
    A client on the sandbox with its default token, and no limiter to wait for.
    """
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=sandbox.url, limiter=False
    ) as c:
        yield c


def raw_calls(view: type) -> set[str]:
    """
    Return the call names a ``with_raw_response`` class declares.
    """
    return {
        name
        for name in vars(view)
        if not name.startswith("_") and hasattr(vars(view)[name], "__get__")
    }


@pytest.mark.parametrize(("resource", "view"), VIEWS)
def test_every_documented_call_has_its_raw_twin(resource, view):
    """The raw view of a group has exactly the group's documented calls."""
    group = "customer_files" if resource is ma.CustomerFiles else "audiences"

    declared = raw_calls(view)

    assert {name.split(".")[1] for name in ROUTES if name.startswith(group)} == declared


@pytest.mark.parametrize(("resource", "view"), VIEWS)
def test_raw_twin_takes_the_calls_arguments(resource, view):
    """Each raw call has the plain call's parameters and docstring."""
    twin = view(object.__new__(resource))

    mismatched = [
        name
        for name in raw_calls(view)
        if (
            list(inspect.signature(getattr(resource, name)).parameters)[1:],
            getattr(resource, name).__doc__,
        )
        != (
            list(inspect.signature(getattr(twin, name)).parameters),
            getattr(twin, name).__doc__,
        )
    ]

    assert [] == mismatched


async def test_get_answers_status_headers_body_and_the_model(client, sandbox):
    """A raw get holds the parsed CustomerFile and the answer it was read from."""
    file_id = sandbox.seed_customer_file(ACCOUNT, "buyers").id
    files = client.ad_account(ACCOUNT).customer_files

    raw = await files.with_raw_response.get(file_id)

    assert await files.get(file_id) == raw.parsed
    assert raw.parse() is raw.parsed
    assert (200, "GET", f"/customerFiles/{file_id}", 1) == (
        raw.status,
        raw.method,
        raw.path,
        raw.attempts,
    )
    assert {"id": file_id, "name": "buyers"}.items() <= json.loads(raw.content).items()
    assert raw.headers["content-type"].startswith("application/json")
    assert str(len(raw.content)) == raw.headers["content-length"]
    assert 0 < raw.elapsed < 10
    assert raw.request_id is None


async def test_raw_answer_holds_no_token(client, sandbox):
    """Nothing of a raw answer (headers, repr, pickle of the headers) holds the token or the Authorization header."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id

    raw = await client.ad_account(ACCOUNT).customer_files.with_raw_response.get(file_id)

    seen = [
        repr(raw),
        repr(dict(raw.headers)),
        str(pickle.dumps(dict(raw.headers))),
        raw.content.decode(),
    ]
    assert not any(Sandbox.DEFAULT_TOKEN in text for text in seen)
    assert "authorization" not in {name.lower() for name in raw.headers}


async def test_delete_answers_none_with_the_empty_answer(client, sandbox):
    """A raw delete holds None and the empty 200 Kakao answers it with."""
    audiences = client.ad_account(ACCOUNT).audiences
    audience = await audiences.create(
        ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)
    )

    raw = await audiences.with_raw_response.delete(audience.id)

    assert (None, 200, b"", "DELETE") == (
        raw.parsed,
        raw.status,
        raw.content,
        raw.method,
    )


async def test_raw_list_counts_a_retry(client, sandbox):
    """A call that succeeded after one retry says it took two attempts."""
    sandbox.faults.fail_next("audiences.list", status=503)

    raw = await client.ad_account(ACCOUNT).audiences.with_raw_response.list()

    assert ([], 200, 2) == (raw.parsed, raw.status, raw.attempts)


async def test_raw_upload_answers_with_the_upload_not_the_listing(client, sandbox):
    """A reconciling upload lists first, but its raw answer is the upload's own."""
    files = client.ad_account(ACCOUNT).customer_files

    raw = await files.with_raw_response.upload(
        "buyers", [("a.csv", ADID)], reconcile=True
    )

    assert ("POST", "/customerFiles", raw.parsed.id) == (
        raw.method,
        raw.path,
        json.loads(raw.content)["id"],
    )
    assert 2 == sandbox.count()


async def test_raw_call_raises_what_the_call_raises(client):
    """A raw call that fails raises the plain call's error."""
    files = client.ad_account(ACCOUNT).customer_files

    with pytest.raises(ma.NotFoundError):
        await files.with_raw_response.get(999_999)
    with pytest.raises(ma.ValidationError):
        await files.with_raw_response.get(0)


async def test_tasks_sharing_a_client_each_get_their_own_answer(client, sandbox):
    """Fifty tasks on one client, each with its raw call at once, each get their own answer."""
    ids = [sandbox.seed_customer_file(ACCOUNT, f"file {n}").id for n in range(50)]
    files = client.ad_account(ACCOUNT).customer_files

    answers = await asyncio.gather(*(files.with_raw_response.get(i) for i in ids))

    assert [(i, i, f"/customerFiles/{i}") for i in ids] == [
        (raw.parsed.id, json.loads(raw.content)["id"], raw.path) for raw in answers
    ]


async def test_plain_calls_after_a_raw_one_keep_nothing(client, sandbox):
    """A raw call leaves the shared resource and session as they were: plain calls return models."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    files = client.ad_account(ACCOUNT).customer_files

    await files.with_raw_response.get(file_id)
    plain = await files.get(file_id)

    assert isinstance(plain, ma.CustomerFile)
    assert "<CustomerFilesWithRawResponse ad_account=1000>" == repr(
        files.with_raw_response
    )


async def test_raw_response_on_a_mock_transport_reads_request_id():
    """request_id is the answer's X-Request-Id header when there is one."""

    async def handler(request: ma.Request) -> ma.Response:
        return ma.testing.json_response([], headers={"x-request-id": "req-7"})

    async with ma.MomentClient("token", transport=ma.MockTransport(handler)) as c:
        raw = await c.ad_account(ACCOUNT).customer_files.with_raw_response.list()

    assert ("req-7", []) == (raw.request_id, raw.parsed)


async def test_raw_call_of_a_copy_with_options_keeps_the_options(client, sandbox):
    """A raw call through a with_options copy sends the copy's headers and answers raw."""
    files = client.with_options(headers={"X-Trace": "t-1"}).ad_account(ACCOUNT)

    raw = await files.customer_files.with_raw_response.list()

    assert ([], 200) == (raw.parsed, raw.status)
    assert "t-1" == sandbox.requests[-1].headers.get("X-Trace")
