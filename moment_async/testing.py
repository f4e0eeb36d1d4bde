"""
Helpers for testing code that uses moment_async, without a network.

::

    from moment_async.testing import MockTransport, json_response

    async def handler(request):
        return json_response([{"id": 1, "name": "buyers"}])

    async with MomentClient("token", transport=MockTransport(handler)) as client:
        files = await client.ad_account(1).customer_files.list()
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from ._constants import JSON_CONTENT_TYPE
from ._transports.base import Request, Response
from ._transports.mock import MockTransport

__all__ = ["MockTransport", "Request", "Response", "error_response", "json_response"]

_JSON_HEADERS = {"content-type": f"{JSON_CONTENT_TYPE};charset=UTF-8"}


def json_response(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """
    Return a response whose body is *data* as JSON.
    """
    return Response(
        status=status,
        headers={**_JSON_HEADERS, **(headers or {})},
        body=orjson.dumps(data),
    )


def error_response(
    status: int,
    code: int = -813,
    msg: str = "KakaoMomentException",
    *,
    detail_code: int | None = None,
    detail_msg: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """
    Return an error response in Kakao's format ``{code, msg, extras}``.
    """
    body: dict[str, object] = {"code": code, "msg": msg}
    if detail_code is not None or detail_msg is not None:
        body["extras"] = {"detailCode": detail_code, "detailMsg": detail_msg}
    return json_response(body, status, headers)
