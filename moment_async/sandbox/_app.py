"""
The aiohttp.web application: the routes, and the one middleware every request passes.

The middleware, in order: note the arrival, go on with the redirect loop
the request is part of, if any, apply the injected faults, authenticate,
run the handler, turn refusals into the documented JSON error body, read
whatever body is left (so the client gets its answer, not a reset), and
record the request without its token.
"""

from __future__ import annotations

import asyncio
import http
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler as WebHandler
from aiohttp.typedefs import Middleware

from ._audiences import HANDLERS as AUDIENCE_HANDLERS
from ._customer_files import HANDLERS as CUSTOMER_FILE_HANDLERS
from ._endpoints import ENDPOINTS, PREFIX
from ._errors import SandboxError
from ._faults import Fault, Faults
from ._hostile import hostile_body
from ._records import RequestLog, RequestRecord, public_headers
from ._request import Call, Env, authenticate

#: As in the documents' samples.
JSON_CONTENT_TYPE: Final = "application/json;charset=UTF-8"
_DRAIN_CHUNK: Final = 256 * 1024
#: The query parameter that counts the hops of a redirect loop.
_HOP: Final = "sandboxRedirect"
#: Hops after which a redirect loop ends, with 508 Loop Detected.
_MAX_HOPS: Final = 100

Handler = Callable[[Call], Awaitable[object]]


def json_response(
    status: int, data: object, headers: Mapping[str, str] | None = None
) -> web.Response:
    """
    Return *data* as a JSON answer; ``None`` gives an empty body.
    """
    body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
    return web.Response(
        status=status,
        body=body,
        headers={"Content-Type": JSON_CONTENT_TYPE, **(headers or {})},
    )


def _html_page(status: int) -> web.Response:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    title = f"{status} {phrase}"
    page = (
        f"<html><head><title>{title}</title></head><body>"
        f"<center><h1>{title}</h1></center><hr><center>nginx</center></body></html>"
    )
    return web.Response(status=status, text=page, content_type="text/html")


def _fail_response(fault: Fault) -> web.Response:
    headers = {}
    retry_after = fault.retry_after
    if isinstance(retry_after, str):
        headers["Retry-After"] = retry_after
    elif retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    return json_response(fault.status, fault.body, headers)


def _hop(request: web.Request) -> int | None:
    """
    Return the hop count of a request that is part of a redirect loop, else None.
    """
    hop = request.query.get(_HOP, "")
    # Short ASCII digits only: anything else is not a hop the sandbox made.
    return int(hop) if hop.isascii() and hop.isdigit() and len(hop) < 6 else None


def _redirect(request: web.Request, hop: int) -> web.Response:
    """
    Redirect *request* to itself with hop count *hop*, or end a loop that ran too long.
    """
    if hop > _MAX_HOPS:
        return json_response(508, {"code": -1, "msg": "redirect loop"})
    location = request.rel_url.update_query({_HOP: str(hop)})
    return web.Response(status=302, headers={"Location": str(location)})


async def _send_oversized(
    request: web.Request, status: int, fault: Fault
) -> web.StreamResponse:
    """
    Send the hostile body *fault* asks for, until its end or until the client leaves.
    """
    length, pieces = hostile_body(fault.size, fault.encoding)
    response = web.StreamResponse(status=status)
    response.headers["Content-Type"] = JSON_CONTENT_TYPE
    if fault.encoding is not None:
        response.headers["Content-Encoding"] = fault.encoding
    if fault.chunked or length is None:
        response.enable_chunked_encoding()
    else:
        response.content_length = length
    await response.prepare(request)
    try:
        for piece in pieces:
            await response.write(piece)
    except ConnectionError:
        # The client went away (a bounded one refused the answer): done.
        _close(request)
    return response


async def _drain(request: web.Request) -> None:
    # The client may still be sending; reading the rest lets it read our answer.
    while await request.content.read(_DRAIN_CHUNK):
        pass


def _close(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


async def _answer(request: web.Request, handler: WebHandler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except SandboxError as exc:
        response = _refusal_response(exc)
    except (web.HTTPMethodNotAllowed, web.HTTPNotFound) as exc:
        # Not Kakao's error body: a path or method no route serves is
        # answered by the web server in front, and a client must be able to
        # tell that from a missing customer file (docs/endpoints.md: "a 404/405
        # without Kakao's error envelope is a wrong path").
        response = _html_page(exc.status)
    await _drain(request)
    return response


def _refusal_response(error: SandboxError) -> web.Response:
    return json_response(error.status, error.body, error.headers)


async def _spoil(
    request: web.Request, response: web.StreamResponse, fault: Fault
) -> tuple[web.StreamResponse, int | None]:
    """
    Apply a fault that lets the call be processed; return the answer and its status.
    """
    body = response.body if isinstance(response, web.Response) else b""
    data = body if isinstance(body, bytes) else b""
    if fault.kind == "drop" and fault.stage == "after_body":
        _close(request)
        return response, None
    if fault.kind == "drop":
        partial = web.StreamResponse(status=response.status)
        partial.headers["Content-Type"] = JSON_CONTENT_TYPE
        partial.content_length = max(len(data), 2)
        await partial.prepare(request)
        await partial.write(data[: len(data) // 2] or b"{")
        _close(request)
        return partial, response.status
    if fault.kind == "oversized":
        return await _send_oversized(request, response.status, fault), response.status
    if fault.kind == "truncate":
        cut = data[: len(data) // 2] or b"{"
        truncated = web.Response(
            status=response.status,
            body=cut,
            headers={"Content-Type": JSON_CONTENT_TYPE},
        )
        return truncated, response.status
    return json_response(200, None), 200


def _refuse(request: web.Request, fault: Fault) -> web.Response:
    """
    Return the answer of a fault that processes nothing.
    """
    if fault.kind == "fail":
        return _fail_response(fault)
    if fault.kind == "redirect":
        return _redirect(request, 1)
    return _html_page(fault.status)


async def _serve(
    request: web.Request, handler: WebHandler, faults: Faults, endpoint: str | None
) -> tuple[web.StreamResponse, int | None]:
    hop = _hop(request)
    if hop is not None:
        # One call's loop, whatever rules are left; nothing is processed.
        await _drain(request)
        looped = _redirect(request, hop + 1)
        return looped, looped.status
    plan = faults.take(endpoint)
    if plan.delay:
        await asyncio.sleep(plan.delay)
    fault = plan.fault
    if fault is not None and fault.kind == "drop" and fault.stage == "before_body":
        _close(request)
        return web.Response(), None
    if fault is not None and fault.kind in ("fail", "non_json", "redirect"):
        await _drain(request)
        spoiled = _refuse(request, fault)
        return spoiled, spoiled.status
    response = await _answer(request, handler)
    if fault is None:
        return response, response.status
    return await _spoil(request, response, fault)


def _middleware(faults: Faults, log: RequestLog, env: Env) -> Middleware:
    @web.middleware
    async def middleware(
        request: web.Request, handler: WebHandler
    ) -> web.StreamResponse:
        arrived = env.clock.now()
        seq = log.reserve()
        name = request.match_info.route.name
        endpoint = name if name in ENDPOINTS else None
        status: int | None = None
        try:
            response, status = await _serve(request, handler, faults, endpoint)
        except ConnectionError:
            # The client left before its answer (its timeout, a cancel):
            # nobody to answer, and no error of the sandbox's.
            _close(request)
            response = web.Response()
        finally:
            log.add(
                seq,
                RequestRecord(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    endpoint=endpoint,
                    headers=public_headers(request.headers),
                    body_size=request.content.total_bytes,
                    status=status,
                    time=arrived,
                ),
            )
        return response

    return middleware


def _endpoint(handler: Handler, env: Env) -> WebHandler:
    async def run(request: web.Request) -> web.StreamResponse:
        data = await handler(authenticate(request, env))
        return json_response(200, data)

    return run


def build_app(env: Env, faults: Faults, log: RequestLog) -> web.Application:
    """
    Return the application serving the 18 documented calls below ``/openapi/v4``.
    """
    app = web.Application(middlewares=[_middleware(faults, log, env)])
    handlers: dict[str, Handler] = {**CUSTOMER_FILE_HANDLERS, **AUDIENCE_HANDLERS}
    for name, (method, path) in ENDPOINTS.items():
        app.router.add_route(
            method, PREFIX + path, _endpoint(handlers[name], env), name=name
        )
    return app
