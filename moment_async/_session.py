"""
The one request path every call takes: headers, limits, retries, errors, decoding.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Final, NamedTuple, TypeVar, overload

import attrs
import orjson

from ._constants import (
    AD_ACCOUNT_ID,
    AUTHORIZATION,
    CONTENT_LENGTH,
    CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    MAX_UPLOAD_BYTES,
    USER_AGENT,
)
from ._convert import (
    SHAPE_ERRORS,
    FieldError,
    make_converter,
    structure_int,
    to_camel,
)
from ._errors import (
    APIError,
    ClientClosedError,
    DecodeError,
    EventLoopError,
    MomentError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
    ValidationError,
    bound_texts,
    bounded_text,
    error_for_status,
    status_for_code,
)
from ._limits import Limiter
from ._multipart import MultipartBody
from ._retry import RetryPolicy, RetryTokens, parse_retry_after
from ._routes import Route, Scope, route_not_found
from ._trace import RequestHooks, RequestStarted
from ._transports.base import Request, Response, Timeout, Transport, too_large
from ._types import TokenSource
from ._validate import check_token

T = TypeVar("T")

_log: Final = logging.getLogger("moment_async")
_EXCERPT: Final = 200
#: Keys whose presence marks a body as a resource, not an error envelope.
_RESOURCE_KEYS: Final = ("id", "content", "successCount")


#: Seconds a limiter's housekeeping (``release``, ``pause``) may take in a
#: call without a deadline.
_HOUSEKEEPING: Final = 5.0
#: Bytes of an error body kept whole, decoded, on an ``APIError``; a bigger
#: body is kept as an excerpt of ``MAX_ERROR_TEXT`` characters instead.
_MAX_ERROR_BODY: Final = 64 * 1024
#: Statuses that, without Kakao's error body, say the route itself is wrong.
_NO_ROUTE: Final = (404, 405)


class Exchange(NamedTuple):
    """
    Strictly private: one successful HTTP exchange, kept for a raw answer.
    """

    response: Response
    method: str
    path: str
    elapsed: float
    attempts: int


def _fingerprint(token: str) -> str:
    # Stands for the token's user in limiter keys: stable, and not the token.
    return hashlib.blake2b(token.encode(), digest_size=8).hexdigest()


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", "replace")
    return " ".join(text.split())


class Session:
    """
    Strictly private: send one documented call and return its decoded answer.

    Owned by a ``MomentClient``; shared by every ad account view and task.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        token: TokenSource,
        base_url: str,
        routes: Mapping[str, Route],
        limiter: Limiter | None,
        retry: RetryPolicy,
        timeout: Timeout,
        hooks: RequestHooks | None = None,
        max_response_bytes: int | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        auth_source: str = "the business token",
    ) -> None:
        self._transport = transport
        self._max_response_bytes = max_response_bytes
        #: The most file bytes one upload may carry; read by the uploads
        #: when they build their body, never by ``call``.
        self.max_upload_bytes = max_upload_bytes
        self._hooks = hooks
        # One bucket of retries for the whole client, shared by every call.
        self._retry_tokens = None if retry.budget is None else RetryTokens(retry.budget)
        self._base_url = base_url.rstrip("/")
        self._routes = {
            name: (route, self._base_url + route.path) for name, route in routes.items()
        }
        self._limiter = limiter
        self._retry = retry
        self._timeout = timeout
        self._converter = make_converter()
        self._structure_hooks: dict[Any, Callable[[Any, Any], Any]] = {}
        self._closed = False
        self._provider: Callable[[], Awaitable[str]] | None = None
        self._authorization: str | None = None
        self._user = ""
        self._refresh_lock = asyncio.Lock()
        #: The event loop of the first call: the connections belong to it.
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Tasks waiting (for a rate-limit slot, a backoff, a token) that
        #: ``aclose()`` wakes with ``ClientClosedError``.
        self._waiting: set[asyncio.Task[Any]] = set()
        self._woken: set[asyncio.Task[Any]] = set()
        given: object = token  # checked at run time: callers may pass anything
        if isinstance(given, str):
            self._set_token(given, auth_source)
        elif callable(token):
            self._provider = token
        else:
            msg = "token must be a string or an async callable returning one"
            raise ValidationError(msg)

    def __repr__(self) -> str:
        return f"<Session {self._base_url}>"

    @property
    def closed(self) -> bool:
        """
        Whether ``aclose()`` was called.
        """
        return self._closed

    def _set_token(self, token: object, source: str = "the business token") -> None:
        token = check_token(token, source)
        self._authorization = f"Bearer {token}"
        self._user = _fingerprint(token)

    async def _refresh(
        self, used: str | None, route: Route, deadline: float | None, timeout: Timeout
    ) -> None:
        """
        Ask the token provider for a token unless another call already did.

        Within the call's *deadline*: a provider that hangs (or a refresh
        queued behind one) ends the call with ``RequestTimeoutError``.
        """
        assert self._provider is not None  # noqa: S101  # only called with a provider
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope, self._refresh_lock:
                # Many calls may see the same 401; the first one refreshes for all.
                if self._authorization == used:
                    self._set_token(
                        await self._provider(), "the token provider's answer"
                    )
        except TimeoutError as exc:
            if not scope.expired():
                raise  # the provider's own, not the call's deadline
            # The request is not sent with the old token again: nothing was
            # done by the server (a 401 changes nothing), so nothing is
            # ambiguous.
            msg = f"{route.method} {route.path} waited for its token provider past the {timeout.total:g} s timeout"
            raise RequestTimeoutError(msg, maybe_sent=False) from exc

    def encode(self, body: object, fields: Mapping[str, object] | None) -> bytes:
        """
        Encode a request model plus snake_case *fields* as JSON, with wire names.
        """
        data: dict[str, Any] = {} if body is None else self._converter.unstructure(body)
        if fields:
            for key, value in fields.items():
                data[to_camel(key)] = value
        return orjson.dumps(data)

    @overload
    async def call(
        self,
        name: str,
        account: str,
        into: type[T],
        *,
        path_id: int | None = None,
        query: Mapping[str, str] | None = None,
        json: bytes | None = None,
        multipart: MultipartBody | None = None,
        limit_id: int | None = None,
        envelope: str | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_response_bytes: int | None = None,
        raw: list[Exchange] | None = None,
    ) -> T: ...

    @overload
    async def call(
        self,
        name: str,
        account: str,
        into: None,
        *,
        path_id: int | None = None,
        query: Mapping[str, str] | None = None,
        json: bytes | None = None,
        multipart: MultipartBody | None = None,
        limit_id: int | None = None,
        envelope: str | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_response_bytes: int | None = None,
        raw: list[Exchange] | None = None,
    ) -> None: ...

    async def call(  # noqa: PLR0912, PLR0915  # one frame for the whole hot path
        self,
        name: str,
        account: str,
        into: type[T] | None,
        *,
        path_id: int | None = None,
        query: Mapping[str, str] | None = None,
        json: bytes | None = None,
        multipart: MultipartBody | None = None,
        limit_id: int | None = None,
        envelope: str | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        extra_headers: Mapping[str, str] | None = None,
        max_response_bytes: int | None = None,
        raw: list[Exchange] | None = None,
    ) -> T | None:
        """
        Send call *name* for ad account *account* and decode the answer *into*.

        *path_id* fills ``{id}`` in the route's path; *query* holds
        snake_case parameters, sent with their wire names; *json* is a body
        from ``encode``; *limit_id* is the customer file a per-file rate
        limit counts on; *envelope* is the key wrapping the answer
        (``{"content": [...]}``); *timeout* replaces the client's for
        this call. *raw*, when given, gets the successful exchange
        appended (``with_raw_response``); ``None`` costs nothing.
        *retry* replaces the client's ``RetryPolicy`` for this call (its
        retries still draw on the client's ``RetryBudget``);
        *extra_headers*, checked by the caller, are added to the request,
        and *max_response_bytes* replaces the client's bound
        (``MomentClient.with_options``).
        """
        if self._closed:
            msg = "the client is closed; create a new MomentClient"
            raise ClientClosedError(msg)
        route, url = self._routes[name]
        if path_id is not None:
            url = url.format(id=path_id)
        if query is not None:
            query = {to_camel(key): value for key, value in query.items()}
        method = route.method
        retry = self._retry if retry is None else check_retry(retry)
        timeout = self._timeout if timeout is None else Timeout.of(timeout)
        if max_response_bytes is None:
            max_response_bytes = self._max_response_bytes
        # One deadline for the whole call: limiter waits, every attempt and
        # every backoff sleep. The transport's own timer enforces what is
        # left of it during an attempt, so the fast path adds no timer.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        loop_time = loop.time
        deadline = None if timeout.total is None else loop_time() + timeout.total
        headers, body = _headers(account, json, multipart)
        if extra_headers is not None:
            headers.update(extra_headers)
        replayable = multipart is None or multipart.replayable
        refreshed = self._provider is None
        tokens = self._retry_tokens
        limiter = self._limiter
        key = None
        if limiter is not None and route.rate is not None:
            key = self._limit_key(route, account, limit_id)
        attempt = 0
        # Everything up to the transport runs in this one coroutine: every
        # frame between the caller and aiohttp is resumed again on each of
        # the several suspensions of a request.
        while True:
            attempt += 1
            waited = 0.0
            if key is not None:
                assert limiter is not None  # noqa: S101  # a key comes with a limiter
                assert route.rate is not None  # noqa: S101  # and with a rate
                if not limiter.try_acquire(key, route.rate):
                    wait_started = loop_time()
                    await self._wakeable(
                        self._wait_for_slot(route, key, deadline, timeout),
                        "waited for its rate limit",
                    )
                    waited = loop_time() - wait_started
                    # A property, so the type checker knows it may change
                    # while the call waited.
                    if self.closed:
                        msg = "the client was closed while this call waited for its rate limit; nothing was sent"
                        raise ClientClosedError(msg)
            fetched = self._authorization is None
            if fetched:
                await self._wakeable(
                    self._refresh(None, route, deadline, timeout),
                    "waited for its token",
                )
            # Not "token": a name error trackers (Sentry) scrub from locals.
            authorization = self._authorization
            assert authorization is not None  # noqa: S101  # _refresh sets it or raises
            attempt_timeout = timeout
            # Time spent before this attempt (a limiter wait, the provider's
            # first token, earlier attempts) leaves it only what is left.
            if deadline is not None and (attempt > 1 or waited or fetched):
                attempt_timeout = self._time_left(route, deadline, timeout)
            hooks = self._hooks
            event = None
            if hooks is not None:
                event = hooks.started(name, method, self._path(url), account, attempt)
            request = Request(
                method=method,
                url=url,
                # A new dict per attempt: a sent request is never changed.
                headers={**headers, AUTHORIZATION: authorization},
                query=query,
                body=body,
                timeout=attempt_timeout,
                max_response_bytes=max_response_bytes,
            )
            started = time.perf_counter()
            try:
                response = await self._transport.send(request)
                if (
                    max_response_bytes is not None
                    and len(response.body) > max_response_bytes
                ):
                    # A transport of the user's that read past the bound.
                    raise too_large(
                        request,
                        max_response_bytes,
                        f"it holds {len(response.body):,} bytes",
                    )
            except TransportError as exc:
                self._ended(event, method, url, None, exc, attempt, started, waited)
                if self.closed:
                    msg = "the client was closed while this call was in flight"
                    raise ClientClosedError(msg) from exc
                if key is not None and not exc.maybe_sent:
                    assert limiter is not None  # noqa: S101  # a key comes with a limiter
                    # Nothing reached Kakao: the slot, taken at once or
                    # waited for, was not used.
                    await self._limiter_io(limiter.release(key), deadline, "release")
                if (
                    attempt < retry.attempts
                    and replayable
                    and retry.retries_error(method, exc)
                    and await self._wakeable(
                        self._backoff(retry.delay(attempt), deadline, tokens),
                        "waited to try again",
                    )
                ):
                    continue
                raise
            status = response.status
            if event is not None or _log.isEnabledFor(logging.DEBUG):
                self._ended(event, method, url, status, None, attempt, started, waited)
            if status < 300:
                if tokens is not None and attempt == 1:
                    tokens.success()
                if raw is not None:
                    raw.append(
                        Exchange(
                            response,
                            method,
                            self._path(url),
                            time.perf_counter() - started,
                            attempt,
                        )
                    )
                return self._decode(response, into, envelope)
            if status == 401 and not refreshed and replayable:
                refreshed = True
                await self._wakeable(
                    self._refresh(authorization, route, deadline, timeout),
                    "waited for its token",
                )
                continue
            error = self._error(response, name=name, route=route, url=url)
            delay = retry.delay(attempt, _header(response, "retry-after"))
            if status == 429 and route.rate is not None:
                # Not sooner than the documented limit allows again.
                delay = max(delay, route.rate.spacing)
                if key is not None:
                    assert limiter is not None  # noqa: S101  # a key comes with a limiter
                    # Every call on the key waits, not only this one; the
                    # limiter's wait is then this call's backoff too, unless
                    # it ends past the deadline: then the call ends now, with
                    # the server's answer rather than a timeout for the slot.
                    await self._limiter_io(limiter.pause(key, delay), deadline, "pause")
                    if deadline is None or loop_time() + delay < deadline:
                        delay = 0.0
            if (
                attempt < retry.attempts
                and replayable
                and retry.retries_status(method, status, error.code)
                and await self._wakeable(
                    self._backoff(delay, deadline, tokens), "waited to try again"
                )
            ):
                continue
            raise error

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """
        Tie the client to *loop*, its first call's; refuse any other loop.
        """
        if self._loop is None:
            self._loop = loop
            return
        msg = (
            "this client was first used in another event loop, which owns its "
            "connections; make one MomentClient per event loop, inside it "
            "(for example per asyncio.run, or per test); nothing was sent"
        )
        raise EventLoopError(msg)

    async def _wakeable(self, waiting: Awaitable[T], what: str) -> T:
        """
        Await *waiting*, ended at once with ``ClientClosedError`` by ``aclose()``.

        Only for waits where nothing is on the wire: a limiter slot, a
        backoff, a token. *what* says what the call did, for the message.
        """
        if self._closed:
            # Closed before this wait began (while the answer came, or
            # while a limiter was told of it): no wait at all.
            if isinstance(waiting, Coroutine):
                waiting.close()
            msg = (
                f"the client was closed before this call {what}; nothing more was sent"
            )
            raise ClientClosedError(msg)
        task = asyncio.current_task()
        assert task is not None  # noqa: S101  # calls run in tasks
        self._waiting.add(task)
        try:
            return await waiting
        except asyncio.CancelledError:
            # aclose() cancelled this wait; any other cancel goes on as is.
            if task in self._woken:
                self._woken.discard(task)
                if task.uncancel() == 0:
                    msg = f"the client was closed while this call {what}; nothing was sent"
                    raise ClientClosedError(msg) from None
            raise
        finally:
            self._waiting.discard(task)

    async def _limiter_io(
        self, io: Coroutine[Any, Any, None], deadline: float | None, what: str
    ) -> None:
        """
        Run a limiter's ``release`` or ``pause`` within the call's *deadline*.

        Both are housekeeping after the call's outcome is known: a shared
        limiter that is slow or down must neither hold the call past its
        deadline (or ``_HOUSEKEEPING`` seconds, for a call without one) nor
        replace its outcome (a 429, a connection error) with its own error,
        so it is logged instead; ``aclose()`` ends it at once.
        """
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + _HOUSEKEEPING
        try:
            async with asyncio.timeout_at(deadline):
                await self._wakeable(io, f"told its rate limiter of a {what}")
        except ClientClosedError:
            return  # The call's next step says the client is closed.
        except (TimeoutError, MomentError) as exc:
            _log.warning(
                "the rate limiter's %s did not complete (%s: %s); the call goes on",
                what,
                type(exc).__name__,
                exc,
            )

    async def sleep(self, seconds: float) -> None:
        """
        Sleep *seconds*, ended at once with ``ClientClosedError`` by ``aclose()``.
        """
        if self._closed:
            msg = "the client is closed; create a new MomentClient"
            raise ClientClosedError(msg)
        await self._wakeable(asyncio.sleep(seconds), "waited between polls")

    def spacing(self, name: str) -> float:
        """
        Seconds the client's limiter keeps between two calls *name* on one key.

        0 when the call has no documented limit or the client keeps none
        (``limiter=False``). A waiter spaces its polls by at least this, so
        no poll spends its own timeout waiting for its rate-limit slot.
        """
        rate = self._routes[name][0].rate
        return 0.0 if self._limiter is None or rate is None else rate.spacing

    async def _wait_for_slot(
        self, route: Route, key: str, deadline: float | None, timeout: Timeout
    ) -> bool:
        assert self._limiter is not None  # noqa: S101  # checked by the caller
        assert route.rate is not None  # noqa: S101  # checked by the caller
        left = (
            None if deadline is None else deadline - asyncio.get_running_loop().time()
        )
        try:
            return await self._limiter.acquire(key, route.rate, left)
        except TimeoutError as exc:
            msg = f"{route.method} {route.path} waited for its rate limit past the {timeout.total:g} s timeout"
            raise RequestTimeoutError(msg, maybe_sent=False) from exc

    def _time_left(self, route: Route, deadline: float, timeout: Timeout) -> Timeout:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            msg = (
                f"{route.method} {route.path} did not finish within {timeout.total:g} s"
            )
            raise RequestTimeoutError(msg, maybe_sent=False)
        return attrs.evolve(timeout, total=left)

    @staticmethod
    async def _backoff(
        delay: float, deadline: float | None, tokens: RetryTokens | None
    ) -> bool:
        """
        Sleep *delay* seconds before a retry; say whether the retry may go.

        It may not when the wait would pass *deadline* (waiting would only
        end in a timeout: the answer at hand says more), or when the
        client's retry budget is spent.
        """
        if (
            deadline is not None
            and asyncio.get_running_loop().time() + delay >= deadline
        ):
            return False
        if tokens is not None and not tokens.take():
            _log.debug("retry budget spent: the failure is raised, not retried")
            return False
        if delay > 0:
            await asyncio.sleep(delay)
        return True

    def _limit_key(self, route: Route, account: str, limit_id: int | None) -> str:
        if route.scope is Scope.CUSTOMER_FILE:
            return f"file:{limit_id}"
        return f"user:{self._user}:{account}"

    def _path(self, url: str) -> str:
        return url[len(self._base_url) :] or "/"

    def _ended(
        self,
        event: RequestStarted | None,
        method: str,
        url: str,
        status: int | None,
        error: TransportError | None,
        attempt: int,
        started: float,
        waited: float,
    ) -> None:
        duration = time.perf_counter() - started
        if event is not None:
            assert self._hooks is not None  # noqa: S101  # an event comes from the hooks
            self._hooks.ended(event, status, error, duration, waited)
        if _log.isEnabledFor(logging.DEBUG):
            path = self._path(url)
            outcome = status if status is not None else type(error).__name__
            # One line a request; the fields again under "moment" for
            # structured handlers (JSON formatters read record.__dict__).
            _log.debug(
                "%s %s -> %s (attempt %d, limiter wait %.1f ms, %.1f ms)",
                method,
                path,
                outcome,
                attempt,
                waited * 1000,
                duration * 1000,
                extra={
                    "moment": {
                        "method": method,
                        "path": path,
                        "status": status,
                        "error": None if error is None else type(error).__name__,
                        "attempt": attempt,
                        "limiter_wait_ms": round(waited * 1000, 3),
                        "duration_ms": round(duration * 1000, 3),
                    }
                },
            )

    def _decode(
        self, response: Response, into: type[T] | None, envelope: str | None
    ) -> T | None:
        body = response.body
        if not body.strip():
            if into is None:
                return None
            msg = f"HTTP {response.status} came with an empty body where JSON was expected"
            raise DecodeError(msg, response.status, "")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if into is None:
                return None
            msg = f"HTTP {response.status} came with a body that is not JSON"
            bound_texts(exc)  # the parser's error keeps the whole body
            raise DecodeError(msg, response.status, _excerpt(body)) from exc
        if (
            type(data) is dict
            and "code" in data
            and "msg" in data
            and not any(key in data for key in _RESOURCE_KEYS)
        ):
            raise self._error(response, data)
        if into is None:
            return None
        try:
            if envelope is not None:
                data = data[envelope]
            hook = self._structure_hooks.get(into)
            if hook is None:
                hook = self._structure_hooks[into] = self._converter.get_structure_hook(
                    into
                )
            return hook(data, into)  # type: ignore[no-any-return]  # the hook builds an `into`
        except SHAPE_ERRORS as exc:
            # A FieldError names the field; another error is worth its name.
            what = "" if isinstance(exc, FieldError) else f"{type(exc).__name__}: "
            msg = f"the answer does not have the documented shape: {what}{bounded_text(str(exc))}"
            raise DecodeError(msg, response.status, _excerpt(body)) from exc

    def _error(
        self,
        response: Response,
        data: object = None,
        *,
        name: str = "",
        route: Route | None = None,
        url: str = "",
    ) -> APIError:
        """
        Return the error an answer stands for; *name*, *route* and *url* say what was sent.
        """
        status = response.status
        if data is None:
            try:
                data = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                data = None
        if isinstance(data, dict):
            code = _as_int(data.get("code"))
            message = bounded_text(_text(data.get("msg"))) or f"HTTP {status}"
            extras = data.get("extras")
            extras = extras if isinstance(extras, dict) else {}
            detail_code = _as_int(extras.get("detailCode"))
            detail_message = bounded_text(_text(extras.get("detailMsg")))
            # A hostile body nested a thousand deep, or megabytes long,
            # would make the error costly or impossible to print or pickle:
            # keep an excerpt instead.
            body: Any = (
                data
                if len(response.body) <= _MAX_ERROR_BODY and _shallow(data)
                else bounded_text(response.body.decode("utf-8", "replace"))
            )
        else:
            code = detail_code = None
            detail_message = None
            body = message = (
                _excerpt(response.body) or f"HTTP {status} with an empty body"
            )
        if (
            route is not None
            and status in _NO_ROUTE
            and not (isinstance(data, dict) and "code" in data and "msg" in data)
        ):
            # Kakao answers a missing object with its error body; a bare 404
            # or 405 comes from a server, or a gateway, with no such route.
            return route_not_found(
                name, route, self._path(url), status, body, _excerpt(response.body)
            )
        if status < 300:
            # An error envelope inside a 200: classify it by its platform code.
            status = status_for_code(code)
        cls = error_for_status(status, detail_code)
        if cls is RateLimitError:
            after = _header(response, "retry-after")
            return RateLimitError(
                message,
                status,
                code,
                detail_code,
                detail_message,
                body,
                None if after is None else parse_retry_after(after),
            )
        return cls(message, status, code, detail_code, detail_message, body)

    async def aclose(self) -> None:
        """
        Close the transport; later calls raise ``ClientClosedError``.
        """
        if self._closed:
            return
        owner = self._loop
        if (
            owner is not None
            and asyncio.get_running_loop() is not owner
            and not owner.is_closed()
        ):
            msg = (
                "this client can only be closed in the event loop of its first "
                "call, which owns its connections and is still running; it is "
                "still open"
            )
            raise EventLoopError(msg)
        # An owning loop that has ended can no longer close its connections:
        # the transport releases what it still can from this one.
        self._closed = True
        self._woken.update(self._waiting)
        for task in self._waiting:
            task.cancel()
        await self._transport.aclose()


def check_retry(value: object) -> RetryPolicy:
    """
    Return *value* if it is a ``RetryPolicy``; a per-call ``retry=`` is checked here.
    """
    if not isinstance(value, RetryPolicy):
        msg = (
            "retry must be a RetryPolicy, such as RetryPolicy.never() or "
            f"RetryPolicy(attempts=6), got {type(value).__name__}"
        )
        raise ValidationError(msg)
    return value


def _headers(
    account: str, json: bytes | None, multipart: MultipartBody | None
) -> tuple[dict[str, str], bytes | MultipartBody | None]:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": JSON_CONTENT_TYPE,
        # Answers are a few KiB: compression saves nothing worth a
        # decompressor that a hostile answer could turn into a bomb.
        "Accept-Encoding": "identity",
        AD_ACCOUNT_ID: account,
    }
    if json is not None:
        headers[CONTENT_TYPE] = JSON_CONTENT_TYPE
        return headers, json
    if multipart is not None:
        headers[CONTENT_TYPE] = multipart.content_type
        if multipart.length is not None:
            headers[CONTENT_LENGTH] = str(multipart.length)
    return headers, multipart


def _header(response: Response, name: str) -> str | None:
    headers = response.headers
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return value


#: How deep an error body may nest and still be kept whole on the error.
_MAX_BODY_DEPTH: Final = 32


def _text(value: object) -> str | None:
    # Kakao's messages are strings; a number is shown as it is, anything
    # else (a list, an object) is not a message.
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _shallow(value: object) -> bool:
    # Iterative, so the check itself cannot recurse too deep.
    level: list[object] = [value]
    for _ in range(_MAX_BODY_DEPTH):
        nested: list[object] = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(item.values())
            elif isinstance(item, list):
                nested.extend(item)
        if not nested:
            return True
        level = nested
    return False


def _as_int(value: object) -> int | None:
    # Kakao's codes are integers, read as exactly as a model's: a code that
    # is not one is no code, never a rounded or truncated number.
    try:
        return structure_int(value)
    except (TypeError, ValueError):
        return None
