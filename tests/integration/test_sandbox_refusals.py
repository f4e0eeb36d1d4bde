"""
The sandbox's own refusals, reached through the SDK's session layer over loopback HTTP.

The SDK refuses these requests before sending them
(``test_sdk_with_sandbox.py::test_documented_rules_are_refused_before_the_sandbox_sees_them``),
so each test here builds the bad request itself and hands it to the
client's session, past the argument checks of ``resources/``. What is
checked is the rest of the way: the sandbox's rule, the request on the
wire, and the session's mapping of the answer to a typed error.
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import attrs
import pytest

import moment_async as ma
from moment_async import _multipart
from moment_async._multipart import MultipartBody, _FilePart
from moment_async.sandbox import Clock, Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
#: The adAccountId header the resources send for ACCOUNT.
HEADER = str(ACCOUNT)
ADID = b"00000001-aaaa-4bbb-8ccc-000000000001\n"
MiB = 1024 * 1024


@attrs.frozen
class Refused:
    """
    What the SDK raises for one refusal: class, HTTP status, Kakao code, detail code.
    """

    error: type[ma.APIError]
    status: int
    code: int
    detail_code: int

    @classmethod
    def of(cls, error: ma.APIError) -> Refused:
        """
        Return what *error* says, in the same form.
        """
        assert error.code is not None
        assert error.detail_code is not None
        return cls(type(error), error.status, error.code, error.detail_code)


# The detail codes are the sandbox's own (moment_async/sandbox/_errors.py);
# -813 and -5/9004 are the documented ones.
NAME_LENGTH = Refused(ma.BadRequestError, 400, -813, 31001)
NAME_CHARS = Refused(ma.BadRequestError, 400, -813, 31002)
FILE_COUNT = Refused(ma.BadRequestError, 400, -813, 31101)
FILE_EXTENSION = Refused(ma.BadRequestError, 400, -813, 31102)
FILE_TYPE = Refused(ma.BadRequestError, 400, -813, 31103)
FILE_SIZE = Refused(ma.BadRequestError, 400, -813, 31104)
AUDIENCE_TYPE = Refused(ma.BadRequestError, 400, -813, 31501)
TARGETING_TYPE = Refused(ma.BadRequestError, 400, -813, 31502)
AGES = Refused(ma.BadRequestError, 400, -813, 31503)
GENDERS = Refused(ma.BadRequestError, 400, -813, 31504)
LOCATIONS = Refused(ma.BadRequestError, 400, -813, 31505)
NO_ACCOUNT = Refused(ma.PermissionDeniedError, 403, -5, 9004)


@attrs.frozen
class Existing:
    """
    The objects that edit calls name: a customer file registered with files, an audience.
    """

    file_id: int
    audience_id: int


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox on a clock that only the test moves.
    """
    async with Sandbox(clock=Clock.manual()) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[ma.MomentClient]:
    """
    A client of the sandbox with the default limits and retries.
    """
    async with ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sandbox.url) as cl:
        yield cl


@pytest.fixture
async def existing(sandbox: Sandbox, client: ma.MomentClient) -> Existing:
    """
    A seeded customer file and an audience made through the SDK; no request recorded.
    """
    record = sandbox.seed_customer_file(ACCOUNT, "kept")
    audience = await client.ad_account(ACCOUNT).audiences.create(
        ma.AudienceSpec(name="kept", type=ma.AudienceType.DISPLAY)
    )
    sandbox.clear_requests()
    return Existing(record.id, audience.id)


def snapshot(sandbox: Sandbox) -> object:
    """
    Return a copy of the account's customer files and audiences, to compare later.
    """
    state = sandbox.state
    return copy.deepcopy((state.customer_files(ACCOUNT), state.audiences(ACCOUNT)))


def csv_part(filename: str, content: bytes = ADID) -> _FilePart:
    """
    Return a file part as ``prepare_files`` would, without its checks.
    """
    return _FilePart(f"files ({filename!r})", filename, content, len(content))


def sparse_part(path: Path, size: int) -> _FilePart:
    """
    Return a file part read from a sparse file of *size* zero bytes at *path*.
    """
    with path.open("wb") as handle:
        handle.truncate(size)
    return _FilePart(f"files ({path.name!r})", path.name, path, size)


def multipart(
    call: str,
    existing: Existing,
    parts: Sequence[_FilePart],
    name: str = "ok",
    max_bytes: int = 200_000_000,
) -> MultipartBody:
    """
    Return the SDK's multipart body of *call*: ``name`` for an upload, ``id`` for an edit.
    """
    if call == "customer_files.upload":
        return MultipartBody([("name", name)], parts, max_bytes=max_bytes)
    return MultipartBody([("id", str(existing.file_id))], parts, max_bytes=max_bytes)


def json_body(call: str, existing: Existing, **fields: object) -> bytes:
    """
    Return a valid JSON body of *call* with *fields* replacing its values.
    """
    audience = {
        "adAccountId": ACCOUNT,
        "name": "ok",
        "type": "DISPLAY",
        "ageType": "ALL",
        "genderType": "ALL",
        "locationType": "ALL",
    }
    bodies: dict[str, dict[str, object]] = {
        "customer_files.register_url": {
            "name": "ok",
            "fileType": "ADID",
            "sourceUrl": "https://example.com/ids.csv",
            "renewable": False,
        },
        "customer_files.rename": {"id": existing.file_id, "name": "ok"},
        "audiences.create": audience,
        "audiences.update": {**audience, "id": existing.audience_id},
    }
    return json.dumps({**bodies[call], **fields}).encode()


async def refusal_of(
    client: ma.MomentClient,
    call: str,
    *,
    json: bytes | None = None,
    multipart: MultipartBody | None = None,
    account: str = HEADER,
    limit_id: int | None = None,
) -> Refused:
    """
    Send *call* through the client's session and return the refusal it raised.
    """
    with pytest.raises(ma.APIError) as info:
        await client._session.call(
            call, account, None, json=json, multipart=multipart, limit_id=limit_id
        )
    return Refused.of(info.value)


def reached(sandbox: Sandbox) -> list[tuple[str | None, int | None]]:
    """
    Return the call name and answered status of every request the sandbox saw.
    """
    return [(record.endpoint, record.status) for record in sandbox.requests]


NAME_CALLS = [
    pytest.param("customer_files.upload", id="upload"),
    pytest.param("customer_files.register_url", id="register_url"),
    pytest.param("customer_files.rename", id="rename"),
    pytest.param("audiences.create", id="audience-create"),
    pytest.param("audiences.update", id="audience-update"),
]


@pytest.mark.parametrize("call", NAME_CALLS)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("", NAME_LENGTH, id="empty"),
        pytest.param("   ", NAME_LENGTH, id="blank"),
        pytest.param("x" * 51, NAME_LENGTH, id="51-characters"),
        pytest.param("구매자 buyers 🛒", NAME_CHARS, id="emoji"),
        pytest.param("買い物客", NAME_CHARS, id="kanji"),
        pytest.param("tab\there", NAME_CHARS, id="tab"),
    ],
)
async def test_bad_names_are_refused_by_the_sandbox(
    sandbox, client, existing, call, name, expected
):
    """A name that is empty, over 50 characters or of other characters is a typed 400 from the sandbox, and nothing changes."""
    before = snapshot(sandbox)
    if call == "customer_files.upload":
        body = multipart(call, existing, [csv_part("a.csv")], name=name)
        refused = await refusal_of(client, call, multipart=body)
    else:
        refused = await refusal_of(
            client, call, json=json_body(call, existing, name=name)
        )

    assert expected == refused
    assert [(call, expected.status)] == reached(sandbox)
    assert before == snapshot(sandbox)


FILE_CALLS = [
    pytest.param("customer_files.upload", id="upload"),
    pytest.param("customer_files.replace_files", id="replace_files"),
]


@pytest.mark.parametrize("call", FILE_CALLS)
@pytest.mark.parametrize(
    ("filenames", "content_type", "expected"),
    [
        pytest.param([], "text/csv", FILE_COUNT, id="no-file"),
        pytest.param(
            [f"{i}.csv" for i in range(11)], "text/csv", FILE_COUNT, id="eleven-files"
        ),
        pytest.param(["a.txt"], "text/csv", FILE_EXTENSION, id="txt-name"),
        pytest.param(["a.csv", "b.csv.gz"], "text/csv", FILE_EXTENSION, id="gz-name"),
        pytest.param(["a.csv"], "text/plain", FILE_TYPE, id="text-plain"),
        pytest.param(
            ["a.csv"], "application/vnd.ms-excel", FILE_TYPE, id="excel-content-type"
        ),
    ],
)
async def test_bad_files_are_refused_by_the_sandbox(
    sandbox, client, existing, monkeypatch, call, filenames, content_type, expected
):
    """Other than 1 to 10 parts named *.csv and sent as text/csv is a typed 400 from the sandbox, and nothing changes."""
    # The SDK always labels its parts text/csv; this is the one way to send
    # another type through its own multipart encoder.
    monkeypatch.setattr(_multipart, "CSV_CONTENT_TYPE", content_type)
    body = multipart(call, existing, [csv_part(name) for name in filenames])
    before = snapshot(sandbox)

    refused = await refusal_of(client, call, multipart=body, limit_id=existing.file_id)

    assert expected == refused
    assert [(call, expected.status)] == reached(sandbox)
    assert before == snapshot(sandbox)


async def test_uploads_over_200_mb_in_total_are_refused_by_the_sandbox(
    sandbox, client, existing, tmp_path
):
    """Files of 200,000,001 bytes in all stream through to a typed 400, in bounded memory on both sides."""
    size = 100_000_000
    parts = [
        sparse_part(tmp_path / "a.csv", size),
        sparse_part(tmp_path / "b.csv", size + 1),
    ]
    # The SDK stops a body that streams past 200 MB itself; let it through.
    body = multipart("customer_files.upload", existing, parts, max_bytes=1 << 40)
    assert body.length is not None
    before = snapshot(sandbox)

    tracemalloc.start()
    try:
        refused = await refusal_of(client, "customer_files.upload", multipart=body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert FILE_SIZE == refused
    assert [("customer_files.upload", 400)] == reached(sandbox)
    assert body.length == sandbox.requests[0].body_size > 2 * size + 1
    assert peak < 32 * MiB
    assert before == snapshot(sandbox)


AUDIENCE_CALLS = [
    pytest.param("audiences.create", id="create"),
    pytest.param("audiences.update", id="update"),
]


@pytest.mark.parametrize("call", AUDIENCE_CALLS)
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"type": "VIDEO"}, AUDIENCE_TYPE, id="type-VIDEO"),
        pytest.param(
            {"type": "MESSAGE", "customerFileTargetings": [{"id": 1}]},
            TARGETING_TYPE,
            id="MESSAGE-customer-file",
        ),
        pytest.param(
            {"type": "MESSAGE", "trackerTargetings": [{"id": 1}]},
            TARGETING_TYPE,
            id="MESSAGE-tracker",
        ),
        pytest.param(
            {"type": "DISPLAY", "talkChannelGroupTargetings": [{"id": 1}]},
            TARGETING_TYPE,
            id="DISPLAY-talk-channel-group",
        ),
        pytest.param({"ages": ["20"]}, AGES, id="ages-with-ALL"),
        pytest.param({"ageType": "NOT_ALL"}, AGES, id="NOT_ALL-without-ages"),
        pytest.param({"ageType": "NOT_ALL", "ages": ["18"]}, AGES, id="age-18"),
        pytest.param({"ageType": "SOME", "ages": ["20"]}, AGES, id="age-type-SOME"),
        pytest.param({"genders": ["F"]}, GENDERS, id="genders-with-ALL"),
        pytest.param({"genderType": "NOT_ALL"}, GENDERS, id="NOT_ALL-without-genders"),
        pytest.param(
            {"genderType": "NOT_ALL", "genders": ["X"]}, GENDERS, id="gender-X"
        ),
        pytest.param(
            {"locations": [{"value": "E"}]}, LOCATIONS, id="locations-with-ALL"
        ),
        pytest.param(
            {"depth3Locations": [{"value": "B7222"}]},
            LOCATIONS,
            id="depth3-with-ALL",
        ),
        pytest.param({"locationType": "AREA"}, LOCATIONS, id="AREA-without-locations"),
        pytest.param({"locationType": None}, LOCATIONS, id="no-location-type"),
    ],
)
async def test_inconsistent_audiences_are_refused_by_the_sandbox(
    sandbox, client, existing, call, fields, expected
):
    """The DISPLAY/MESSAGE table and the age, gender and location pairs are enforced with a typed 400, and nothing changes."""
    before = snapshot(sandbox)

    refused = await refusal_of(client, call, json=json_body(call, existing, **fields))

    assert expected == refused
    assert [(call, expected.status)] == reached(sandbox)
    assert before == snapshot(sandbox)


class WithoutAccountHeader:
    """
    A loopback transport that drops the adAccountId header the session sets.
    """

    def __init__(self) -> None:
        self._inner = ma.AiohttpTransport()

    async def send(self, request: ma.Request) -> ma.Response:
        """
        Send *request* without its adAccountId header.
        """
        headers = {k: v for k, v in request.headers.items() if k != "adAccountId"}
        return await self._inner.send(attrs.evolve(request, headers=headers))

    async def aclose(self) -> None:
        """
        Close the wrapped transport.
        """
        await self._inner.aclose()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param("customer_files.list", id="files-list"),
        pytest.param("audiences.create", id="audience-create"),
    ],
)
@pytest.mark.parametrize(
    ("transport", "account", "sent"),
    [
        pytest.param(WithoutAccountHeader, HEADER, None, id="header-absent"),
        pytest.param(ma.AiohttpTransport, "", "", id="header-empty"),
        pytest.param(ma.AiohttpTransport, " ", "", id="header-blank"),
    ],
)
async def test_a_missing_ad_account_header_is_refused_by_the_sandbox(
    sandbox, existing, call, transport, account, sent
):
    """Without an adAccountId the sandbox answers 403 (-5, 9004), a PermissionDeniedError, sent once."""
    body = json_body(call, existing) if call == "audiences.create" else None
    before = snapshot(sandbox)
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=sandbox.url, transport=transport()
    ) as client:
        refused = await refusal_of(client, call, json=body, account=account)

    assert NO_ACCOUNT == refused
    assert [(call, 403)] == reached(sandbox)
    assert sent == sandbox.requests[0].headers.get("adAccountId")
    assert before == snapshot(sandbox)
