"""
The business token never leaks: not in logs, reprs, exceptions, pickles or the sandbox's records.

One realistic run against the sandbox over loopback (successes, a 401
with a token refresh, 403, 404, 429, 500, dropped connections, an
ambiguous create, a timeout, an HTML error page, truncated JSON, a
redirect loop, a malformed HTTP answer, a refused connection, a closed
client) and against hostile servers (a connect timeout, a read timeout, a
reset mid-body, a trickle, a redirect to another origin, answers too big,
endless or compressed bombs, an unknown content coding, a create answered
without end, waits that fail or run out, an unreachable Redis, a second
event loop) is made with a distinctive token while every log record of
every logger is captured at DEBUG. Each test then searches one kind of
evidence for the token, the stale token the client was first given, and
their ``Bearer`` forms: texts, and the whole object graph of every error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import pickle
import socket
import traceback
import types
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Final

import attrs
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict, CIMultiDictProxy

import moment_async as ma
from moment_async.sandbox import Clock, Sandbox
from tests.transports.test_aiohttp_timeouts import unanswered_port
from tests.transports.test_hostile_servers import (
    bomb,
    chunked,
    early_answer,
    encoded,
    half_body,
    hostile,
    json_answer,
    redirect,
    reset_mid_body,
    trickle,
)

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
    #: Every error the calls raised, as raised.
    kept: list[tuple[str, BaseException]] = attrs.Factory(list)

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


#: What an object walk does not enter: code, and the frames of the program
#: that ran (a traceback's frames are the caller's stack, not kept data).
OPAQUE: Final = (
    type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
    types.MethodType, types.CodeType, types.FrameType, types.TracebackType,
    types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType, weakref.ref,
)  # fmt: skip
#: A walk that reaches this many objects has reached the running program.
MOST_OBJECTS: Final = 50_000


def _children(item: object) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    if isinstance(item, BaseException):
        found += [(".args", item.args), (".__cause__", item.__cause__)]
        found.append((".__context__", item.__context__))
    if isinstance(item, Mapping):
        # items(), not the keys alone: a multidict keeps each duplicate's value.
        found += [(f"[{key!r}]", value) for key, value in list(item.items())]
        found += [(".<key>", key) for key in list(item.keys())]
    elif isinstance(item, list | tuple | set | frozenset):
        found += [(f"[{i}]", value) for i, value in enumerate(item)]
    if hasattr(item, "__dict__"):
        found += [(f".{name}", value) for name, value in vars(item).items()]
    for cls in type(item).__mro__:
        slots = getattr(cls, "__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            with contextlib.suppress(AttributeError):
                found.append((f".{name}", getattr(item, name)))
    return found


def _holds_secret(text: str) -> bool:
    return any(secret.lower() in text.lower() for secret in SECRETS)


def secret_paths(root: object) -> list[str]:
    """
    Return where, in everything *root* references, a secret shows.

    The walk follows an exception's args, cause and context, every
    attribute (``__dict__`` and ``__slots__``), containers and mappings
    (aiohttp's header multidicts, ``RequestInfo``, redirect ``history``),
    to any depth, once per object. It checks each string and bytes, and
    the ``repr()`` of each object, and the ``str()`` and pickle of each
    exception. It does not enter code or frames (``OPAQUE``).
    """
    found: list[str] = []
    # By id, holding each object: an id is unique only while its object lives.
    seen: dict[int, object] = {}
    pending: list[tuple[str, object]] = [("error", root)]
    while pending:
        path, item = pending.pop()
        if item is None or isinstance(item, bool | int | float) or id(item) in seen:
            continue
        seen[id(item)] = item
        assert len(seen) < MOST_OBJECTS, (
            f"the walk reached the running program at {path}"
        )
        if isinstance(item, str | bytes | bytearray):
            text = item if isinstance(item, str) else bytes(item).decode("latin-1")
            if _holds_secret(text):
                found.append(path)
            continue
        if isinstance(item, OPAQUE):
            continue
        texts = [repr(item)]
        if isinstance(item, BaseException):
            texts.append(str(item))
            with contextlib.suppress(Exception):  # aiohttp's errors may not pickle
                texts.append(pickle.dumps(item).decode("latin-1"))
        found += [f"{path} (as text)" for text in texts if _holds_secret(text)]
        pending += [(path + step, child) for step, child in _children(item)]
    return found


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
            self.evidence.kept.append((label, exc))
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


#: What a hostile server answers for a customer file still being extracted, or failed.
WAITING_FILE: Final = b'{"id": 7, "name": "buyers", "customerFileStatus": "WAITING"}'
FAILED_FILE: Final = b'{"id": 7, "name": "buyers", "customerFileStatus": "ERROR"}'
ONCE: Final = ma.RetryPolicy(attempts=1)
#: Each hostile behaviour (by name), and the call that meets it.
HOSTILE_CALLS: Final[list[tuple[str, Callable[[ma.AdAccount], Awaitable[object]]]]] = [
    ("hang", lambda acct: acct.customer_files.list()),
    ("reset", lambda acct: acct.customer_files.list()),
    ("trickle", lambda acct: acct.customer_files.list()),
    ("endless", lambda acct: acct.customer_files.list()),
    ("endless", lambda acct: acct.customer_files.register_url("by url", "https://example.com/a.csv")),
    ("bomb", lambda acct: acct.customer_files.list()),
    ("brotli", lambda acct: acct.customer_files.list()),
    ("elsewhere", lambda acct: acct.customer_files.list()),
    ("early", lambda acct: acct.customer_files.upload("buyers", [("a.csv", CSV)])),
    ("waiting", lambda acct: acct.customer_files.wait_until_ready(7, max_wait=0.3, poll_interval=0.1)),
    ("failed", lambda acct: acct.customer_files.wait_until_ready(7, max_wait=5, poll_interval=0.1)),
]  # fmt: skip


async def _hostile_mix(sb: Sandbox, evidence: Evidence) -> None:
    run = Run(evidence)
    async with hostile(
        hang=half_body(stall=True),
        reset=reset_mid_body(),
        trickle=trickle(),
        endless=chunked(None),
        bomb=bomb("gzip", 64),
        brotli=encoded("br", b"\x0b\x01\x80[]\x03"),
        elsewhere=redirect(to=sb.url),
        early=early_answer(413),
        waiting=json_answer(WAITING_FILE),
        failed=json_answer(FAILED_FILE),
    ) as server:
        for name, call in HOSTILE_CALLS:
            async with ma.MomentClient(
                TOKEN, base_url=server.url(name), retry=ONCE, limiter=False, timeout=0.5
            ) as client:
                await run(
                    f"hostile {name}",
                    functools.partial(call, client.ad_account(ACCOUNT)),
                )
    with unanswered_port() as port:
        async with ma.MomentClient(
            TOKEN,
            base_url=f"http://127.0.0.1:{port}/openapi/v4",
            retry=ONCE,
            timeout=ma.Timeout(total=5, connect=0.2),
        ) as client:
            await run("connect timeout", client.ad_account(ACCOUNT).customer_files.list)
    redis_url = f"redis://127.0.0.1:{_closed_port()}/0"
    limiter = ma.RedisLimiter.from_url(redis_url)
    async with ma.MomentClient(TOKEN, base_url=sb.url, limiter=limiter) as client:
        # A rate-limited call: the limiter is asked first.
        await run(
            "Redis unreachable",
            lambda: client.ad_account(ACCOUNT).customer_files.get(7),
        )
    async with ma.MomentClient(TOKEN, base_url=sb.url, limiter=False) as client:
        files = client.ad_account(ACCOUNT).customer_files
        await run("first event loop", files.list)

        async def elsewhere() -> object:
            return await run("second event loop", files.list)

        await asyncio.to_thread(asyncio.run, elsewhere())


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
            await _hostile_mix(sb, found)
    found.logs = capture.texts
    return found


def test_the_run_met_every_kind_of_failure(evidence):
    """The run raised each error a caller can meet, so the other tests search real failures."""
    expected = {
        "AuthenticationError", "PermissionDeniedError", "NotFoundError", "RateLimitError",
        "ServerError", "APIError", "DecodeError", "TransportError", "ConnectError",
        "RequestTimeoutError", "ResponseTooLargeError", "AmbiguousWriteError",
        "ValidationError", "ClientClosedError", "EventLoopError", "LimiterUnavailableError",
        "ResourceFailedError", "WaitTimeoutError",
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


def test_no_error_holds_the_token_anywhere_in_what_it_references(evidence):
    """No raised error references the token: its chain, args, attributes, aiohttp's request info, history and headers, walked whole."""
    found = [(label, secret_paths(error)) for label, error in evidence.kept]

    assert [] == [(label, paths) for label, paths in found if paths]


def chained_frame_leaks(error: BaseException) -> list[str]:
    """
    Return which locals of the frames kept by errors chained to *error* show a secret.

    As an error tracker reports a chained error: each frame's locals, a
    mapping by its items and anything else by its ``repr()``. The raised
    error's own frames are the caller's stack, and the SDK's own errors are
    left out; what another library's error keeps is not.
    """
    found: list[str] = []
    for item in _chain(error)[1:]:
        if isinstance(item, ma.MomentError):
            continue
        for frame, _ in traceback.walk_tb(item.__traceback__):
            for name, value in frame.f_locals.items():
                shown = dict(value.items()) if isinstance(value, Mapping) else value
                if _holds_secret(repr(shown)):
                    found.append(
                        f"{type(item).__name__}: {frame.f_code.co_name}: {name}"
                    )
    return found


def test_no_chained_error_keeps_the_token_in_its_frames(evidence):
    """An aiohttp error chained to ours keeps no frame whose locals hold the request's headers."""
    found = [(label, chained_frame_leaks(error)) for label, error in evidence.kept]

    assert [] == [(label, leaks) for label, leaks in found if leaks]


def test_the_walk_finds_a_token_kept_deep_inside_an_error():
    """A token four objects deep in a chained error's slots and multidict is found: the walk above can fail."""

    class Holder:
        __slots__ = ("info",)

        def __init__(self, info: object) -> None:
            self.info = info

    hidden = Holder(
        (1, {"headers": CIMultiDictProxy(CIMultiDict(Authorization=f"Bearer {TOKEN}"))})
    )
    cause = ValueError("harmless")
    cause.history = [hidden]  # type: ignore[attr-defined]
    error = ma.TransportError("harmless")
    error.__cause__ = cause

    assert ["error.__cause__.history[0].info[1]['headers']['Authorization']"] == [
        path for path in secret_paths(error) if "(as text)" not in path
    ]


def test_no_repr_holds_the_token(evidence):
    """No repr of the client, its views, session, transport, hooks, events, results or a Request holds the token."""
    assert [] == evidence.leaks(evidence.reprs)


def test_no_sandbox_record_holds_the_token(evidence):
    """The sandbox records every request without its Authorization header."""
    assert evidence.records
    assert [] == evidence.leaks(evidence.records)
    assert all("authorization" not in text.lower() for _, text in evidence.records)
