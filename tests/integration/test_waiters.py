"""
wait_until_ready against the sandbox over loopback: the lifecycles it runs, end to end.

The sandbox's clock runs in real time with a short processing delay; the
client's limiter is off (and the sandbox's too) so the polls can come
faster than the documented 5 s: what is tested there is where each
lifecycle ends. One test runs with both limits on and a real processing
delay of seconds: the polls keep the documented spacing and see no 429.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
ADIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 201)]
CSV = ("\n".join(ADIDS) + "\n").encode()
#: Seconds from a registration to its result on the sandbox.
DELAY = 0.2
POLL = 0.02
#: The documented limit: one detail call every 5 s per customer file.
SPACING = 5.0
#: A processing delay that takes three spaced polls: WAITING at about 0
#: and 5.5 s, COMPLETE at about 10.5 s (the limiter's first wait is a full
#: spacing from the second poll's start, a little more than needed).
SLOW_DELAY = 7.0


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A real-time sandbox whose files and audiences are ready after DELAY seconds.
    """
    async with Sandbox(processing_delay=DELAY, rate_limits=False) as sb:
        yield sb


@pytest.fixture
async def acct(sandbox: Sandbox) -> AsyncIterator[ma.AdAccount]:
    """
    The default ad account through a client without a limiter.
    """
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=sandbox.url, limiter=False
    ) as client:
        yield client.ad_account(ACCOUNT)


async def test_uploaded_file_is_returned_complete(acct):
    """An upload of valid ADIDs goes WAITING then COMPLETE; the wait returns it with its population."""
    upload = await acct.customer_files.upload("buyers", [("a.csv", CSV)])
    started = time.monotonic()

    ready = await acct.customer_files.wait_until_ready(
        upload.id, max_wait=10, poll_interval=POLL
    )

    assert (upload.id, ma.CustomerFileStatus.COMPLETE) == (ready.id, ready.status)
    assert 140 == ready.population_score
    assert DELAY <= time.monotonic() - started < 5


async def test_file_without_a_valid_adid_fails_with_error(acct):
    """A CSV with no valid ADID ends in ERROR: the wait raises ResourceFailedError."""
    upload = await acct.customer_files.upload("bad", [("a.csv", b"not-an-adid\n")])

    with pytest.raises(ma.ResourceFailedError) as info:
        await acct.customer_files.wait_until_ready(
            upload.id, max_wait=10, poll_interval=POLL
        )

    assert "ERROR" == info.value.status
    assert isinstance(info.value.resource, ma.CustomerFile)
    assert upload.id == info.value.resource.id


async def test_url_that_serves_no_csv_fails_with_transform_error(acct):
    """A URL registration whose URL is not a CSV ends in TRANSFORM_ERROR."""
    registered = await acct.customer_files.register_url(
        "from url", "https://example.com/ids.txt"
    )

    with pytest.raises(ma.ResourceFailedError) as info:
        await acct.customer_files.wait_until_ready(
            registered.id, max_wait=10, poll_interval=POLL
        )

    assert "TRANSFORM_ERROR" == info.value.status


async def test_url_content_without_valid_adids_fails_with_error(sandbox, acct):
    """A URL whose CSV holds no valid ADID (set_url_content) ends in ERROR."""
    url = "https://example.com/bad.csv"
    sandbox.set_url_content(url, b"adid\nnot-an-adid\n12345\n")
    registered = await acct.customer_files.register_url("bad url", url)

    with pytest.raises(ma.ResourceFailedError) as info:
        await acct.customer_files.wait_until_ready(
            registered.id, max_wait=10, poll_interval=POLL
        )

    assert "ERROR" == info.value.status


async def test_slow_extraction_times_out(acct, sandbox):
    """A file not extracted within the timeout raises WaitTimeoutError with the file WAITING."""
    record = sandbox.seed_customer_file(ACCOUNT, "slow", ready=False)
    started = time.monotonic()

    with pytest.raises(ma.WaitTimeoutError) as info:
        await acct.customer_files.wait_until_ready(
            record.id, max_wait=DELAY / 4, poll_interval=POLL
        )

    assert isinstance(info.value.resource, ma.CustomerFile)
    assert ma.CustomerFileStatus.WAITING == info.value.resource.status
    assert time.monotonic() - started < 2


async def test_audience_leaves_standby_available(acct):
    """A new audience is STANDBY, then AVAILABLE: the wait returns it with its population."""
    spec = ma.AudienceSpec(name="everyone", type=ma.AudienceType.DISPLAY)
    created = await acct.audiences.create(spec)
    assert ma.AudienceStatus.STANDBY == created.status

    ready = await acct.audiences.wait_until_ready(
        created.id, max_wait=10, poll_interval=POLL
    )

    assert (created.id, ma.AudienceStatus.AVAILABLE) == (ready.id, ready.status)
    assert 1_000_000 == ready.population_score


async def test_audience_of_too_few_people_is_returned_seed_not_enough(acct):
    """An audience of a 10-ADID file ends SEED_NOT_ENOUGH, which the wait returns."""
    small = ("\n".join(ADIDS[:10]) + "\n").encode()
    upload = await acct.customer_files.upload("few", [("few.csv", small)])
    await acct.customer_files.wait_until_ready(
        upload.id, max_wait=10, poll_interval=POLL
    )
    spec = ma.AudienceSpec(
        name="few",
        type=ma.AudienceType.DISPLAY,
        customer_file_targetings=(ma.CustomerFileTargeting(id=upload.id),),
    )
    created = await acct.audiences.create(spec)

    ready = await acct.audiences.wait_until_ready(
        created.id, max_wait=10, poll_interval=POLL
    )

    assert ma.AudienceStatus.SEED_NOT_ENOUGH == ready.status
    assert 7 == ready.population_score


async def test_polls_keep_the_documented_spacing_against_the_real_limit():
    """With the sandbox's 5 s limit and the client's limiter on, polling every 0.5 s sees no 429: the polls come 5 s apart."""
    async with (
        Sandbox(processing_delay=SLOW_DELAY, rate_limits=True) as sandbox,
        ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sandbox.url) as client,
    ):
        files = client.ad_account(ACCOUNT).customer_files
        upload = await files.upload("buyers", [("a.csv", CSV)])
        started = time.monotonic()

        ready = await files.wait_until_ready(upload.id, max_wait=14, poll_interval=0.5)

        elapsed = time.monotonic() - started
        polls = [
            record
            for record in sandbox.requests
            if record.endpoint == "customer_files.get"
        ]

    assert ma.CustomerFileStatus.COMPLETE == ready.status
    assert 0 == sandbox.count(status=429)
    assert [200, 200, 200] == [record.status for record in polls]
    gaps = [b.time - a.time for a, b in itertools.pairwise(polls)]
    # The limiter hands out slots 5 s apart; allow 10 ms of wire time.
    assert min(gaps) >= SPACING - 0.01, gaps
    assert SLOW_DELAY <= elapsed < 13
