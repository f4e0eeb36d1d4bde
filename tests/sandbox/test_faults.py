"""
Fault injection: error answers, HTML pages, dropped connections, broken bodies, delays,
and hostile answers (too big, without end, bombs, redirect loops, odd Retry-After).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import aiohttp
import pytest

from moment_async.sandbox import PREFIX, Sandbox

from ._api import ADIDS, Api, csv_of

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
HEADERS = {"Authorization": f"Bearer {Sandbox.DEFAULT_TOKEN}", "adAccountId": "1000"}
MiB = 1024 * 1024
#: zlib's window bits for each content coding.
WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
Encoding = Literal["gzip", "deflate"]


@asynccontextmanager
async def raw_get(
    sandbox: Sandbox, path: str, **options: Any
) -> AsyncIterator[aiohttp.ClientResponse]:
    """
    GET *path* with the default token, the body left unread and undecoded.
    """
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(sandbox.url + path, headers=HEADERS, **options) as response,
    ):
        yield response


def inflate(data: bytes, encoding: str) -> tuple[int, bool]:
    """
    Inflate *data* a MiB at a time; return how many bytes came out and whether the stream ended.

    Every byte that comes out must be a space.
    """
    inflater = zlib.decompressobj(WBITS[encoding])
    size = 0
    while data:
        out = inflater.decompress(data, MiB)
        assert out.count(b" ") == len(out)
        size += len(out)
        data = inflater.unconsumed_tail
    return size, inflater.eof


async def test_fail_next_answers_the_status_then_recovers(
    api: Api, sandbox: Sandbox
) -> None:
    """fail_next spoils exactly *times* calls with the status and error code asked for."""
    sandbox.faults.fail_next("customer_files.list", times=2, status=503, code=-9798)

    answers = [await api.call("GET", "/customerFiles") for _ in range(3)]

    assert [503, 503, 200] == [answer.status for answer in answers]
    assert -9798 == answers[0].json["code"]
    assert [] == sandbox.faults.pending


async def test_fail_next_can_send_retry_after_and_detail(
    api: Api, sandbox: Sandbox
) -> None:
    """A fault can carry Retry-After and a Moment detail code."""
    sandbox.faults.fail_next(
        "audiences.list", status=429, code=-813, retry_after=2, detail_code=31902
    )

    answer = await api.call("GET", "/targetings/audiences")

    assert (429, "2", 31902) == (
        answer.status,
        answer.headers["Retry-After"],
        answer.detail_code,
    )


async def test_a_failed_call_is_not_processed(api: Api, sandbox: Sandbox) -> None:
    """A call answered by fail_next creates nothing."""
    sandbox.faults.fail_next("customer_files.upload", status=500, code=-1)

    answer = await api.upload("buyers", csv_of(*ADIDS))

    assert 500 == answer.status
    assert 0 == sandbox.state.created_customer_files(ACCOUNT)


async def test_the_star_matches_every_endpoint(api: Api, sandbox: Sandbox) -> None:
    """A rule for "*" spoils calls of any endpoint."""
    sandbox.faults.fail_next("*", times=2, status=502)

    files = await api.call("GET", "/customerFiles")
    audiences = await api.call("GET", "/targetings/audiences")

    assert (502, 502) == (files.status, audiences.status)


async def test_non_json_sends_an_html_page(api: Api, sandbox: Sandbox) -> None:
    """non_json answers a proxy-like HTML error page."""
    sandbox.faults.non_json("customer_files.list", status=504)

    answer = await api.call("GET", "/customerFiles")

    assert (504, "text/html") == (
        answer.status,
        answer.headers["Content-Type"].split(";")[0],
    )
    assert answer.body.startswith(b"<html>")


async def test_drop_before_the_body_processes_nothing(
    api: Api, sandbox: Sandbox
) -> None:
    """A connection dropped before the body is read leaves no file behind."""
    sandbox.faults.drop_connection("customer_files.upload")

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.upload("buyers", csv_of(*ADIDS))

    assert 0 == sandbox.state.created_customer_files(ACCOUNT)
    assert [None] == [record.status for record in sandbox.requests]


async def test_drop_after_the_body_processes_the_call(
    api: Api, sandbox: Sandbox
) -> None:
    """A connection dropped after processing leaves the file created: the answer is what was lost."""
    sandbox.faults.drop_connection("audiences.create", after_body=True)

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.create_audience()

    assert 1 == sandbox.state.created_audiences(ACCOUNT)


async def test_drop_mid_response_cuts_the_answer(api: Api, sandbox: Sandbox) -> None:
    """mid_response sends the headers and half the body, then closes."""
    sandbox.faults.drop_connection("audiences.create", mid_response=True)

    with pytest.raises(aiohttp.ClientPayloadError):
        await api.create_audience()

    assert 1 == sandbox.state.created_audiences(ACCOUNT)
    assert 200 == sandbox.requests[-1].status


async def test_aiohttp_resends_a_get_once_when_the_connection_drops(
    api: Api, sandbox: Sandbox
) -> None:
    """aiohttp itself re-sends an idempotent request once, so one dropped GET is invisible."""
    sandbox.faults.drop_connection("customer_files.list")

    answer = await api.call("GET", "/customerFiles")

    assert 200 == answer.status
    assert 2 == sandbox.count("customer_files.list")


async def test_truncate_sends_half_the_json_with_the_real_status(
    api: Api, sandbox: Sandbox
) -> None:
    """truncate answers a complete HTTP message whose JSON is cut in half; the call happened."""
    sandbox.faults.truncate("audiences.create")

    answer = await api.call("POST", "/targetings", json={"name": "x"})
    good = await api.create_audience()

    assert 400 == answer.status
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.body)
    assert 200 == good.status


async def test_truncate_keeps_the_side_effects(api: Api, sandbox: Sandbox) -> None:
    """A truncated success answer still created the audience."""
    sandbox.faults.truncate("audiences.create")

    answer = await api.create_audience()

    assert 200 == answer.status
    assert 0 < len(answer.body)
    assert 1 == sandbox.state.created_audiences(ACCOUNT)


async def test_empty_200_processes_and_answers_nothing(
    api: Api, sandbox: Sandbox
) -> None:
    """empty_200 answers 200 with no body, after processing the call."""
    sandbox.faults.empty_200("audiences.create")

    answer = await api.create_audience()

    assert (200, b"") == (answer.status, answer.body)
    assert 1 == sandbox.state.created_audiences(ACCOUNT)


async def test_delay_holds_the_answer(api: Api, sandbox: Sandbox) -> None:
    """delay holds answers for real seconds, for as many calls as asked."""
    sandbox.faults.delay("customer_files.list", 0.2, times=1)
    loop = asyncio.get_running_loop()

    started = loop.time()
    await api.call("GET", "/customerFiles")
    slow = loop.time() - started
    started = loop.time()
    await api.call("GET", "/customerFiles")
    fast = loop.time() - started

    assert slow >= 0.2
    assert fast < 0.2


async def test_clear_removes_every_rule(api: Api, sandbox: Sandbox) -> None:
    """After clear() calls are answered normally."""
    sandbox.faults.fail_next("*", times=None)
    sandbox.faults.delay("*", 1.0)
    sandbox.faults.clear()

    answer = await api.call("GET", "/customerFiles")

    assert 200 == answer.status


@pytest.mark.parametrize(
    ("endpoint", "times"),
    [
        pytest.param("customer_files.fetch", 1, id="unknown endpoint"),
        pytest.param("customer_files.get", 0, id="zero times"),
    ],
)
def test_bad_rules_are_refused(endpoint: str, times: int) -> None:
    """Unknown endpoint names and non-positive counts raise ValueError at once."""
    with pytest.raises(ValueError, match=r"endpoint|times"):
        Sandbox().faults.fail_next(endpoint, times=times)


def test_a_negative_delay_is_refused() -> None:
    """A delay rule needs zero or more seconds."""
    with pytest.raises(ValueError, match="seconds"):
        Sandbox().faults.delay("*", -1)


def test_pending_lists_the_rules_left() -> None:
    """pending shows the rules that still have calls to spoil."""
    faults = Sandbox().faults

    rule = faults.non_json("audiences.get", times=3)

    assert [rule] == faults.pending
    assert "<Faults 1 pending>" == repr(faults)


async def test_rules_apply_in_the_order_added(api: Api, sandbox: Sandbox) -> None:
    """Each call takes the first matching rule; rules of other endpoints stay untouched."""
    sandbox.faults.fail_next("audiences.list", status=500)
    sandbox.faults.fail_next("customer_files.list", status=503)
    sandbox.faults.non_json("customer_files.list", status=502)

    statuses = [(await api.call("GET", "/customerFiles")).status for _ in range(3)]

    assert [503, 502, 200] == statuses
    assert ["audiences.list"] == [rule.endpoint for rule in sandbox.faults.pending]


async def test_oversized_sends_size_spaces_with_a_content_length(
    sandbox: Sandbox,
) -> None:
    """An oversized answer declares its length and sends exactly that many spaces."""
    sandbox.faults.oversized("customer_files.list", size=5 * MiB + 3)

    async with raw_get(sandbox, "/customerFiles") as answer:
        body = await answer.read()

    assert (200, 5 * MiB + 3) == (answer.status, answer.content_length)
    assert 5 * MiB + 3 == len(body) == body.count(b" ")


async def test_oversized_chunked_declares_no_length(sandbox: Sandbox) -> None:
    """With chunked=True the same body comes without a Content-Length."""
    sandbox.faults.oversized("customer_files.list", size=MiB + 1, chunked=True)

    async with raw_get(sandbox, "/customerFiles") as answer:
        body = await answer.read()

    assert (None, "chunked") == (
        answer.content_length,
        answer.headers["Transfer-Encoding"],
    )
    assert MiB + 1 == len(body)


async def test_oversized_processes_the_call(api: Api, sandbox: Sandbox) -> None:
    """A create answered oversized did create: the client cannot know it."""
    sandbox.faults.oversized("customer_files.upload", size=MiB)

    answer = await api.upload("buyers", csv_of(*ADIDS))

    assert (200, MiB) == (answer.status, len(answer.body))
    assert 1 == sandbox.state.created_customer_files(ACCOUNT)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_bomb_is_small_and_inflates_to_size_spaces(
    sandbox: Sandbox, encoding: Encoding
) -> None:
    """A gzip or deflate bomb is a complete, valid stream of *size* spaces, 1,000 times smaller."""
    size = 16 * MiB + 7
    sandbox.faults.oversized("customer_files.list", size=size, encoding=encoding)

    async with raw_get(sandbox, "/customerFiles") as answer:
        body = await answer.read()

    assert (encoding, len(body)) == (
        answer.headers["Content-Encoding"],
        answer.content_length,
    )
    assert len(body) < size // 1000
    assert (size, True) == inflate(body, encoding)


async def test_a_gibibyte_bomb_is_about_a_mebibyte(sandbox: Sandbox) -> None:
    """A bomb of 1 GiB of spaces goes out as about 1 MiB."""
    sandbox.faults.oversized("customer_files.list", size=1024 * MiB, encoding="gzip")

    async with raw_get(sandbox, "/customerFiles") as answer:
        body = await answer.read()

    assert MiB < len(body) < 1.1 * MiB


@pytest.mark.parametrize("encoding", [None, "gzip"])
async def test_an_endless_body_ends_when_the_client_leaves(
    sandbox: Sandbox, encoding: Encoding | None
) -> None:
    """Without a size the body streams on, chunked, until the client goes away."""
    sandbox.faults.oversized("customer_files.list", size=None, encoding=encoding)
    # A bomb's 64 KiB inflate to 64 MiB.
    wanted = 8 * MiB if encoding is None else 64 * 1024
    received = bytearray()

    async with raw_get(sandbox, "/customerFiles") as answer:
        while len(received) < wanted and (chunk := await answer.content.readany()):
            received += chunk

    assert len(received) >= wanted
    assert answer.headers["Transfer-Encoding"] == "chunked"
    if encoding is None:
        assert len(received) == received.count(b" ")
    else:
        size, ended = inflate(bytes(received), encoding)
        assert (False, True) == (ended, size > 1000 * len(received))
    for _ in range(200):
        if sandbox.requests:
            break
        await asyncio.sleep(0.01)
    # The request is recorded once the sandbox stopped sending.
    assert [200] == [record.status for record in sandbox.requests]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"size": -1}, id="negative size"),
        pytest.param({"size": 1.5}, id="fractional size"),
        pytest.param({"size": 3 * 1024 * MiB}, id="past 2 GiB"),
        pytest.param({"encoding": "br"}, id="unknown encoding"),
    ],
)
def test_bad_oversized_rules_are_refused(options: dict[str, Any]) -> None:
    """A size that is not a whole 0 to 2 GiB, or a coding not gzip or deflate, raises ValueError."""
    with pytest.raises(ValueError, match=r"size|encoding"):
        Sandbox().faults.oversized("customer_files.list", **options)


async def test_a_redirect_loop_points_at_the_same_url(sandbox: Sandbox) -> None:
    """Each hop is a 302 to the same path and query, with its hop count."""
    sandbox.faults.redirect_loop("customer_files.list")
    path = "/customerFiles?page=2"

    async with raw_get(sandbox, path, allow_redirects=False) as first:
        location = first.headers["Location"]
    hop = location.removeprefix("/openapi/v4")
    async with raw_get(sandbox, hop, allow_redirects=False) as second:
        pass

    assert (302, "/openapi/v4/customerFiles?page=2&sandboxRedirect=1") == (
        first.status,
        location,
    )
    assert (302, "/openapi/v4/customerFiles?page=2&sandboxRedirect=2") == (
        second.status,
        second.headers["Location"],
    )
    assert [] == sandbox.faults.pending


async def test_a_redirect_loop_outlasts_a_client_and_processes_nothing(
    api: Api, sandbox: Sandbox
) -> None:
    """aiohttp gives up after 10 redirects; an upload that met the loop created nothing."""
    sandbox.faults.redirect_loop("customer_files.upload")

    with pytest.raises(aiohttp.TooManyRedirects):
        await api.upload("buyers", csv_of(*ADIDS))

    assert 0 == sandbox.state.created_customer_files(ACCOUNT)
    assert 10 == len(sandbox.requests)


async def test_a_redirect_loop_ends_after_100_hops(sandbox: Sandbox) -> None:
    """A client that follows every redirect gets 508 after 100 hops, not a loop for ever."""
    sandbox.faults.redirect_loop("customer_files.list")

    async with raw_get(sandbox, "/customerFiles", max_redirects=1000) as answer:
        pass

    assert (508, 100) == (answer.status, len(answer.history))


@pytest.mark.parametrize(
    ("retry_after", "sent"),
    [
        pytest.param(float("inf"), "inf", id="infinite seconds"),
        pytest.param("1e400", "1e400", id="overflowing float"),
        pytest.param(
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            id="far-future date",
        ),
        pytest.param("soon", "soon", id="garbage"),
        pytest.param(-5, "-5", id="negative"),
    ],
)
async def test_retry_after_is_sent_as_asked(
    api: Api, sandbox: Sandbox, retry_after: float | str, sent: str
) -> None:
    """Retry-After goes out as given, however hostile: seconds formatted, strings as they are."""
    sandbox.faults.fail_next("customer_files.list", status=429, retry_after=retry_after)

    answer = await api.call("GET", "/customerFiles")

    assert (429, sent) == (answer.status, answer.headers["Retry-After"])


def test_a_retry_after_with_control_characters_is_refused() -> None:
    """A header cannot carry CR or LF: such a Retry-After raises ValueError at once."""
    with pytest.raises(ValueError, match="control characters"):
        Sandbox().faults.fail_next("*", retry_after="5\r\nSet-Cookie: x=1")


async def test_fail_next_sends_a_ten_megabyte_message(
    api: Api, sandbox: Sandbox
) -> None:
    """An error message can be as long as a test needs: 10 MB here."""
    message = "x" * 10_000_000
    sandbox.faults.fail_next(
        "customer_files.list", status=400, code=-2, message=message
    )

    answer = await api.call("GET", "/customerFiles")

    assert (400, -2, message) == (
        answer.status,
        answer.json["code"],
        answer.json["msg"],
    )


async def test_a_client_that_leaves_mid_upload_is_recorded_without_an_error(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """An upload abandoned halfway (a client's timeout) is recorded with no status, not logged as a server error."""
    _, writer = await asyncio.open_connection("127.0.0.1", sandbox.port)
    head = (
        f"POST {PREFIX}/customerFiles HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: Bearer {Sandbox.DEFAULT_TOKEN}\r\n"
        "adAccountId: 1000\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: 100000\r\n\r\n--b\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    await asyncio.sleep(0.05)  # the sandbox is reading the body now

    writer.transport.abort()
    for _ in range(200):
        if sandbox.requests:
            break
        await asyncio.sleep(0.01)

    assert [None] == [record.status for record in sandbox.requests]
    assert 0 == sandbox.state.created_customer_files(ACCOUNT)
    assert [] == [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
