"""
Fault injection: error answers, HTML pages, dropped connections, broken bodies, delays.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from moment_async.sandbox import Sandbox

from ._api import ADIDS, Api, csv_of

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


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
