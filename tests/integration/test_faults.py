"""
Faults injected into the sandbox over real loopback HTTP, and what the client does about each.

Every scenario writes down its expected outcome (retried and succeeded,
reconciled, or a typed error) and is checked on its own. Together they
produce the fault table in the README: ``test_readme_fault_table_is_current``
runs them all, renders the table and compares it with the README's (set
``MOMENT_UPDATE_README=1`` to rewrite it after a deliberate change).
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import socket
from collections.abc import Awaitable, Callable
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
README: Final = Path(__file__).parents[2] / "README.md"
START: Final = "<!-- fault-table:start -->"
END: Final = "<!-- fault-table:end -->"

Call = Callable[[ma.AdAccount], Awaitable[object]]


@attrs.frozen
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
    #: "file" or "audience" for creates: how many must exist afterwards.
    creates: str | None = None
    created: int = 0
    timeout: float | None = None
    refused_port: bool = False


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


def _list(acct: ma.AdAccount) -> Awaitable[object]:
    return acct.customer_files.list()


def _upload(*, reconcile: bool) -> Call:
    def call(acct: ma.AdAccount) -> Awaitable[object]:
        return acct.customer_files.upload(
            "buyers", [("a.csv", CSV)], reconcile=reconcile
        )

    return call


def _register(acct: ma.AdAccount) -> Awaitable[object]:
    return acct.customer_files.register_url("by url", "https://example.com/a.csv")


def _create_audience(acct: ma.AdAccount) -> Awaitable[object]:
    spec = ma.AudienceSpec(name="all adults", type=ma.AudienceType.DISPLAY)
    return acct.audiences.create(spec, reconcile=True)


def _fail_list(sb: Sandbox, *, status: int) -> object:
    return sb.faults.fail_next("customer_files.list", status=status, code=-813)


def _delete_many(acct: ma.AdAccount) -> Awaitable[object]:
    return acct.customer_files.delete_many([1, 2])


SCENARIOS: Final = [
    Scenario(
        "connection refused",
        "customer_files.list",
        lambda sb: None,
        _list,
        ma.ConnectError,
        attempts=4,
        refused_port=True,
    ),
    Scenario(
        "connection refused",
        "customer_files.upload",
        lambda sb: None,
        _upload(reconcile=False),
        ma.ConnectError,
        attempts=4,
        refused_port=True,
    ),
    Scenario(
        "reset before the request body",
        "customer_files.list",
        lambda sb: sb.faults.drop_connection("customer_files.list"),
        _list,
        "success",
        attempts=2,
    ),
    Scenario(
        "reset before the request body",
        "customer_files.upload",
        lambda sb: sb.faults.drop_connection("customer_files.upload"),
        _upload(reconcile=True),
        ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
    ),
    Scenario(
        "reset after the request body",
        "customer_files.upload",
        lambda sb: sb.faults.drop_connection("customer_files.upload", after_body=True),
        _upload(reconcile=True),
        "reconciled",
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        "reset after the request body",
        "customer_files.upload",
        lambda sb: sb.faults.drop_connection("customer_files.upload", after_body=True),
        _upload(reconcile=False),
        ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        "reset after the request body",
        "customer_files.register_url",
        lambda sb: sb.faults.drop_connection(
            "customer_files.register_url", after_body=True
        ),
        _register,
        ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=1,
    ),
    Scenario(
        "reset after the request body",
        "audiences.create",
        lambda sb: sb.faults.drop_connection("audiences.create", after_body=True),
        _create_audience,
        "reconciled",
        attempts=1,
        creates="audience",
        created=1,
    ),
    Scenario(
        "server closes mid-response",
        "customer_files.list",
        lambda sb: sb.faults.drop_connection("customer_files.list", mid_response=True),
        _list,
        "success",
        attempts=2,
    ),
    Scenario(
        "500",
        "customer_files.list",
        lambda sb: sb.faults.fail_next("customer_files.list", status=500, code=-1),
        _list,
        ma.ServerError,
        attempts=1,
    ),
    *(
        Scenario(
            str(status),
            "customer_files.list",
            functools.partial(_fail_list, status=status),
            _list,
            "success",
            attempts=2,
        )
        for status in (502, 503, 504)
    ),
    Scenario(
        "503 maintenance (-9798), every time",
        "customer_files.list",
        lambda sb: sb.faults.fail_next("customer_files.list", times=None),
        _list,
        ma.ServerError,
        attempts=4,
    ),
    Scenario(
        "503 with a permanent code (-5)",
        "customer_files.list",
        lambda sb: sb.faults.fail_next(
            "customer_files.list", status=503, code=-5, times=None
        ),
        _list,
        ma.ServerError,
        attempts=1,
    ),
    Scenario(
        "503",
        "customer_files.upload",
        lambda sb: sb.faults.fail_next("customer_files.upload", status=503, code=-813),
        _upload(reconcile=True),
        ma.AmbiguousWriteError,
        attempts=1,
        creates="file",
        created=0,
    ),
    Scenario(
        "429 with Retry-After",
        "customer_files.list",
        lambda sb: sb.faults.fail_next(
            "customer_files.list", status=429, code=-813, retry_after=0.05
        ),
        _list,
        "success",
        attempts=2,
    ),
    Scenario(
        "429 without Retry-After",
        "customer_files.list",
        lambda sb: sb.faults.fail_next("customer_files.list", status=429, code=-813),
        _list,
        "success",
        attempts=2,
    ),
    Scenario(
        "429",
        "customer_files.upload",
        lambda sb: sb.faults.fail_next("customer_files.upload", status=429, code=-813),
        _upload(reconcile=True),
        ma.RateLimitError,
        attempts=1,
        creates="file",
        created=0,
    ),
    Scenario(
        "answer slower than the timeout",
        "customer_files.list",
        lambda sb: sb.faults.delay("customer_files.list", 2.0),
        _list,
        ma.RequestTimeoutError,
        attempts=1,
        timeout=0.3,
    ),
    Scenario(
        "truncated JSON",
        "customer_files.list",
        lambda sb: sb.faults.truncate("customer_files.list"),
        _list,
        ma.DecodeError,
        attempts=1,
    ),
    Scenario(
        "HTML error page (502), once",
        "customer_files.list",
        lambda sb: sb.faults.non_json("customer_files.list"),
        _list,
        "success",
        attempts=2,
    ),
    Scenario(
        "HTML error page (502), every time",
        "customer_files.list",
        lambda sb: sb.faults.non_json("customer_files.list", times=None),
        _list,
        ma.ServerError,
        attempts=4,
    ),
    Scenario(
        "empty body with 200",
        "customer_files.list",
        lambda sb: sb.faults.empty_200("customer_files.list"),
        _list,
        ma.DecodeError,
        attempts=1,
    ),
    Scenario(
        "empty body with 200",
        "customer_files.delete_many",
        lambda sb: sb.faults.empty_200("customer_files.delete_many"),
        _delete_many,
        ma.DecodeError,
        attempts=1,
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
    hooks = ma.RequestHooks(on_start=starts.append)
    caplog.clear()
    async with Sandbox(processing_delay=0.01, default_token=None) as sb:
        sb.grant(TOKEN, ACCOUNT)
        base_url = sb.url
        if scenario.refused_port:
            base_url = f"http://127.0.0.1:{_closed_port()}/openapi/v4"
        scenario.inject(sb)
        spoiled = _count_spoiled(sb)
        result: str
        error: BaseException | None = None
        with caplog.at_level(logging.DEBUG):
            async with ma.MomentClient(
                TOKEN,
                base_url=base_url,
                retry=FAST,
                timeout=scenario.timeout,
                hooks=hooks,
            ) as client:
                try:
                    answer = await scenario.call(client.ad_account(ACCOUNT))
                except ma.MomentError as exc:
                    error = exc
                    result = type(exc).__name__
                else:
                    del answer
                    result = "success"
                    if scenario.expected == "reconciled":
                        result = "reconciled"
        created: int | None = None
        if scenario.creates == "file":
            created = sb.state.created_customer_files(ACCOUNT)
        elif scenario.creates == "audience":
            created = sb.state.created_audiences(ACCOUNT)
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
    return Outcome(scenario, result, attempts, faults, created, _leaks(text))


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
    """Each fault ends as written down: the outcome, the attempts, the creations, no token."""
    outcome = await run(scenario, caplog)

    assert _expected_result(scenario) == outcome.result
    assert scenario.attempts == outcome.attempts
    if scenario.creates is not None:
        assert scenario.created == outcome.created
    assert 0 == outcome.token_leaks


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
        else:
            outcome = f"`{o.result}`"
        created = "-" if o.created is None else str(o.created)
        lines.append(
            f"| {s.fault} | `{s.call_name}` | {o.faults} | {o.attempts} | {outcome} | {created} |"
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
    assert table == readme[start:end].strip()
