"""
A wrong route says so: a 404 or 405 that is not Kakao's error body is a RouteNotFoundError.

Through the sandbox over loopback: it serves the documented paths only,
answers any other path or method as a web server does (an nginx page),
and a missing object with Kakao's error body.
"""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
MOVED = "/customerFiles/{id}/usages"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox with its rate limits off: these tests are about routes.
    """
    async with Sandbox(rate_limits=False) as sb:
        yield sb


def client_for(sb: Sandbox, **kwargs) -> ma.MomentClient:
    """
    Return a client on the sandbox, without retries to count.
    """
    return ma.MomentClient(
        Sandbox.DEFAULT_TOKEN,
        base_url=sb.url,
        retry=ma.RetryPolicy.never(),
        **kwargs,
    )


async def test_override_to_a_path_not_served_is_a_route_not_found_error(sandbox):
    """An override to a path the server lacks raises RouteNotFoundError naming the call, the path tried and the override to pass."""
    file_id = sandbox.seed_customer_file(ACCOUNT).id
    async with client_for(
        sandbox, routes={"customer_files.usage": ("GET", MOVED)}
    ) as client:
        files = client.ad_account(ACCOUNT).customer_files

        with pytest.raises(ma.RouteNotFoundError) as info:
            await files.usage(file_id)

    error = info.value
    path = f"/customerFiles/{file_id}/usages"
    assert ("customer_files.usage", "GET", path, 404) == (
        error.call,
        error.method,
        error.path,
        error.status,
    )
    assert f'routes={{"customer_files.usage": ("GET", "{MOVED}")}}' == error.override
    text = str(error)
    assert f"HTTP 404: customer_files.usage sent GET {path}" in text
    assert "not Kakao's error body, so the server has no such route" in text
    assert "this route is unverified" in text
    assert error.override in text
    assert "check base_url" in text
    assert "404 Not Found" in text
    assert isinstance(error, ma.NotFoundError)
    assert [path] == [r.path.removeprefix("/openapi/v4") for r in sandbox.requests]


async def test_documented_route_a_server_lacks_names_its_confidence(sandbox):
    """A documented route answered by a server that lacks it (a wrong base_url) says so and how sure the route is."""
    async with ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=sandbox.origin + "/openapi/v3"
    ) as client:
        with pytest.raises(ma.RouteNotFoundError) as info:
            await client.ad_account(ACCOUNT).audiences.list()

    text = str(info.value)
    assert "audiences.list sent GET /targetings/audiences" in text
    assert "Kakao's documents state this route" in text
    assert 'routes={"audiences.list": ("GET", "/targetings/audiences")}' in text


async def test_wrong_method_is_a_route_not_found_error(sandbox):
    """A method the path does not take (405 page) raises RouteNotFoundError with status 405."""
    async with client_for(
        sandbox, routes={"audiences.unlink": ("GET", "/targetings/{id}/unlink")}
    ) as client:
        with pytest.raises(ma.RouteNotFoundError) as info:
            await client.ad_account(ACCOUNT).audiences.unlink(3, 4)

    error = info.value
    assert (405, "GET", "/targetings/3/unlink") == (
        error.status,
        error.method,
        error.path,
    )
    assert "405 Method Not Allowed" in str(error)


async def test_missing_customer_file_is_not_a_wrong_route(sandbox):
    """A missing customer file is Kakao's error body: NotFoundError, never RouteNotFoundError."""
    async with client_for(sandbox) as client:
        with pytest.raises(ma.NotFoundError) as info:
            await client.ad_account(ACCOUNT).customer_files.get(999_999)

    assert not isinstance(info.value, ma.RouteNotFoundError)
    assert 21006 == info.value.detail_code


async def test_404_with_kakaos_body_is_a_plain_not_found_error(sandbox):
    """A 404 carrying Kakao's error body stays a NotFoundError: the route exists."""
    sandbox.faults.fail_next(
        "customer_files.usage", status=404, code=-813, detail_code=21006
    )
    async with client_for(sandbox) as client:
        with pytest.raises(ma.NotFoundError) as info:
            await client.ad_account(ACCOUNT).customer_files.usage(7)

    assert not isinstance(info.value, ma.RouteNotFoundError)
    assert (404, -813, 21006) == (
        info.value.status,
        info.value.code,
        info.value.detail_code,
    )


@pytest.mark.parametrize("status", [404, 405])
async def test_nginx_page_is_a_route_not_found_error(sandbox, status):
    """A 404 or 405 nginx HTML page on a documented route raises RouteNotFoundError with the page's start."""
    sandbox.faults.non_json("customer_files.rename", status=status)
    async with client_for(sandbox) as client:
        with pytest.raises(ma.RouteNotFoundError) as info:
            await client.ad_account(ACCOUNT).customer_files.rename(7, "buyers")

    error = info.value
    assert (status, "PUT", "/customerFiles/name") == (
        error.status,
        error.method,
        error.path,
    )
    assert isinstance(error.body, str)
    assert error.body.startswith("<html>")
    assert 'routes={"customer_files.rename": ("PUT", "/customerFiles/name")}' in str(
        error
    )


async def test_route_not_found_error_pickles_with_its_route(sandbox):
    """The error a wrong route raises survives a pickle round trip, route and override included."""
    async with client_for(
        sandbox, routes={"customer_files.usage": ("GET", MOVED)}
    ) as client:
        with pytest.raises(ma.RouteNotFoundError) as info:
            await client.ad_account(ACCOUNT).customer_files.usage(7)

    restored = pickle.loads(pickle.dumps(info.value))  # noqa: S301  # our own bytes

    assert (info.value.call, info.value.path, info.value.override, str(info.value)) == (
        restored.call,
        restored.path,
        restored.override,
        str(restored),
    )


async def test_wrong_route_to_a_create_is_not_ambiguous(sandbox):
    """An upload answered by a 404 page raises RouteNotFoundError, not AmbiguousWriteError: nothing was created."""
    async with client_for(
        sandbox, routes={"customer_files.upload": ("POST", "/customerFiles/upload")}
    ) as client:
        with pytest.raises(ma.RouteNotFoundError):
            await client.ad_account(ACCOUNT).customer_files.upload(
                "buyers", [("a.csv", b"7c3f6e2a-0b1d-4c5e-9f8a-1234567890ab\n")]
            )

    assert 0 == sandbox.state.created_customer_files(ACCOUNT)
