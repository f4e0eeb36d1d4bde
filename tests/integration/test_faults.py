"""
Faults injected into the sandbox over real loopback HTTP, and what the client does about each.

Hostile answers are among them: too big, without end, compressed bombs,
redirect loops, a Retry-After of ``inf`` or the year 9999, a 10 MB message.

Every scenario writes down its expected outcome (retried and succeeded,
reconciled, or a typed error) and is checked on its own. Together they
produce the fault table in the README: ``test_readme_fault_table_is_current``
runs them all, renders the table and compares it with the README's (set
``MOMENT_UPDATE_README=1`` to rewrite it after a deliberate change).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import pickle
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import attrs
import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox

TOKEN: Final = "tok-SECRET-4242"  # a test token: the suite looks for it in the logs
ACCOUNT: Final = 2024
CSV: Final = b"adid\n" + b"".join(
    f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}\n".encode() for i in range(1, 21)
)
FAST: Final = ma.RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.05)
MiB: Final = 1024 * 1024
GiB: Final = 1024 * MiB
#: The client's default bound on an answer (``max_response_bytes``).
DEFAULT_BOUND: Final = 4 * MiB
#: The deadline of the hostile-answer scenarios: a client that read an
#: endless body or waited out a Retry-After would end there, not at once.
HOSTILE_TIMEOUT: Final = 5.0
#: Seconds a call may run past its own deadline (a loaded 2-core machine).
DEADLINE_MARGIN: Final = 1.0
README: Final = Path(__file__).parents[2] / "README.md"
START: Final = "<!-- fault-table:start -->"
END: Final = "<!-- fault-table:end -->"

#: A call to make; *reconcile* is the creates' flag, which other calls ignore.
Call = Callable[[ma.AdAccount, bool], Awaitable[object]]
#: What to put in the sandbox before the call, through its API or not.
Seed = Callable[[Sandbox, ma.AdAccount], Awaitable[object]]


@attrs.frozen(kw_only=True)
class Scenario:
    """
    One fault, the call that meets it, and what must come of it.
    """

    fault: str
    call_name: str
    inject: Callable[[Sandbox], object]
    call: Call
    #: "success" (after retries when attempts > 1), "reconciled", or an error class.
    expected: str | type[BaseException]
    attempts: int
    reconcile: bool = False
    #: "file" or "audience" for creates: how many the call must have created.
    creates: str | None = None
    created: int = 0
    timeout: float | None = None
    #: The client's bound on answers; None: its default.
    max_response_bytes: int | None = None
    refused_port: bool = False
    #: Run before faults are injected; what it creates is not counted.
    seed: Seed | None = None
    #: Faults injected when the call's first request starts, after what it
    #: sent before (reconcile's first listing).
    inject_on_send: Callable[[Sandbox], object] | None = None
    #: Seconds to wait before counting creations, so a late one is counted.
    settle: float = 0.0
    #: For an APIError or a DecodeError: the HTTP status; for an APIError
    #: also Kakao's code and message.
    status: int | None = None
    code: int | None = None
    message: str | None = None
    #: For an AmbiguousWriteError: its cause, ``reconciled``, and words of its message.
    cause: type[BaseException] | None = None
    reconciled: bool = False
    says: str = ""


@attrs.frozen
class Outcome:
    """
    What one scenario did.
    """

    scenario: Scenario
    result: str
    attempts: int
    faults: int
    created: int | None
    token_leaks: int
    error: BaseException | None = None
    #: The id of what the call returned, if it has one.
    result_id: int | None = None
    #: Ids of the objects the call created (what a seed made is left out).
    new_ids: tuple[int, ...] = ()
    #: Seconds the call took.
    elapsed: float = 0.0


def _list(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.customer_files.list()


def _upload(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.customer_files.upload("buyers", [("a.csv", CSV)], reconcile=reconcile)


def _upload_once(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    async def chunks() -> AsyncIterator[bytes]:
        yield CSV

    return acct.customer_files.upload(
        "buyers", [("a.csv", chunks())], reconcile=reconcile
    )


def _register(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.customer_files.register_url(
        "by url", "https://example.com/a.csv", reconcile=reconcile
    )


AUDIENCE: Final = ma.AudienceSpec(name="all adults", type=ma.AudienceType.DISPLAY)


def _create_audience(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.audiences.create(AUDIENCE, reconcile=reconcile)


def _fail_list(sb: Sandbox, *, status: int) -> object:
    return sb.faults.fail_next("customer_files.list", status=status, code=-813)


def _delete_many(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.customer_files.delete_many([1, 2])


#: A customer file the scenarios of ``customer_files.get`` ask for.
FILE_ID: Final = 4242


def _get_file(acct: ma.AdAccount, reconcile: bool) -> Awaitable[object]:
    return acct.customer_files.get(FILE_ID)


async def _seed_file(sb: Sandbox, acct: ma.AdAccount) -> object:
    return sb.seed_customer_file(ACCOUNT, file_id=FILE_ID)


def _oversized(sb: Sandbox, *, endpoint: str, **options: Any) -> object:
    return sb.faults.oversized(endpoint, **options)


def _retry_after(sb: Sandbox, *, endpoint: str, value: str) -> object:
    return sb.faults.fail_next(endpoint, status=429, code=-813, retry_after=value)


def _spoil(sb: Sandbox, *, kind: str, endpoint: str) -> object:
    """
    Inject the one-time fault *kind*, such as ``"truncate"``, on *endpoint*.
    """
    return getattr(sb.faults, kind)(endpoint)


async def _seed_buyers(sb: Sandbox, acct: ma.AdAccount) -> object:
    return sb.seed_customer_file(ACCOUNT, "buyers")


async def _seed_audience(sb: Sandbox, acct: ma.AdAccount) -> object:
    return await acct.audiences.create(AUDIENCE)


#: The sandbox's default message for an injected error answer.
INJECTED: Final = "fault injected by the sandbox"
#: What the client keeps of the sandbox's HTML error page.
HTML_PAGE: Final = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 "
    "Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
#: A server message of 10 MB, and what an APIError keeps of it.
HUGE_MESSAGE: Final = "x" * 10_000_000
HUGE_MESSAGE_KEPT: Final = "x" * 4096 + "... (10,000,000 characters in all)"
#: Retry-After values no client should honour as they are, and what each
#: comes to: a wait past the scenarios' 5 s deadline even when capped at 10
#: minutes (so the 429 is raised at once), or no value at all, being
#: neither ASCII digits nor an HTTP date (so the client's own short backoff
#: applies and the retry succeeds).
HOSTILE_RETRY_AFTER: Final[list[tuple[str, str | type[BaseException]]]] = [
    ("99999999999999999999", ma.RateLimitError),
    ("Fri, 31 Dec 9999 23:59:59 GMT", ma.RateLimitError),
    ("inf", "success"),
    ("1e400", "success"),
    ("soon", "success"),
    ("nan", "success"),
    ("-5", "success"),
]
#: Words of AmbiguousWriteError's messages.
NOT_SENT: Final = "It was not sent again"
MOST_LIKELY: Final = "Kakao most likely created it"
NOTHING_NEW: Final = "holds nothing new by that name"

SCENARIOS: Final = [
    Scenario(
        fault="connection refused",
        call_name="customer_files.list",
        inject=lambda sb: None,
        call=_list,
        expected=ma.ConnectError,
        attempts=4,
        refused_port=True,
    ),
    Scenario(
        fault="connection refused",
        call_name="customer_files.upload",
        inject=lambda sb: None,
        call=_upload,
        expected=ma.ConnectError,
        attempts=4,
        refused_port=True,
    ),
    Scenario(
        fault="reset before the request body",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.drop_connection("customer_files.list"),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="reset before the request body",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection("customer_files.upload"),
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
        cause=ma.TransportError,
        reconciled=True,
        says=NOTHING_NEW,
    ),
    Scenario(
        fault="reset after the request body",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.upload", after_body=True
        ),
        call=_upload,
        reconcile=True,
        expected="reconciled",
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        fault="reset after the request body",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.upload", after_body=True
        ),
        call=_upload,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
        cause=ma.TransportError,
        says="Pass reconcile=True",
    ),
    Scenario(
        fault="reset after the request body, same name already in the account",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.upload", after_body=True
        ),
        seed=_seed_buyers,
        call=_upload,
        reconcile=True,
        expected="reconciled",
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        fault="reset after the request body, same name created meanwhile",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.upload", after_body=True
        ),
        inject_on_send=lambda sb: sb.seed_customer_file(ACCOUNT, "buyers"),
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
        cause=ma.TransportError,
        reconciled=True,
        says="2 new objects by that name",
    ),
    Scenario(
        fault="reset after the request body, then the listing fails (500)",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.upload", after_body=True
        ),
        inject_on_send=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=500, code=-1, times=None
        ),
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
        cause=ma.TransportError,
        says="listing the account to look for it failed too (HTTP 500, code -1",
    ),
    Scenario(
        fault="reset after the request body",
        call_name="customer_files.register_url",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.register_url", after_body=True
        ),
        call=_register,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
        cause=ma.TransportError,
        says="Pass reconcile=True",
    ),
    Scenario(
        fault="reset after the request body",
        call_name="customer_files.register_url",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.register_url", after_body=True
        ),
        call=_register,
        reconcile=True,
        expected="reconciled",
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        fault="reset after the request body",
        call_name="audiences.create",
        inject=lambda sb: sb.faults.drop_connection(
            "audiences.create", after_body=True
        ),
        call=_create_audience,
        reconcile=True,
        expected="reconciled",
        attempts=1,
        creates="audience",
        created=1,
    ),
    Scenario(
        fault="reset after the request body, same name already in the account",
        call_name="audiences.create",
        inject=lambda sb: sb.faults.drop_connection(
            "audiences.create", after_body=True
        ),
        seed=_seed_audience,
        call=_create_audience,
        reconcile=True,
        expected="reconciled",
        attempts=1,
        creates="audience",
        created=1,
    ),
    Scenario(
        fault="server closes mid-response",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.drop_connection(
            "customer_files.list", mid_response=True
        ),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="500",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=500, code=-1
        ),
        call=_list,
        expected=ma.ServerError,
        attempts=1,
        status=500,
        code=-1,
        message=INJECTED,
    ),
    *(
        Scenario(
            fault=str(status),
            call_name="customer_files.list",
            inject=functools.partial(_fail_list, status=status),
            call=_list,
            expected="success",
            attempts=2,
        )
        for status in (502, 503, 504)
    ),
    Scenario(
        fault="503 maintenance (-9798), every time",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next("customer_files.list", times=None),
        call=_list,
        expected=ma.ServerError,
        attempts=4,
        status=503,
        code=-9798,
        message=INJECTED,
    ),
    Scenario(
        fault="503 with a permanent code (-5)",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=503, code=-5, times=None
        ),
        call=_list,
        expected=ma.ServerError,
        attempts=1,
        status=503,
        code=-5,
        message=INJECTED,
    ),
    Scenario(
        fault="503",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.upload", status=503, code=-813
        ),
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
        cause=ma.ServerError,
        reconciled=True,
        says=NOTHING_NEW,
    ),
    Scenario(
        fault="503, same name already in the account",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.upload", status=503, code=-813
        ),
        seed=_seed_buyers,
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
        cause=ma.ServerError,
        reconciled=True,
        says=NOTHING_NEW,
    ),
    Scenario(
        fault="429 with Retry-After",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=429, code=-813, retry_after=0.05
        ),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="429 without Retry-After",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=429, code=-813
        ),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="429 (nothing was done: sent again after the 5 s limit)",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.upload", status=429, code=-813
        ),
        call=_upload,
        reconcile=True,
        expected="success",
        attempts=2,
        creates="file",
        created=1,
    ),
    Scenario(
        fault="429 to a body from a one-shot async iterable",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.upload", status=429, code=-813
        ),
        call=_upload_once,
        expected=ma.RateLimitError,
        attempts=1,
        creates="file",
        created=0,
        status=429,
        code=-813,
        message=INJECTED,
    ),
    Scenario(
        fault="answer slower than the timeout",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.delay("customer_files.list", 2.0),
        call=_list,
        expected=ma.RequestTimeoutError,
        attempts=1,
        timeout=0.3,
    ),
    Scenario(
        fault="answer slower than the timeout",
        call_name="customer_files.upload",
        # Counted once the sandbox is done with the request, late or not.
        inject=lambda sb: sb.faults.delay("customer_files.upload", 0.8),
        settle=1.0,
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
        timeout=0.3,
        cause=ma.RequestTimeoutError,
        reconciled=True,
        says=NOTHING_NEW,
    ),
    Scenario(
        fault="truncated JSON",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.truncate("customer_files.list"),
        call=_list,
        expected=ma.DecodeError,
        attempts=1,
        status=200,
    ),
    *(
        Scenario(
            fault=fault,
            call_name=call_name,
            inject=functools.partial(_spoil, kind=kind, endpoint=call_name),
            call=call,
            reconcile=reconcile,
            expected="reconciled" if reconcile else ma.AmbiguousWriteError,
            attempts=1,
            creates=creates,
            created=1,
            cause=None if reconcile else ma.DecodeError,
            says="" if reconcile else MOST_LIKELY,
        )
        for fault, kind in (
            ("truncated JSON", "truncate"),
            ("empty body with 200", "empty_200"),
        )
        for call_name, call, creates in (
            ("customer_files.upload", _upload, "file"),
            ("audiences.create", _create_audience, "audience"),
        )
        for reconcile in (False, True)
    ),
    Scenario(
        fault="HTML error page (502), once",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.non_json("customer_files.list"),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="HTML error page (502), every time",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.non_json("customer_files.list", times=None),
        call=_list,
        expected=ma.ServerError,
        attempts=4,
        status=502,
        code=None,
        message=HTML_PAGE,
    ),
    Scenario(
        fault="empty body with 200",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.empty_200("customer_files.list"),
        call=_list,
        expected=ma.DecodeError,
        attempts=1,
        status=200,
    ),
    Scenario(
        fault="empty body with 200",
        call_name="customer_files.delete_many",
        inject=lambda sb: sb.faults.empty_200("customer_files.delete_many"),
        call=_delete_many,
        expected=ma.DecodeError,
        attempts=1,
        status=200,
    ),
    *(
        Scenario(
            fault=fault,
            call_name="customer_files.list",
            inject=functools.partial(
                _oversized, endpoint="customer_files.list", **options
            ),
            call=_list,
            expected=ma.ResponseTooLargeError,
            attempts=1,
            timeout=HOSTILE_TIMEOUT,
        )
        for fault, options in (
            ("answer of 64 MiB, with its Content-Length", {}),
            ("answer without end (chunked)", {"size": None}),
            (
                "gzip bomb: 1 MiB that inflates to 1 GiB",
                {"size": GiB, "encoding": "gzip"},
            ),
            (
                "deflate bomb without end (chunked)",
                {"size": None, "encoding": "deflate"},
            ),
        )
    ),
    *(
        Scenario(
            fault="answer of 64 MiB, with its Content-Length",
            call_name="customer_files.upload",
            inject=functools.partial(_oversized, endpoint="customer_files.upload"),
            call=_upload,
            reconcile=reconcile,
            expected="reconciled" if reconcile else ma.AmbiguousWriteError,
            attempts=1,
            creates="file",
            created=1,
            timeout=HOSTILE_TIMEOUT,
            cause=None if reconcile else ma.ResponseTooLargeError,
            says="" if reconcile else "Pass reconcile=True",
        )
        for reconcile in (False, True)
    ),
    Scenario(
        fault="redirect loop, once",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.redirect_loop("customer_files.list"),
        call=_list,
        expected="success",
        attempts=2,
    ),
    Scenario(
        fault="redirect loop, every time",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.redirect_loop("customer_files.list", times=None),
        call=_list,
        expected=ma.TransportError,
        attempts=4,
    ),
    Scenario(
        fault="redirect loop",
        call_name="customer_files.upload",
        inject=lambda sb: sb.faults.redirect_loop("customer_files.upload"),
        call=_upload,
        reconcile=True,
        expected=ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
        cause=ma.TransportError,
        reconciled=True,
        says=NOTHING_NEW,
    ),
    *(
        Scenario(
            fault=f"429 with Retry-After: {value}",
            call_name=call_name,
            inject=functools.partial(_retry_after, endpoint=call_name, value=value),
            seed=seed,
            call=call,
            expected=expected,
            attempts=1 if expected is ma.RateLimitError else 2,
            timeout=HOSTILE_TIMEOUT,
            status=429,
            code=-813,
            message=INJECTED,
        )
        for call_name, call, seed, values in (
            ("customer_files.list", _list, None, HOSTILE_RETRY_AFTER),
            # A rate-limited call: the 429 pauses its limiter key too.
            ("customer_files.get", _get_file, _seed_file, HOSTILE_RETRY_AFTER[:2]),
        )
        for value, expected in values
    ),
    Scenario(
        fault="400 with a message of 10 MB",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=400, code=-2, message=HUGE_MESSAGE
        ),
        call=_list,
        expected=ma.ResponseTooLargeError,
        attempts=1,
    ),
    Scenario(
        fault="400 with a message of 10 MB, the client's bound raised to 16 MiB",
        call_name="customer_files.list",
        inject=lambda sb: sb.faults.fail_next(
            "customer_files.list", status=400, code=-2, message=HUGE_MESSAGE
        ),
        call=_list,
        max_response_bytes=16 * MiB,
        expected=ma.BadRequestError,
        attempts=1,
        status=400,
        code=-2,
        message=HUGE_MESSAGE_KEPT,
    ),
]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _leaks(text: str) -> int:
    return text.count(TOKEN)


async def run(scenario: Scenario, caplog: pytest.LogCaptureFixture) -> Outcome:
    """
    Run *scenario* against a fresh sandbox and report what happened.
    """
    starts: list[ma.RequestStarted] = []
    caplog.clear()
    async with Sandbox(processing_delay=0.01, default_token=None) as sb:
        sb.grant(TOKEN, ACCOUNT)

        def started(event: ma.RequestStarted) -> None:
            first = not any(s.call == scenario.call_name for s in starts)
            starts.append(event)
            if first and event.call == scenario.call_name and scenario.inject_on_send:
                scenario.inject_on_send(sb)

        base_url = sb.url
        if scenario.refused_port:
            base_url = f"http://127.0.0.1:{_closed_port()}/openapi/v4"
        if scenario.seed is not None:
            async with ma.MomentClient(TOKEN, base_url=sb.url) as seeder:
                await scenario.seed(sb, seeder.ad_account(ACCOUNT))
        before = _created(sb, scenario.creates)
        scenario.inject(sb)
        spoiled = _count_spoiled(sb)
        result: str
        error: BaseException | None = None
        answer: object = None
        options: dict[str, Any] = {}
        if scenario.max_response_bytes is not None:
            options["max_response_bytes"] = scenario.max_response_bytes
        with caplog.at_level(logging.DEBUG):
            async with ma.MomentClient(
                TOKEN,
                base_url=base_url,
                retry=FAST,
                timeout=scenario.timeout,
                hooks=ma.RequestHooks(on_start=started),
                **options,
            ) as client:
                began = time.perf_counter()
                try:
                    answer = await scenario.call(
                        client.ad_account(ACCOUNT), scenario.reconcile
                    )
                except ma.MomentError as exc:
                    error = exc
                    result = type(exc).__name__
                else:
                    result = "success"
                    if scenario.expected == "reconciled":
                        result = "reconciled"
                elapsed = time.perf_counter() - began
            await asyncio.sleep(scenario.settle)
        after = _created(sb, scenario.creates)
        created = None if scenario.creates is None else len(after) - len(before)
    text = caplog.text
    if error is not None:
        text += str(error) + repr(error) + repr(error.args)
        text += pickle.dumps(error).decode("latin-1")
        cause = error.__cause__
        if cause is not None:
            text += str(cause) + repr(cause)
    # Requests of the call itself: a reconcile's listing is not an attempt.
    attempts = sum(1 for start in starts if start.call == scenario.call_name)
    faults = attempts if scenario.refused_port else spoiled[0]
    return Outcome(
        scenario,
        result,
        attempts,
        faults,
        created,
        _leaks(text),
        error,
        getattr(answer, "id", None),
        tuple(sorted(set(after) - set(before))),
        elapsed,
    )


def _created(sb: Sandbox, creates: str | None) -> list[int]:
    """
    Return the ids of the objects of kind *creates* the sandbox made through its API.

    Deleted ones are not looked for: no scenario deletes.
    """
    if creates == "file":
        made = [f.id for f in sb.state.customer_files(ACCOUNT) if not f.seeded]
        assert len(made) == sb.state.created_customer_files(ACCOUNT)
        return made
    if creates == "audience":
        made = [a.id for a in sb.state.audiences(ACCOUNT)]
        assert len(made) == sb.state.created_audiences(ACCOUNT)
        return made
    return []


def _count_spoiled(sb: Sandbox) -> list[int]:
    """
    Count, in the returned list's one item, the requests a fault rule spoiled.
    """
    count = [0]
    take = sb.faults.take

    def counting(endpoint: str | None) -> Any:
        plan = take(endpoint)
        if plan.fault is not None or plan.delay:
            count[0] += 1
        return plan

    sb.faults.take = counting  # type: ignore[method-assign]  # a spy on the sandbox
    return count


def _expected_result(scenario: Scenario) -> str:
    if isinstance(scenario.expected, str):
        return scenario.expected
    return scenario.expected.__name__


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(s, id=f"{s.fault} / {s.call_name} / {_expected_result(s)}")
        for s in SCENARIOS
    ],
)
async def test_fault(scenario: Scenario, caplog: pytest.LogCaptureFixture) -> None:
    """Each fault ends as written down: the outcome, the attempts, the creations, no token, in time."""
    outcome = await run(scenario, caplog)

    assert _expected_result(scenario) == outcome.result
    assert scenario.attempts == outcome.attempts
    if scenario.creates is not None:
        assert scenario.created == outcome.created
    assert 0 == outcome.token_leaks
    if scenario.timeout is not None:
        assert outcome.elapsed < scenario.timeout + DEADLINE_MARGIN


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(s, id=f"{s.fault} / {s.call_name} / {_expected_result(s)}")
        for s in SCENARIOS
        if not isinstance(s.expected, str)
    ],
)
async def test_fault_error_says_what_happened(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    """A typed error carries the status, Kakao code and message, the bound passed, or what a create left behind."""
    outcome = await run(scenario, caplog)
    error = outcome.error

    assert isinstance(error, ma.MomentError)
    if isinstance(error, ma.APIError):
        assert (scenario.status, scenario.code, scenario.message) == (
            error.status,
            error.code,
            error.message,
        )
    if isinstance(error, ma.DecodeError):
        assert scenario.status == error.status
    if isinstance(error, ma.ResponseTooLargeError):
        assert (scenario.max_response_bytes or DEFAULT_BOUND, True) == (
            error.limit,
            error.maybe_sent,
        )
    if isinstance(error, ma.AmbiguousWriteError):
        assert scenario.cause is not None
        assert isinstance(error.__cause__, scenario.cause)
        assert scenario.reconciled == error.reconciled
        assert scenario.call_name == error.call
        assert scenario.says in str(error)
        assert "It was not sent again" in str(error)


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(s, id=f"{s.fault} / {s.call_name}")
        for s in SCENARIOS
        if s.expected == "reconciled"
    ],
)
async def test_reconciled_create_returns_what_the_call_made(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    """A reconciled create returns the one object the failed call made, not an older namesake."""
    outcome = await run(scenario, caplog)

    assert 1 == len(outcome.new_ids)
    assert outcome.new_ids[0] == outcome.result_id


def render(outcomes: list[Outcome]) -> str:
    """
    Return the README's fault table for *outcomes*, totals last.
    """
    lines = [
        "| fault injected | call | faults | HTTP attempts | outcome | creations |",
        "|---|---|---:|---:|---|---:|",
    ]
    for o in outcomes:
        s = o.scenario
        if o.result == "success":
            outcome = "succeeded after retry" if o.attempts > 1 else "succeeded"
        elif o.result == "reconciled":
            outcome = "reconciled: returned what the call created"
        elif isinstance(o.error, ma.AmbiguousWriteError) and o.error.reconciled:
            outcome = f"`{o.result}` (reconciled)"
        else:
            outcome = f"`{o.result}`"
        created = "-" if o.created is None else str(o.created)
        call = f"`{s.call_name}`" + (", reconcile" if s.reconcile else "")
        lines.append(
            f"| {s.fault} | {call} | {o.faults} | {o.attempts} | {outcome} | {created} |"
        )
    calls = len(outcomes)
    retried = sum(1 for o in outcomes if o.result == "success" and o.attempts > 1)
    reconciled = sum(1 for o in outcomes if o.result == "reconciled")
    typed = sum(1 for o in outcomes if o.result not in ("success", "reconciled"))
    duplicates = sum(max((o.created or 0) - 1, 0) for o in outcomes)
    leaks = sum(o.token_leaks for o in outcomes)
    faults = sum(o.faults for o in outcomes)
    lines += [
        "",
        f"Totals: {faults} faults injected over {calls} calls; "
        f"{retried} succeeded after retry, {reconciled} reconciled, "
        f"{typed} typed errors raised; **{duplicates} duplicate "
        f"writes**; **{leaks} tokens found** in DEBUG logs, exception texts and "
        "pickles.",
    ]
    return "\n".join(lines)


async def test_readme_fault_table_is_current(caplog: pytest.LogCaptureFixture) -> None:
    """The README's table is what this run produced; duplicates and leaked tokens are 0."""
    outcomes = [await run(scenario, caplog) for scenario in SCENARIOS]
    table = render(outcomes)
    print(table)  # noqa: T201  # the figures for the note, with -s

    assert 0 == sum(max((o.created or 0) - 1, 0) for o in outcomes)
    assert 0 == sum(o.token_leaks for o in outcomes)
    readme = README.read_text(encoding="utf-8")
    start, end = readme.index(START) + len(START), readme.index(END)
    if os.environ.get("MOMENT_UPDATE_README") == "1":
        README.write_text(readme[:start] + "\n" + table + "\n" + readme[end:], "utf-8")
        readme = README.read_text(encoding="utf-8")
        # The table's length changed: find its end again.
        start, end = readme.index(START) + len(START), readme.index(END)
    assert table == readme[start:end].strip()
