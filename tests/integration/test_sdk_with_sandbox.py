"""
The SDK against the sandbox over real loopback HTTP: every call, every refusal, the rate limits.

The two are written from the documents independently, so agreement here
checks both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

import moment_async as ma
from moment_async.sandbox import Clock, Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
ADIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 101)]
CSV = ("\n".join(["adid", *ADIDS, "not-an-adid", ADIDS[0].upper()]) + "\n").encode()
DISPLAY = ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox on a clock the test moves, with the rate limits on.
    """
    async with Sandbox(clock=Clock.manual(), processing_delay=60.0) as sb:
        yield sb


def client_for(sb: Sandbox, **kwargs) -> ma.MomentClient:
    """
    Return a client on the sandbox with its default token.
    """
    return ma.MomentClient(
        kwargs.pop("token", Sandbox.DEFAULT_TOKEN), base_url=sb.url, **kwargs
    )


async def test_every_call_works_against_the_sandbox(sandbox):
    """All 18 calls succeed in a customer file's and an audience's whole life."""
    async with client_for(sandbox, limiter=False) as client:
        files = client.ad_account(ACCOUNT).customer_files
        audiences = client.ad_account(ACCOUNT).audiences

        upload = await files.upload("구매자 buyers", [("a.csv", CSV), ("b.csv", CSV)])
        assert (100, 2) == (upload.success_count, upload.failed_count)
        assert ma.CustomerFileStatus.WAITING == (await files.get(upload.id)).status
        sandbox.clock.advance(61)
        ready = await files.get(upload.id)
        assert (ma.CustomerFileStatus.COMPLETE, 70) == (
            ready.status,
            ready.population_score,
        )
        assert [upload.id] == [f.id for f in await files.list()]
        sandbox.clock.advance(6)  # one detail or edit call every 5 s per file
        replaced = await files.replace_files(upload.id, [("c.csv", CSV)])
        assert upload.id == replaced.id
        sandbox.clock.advance(6)
        assert ma.CustomerFileStatus.MODIFYING == (await files.get(upload.id)).status
        renamed = await files.rename(upload.id, "renamed")
        assert upload.id == renamed.id
        url_file = await files.register_url(
            "url file", "https://example.com/ids.csv", renewable=True
        )
        assert url_file.renewable is True
        moved = await files.replace_url(
            url_file.id, "https://example.com/other.csv", renewable=False
        )
        assert url_file.id == moved.id

        spec = ma.AudienceSpec(
            name="buyers",
            type=ma.AudienceType.DISPLAY,
            age_type=ma.SelectionType.NOT_ALL,
            ages=("20", "25"),
            location_type=ma.LocationType.AREA,
            depth2_locations=(
                ma.Depth2Location(value="B7222", description="경기도 여주시"),
            ),
            customer_file_targetings=(ma.CustomerFileTargeting(id=upload.id),),
        )
        audience = await audiences.create(spec)
        assert ("B7222",) == tuple(loc.value for loc in audience.depth2_locations)
        assert [audience.id] == [a.id for a in await audiences.list()]
        assert audience.id == (await audiences.get(audience.id)).id
        updated = await audiences.update(
            audience.id, ma.AudienceSpec(name="all", type=ma.AudienceType.DISPLAY)
        )
        assert "all" == updated.name
        sandbox.seed_ad_group(
            ACCOUNT, ad_group_id=9, name="g", campaign_id=3, campaign_name="c",
            customer_file_ids=[upload.id], audience_ids=[audience.id],
        )  # fmt: skip
        assert [9] == [g.ad_group_id for g in await audiences.ad_groups(audience.id)]
        assert [9] == [
            u.ad_group.id for u in await files.usage(upload.id) if u.ad_group
        ]
        await audiences.unlink(audience.id, 9)
        await audiences.delete(audience.id)
        other = await audiences.create(DISPLAY)
        bulk = await audiences.delete_many([other.id, audience.id])
        assert (1, 1) == (bulk.success_count, bulk.fail_count)
        await files.delete(url_file.id)
        in_use = await files.delete_many([upload.id])
        assert (0, 1) == (in_use.success_count, in_use.fail_count)
        assert in_use.error_messages

    assert 0 == sandbox.count(status=429)


@pytest.mark.parametrize(
    ("token", "account", "error"),
    [
        pytest.param(
            "wrong-token", ACCOUNT, ma.AuthenticationError, id="401-bad-token"
        ),
        pytest.param(
            Sandbox.DEFAULT_TOKEN,
            4242,
            ma.PermissionDeniedError,
            id="403-other-account",
        ),
    ],
)
async def test_auth_refusals_are_typed(sandbox, token, account, error):
    """A bad token is a 401 and an account the token may not use is a 403."""
    async with client_for(sandbox, token=token) as client:
        with pytest.raises(error) as info:
            await client.ad_account(account).audiences.list()

    assert info.value.code in (-401, -5)


async def test_unknown_ids_are_not_found(sandbox):
    """Moment's detail code 21006 becomes NotFoundError for files and audiences."""
    async with client_for(sandbox) as client:
        acct = client.ad_account(ACCOUNT)
        with pytest.raises(ma.NotFoundError) as file_error:
            await acct.customer_files.get(777)
        with pytest.raises(ma.NotFoundError):
            await acct.audiences.get(777)

    assert 21006 == file_error.value.detail_code


async def test_fifty_files_per_account_is_refused(sandbox):
    """The 51st customer file of an account is a BadRequestError and nothing is created."""
    for index in range(50):
        sandbox.seed_customer_file(ACCOUNT, f"seeded {index}")

    async with client_for(sandbox) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(ACCOUNT).customer_files.upload(
                "one too many", [("a.csv", CSV)]
            )

    assert -10 == info.value.code
    assert 0 == sandbox.state.created_customer_files(ACCOUNT)


async def test_file_registered_by_url_cannot_be_edited_with_files(sandbox):
    """Editing a URL file with files (and the reverse) is refused by the API."""
    async with client_for(sandbox, limiter=False) as client:
        files = client.ad_account(ACCOUNT).customer_files
        by_url = await files.register_url("by url", "https://example.com/a.csv")
        sandbox.clock.advance(6)  # one registration every 5 s per user and account
        by_file = await files.upload("by file", [("a.csv", CSV)])
        with pytest.raises(ma.BadRequestError):
            await files.replace_files(by_url.id, [("a.csv", CSV)])
        with pytest.raises(ma.BadRequestError):
            await files.replace_url(by_file.id, "https://example.com/b.csv")


async def test_file_in_use_cannot_be_deleted(sandbox):
    """A customer file used by an ad group is refused on delete and stays."""
    record = sandbox.seed_customer_file(ACCOUNT, "used")
    sandbox.seed_ad_group(
        ACCOUNT,
        ad_group_id=1,
        name="g",
        campaign_id=1,
        campaign_name="c",
        customer_file_ids=[record.id],
    )

    async with client_for(sandbox) as client:
        with pytest.raises(ma.BadRequestError):
            await client.ad_account(ACCOUNT).customer_files.delete(record.id)
        remaining = await client.ad_account(ACCOUNT).customer_files.list()

    assert [record.id] == [f.id for f in remaining]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda a: a.customer_files.upload("x" * 51, [("a.csv", CSV)]),
            id="name-too-long",
        ),
        pytest.param(
            lambda a: a.customer_files.upload(
                "ok", [(f"{i}.csv", CSV) for i in range(11)]
            ),
            id="eleven-files",
        ),
        pytest.param(
            lambda a: a.customer_files.upload("ok", [("a.txt", CSV)]), id="not-csv"
        ),
        pytest.param(
            lambda a: a.audiences.create(
                ma.AudienceSpec(
                    name="m",
                    type=ma.AudienceType.MESSAGE,
                    customer_file_targetings=(ma.CustomerFileTargeting(id=1),),
                )
            ),
            id="message-with-customer-file",
        ),
        pytest.param(
            lambda a: a.audiences.create(
                ma.AudienceSpec(
                    name="m",
                    type=ma.AudienceType.DISPLAY,
                    location_type=ma.LocationType.AREA,
                )
            ),
            id="area-without-locations",
        ),
        pytest.param(
            lambda a: a.audiences.create(
                ma.AudienceSpec(
                    name="m",
                    type=ma.AudienceType.DISPLAY,
                    age_type=ma.SelectionType.NOT_ALL,
                    ages=("18",),
                )
            ),
            id="bad-age",
        ),
    ],
)
async def test_documented_rules_are_refused_before_the_sandbox_sees_them(sandbox, call):
    """What the SDK can check itself never reaches the server."""
    async with client_for(sandbox) as client:
        with pytest.raises(ma.ValidationError):
            await call(client.ad_account(ACCOUNT))

    assert 0 == sandbox.count()


async def test_limiter_waits_so_the_sandbox_sees_no_429():
    """With the limiter on, repeated detail calls and registrations wait their 5 s and never get a 429."""
    async with Sandbox(processing_delay=0.0) as sandbox:
        record = sandbox.seed_customer_file(ACCOUNT, "polled")
        async with client_for(sandbox) as client:
            acct = client.ad_account(ACCOUNT)
            started = time.monotonic()
            await asyncio.gather(
                acct.customer_files.get(record.id),
                acct.customer_files.get(record.id),
                acct.customer_files.register_url("a", "https://example.com/a.csv"),
                acct.customer_files.upload("b", [("b.csv", CSV)]),
            )
            elapsed = time.monotonic() - started

        assert 0 == sandbox.count(status=429)
        assert 2 == sandbox.count("customer_files.get", status=200)
        assert 4.5 <= elapsed < 20


async def test_without_the_limiter_the_sandbox_answers_429():
    """With the limiter off, the second detail call within 5 s is refused by the server with a 429."""
    async with Sandbox(processing_delay=0.0) as sandbox:
        record = sandbox.seed_customer_file(ACCOUNT, "polled")
        async with client_for(
            sandbox, limiter=False, retry=ma.RetryPolicy.never()
        ) as client:
            files = client.ad_account(ACCOUNT).customer_files
            await files.get(record.id)
            with pytest.raises(ma.RateLimitError) as info:
                await files.get(record.id)
            await files.register_url("a", "https://example.com/a.csv")
            with pytest.raises(ma.RateLimitError):
                await files.register_url("b", "https://example.com/b.csv")

        assert 2 == sandbox.count(status=429)
        assert info.value.local is False
        assert 429 == info.value.status


async def test_server_failures_are_retried_for_reads(sandbox):
    """A read that meets two 503s is retried and succeeds; the sandbox saw three requests."""
    sandbox.faults.fail_next("audiences.list", times=2, status=503)

    async with client_for(sandbox, retry=ma.RetryPolicy(backoff=0.01)) as client:
        result = await client.ad_account(ACCOUNT).audiences.list()

    assert [] == result
    assert 3 == sandbox.count("audiences.list")


async def test_put_is_not_sent_twice_after_a_dropped_connection(sandbox):
    """A rename whose connection drops after the server acted is raised, not silently re-sent."""
    record = sandbox.seed_customer_file(ACCOUNT, "before")
    sandbox.faults.drop_connection("customer_files.rename", after_body=True)

    async with client_for(sandbox) as client:
        with pytest.raises(ma.TransportError):
            await client.ad_account(ACCOUNT).customer_files.rename(record.id, "after")

    assert 1 == sandbox.count("customer_files.rename")


async def test_pytest_plugin_fixtures_give_a_ready_client(
    moment_client, moment_sandbox
):
    """The installed pytest fixtures give a sandbox and a client bound to it."""
    upload = await moment_client.ad_account(ACCOUNT).customer_files.upload(
        "fixture", [("a.csv", CSV)]
    )

    assert 1 == moment_sandbox.state.created_customer_files(ACCOUNT)
    assert 100 == upload.success_count
