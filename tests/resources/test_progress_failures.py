"""
Upload progress reports, and a callback that raises: its own exception reaches the caller on every transport, and the upload created nothing.

Each case runs twice with the same assertions: on the aiohttp transport
against the sandbox over loopback, and on a ``MockTransport`` whose handler
hands every complete request on to the same sandbox (through the aiohttp
transport). The client keeps its limits with ``KeyedLimiter(wait=False)``,
so whether a failed call left its rate-limit slot used shows at once.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, Final

import aiohttp
import pytest

import moment_async as ma
from moment_async._multipart import MultipartBody, prepare_files
from moment_async.sandbox import Sandbox
from moment_async.testing import Request, Response, json_response
from tests.conftest import load_fixture

ACCOUNT: Final = Sandbox.DEFAULT_ACCOUNT
#: Valid ADIDs over four 256 KiB chunks (under the 1 MiB aiohttp takes as bytes
#: without a warning), so a report comes mid-body.
CSV: Final = b"".join(
    f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}\n".encode() for i in range(1, 24_001)
)
#: Seconds the sandbox may take to finish with a request the client left.
SETTLE: Final = 5.0


class Stop(Exception):  # noqa: N818  # a user's own exception, named as users name theirs
    """
    What the tests' callbacks raise: nothing of the library's.
    """


@asynccontextmanager
async def client_on(sandbox: Sandbox, transport: str) -> AsyncIterator[ma.MomentClient]:
    """
    Yield a client on *transport* ("aiohttp" or "mock") reaching *sandbox*, its limiter refusing to wait.
    """
    forward = ma.AiohttpTransport()
    mock = ma.MockTransport(forward.send) if transport == "mock" else None
    try:
        async with ma.MomentClient(
            Sandbox.DEFAULT_TOKEN,
            base_url=sandbox.url,
            transport=mock,
            limiter=ma.KeyedLimiter(wait=False),
        ) as client:
            yield client
    finally:
        await forward.aclose()


def raising_at(report: Callable[[int, list[tuple[int, int | None]]], bool]) -> Any:
    """
    Return a progress callback that raises a new Stop once *report(index, reports so far)* holds.

    The callback keeps what it raised in ``callback.raised``.
    """
    reports: list[tuple[int, int | None]] = []
    raised: list[Stop] = []

    def progress(done: int, total: int | None) -> None:
        reports.append((done, total))
        if report(len(reports) - 1, reports):
            error = Stop(f"stopped at {done} of {total}")
            raised.append(error)
            raise error

    progress.raised = raised  # type: ignore[attr-defined]  # read by the tests
    progress.reports = reports  # type: ignore[attr-defined]  # read by the tests
    return progress


def first(index: int, reports: list[tuple[int, int | None]]) -> bool:
    """
    The first report, (0, total), before anything is sent.
    """
    return index == 0


def middle(index: int, reports: list[tuple[int, int | None]]) -> bool:
    """
    The third report: the head and a first chunk are out, more is to come.
    """
    return index == 2


def last(index: int, reports: list[tuple[int, int | None]]) -> bool:
    """
    The last report, (total, total): every byte but the closing boundary is out.
    """
    done, total = reports[-1]
    return total is not None and done == total


MOMENTS: Final = [
    pytest.param(first, False, id="first"),
    pytest.param(middle, True, id="middle"),
    pytest.param(last, True, id="last"),
]
TRANSPORTS: Final = ["aiohttp", "mock"]


async def settled(sandbox: Sandbox, endpoint: str, arrived: int) -> list[int | None]:
    """
    Wait until the sandbox has finished *arrived* requests of *endpoint*; return their statuses.
    """
    for _ in range(int(SETTLE / 0.01)):  # pragma: no branch
        records = [r for r in sandbox.requests if r.endpoint == endpoint]
        if len(records) >= arrived:
            return [record.status for record in records]
        await asyncio.sleep(0.01)
    msg = f"the sandbox did not finish {arrived} {endpoint} request(s) in {SETTLE} s"
    raise AssertionError(msg)


def assert_raised_as_itself(info: pytest.ExceptionInfo[Stop], progress: Any) -> None:
    """
    Assert the call raised the callback's own exception, with the callback's frame in its traceback.
    """
    [raised] = progress.raised
    assert raised is info.value
    assert Stop is type(info.value)
    assert None is info.value.__cause__
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "progress" == frames[-1]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("moment", "slot_used"), MOMENTS)
@pytest.mark.parametrize("reconcile", [False, True], ids=["plain", "reconcile"])
async def test_a_failing_upload_callback_raises_as_itself_and_creates_nothing(
    transport, moment, slot_used, reconcile
):
    """An upload whose callback raises gives the caller that exception; the account gets no file; the slot stays used once bytes went out."""
    progress = raising_at(moment)

    async with Sandbox() as sandbox, client_on(sandbox, transport) as client:
        files = client.ad_account(ACCOUNT).customer_files
        with pytest.raises(Stop) as info:
            await files.upload(
                "buyers", [("a.csv", CSV)], progress=progress, reconcile=reconcile
            )
        arrived = int(transport == "aiohttp" and moment is not first)
        statuses = await settled(sandbox, "customer_files.upload", arrived)
        after: list[ma.CustomerFile] = await files.list()
        if slot_used:
            with pytest.raises(ma.RateLimitError) as refused:
                await files.upload("buyers", [("a.csv", CSV)])
            assert refused.value.local
        else:
            again = await files.upload("buyers", [("a.csv", CSV)])
            assert 24_000 == again.success_count

    assert_raised_as_itself(info, progress)
    assert [None] * arrived == statuses
    assert [] == after
    assert int(not slot_used) == sandbox.state.created_customer_files(ACCOUNT)
    # reconcile=True lists once before sending, never after the failure.
    assert int(reconcile) + 1 == sandbox.count("customer_files.list")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("moment", "slot_used"), MOMENTS)
async def test_a_failing_replace_files_callback_raises_as_itself_and_edits_nothing(
    transport, moment, slot_used
):
    """replace_files whose callback raises gives the caller that exception, and the file keeps its contents."""
    progress = raising_at(moment)

    async with Sandbox() as sandbox, client_on(sandbox, transport) as client:
        record = sandbox.seed_customer_file(ACCOUNT, "buyers")
        files = client.ad_account(ACCOUNT).customer_files
        with pytest.raises(Stop) as info:
            await files.replace_files(record.id, [("a.csv", CSV)], progress=progress)
        arrived = int(transport == "aiohttp" and moment is not first)
        statuses = await settled(sandbox, "customer_files.replace_files", arrived)
        if slot_used:
            with pytest.raises(ma.RateLimitError):
                await files.replace_files(record.id, [("a.csv", CSV)])
        kept = sandbox.state.find_file(ACCOUNT, record.id)

    assert_raised_as_itself(info, progress)
    assert [None] * arrived == statuses
    assert 1 == len(kept.generations)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_failing_callback_on_a_streamed_upload_creates_nothing(transport):
    """An async iterable's upload (chunked, total None) whose callback raises at its last report creates nothing."""

    async def rows() -> AsyncIterator[bytes]:
        for start in range(0, len(CSV), 100_000):
            yield CSV[start : start + 100_000]

    # The total is unknown: the last report is found by a dry run.
    reports = await reports_of([("a.csv", rows())])
    progress = raising_at(lambda index, _: index == reports - 1)

    async with Sandbox() as sandbox, client_on(sandbox, transport) as client:
        files = client.ad_account(ACCOUNT).customer_files
        with pytest.raises(Stop) as info:
            await files.upload("buyers", [("a.csv", rows())], progress=progress)
        statuses = await settled(
            sandbox, "customer_files.upload", int(transport == "aiohttp")
        )
        after = await files.list()

    assert_raised_as_itself(info, progress)
    assert reports == len(progress.reports)
    assert None is progress.reports[-1][1]
    assert all(status is None for status in statuses)
    assert [] == after
    assert 0 == sandbox.state.created_customer_files(ACCOUNT)


async def reports_of(files: list[Any]) -> int:
    """
    Return how many progress reports an upload of *files* makes, uploaded to a handler that reads it.
    """
    reports: list[int] = []

    async def handler(request: Request) -> Response:
        return json_response(load_fixture("customer_files.upload"))

    async with ma.MomentClient(
        "token", transport=ma.MockTransport(handler), limiter=False
    ) as client:
        await client.ad_account(ACCOUNT).customer_files.upload(
            "buyers", files, progress=lambda done, _: reports.append(done)
        )
    return len(reports)


def multipart(closing: bool) -> tuple[str, bytes]:
    """
    Return a content type and an upload body of CSV, with or without its closing boundary.
    """
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
            f"buyers\r\n--{boundary}\r\nContent-Disposition: form-data; "
            'name="files"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + CSV[:4096]
        + b"\r\n"
    )
    if closing:
        body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def sendings(body: bytes) -> Iterator[tuple[str, Any]]:
    """
    Yield the body as a whole (Content-Length) and as an async iterable (chunked).
    """

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    yield "length", body
    yield "chunked", chunks()


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_the_sandbox_creates_nothing_from_a_body_without_its_end(framing):
    """A whole HTTP request whose multipart body stops before its closing boundary is refused: no file is created."""
    # Without the 5 s limit: the refused request counts as a registration.
    async with (
        Sandbox(rate_limits=False) as sandbox,
        aiohttp.ClientSession() as session,
    ):
        answers = []
        created: list[int] = []
        for closing in (False, True):
            content_type, body = multipart(closing)
            data = dict(sendings(body))[framing]
            async with session.post(
                f"{sandbox.url}/customerFiles",
                data=data,
                headers={
                    "Authorization": f"Bearer {Sandbox.DEFAULT_TOKEN}",
                    "adAccountId": str(ACCOUNT),
                    "Content-Type": content_type,
                },
            ) as response:
                answers.append((response.status, await response.json()))
            created.append(sandbox.state.created_customer_files(ACCOUNT))

    (refused, error), (accepted, upload) = answers
    assert (400, 31401) == (refused, error["extras"]["detailCode"])
    assert (200, "buyers") == (accepted, upload["name"])
    assert [0, 1] == created


async def test_each_report_comes_before_the_bytes_it_counts():
    """Every report counts bytes not yet handed over: the last, (total, total), comes before the closing boundary."""
    handed: list[int] = [0]
    seen: list[tuple[int, int]] = []
    body = MultipartBody(
        [("name", "buyers")],
        prepare_files([("a.csv", CSV)]),
        lambda done, total: seen.append((done, handed[0])),
    )

    async for chunk in body:
        handed[0] += len(chunk)

    assert body.length == handed[0]
    assert (0, 0) == seen[0]
    assert all(before < done for done, before in seen[1:])
    assert body.length == seen[-1][0]


async def test_a_body_sent_again_reports_from_zero_again():
    """A POST retried because nothing was sent reports (0, total) to (total, total) once per attempt, the first before the call."""
    attempts: list[int] = []
    reports: list[tuple[int, int | None]] = []

    async def handler(request: Request) -> Response:
        attempts.append(len(reports))
        if len(attempts) == 1:
            raise ma.ConnectError("refused")
        return json_response(load_fixture("customer_files.upload"))

    async with ma.MomentClient(
        "token",
        transport=ma.MockTransport(handler),
        limiter=False,
        retry=ma.RetryPolicy(backoff=0.001),
    ) as client:
        await client.ad_account(ACCOUNT).customer_files.upload(
            "buyers",
            [("a.csv", CSV)],
            progress=lambda done, total: reports.append((done, total)),
        )

    total = reports[0][1]
    starts = [i for i, (done, _) in enumerate(reports) if done == 0]
    assert total is not None
    assert [0, attempts[0]] == starts
    assert [(total, total)] * 2 == [reports[attempts[0] - 1], reports[-1]]
