"""
The business token never leaks: not in logs, reprs, exceptions, pickles or the sandbox's records.

One realistic run against the sandbox over loopback (successes, a 401
with a token refresh, 403, 404, 429, 500, dropped connections, an
ambiguous create, a timeout, an HTML error page, truncated JSON, a
redirect loop, a malformed HTTP answer, a refused connection, a closed
client) is made with a distinctive token while every log record of every
logger is captured at DEBUG. Each test then searches one kind of evidence
for the token, the stale token the client was first given, and their
``Bearer`` forms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Final

import attrs
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async as ma
from moment_async.sandbox import Clock, Sandbox

TOKEN: Final = "tok-SECRET-123"
STALE: Final = "tok-SECRET-OLD-456"
#: What must appear nowhere; searched case-insensitively.
SECRETS: Final = (
    TOKEN,
    STALE,
    f"Bearer {TOKEN}",
    f"Bearer {STALE}",
    "SECRET-123",
    "SECRET-OLD-456",
)
ACCOUNT: Final = 2024
OTHER_ACCOUNT: Final = 2025
CSV: Final = b"adid\n" + b"".join(
    f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}\n".encode() for i in range(1, 21)
)
FAST: Final = ma.RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.005)
#: Loggers whose records are captured, beside the root's.
LOGGERS: Final = ("moment_async", "aiohttp", "aiohttp.client", "aiohttp.server", "aiohttp.web", "aiohttp.access", "asyncio")  # fmt: skip


@attrs.define
class Evidence:
    """
    Everything the run left behind, as (where, text) pairs per kind.
    """

    logs: list[tuple[str, str]] = attrs.Factory(list)
    errors: list[tuple[str, str]] = attrs.Factory(list)
    reprs: list[tuple[str, str]] = attrs.Factory(list)
    records: list[tuple[str, str]] = attrs.Factory(list)
    #: Names of the exception classes the calls raised.
    raised: set[str] = attrs.Factory(set)

    def leaks(self, kind: list[tuple[str, str]]) -> list[str]:
        """
        Return where in *kind* a secret was found.
        """
        return [
            where
            for where, text in kind
            if any(secret.lower() in text.lower() for secret in SECRETS)
        ]


class Capture(logging.Handler):
    """
    Keep every record, formatted with its traceback and extra fields.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[tuple[str, str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{self.format(record)} {record.args!r} {vars(record)!r}"
        self.texts.append((f"log {record.name}: {record.getMessage()[:60]}", text))


@contextlib.contextmanager
def captured_logs() -> Iterator[Capture]:
    """
    Capture every logger's records at DEBUG, and restore the levels afterwards.
    """
    capture = Capture()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *LOGGERS)}
    root.addHandler(capture)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found and len(found) < 20:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def exception_texts(label: str, error: BaseException) -> list[tuple[str, str]]:
    """
    Return the message, args, str, repr, traceback and pickle of *error* and its chain.
    """
    texts = [(f"{label}: traceback", "".join(traceback.format_exception(error)))]
    for item in _chain(error):
        where = f"{label}: {type(item).__name__}"
        texts += [
            (f"{where} str", str(item)),
            (f"{where} repr", repr(item)),
            (f"{where} args", repr(item.args)),
            (f"{where} attributes", repr(vars(item))),
        ]
        try:
            pickled = pickle.dumps(item)
        except (
            Exception
        ):  # aiohttp's errors may not pickle: then nothing leaks that way
            if isinstance(item, ma.MomentError):
                raise
        else:
            texts.append((f"{where} pickle", pickled.decode("latin-1")))
    return texts


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def redirect_loop() -> AsyncIterator[str]:
    """
    Serve a base URL whose every path redirects to itself.
    """

    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", loop)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}/openapi/v4"
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def malformed_http() -> AsyncIterator[str]:
    """
    Serve a base URL that answers every request with a broken HTTP status line.
    """

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 2x0 NOT HTTP\r\nContent-Length: 2\r\n\r\n[]")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/openapi/v4"
    finally:
        server.close()
        await server.wait_closed()


class Run:
    """
    Make calls, keeping each outcome's texts as evidence.
    """

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence

    async def __call__(
        self, label: str, call: Callable[[], Awaitable[object]]
    ) -> object:
        try:
            result = await call()
        except ma.MomentError as exc:
            self.evidence.raised.add(type(exc).__name__)
            self.evidence.errors += exception_texts(label, exc)
            return exc
        self.evidence.reprs.append((f"{label}: result", repr(result)))
        return result


async def _mix(sb: Sandbox, evidence: Evidence) -> None:
    run = Run(evidence)
    asked = 0

    async def provider() -> str:
        # The first token is stale (the sandbox answers 401); the next is good.
        nonlocal asked
        asked += 1
        return STALE if asked == 1 else TOKEN

    events: list[object] = []
    hooks = ma.RequestHooks(on_start=events.append, on_end=events.append)
    client = ma.MomentClient(
        provider, base_url=sb.url, retry=FAST, limiter=False, hooks=hooks
    )
    async with client:
        acct = client.ad_account(ACCOUNT)
        files, audiences = acct.customer_files, acct.audiences
        await run("401 then refreshed", files.list)
        upload = await run("upload", lambda: files.upload("buyers", [("a.csv", CSV)]))
        assert isinstance(upload, ma.CustomerFileUpload)
        await run(
            "429 from the sandbox",
            lambda: files.register_url("by url", "https://example.com/a.csv"),
        )
        sb.clock.advance(6)
        await run(
            "register_url",
            lambda: files.register_url("by url", "https://example.com/a.csv"),
        )
        await run("get", lambda: files.get(upload.id))
        await run("429 per file, retried", lambda: files.get(upload.id))
        await run("404", lambda: files.get(987654))
        await run("rename", lambda: files.rename(upload.id, "renamed"))
        await run("usage", lambda: files.usage(upload.id))
        spec = ma.AudienceSpec(
            name="buyers",
            type=ma.AudienceType.DISPLAY,
            customer_file_targetings=(ma.CustomerFileTargeting(id=upload.id),),
        )
        audience = await run("create", lambda: audiences.create(spec))
        assert isinstance(audience, ma.Audience)
        await run("audiences.list", audiences.list)
        await run("audiences.update", lambda: audiences.update(audience.id, spec))
        await run("ad_groups", lambda: audiences.ad_groups(audience.id))
        await run("403", client.ad_account(OTHER_ACCOUNT).customer_files.list)
        sb.faults.fail_next("customer_files.list", status=500, code=-1)
        await run("500", files.list)
        sb.faults.drop_connection("customer_files.list")
        await run("dropped, retried", files.list)
        sb.faults.drop_connection("customer_files.list", mid_response=True)
        await run("closed mid-response, retried", files.list)
        sb.clock.advance(6)
        sb.faults.drop_connection("customer_files.upload", after_body=True)
        await run("ambiguous upload", lambda: files.upload("again", [("a.csv", CSV)]))
        sb.faults.drop_connection("audiences.create", after_body=True)
        await run("reconciled create", lambda: audiences.create(spec, reconcile=True))
        sb.faults.fail_next(
            "customer_files.upload", status=429, code=-813, retry_after=1
        )
        sb.clock.advance(6)
        await run("429 injected", lambda: files.upload("third", [("a.csv", CSV)]))
        sb.faults.delay("customer_files.list", 2.0, times=1)
        await run("timeout", lambda: files.list(timeout=0.3))
        sb.faults.non_json("customer_files.list", times=None)
        await run("HTML error page", files.list)
        sb.faults.clear()
        sb.faults.truncate("audiences.list")
        await run("truncated JSON", audiences.list)
        await run("refused argument", lambda: files.get(0))
        await run("delete_many", lambda: audiences.delete_many([audience.id]))
        transport = client._session._transport
        assert isinstance(transport, ma.AiohttpTransport)
        evidence.reprs += [
            ("client", repr(client)),
            ("ad account", repr(acct)),
            ("customer files", repr(files)),
            ("audiences", repr(audiences)),
            ("session", repr(client._session)),
            ("transport", repr(transport)),
            ("aiohttp session", repr(transport._session)),
            ("connector", repr(transport._session and transport._session.connector)),
            ("hooks", repr(hooks)),
            *((f"hook event {i}", repr(event)) for i, event in enumerate(events)),
        ]
    await run("closed client", files.list)

    limiter = ma.KeyedLimiter(wait=False)
    async with ma.MomentClient(TOKEN, base_url=sb.url, limiter=limiter) as limited:
        sb.clock.advance(6)
        files = limited.ad_account(ACCOUNT).customer_files
        await run("upload", lambda: files.upload("fourth", [("a.csv", CSV)]))
        await run("client-side 429", lambda: files.upload("fifth", [("a.csv", CSV)]))
        evidence.reprs.append(("limiter", repr(limiter)))

    async def stale_only() -> str:
        return STALE

    async with ma.MomentClient(stale_only, base_url=sb.url, retry=FAST) as refused:
        await run(
            "401 after the refresh", refused.ad_account(ACCOUNT).customer_files.list
        )
    async with (
        redirect_loop() as url,
        ma.MomentClient(TOKEN, base_url=url, retry=FAST) as looping,
    ):
        await run("redirect loop", looping.ad_account(ACCOUNT).customer_files.list)
    async with (
        malformed_http() as url,
        ma.MomentClient(TOKEN, base_url=url, retry=FAST) as broken,
    ):
        await run("malformed HTTP", broken.ad_account(ACCOUNT).customer_files.list)
    refused_url = f"http://127.0.0.1:{_closed_port()}/openapi/v4"
    async with ma.MomentClient(TOKEN, base_url=refused_url, retry=FAST) as nowhere:
        await run("connection refused", nowhere.ad_account(ACCOUNT).customer_files.list)
    request = ma.Request(
        method="GET", url=sb.url, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    evidence.reprs += [
        ("request", repr(request)),
        ("sandbox", repr(sb)),
        ("sandbox faults", repr(sb.faults)),
        ("sandbox state", repr(sb.state)),
        ("sandbox clock", repr(sb.clock)),
    ]
    evidence.records += [
        (f"record {i} {record.method} {record.path}", f"{record!r} {dict(record.headers)!r} {dict(record.query)!r}")
        for i, record in enumerate(sb.requests)
    ]  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def evidence() -> Evidence:
    """
    Run the mix once for the module and return what it left behind.
    """
    found = Evidence()
    with captured_logs() as capture:
        async with Sandbox(
            clock=Clock.manual(), processing_delay=0, default_token=None
        ) as sb:
            sb.grant(TOKEN, ACCOUNT)
            await _mix(sb, found)
    found.logs = capture.texts
    return found


def test_the_run_met_every_kind_of_failure(evidence):
    """The run raised each error a caller can meet, so the other tests search real failures."""
    expected = {
        "AuthenticationError", "PermissionDeniedError", "NotFoundError", "RateLimitError",
        "ServerError", "DecodeError", "TransportError", "ConnectError", "RequestTimeoutError",
        "AmbiguousWriteError", "ValidationError", "ClientClosedError",
    }  # fmt: skip

    assert expected <= evidence.raised


def test_logs_hold_records_of_every_request(evidence):
    """The DEBUG capture worked: the client's own line per request is there."""
    assert any(
        where.startswith("log moment_async: GET /customerFiles")
        for where, _ in evidence.logs
    )


def test_no_log_record_holds_the_token(evidence):
    """No record of any logger at DEBUG holds the token, with its args, extras and traceback."""
    assert [] == evidence.leaks(evidence.logs)


def test_no_exception_holds_the_token(evidence):
    """No raised exception, nor any in its chain, holds the token in str, repr, args, attributes, traceback or pickle."""
    assert [] == evidence.leaks(evidence.errors)


def test_no_repr_holds_the_token(evidence):
    """No repr of the client, its views, session, transport, hooks, events, results or a Request holds the token."""
    assert [] == evidence.leaks(evidence.reprs)


def test_no_sandbox_record_holds_the_token(evidence):
    """The sandbox records every request without its Authorization header."""
    assert evidence.records
    assert [] == evidence.leaks(evidence.records)
    assert all("authorization" not in text.lower() for _, text in evidence.records)
