"""
Per-call options: ``client.with_options(...)`` copies, and ``retry=`` on every call.

Against the sandbox over loopback: a copy must share the client's
connections, limiter, token and closing, and change only what it says.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest

import moment_async as ma
from moment_async._session import Session
from moment_async.resources import Audiences, CustomerFiles
from moment_async.sandbox import Sandbox
from moment_async.testing import Request, Response, json_response

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
#: Retries without waiting, so a test that retries stays fast.
QUICK = ma.RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002)


@pytest.fixture
async def client(moment_sandbox: Sandbox):
    """
    Give a client of the sandbox with quick retries.
    """
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url, retry=QUICK
    ) as client:
        yield client


# Sharing.


async def test_the_client_itself_calls_through_its_session_alone(client):
    """Copies cost the client nothing: its own views hold the session, not a wrapper."""
    client.with_options(timeout=5)

    files = client.ad_account(ACCOUNT).customer_files

    assert type(files._session) is Session


async def test_a_copy_reuses_the_clients_pooled_connection(moment_sandbox):
    """A call through the copy takes the connection the client's call left in the pool."""
    transport = ma.AiohttpTransport()
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url, transport=transport
    ) as client:
        await client.ad_account(ACCOUNT).customer_files.list()
        copy = client.with_options(timeout=30, headers={"X-Job": "copy"})
        await copy.ad_account(ACCOUNT).customer_files.list()
        sockets = list(transport._session.connector.sockets)  # type: ignore[union-attr]

    assert 1 == len(sockets)
    assert [None, "copy"] == [r.headers.get("X-Job") for r in moment_sandbox.requests]


async def test_a_copy_shares_the_rate_limiter(moment_sandbox):
    """The copy's calls count on the client's limiter: a slot the client took is taken."""
    file = moment_sandbox.seed_customer_file(ACCOUNT)
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN,
        base_url=moment_sandbox.url,
        limiter=ma.KeyedLimiter(wait=False),
    ) as client:
        await client.ad_account(ACCOUNT).customer_files.get(file.id)
        copy = client.with_options(timeout=30)

        with pytest.raises(ma.RateLimitError):
            await copy.ad_account(ACCOUNT).customer_files.get(file.id)

    assert 1 == moment_sandbox.count("customer_files.get")


async def test_a_copy_shares_the_token_and_its_refresh(moment_sandbox):
    """A token the provider refreshed for a copy's call is the client's too: asked once."""
    tokens = iter(["stale-token", Sandbox.DEFAULT_TOKEN])
    asked: list[int] = []

    async def provider() -> str:
        asked.append(1)
        return next(tokens)

    async with ma.MomentClient(provider, base_url=moment_sandbox.url) as client:
        copy = client.with_options(headers={"X-Job": "copy"})
        await copy.ad_account(ACCOUNT).customer_files.list()
        await client.ad_account(ACCOUNT).customer_files.list()
        await copy.with_options(timeout=9).ad_account(ACCOUNT).audiences.list()

    assert 2 == len(asked)  # the first token, then one refresh after its 401
    assert [401, 200, 200, 200] == [r.status for r in moment_sandbox.requests]


async def test_closing_a_copy_closes_nothing(client):
    """Leaving a copy's block, or its aclose(), leaves the client and the copy working."""
    async with client.with_options(timeout=30) as copy:
        await copy.ad_account(ACCOUNT).customer_files.list()
    await copy.aclose()

    files = await client.ad_account(ACCOUNT).customer_files.list()
    again = await copy.ad_account(ACCOUNT).customer_files.list()

    assert ([], []) == (files, again)
    assert "open, a copy with options" in repr(copy)


async def test_closing_the_client_ends_its_copies(moment_sandbox):
    """Once the client is closed, a copy's calls raise ClientClosedError."""
    client = ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url)
    copy = client.with_options(timeout=30)
    await copy.ad_account(ACCOUNT).customer_files.list()

    await client.aclose()

    with pytest.raises(ma.ClientClosedError):
        await copy.ad_account(ACCOUNT).customer_files.list()
    assert "closed, a copy with options" in repr(copy)


# What a copy changes.


async def test_a_copys_timeout_bounds_its_calls_only(client, moment_sandbox):
    """A copy with timeout=0.2 gives up on a slow answer; the client waits for it."""
    moment_sandbox.faults.delay("customer_files.list", 0.6)
    hasty = client.with_options(timeout=0.2)

    with pytest.raises(ma.RequestTimeoutError):
        await hasty.ad_account(ACCOUNT).customer_files.list()
    files = await client.ad_account(ACCOUNT).customer_files.list()

    assert [] == files


async def test_a_calls_own_timeout_wins_over_the_copys(client, moment_sandbox):
    """timeout= on the call replaces the copy's, as it replaces the client's."""
    moment_sandbox.faults.delay("customer_files.list", 0.3, times=1)
    hasty = client.with_options(timeout=0.05)

    files = await hasty.ad_account(ACCOUNT).customer_files.list(timeout=5)

    assert [] == files


async def test_a_copy_adds_its_headers_to_every_request(client, moment_sandbox):
    """headers= go with each request of the copy; User-Agent replaces the client's."""
    copy = client.with_options(headers={"X-Job": "nightly", "user-agent": "shop/2.0"})

    await copy.ad_account(ACCOUNT).customer_files.list()
    await copy.ad_account(ACCOUNT).audiences.list()
    await client.ad_account(ACCOUNT).customer_files.list()

    seen = [
        (r.headers.get("X-Job"), r.headers.getall("User-Agent"))
        for r in moment_sandbox.requests
    ]
    client_agent = seen[2][1]
    assert [("nightly", ["shop/2.0"]), ("nightly", ["shop/2.0"])] == seen[:2]
    assert None is seen[2][0]
    assert client_agent[0].startswith("moment-async/")


async def test_a_copy_of_a_copy_keeps_and_adds(client, moment_sandbox):
    """A copy's copy keeps the first copy's options and adds its own headers."""
    first = client.with_options(timeout=0.2, headers={"X-Job": "nightly"})
    second = first.with_options(headers={"X-Step": "2"})
    moment_sandbox.faults.delay("customer_files.list", 0.6, times=1)

    with pytest.raises(ma.RequestTimeoutError):
        await second.ad_account(ACCOUNT).customer_files.list()
    await second.ad_account(ACCOUNT).audiences.list()

    last = moment_sandbox.requests[-1].headers
    assert ("nightly", "2") == (last.get("X-Job"), last.get("X-Step"))


async def test_a_copys_answer_bound_is_its_own(client):
    """max_response_bytes on a copy refuses a bigger answer; the client reads it."""
    small = client.with_options(max_response_bytes=1)

    with pytest.raises(ma.ResponseTooLargeError):
        await small.ad_account(ACCOUNT).customer_files.list()
    files = await client.ad_account(ACCOUNT).customer_files.list()

    assert [] == files


async def test_a_copys_upload_bound_is_its_own(client, moment_sandbox):
    """max_upload_bytes on a copy refuses a bigger upload before anything is sent."""
    csv = b"adid\n" + b"00000000-aaaa-4bbb-8ccc-000000000001\n"
    small = client.with_options(max_upload_bytes=10)

    with pytest.raises(ma.ValidationError, match="at most 10 bytes"):
        await small.ad_account(ACCOUNT).customer_files.upload("x", [("a.csv", csv)])

    assert 0 == len(moment_sandbox.requests)


async def test_a_copys_for_each_account_uses_its_options(client, moment_sandbox):
    """for_each_account on a copy runs every job with the copy's options."""
    copy = client.with_options(headers={"X-Job": "fan-out"})

    async def count(acct: ma.AdAccount) -> int:
        return len(await acct.customer_files.list())

    results = await copy.for_each_account([ACCOUNT], count)

    assert [0] == [result.value for result in results]
    assert "fan-out" == moment_sandbox.requests[-1].headers.get("X-Job")


async def test_raw_answers_work_on_a_copy(client, moment_sandbox):
    """with_raw_response through a copy sends the copy's headers and returns the answer."""
    copy = client.with_options(headers={"X-Job": "raw"})

    raw = await copy.ad_account(ACCOUNT).customer_files.with_raw_response.list()

    assert (200, []) == (raw.status, raw.parsed)
    assert "raw" == moment_sandbox.requests[-1].headers.get("X-Job")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Bearer x"}, id="authorization"),
        pytest.param({"authorization": "Bearer x"}, id="authorization-lowercase"),
        pytest.param({"Proxy-Authorization": "Basic x"}, id="proxy-authorization"),
        pytest.param({"adAccountId": "1"}, id="ad-account-id"),
        pytest.param({"Content-Type": "text/plain"}, id="content-type"),
        pytest.param({"Content-Length": "1"}, id="content-length"),
        pytest.param({"Transfer-Encoding": "chunked"}, id="transfer-encoding"),
        pytest.param({"Host": "example.com"}, id="host"),
        pytest.param({"Connection": "close"}, id="connection"),
        pytest.param({"Accept-Encoding": "br"}, id="accept-encoding"),
        pytest.param({"Content-Encoding": "gzip"}, id="content-encoding"),
        pytest.param({"Expect": "100-continue"}, id="expect"),
        pytest.param({"TE": "trailers"}, id="te"),
        pytest.param({"Trailer": "X-A"}, id="trailer"),
        pytest.param({"Upgrade": "h2c"}, id="upgrade"),
        pytest.param({"Keep-Alive": "timeout=5"}, id="keep-alive"),
        pytest.param({"Proxy-Connection": "close"}, id="proxy-connection"),
        pytest.param({"Cookie": "a=b"}, id="cookie"),
        pytest.param({"X-A": " lead"}, id="leading-space"),
        pytest.param({"X-A": "trail\t"}, id="trailing-tab"),
        pytest.param({"X-A\r\nX-B": "1"}, id="crlf-in-name"),
        pytest.param({"X A": "1"}, id="space-in-name"),
        pytest.param({"": "1"}, id="empty-name"),
        pytest.param({"X-A": "1\r\nX-B: 2"}, id="crlf-in-value"),
        pytest.param({"X-A": "a\x00b"}, id="nul-in-value"),
        pytest.param({"X-A": "caf\u00e9"}, id="non-ascii-value"),
        pytest.param({"X-A": 1}, id="int-value"),
        pytest.param({1: "a"}, id="int-name"),
        pytest.param([("X-A", "1")], id="not-a-mapping"),
    ],
)
async def test_headers_that_could_break_a_call_are_refused(
    client, moment_sandbox, headers
):
    """Owned headers, non-token names and control or non-ASCII values are a ValidationError."""
    with pytest.raises(ma.ValidationError, match="header"):
        client.with_options(headers=headers)

    assert 0 == len(moment_sandbox.requests)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"timeout": -1}, id="negative-timeout"),
        pytest.param({"retry": 3}, id="retry-not-a-policy"),
        pytest.param({"max_response_bytes": 0}, id="zero-bound"),
        pytest.param({"max_upload_bytes": "big"}, id="str-bound"),
    ],
)
def test_bad_options_are_refused_before_copying(kwargs):
    """with_options checks every option at once: a ValidationError, no copy."""
    client = ma.MomentClient("t", transport=ma.MockTransport(empty_list))

    with pytest.raises(ma.ValidationError):
        client.with_options(**kwargs)


# retry= on every call.


async def test_retry_never_tries_a_call_once(client, moment_sandbox):
    """retry=RetryPolicy.never() raises the first 503; the client's policy would retry it."""
    moment_sandbox.faults.fail_next("customer_files.list", times=1)

    with pytest.raises(ma.ServerError):
        await client.ad_account(ACCOUNT).customer_files.list(
            retry=ma.RetryPolicy.never()
        )
    moment_sandbox.faults.fail_next("customer_files.list", times=1)
    files = await client.ad_account(ACCOUNT).customer_files.list()

    assert [] == files
    assert [503, 503, 200] == [r.status for r in moment_sandbox.requests]


async def test_a_calls_retry_wins_over_a_copys(client, moment_sandbox):
    """A copy that never retries still retries a call given its own policy."""
    never = client.with_options(retry=ma.RetryPolicy.never())
    moment_sandbox.faults.fail_next("audiences.list", times=1)

    audiences = await never.ad_account(ACCOUNT).audiences.list(retry=QUICK)
    moment_sandbox.faults.fail_next("audiences.list", times=1)
    with pytest.raises(ma.ServerError):
        await never.ad_account(ACCOUNT).audiences.list()

    assert [] == audiences


async def test_retry_that_is_not_a_policy_is_refused_before_sending(
    client, moment_sandbox
):
    """retry= takes a RetryPolicy: anything else is a ValidationError, and nothing is sent."""
    with pytest.raises(ma.ValidationError, match="retry must be a RetryPolicy"):
        await client.ad_account(ACCOUNT).customer_files.list(retry=0)

    assert 0 == len(moment_sandbox.requests)


def public_calls() -> list[object]:
    """
    Return every public coroutine of both resource classes, as test parameters.
    """
    return [
        pytest.param(member, id=f"{cls.__name__}.{name}")
        for cls in (CustomerFiles, Audiences)
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    ]


@pytest.mark.parametrize("call", public_calls())
def test_every_call_takes_a_keyword_only_retry(call):
    """Each documented call (and each waiter) takes retry=, keyword-only, None by default."""
    parameter = inspect.signature(call).parameters.get("retry")

    assert parameter is not None
    assert inspect.Parameter.KEYWORD_ONLY == parameter.kind
    assert None is parameter.default


async def test_a_wait_polls_with_the_given_retry(client, moment_sandbox):
    """wait_until_ready hands retry= to each poll: never() raises the first 503."""
    file = moment_sandbox.seed_customer_file(ACCOUNT)
    moment_sandbox.faults.fail_next("customer_files.get", times=1)

    with pytest.raises(ma.ServerError):
        await client.ad_account(ACCOUNT).customer_files.wait_until_ready(
            file.id, retry=ma.RetryPolicy.never()
        )


async def empty_list(request: Request) -> Response:
    """
    Answer every call with an empty JSON list.
    """
    return json_response([])


async def test_the_client_and_its_copies_serve_concurrent_tasks(client):
    """Copies made and used by many tasks at once all work on the one session."""

    async def job(i: int) -> int:
        copy = client.with_options(headers={"X-Task": str(i)})
        return len(await copy.ad_account(ACCOUNT).customer_files.list())

    results = await asyncio.gather(*(job(i) for i in range(50)))

    assert [0] * 50 == results
