"""
The two documented rate limits: 429 inside the 5-second window, served again after it.
"""

from __future__ import annotations

import pytest

from moment_async.sandbox import Clock, Sandbox

from ._api import ADIDS, Api, csv_of, form

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


async def test_detail_twice_within_five_seconds_is_429(
    api: Api, sandbox: Sandbox
) -> None:
    """A second detail call on one file within 5 s is refused, and served after the window."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id

    first = await api.call("GET", f"/customerFiles/{file_id}")
    second = await api.call("GET", f"/customerFiles/{file_id}")
    sandbox.clock.advance(5)
    third = await api.call("GET", f"/customerFiles/{file_id}")

    assert [200, 429, 200] == [first.status, second.status, third.status]
    assert {"code", "msg", "extras"} == set(second.json)
    assert (-813, "KakaoMomentException", 31901) == (
        second.json["code"],
        second.json["msg"],
        second.detail_code,
    )
    assert "Retry-After" not in second.headers


async def test_the_window_is_per_customer_file(api: Api, sandbox: Sandbox) -> None:
    """Two different files do not share a window."""
    first = sandbox.seed_customer_file(ACCOUNT).id
    second = sandbox.seed_customer_file(ACCOUNT).id

    answers = [await api.call("GET", f"/customerFiles/{i}") for i in (first, second)]

    assert [200, 200] == [answer.status for answer in answers]


async def test_detail_and_edits_share_the_window(api: Api, sandbox: Sandbox) -> None:
    """Detail, edit with file and edit with URL count against one window per file."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    url_id = sandbox.seed_customer_file(
        ACCOUNT, source_url="https://example.com/a.csv"
    ).id
    await api.call("GET", f"/customerFiles/{file_id}")
    await api.call("GET", f"/customerFiles/{url_id}")

    by_file = await api.call(
        "PUT", "/customerFiles", data=form([("a.csv", csv_of(*ADIDS))], id=str(file_id))
    )
    by_url = await api.call(
        "PUT",
        "/customerFiles/url",
        json={
            "id": url_id,
            "fileType": "ADID",
            "sourceUrl": "https://example.com/b.csv",
        },
    )

    assert (429, 429) == (by_file.status, by_url.status)


async def test_a_refused_call_does_not_move_the_window(
    api: Api, sandbox: Sandbox
) -> None:
    """Calls refused with 429 do not restart the 5 s; the first accepted call does."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    await api.call("GET", f"/customerFiles/{file_id}")
    sandbox.clock.advance(3)
    refused = await api.call("GET", f"/customerFiles/{file_id}")
    sandbox.clock.advance(2)

    served = await api.call("GET", f"/customerFiles/{file_id}")

    assert (429, 200) == (refused.status, served.status)


async def test_registrations_are_limited_per_token_and_account(
    api: Api, sandbox: Sandbox
) -> None:
    """Upload and URL registration share one window per token + ad account."""
    sandbox.grant("other-token", ACCOUNT)
    sandbox.grant(Sandbox.DEFAULT_TOKEN, 2000)

    first = await api.upload("one", csv_of(*ADIDS))
    by_url = await api.register_url("two", "https://example.com/a.csv")
    other_token = await api.upload("three", csv_of(*ADIDS), token="other-token")
    other_account = await api.upload("four", csv_of(*ADIDS), account=2000)
    sandbox.clock.advance(5)
    later = await api.register_url("five", "https://example.com/a.csv")

    assert [200, 429, 200, 200, 200] == [
        first.status,
        by_url.status,
        other_token.status,
        other_account.status,
        later.status,
    ]
    assert 31902 == by_url.detail_code
    assert 3 == sandbox.state.created_customer_files(ACCOUNT)


async def test_the_window_has_a_little_slack_for_the_wire(
    api: Api, sandbox: Sandbox
) -> None:
    """A call 4.95 s after the last is served: the slack covers network jitter."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    await api.call("GET", f"/customerFiles/{file_id}")
    sandbox.clock.advance(4.95)

    answer = await api.call("GET", f"/customerFiles/{file_id}")

    assert 200 == answer.status


async def test_rate_limits_can_be_switched_off(api: Api) -> None:
    """With rate_limits=False back-to-back calls are all served."""
    async with Sandbox(clock=Clock.manual(), rate_limits=False) as sandbox:
        api.sandbox = sandbox
        file_id = sandbox.seed_customer_file(ACCOUNT).id
        answers = [await api.call("GET", f"/customerFiles/{file_id}") for _ in range(3)]

    assert [200, 200, 200] == [answer.status for answer in answers]


@pytest.mark.parametrize(("waited", "expected"), [(0.0, "5"), (1.5, "4"), (4.5, "1")])
async def test_retry_after_is_sent_when_asked_for(
    api: Api, waited: float, expected: str
) -> None:
    """With retry_after=True a 429 says how many whole seconds are left."""
    async with Sandbox(clock=Clock.manual(), retry_after=True) as sandbox:
        api.sandbox = sandbox
        file_id = sandbox.seed_customer_file(ACCOUNT).id
        await api.call("GET", f"/customerFiles/{file_id}")
        sandbox.clock.advance(waited)
        answer = await api.call("GET", f"/customerFiles/{file_id}")

    assert (429, expected) == (answer.status, answer.headers["Retry-After"])
