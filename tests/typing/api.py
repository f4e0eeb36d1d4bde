"""
Typed use of the public API: mypy checks this file; pytest never runs it.

If a public signature changes its types, mypy fails here before a user's
code does.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import assert_type

import moment_async as ma
from moment_async.testing import error_response, json_response


async def token_provider() -> str:
    """
    Return a business token, as a refreshing backend would.
    """
    return "fresh-token"


async def handler(request: ma.Request) -> ma.Response:
    """
    Answer every request from memory.
    """
    assert_type(request.method, str)
    assert_type(request.url, str)
    if request.method == "DELETE":
        return error_response(404, detail_code=21006, detail_msg="없음")
    return json_response([], headers={"x-trace": "1"})


async def chunks() -> AsyncIterator[bytes]:
    """
    Yield a CSV in pieces, as a streamed upload source.
    """
    yield b"adid\n"
    yield b"7c3f6e2a-0b1d-4c5e-9f8a-1234567890ab\n"


def on_progress(sent: int, total: int | None) -> None:
    """
    Take upload progress reports.
    """


def build_clients() -> list[ma.MomentClient]:
    """
    Build clients with every constructor option.
    """
    transport = ma.MockTransport(handler)
    limiter = ma.KeyedLimiter(wait=False)
    plain = ma.MomentClient("token")
    provided = ma.MomentClient(
        token_provider,
        base_url="http://127.0.0.1:8080/openapi/v4",
        transport=transport,
        timeout=ma.Timeout(total=120, connect=5, read=None),
        retry=ma.RetryPolicy(attempts=6, backoff=0.25, max_backoff=30),
        limiter=limiter,
        routes={
            "customer_files.usage": ("GET", "/customerFiles/{id}/usages"),
            "audiences.unlink": ("GET", "/targetings/{id}/unlink"),
        },
    )
    quick = ma.MomentClient(
        "token", timeout=30, retry=ma.RetryPolicy.never(), limiter=False
    )
    unlimited = ma.MomentClient("token", limiter=True, timeout=None)
    return [plain, provided, quick, unlimited]


async def every_call(client: ma.MomentClient) -> None:
    """
    Await each of the 18 calls and check the type it returns.
    """
    acct = client.ad_account(27429)
    assert_type(acct, ma.AdAccount)
    assert_type(acct.id, int)
    files = acct.customer_files
    audiences = acct.audiences

    listed: list[ma.CustomerFile] = await files.list()
    fetched: ma.CustomerFile = await files.get(7)
    uploaded: ma.CustomerFileUpload = await files.upload(
        "buyers",
        ["buyers.csv", ("more.csv", b"adid\n"), ("stream.csv", chunks())],
        progress=on_progress,
    )
    registered: ma.CustomerFile = await files.register_url(
        "buyers", "https://example.com/buyers.csv", renewable=True
    )
    replaced: ma.CustomerFileUpload = await files.replace_files(
        7, [("buyers.csv", io.BytesIO(b"adid\n"))], progress=None
    )
    replaced_url: ma.CustomerFile = await files.replace_url(
        7, "https://example.com/buyers.csv", renewable=False
    )
    renamed: ma.CustomerFile = await files.rename(7, "buyers 2")
    await files.delete(7)
    deleted_files: ma.BulkDeleteResult = await files.delete_many([7, 8])
    usage: list[ma.AdGroupAndCampaign] = await files.usage(7)

    spec = ma.AudienceSpec(
        name="buyers 20-34",
        type=ma.AudienceType.DISPLAY,
        age_type=ma.SelectionType.NOT_ALL,
        ages=("20", "25", "30"),
        customer_file_targetings=(ma.CustomerFileTargeting(id=2656),),
    )
    summaries: list[ma.AudienceSummary] = await audiences.list()
    audience: ma.Audience = await audiences.get(3)
    created: ma.Audience = await audiences.create(spec)
    updated: ma.Audience = await audiences.update(3, spec)
    await audiences.delete(3)
    deleted_audiences: ma.BulkDeleteResult = await audiences.delete_many((3, 4))
    ad_groups: list[ma.AudienceAdGroup] = await audiences.ad_groups(3)
    await audiences.unlink(3, 99)

    # Calls that answer nothing are typed as returning None.
    delete_file: Callable[[int], Awaitable[None]] = files.delete
    delete_audience: Callable[[int], Awaitable[None]] = audiences.delete
    unlink: Callable[[int, int], Awaitable[None]] = audiences.unlink

    assert_type(listed[0].status, ma.CustomerFileStatus | None)
    assert_type(fetched.id, int)
    assert_type(deleted_files.success_count, int)
    assert_type(audience.ages, tuple[str, ...])
    assert_type(ad_groups[0].ad_group_id, int)
    print(  # noqa: T201  # keeps every result used
        uploaded,
        registered,
        replaced,
        replaced_url,
        renamed,
        usage,
        summaries,
        created,
        updated,
        deleted_audiences,
        delete_file,
        delete_audience,
        unlink,
    )


async def errors(client: ma.MomentClient) -> float | None:
    """
    Catch the typed errors and read their attributes.
    """
    try:
        await client.ad_account(1).customer_files.get(7)
    except ma.RateLimitError as exc:
        assert_type(exc.retry_after, float | None)
        assert_type(exc.local, bool)
        return exc.retry_after
    except ma.NotFoundError as exc:
        assert_type(exc.status, int)
        assert_type(exc.code, int | None)
        assert_type(exc.detail_code, int | None)
        assert_type(exc.detail_message, str | None)
        assert_type(exc.message, str)
    except ma.TransportError as exc:
        assert_type(exc.maybe_sent, bool)
    except ma.ValidationError as exc:
        assert_type(exc.message, str)
    return None


async def policies() -> None:
    """
    Use the retry policy, the limiter and the route outside a client.
    """
    policy = ma.RetryPolicy()
    assert_type(policy.retries_status("GET", 503), bool)
    assert_type(policy.retries_error("POST", ma.ConnectError("refused")), bool)
    assert_type(policy.delay(2, "3"), float)

    limiter = ma.KeyedLimiter()
    rate = ma.Rate(1, 5.0)
    assert_type(rate.spacing, float)
    assert_type(await limiter.acquire("file:7", rate, max_wait=1.0), bool)
    assert_type(limiter.try_acquire("file:7", rate), bool)
    assert_type(len(limiter), int)

    route = ma.Route("GET", "/customerFiles/{id}/usages")
    assert_type(route.placeholders, frozenset[str])

    transport: ma.Transport = ma.MockTransport(handler)
    response = await transport.send(
        ma.Request(method="GET", url="http://127.0.0.1/x", headers={})
    )
    assert_type(response.status, int)
    assert_type(response.body, bytes)
    await transport.aclose()


async def lifecycle() -> None:
    """
    Use the client as an async context manager and close it by hand.
    """
    async with ma.MomentClient(
        token_provider, transport=ma.MockTransport(handler)
    ) as client:
        assert_type(client, ma.MomentClient)
        await every_call(client)
        assert_type(await errors(client), float | None)
    for other in build_clients():
        await other.aclose()
    await policies()
    assert_type(ma.__version__, str)
    assert_type(ma.CustomerFileStatus("ARCHIVED").is_unknown, bool)
