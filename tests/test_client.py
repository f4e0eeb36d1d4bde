"""
MomentClient and AdAccount: construction, sharing, route overrides and closing.
"""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiohttp import web

import moment_async as ma
from moment_async.testing import Request, Response, json_response


async def empty_list(request: Request) -> Response:
    """
    Answer every call with an empty JSON list.
    """
    return json_response([])


async def test_ad_account_views_share_one_session():
    """Views are cheap: every account and group uses the client's one session."""
    client = ma.MomentClient("t", transport=ma.MockTransport(empty_list))

    first, second = client.ad_account(1), client.ad_account(2)

    assert first.customer_files._session is second.audiences._session
    assert (1, 2) == (first.id, second.id)
    await client.aclose()


async def test_client_serves_thousands_of_concurrent_tasks():
    """One client serves 2,000 concurrent calls over 100 accounts, each with its own header."""
    seen: list[str] = []

    async def handler(request: Request) -> Response:
        seen.append(request.headers["adAccountId"])
        await asyncio.sleep(0)
        return json_response([])

    async with ma.MomentClient("t", transport=ma.MockTransport(handler)) as client:
        results = await asyncio.gather(
            *(client.ad_account(1 + i % 100).customer_files.list() for i in range(2000))
        )

    assert 2000 == len(results)
    assert {str(i) for i in range(1, 101)} == set(seen)


async def test_route_override_changes_the_path_sent():
    """A route replaced at construction is used instead of the documented one."""
    urls: list[str] = []

    async def handler(request: Request) -> Response:
        urls.append(request.url)
        return json_response([])

    routes = {"customer_files.usage": ("GET", "/customerFiles/{id}/usages")}
    async with ma.MomentClient(
        "t", transport=ma.MockTransport(handler), routes=routes
    ) as client:
        await client.ad_account(1).customer_files.usage(9)

    assert ["https://apis.moment.kakao.com/openapi/v4/customerFiles/9/usages"] == urls


async def test_route_override_with_tuple_and_unknown_name():
    """Overrides take (method, path) pairs; an unknown call name is refused."""
    with pytest.raises(ma.ValidationError, match=r"customer_files\.nope"):
        ma.MomentClient(
            "t",
            transport=ma.MockTransport(empty_list),
            routes={"customer_files.nope": ("GET", "/x")},
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"base_url": "apis.moment.kakao.com"}, id="base-url-no-scheme"),
        pytest.param({"token": 42}, id="token-int"),
        pytest.param({"token": "  "}, id="token-blank"),
    ],
)
def test_bad_construction_is_refused(kwargs):
    """A bad base URL or token raises ValidationError at construction."""
    kwargs.setdefault("token", "t")

    with pytest.raises(ma.ValidationError):
        ma.MomentClient(transport=ma.MockTransport(empty_list), **kwargs)


async def test_ad_account_id_is_checked():
    """ad_account() refuses ids that are not positive integers."""
    async with ma.MomentClient("t", transport=ma.MockTransport(empty_list)) as client:
        with pytest.raises(ma.ValidationError, match="account_id"):
            client.ad_account("27429\r\nX-Injected: 1")  # type: ignore[arg-type]


async def test_leaving_the_block_closes_even_on_error():
    """An exception escaping `async with` still closes the client; later calls raise."""
    client = ma.MomentClient("t", transport=ma.MockTransport(empty_list))

    with pytest.raises(KeyError):
        async with client:
            raise KeyError("boom")

    with pytest.raises(ma.ClientClosedError):
        await client.ad_account(1).customer_files.list()
    await client.aclose()  # idempotent
    assert "closed" in repr(client)


async def test_timeout_number_sets_the_total():
    """A plain number for timeout is the total seconds of a call."""
    client = ma.MomentClient("t", transport=ma.MockTransport(empty_list), timeout=12)

    assert ma.Timeout(total=12.0) == client._session._timeout
    await client.aclose()


async def test_default_transport_closes_cleanly_after_real_requests():
    """The default aiohttp transport, used over loopback then left by an exception, leaves no unclosed session."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response([])

    app = web.Application()
    app.router.add_get("/openapi/v4/customerFiles", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = ma.MomentClient("t", base_url=f"http://127.0.0.1:{port}/openapi/v4")

    async def use_then_fail() -> None:
        async with client:
            assert [] == await client.ad_account(1).customer_files.list()
            raise RuntimeError("escape")

    try:
        with pytest.raises(RuntimeError):
            await use_then_fail()
        gc.collect()
    finally:
        await runner.cleanup()

    assert client._session.closed


async def test_unused_client_closes_without_opening_connections():
    """A client closed before any call never built an aiohttp session."""
    transport = ma.AiohttpTransport()

    async with ma.MomentClient("t", transport=transport):
        pass

    assert transport._session is None
