"""
Which 404 and 405 answers mean a wrong route: every body shape, above the transport.
"""

from __future__ import annotations

import orjson
import pytest

import moment_async as ma
from moment_async._errors import error_for_status

SPRING = {
    "timestamp": "2026-12-06T10:00:00.000+00:00",
    "status": 404,
    "error": "Not Found",
    "path": "/openapi/v4/customerFiles/7/usages",
}


def answering(status: int, body: bytes, content_type: str) -> ma.MockTransport:
    """
    Return a transport answering every request with *status* and *body*.
    """

    async def handler(request: ma.Request) -> ma.Response:
        return ma.Response(
            status=status, headers={"content-type": content_type}, body=body
        )

    return ma.MockTransport(handler)


async def usage_error(transport: ma.MockTransport) -> ma.APIError:
    """
    Return the error ``customer_files.usage(7)`` raises on *transport*.
    """
    async with ma.MomentClient(
        "token", transport=transport, retry=ma.RetryPolicy.never()
    ) as client:
        with pytest.raises(ma.APIError) as info:
            await client.ad_account(1).customer_files.usage(7)
    return info.value


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        pytest.param(404, b"", "text/plain", id="404-empty"),
        pytest.param(404, b"404: Not Found", "text/plain", id="404-aiohttp-text"),
        pytest.param(
            404, orjson.dumps(SPRING), "application/json", id="404-spring-json"
        ),
        pytest.param(404, b"[]", "application/json", id="404-json-list"),
        pytest.param(
            404, b'{"code": -2}', "application/json", id="404-code-without-msg"
        ),
        pytest.param(
            404, b'{"msg": "x"}', "application/json", id="404-msg-without-code"
        ),
        pytest.param(
            405,
            b"<html><head><title>405 Not Allowed</title></head><body>"
            b"<center><h1>405 Not Allowed</h1></center><hr><center>nginx</center>"
            b"</body></html>",
            "text/html",
            id="405-nginx",
        ),
        pytest.param(405, b"", "text/plain", id="405-empty"),
    ],
)
async def test_bare_404_or_405_is_a_wrong_route(status, body, content_type):
    """A 404 or 405 without Kakao's code and msg raises RouteNotFoundError for the call tried."""
    error = await usage_error(answering(status, body, content_type))

    assert isinstance(error, ma.RouteNotFoundError)
    assert (status, "customer_files.usage", "GET", "/customerFiles/usages/7") == (
        error.status,
        error.call,
        error.method,
        error.path,
    )
    assert error.override in str(error)


async def test_spring_error_body_is_kept_whole():
    """A small JSON body that is not Kakao's is kept on the error as it came."""
    error = await usage_error(answering(404, orjson.dumps(SPRING), "application/json"))

    assert SPRING == error.body


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(404, ma.NotFoundError, id="404"),
        pytest.param(405, ma.APIError, id="405"),
    ],
)
async def test_kakao_body_on_404_or_405_keeps_its_class(status, expected):
    """With Kakao's error body a 404 or 405 is Kakao's refusal, not a wrong route."""
    body = orjson.dumps({"code": -2, "msg": "invalid parameter"})

    error = await usage_error(answering(status, body, "application/json"))

    assert expected is type(error)
    assert (status, -2) == (error.status, error.code)


@pytest.mark.parametrize("status", [400, 403, 410, 500])
async def test_other_bare_statuses_are_not_wrong_routes(status):
    """Only 404 and 405 say a route is wrong; another bare status keeps its class."""
    error = await usage_error(answering(status, b"<html>oops</html>", "text/html"))

    assert error_for_status(status) is type(error)
