"""
The exceptions moment_async raises, and the map from a status to its class.

::

    MomentError
    ├── ValidationError (ValueError)        an argument was refused before sending
    ├── ClientClosedError (RuntimeError)    the client was used after aclose()
    ├── EventLoopError (RuntimeError)        the client was used from a second event loop
    ├── DecodeError                          a success response had an unexpected shape
    ├── APIError                             the API answered with an error
    │   ├── BadRequestError                  400
    │   ├── AuthenticationError              401
    │   ├── PermissionDeniedError            403
    │   ├── NotFoundError                    404, or Moment detail code 21006
    │   │   └── RouteNotFoundError           404 or 405 not from Kakao: the route is wrong
    │   ├── RateLimitError                   429, or the client-side limiter
    │   └── ServerError                      5xx
    ├── TransportError                       no complete answer came back
    │   ├── ConnectError                     no connection: nothing was sent
    │   ├── RequestTimeoutError (TimeoutError)
    │   └── ResponseTooLargeError            the answer passed max_response_bytes
    ├── AmbiguousWriteError                  a create may or may not have happened
    ├── LimiterUnavailableError              the shared limiter's store (Redis) did not answer
    ├── ResourceFailedError                  a waited-for file or audience ended in failure
    └── WaitTimeoutError (TimeoutError)      a waited-for file or audience was not ready in time

Every exception pickles (bulk jobs move them between processes): each
``__init__`` passes all its arguments on to ``BaseException``.
"""

from __future__ import annotations

from typing import Final, overload

from ._types import JSON

#: Characters of a server's text (an error message, a detail message, a
#: value quoted in a refusal) that an exception keeps; a longer text is cut,
#: its full length noted.
MAX_ERROR_TEXT: Final = 4096


@overload
def bounded_text(text: str) -> str: ...
@overload
def bounded_text(text: None) -> None: ...
def bounded_text(text: str | None) -> str | None:
    """
    Return *text*, or its first ``MAX_ERROR_TEXT`` characters and its length.

    Every message built from what a server (or a file) said goes through
    here, so an error prints, logs and pickles at a bounded cost.
    """
    # A server's message may be megabytes: keep a readable start, and say
    # how long it was.
    if text is None or len(text) <= MAX_ERROR_TEXT:
        return text
    return f"{text[:MAX_ERROR_TEXT]}... ({len(text):,} characters in all)"


def bound_texts(exc: BaseException) -> None:
    """
    Cut every text *exc* keeps, in its args and its attributes, with ``bounded_text``.

    For another library's error chained to ours as its cause: it may quote
    a server at length (a parser's line, a Location, an error reply).
    """
    exc.args = tuple(
        bounded_text(arg) if isinstance(arg, str) else arg for arg in exc.args
    )
    for name, value in list(getattr(exc, "__dict__", {}).items()):
        if isinstance(value, str):
            setattr(exc, name, bounded_text(value))


class MomentError(Exception):
    """
    Root of every exception this package raises on purpose.
    """

    def __init__(self, message: str, *args: object) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(MomentError, ValueError):
    """
    Raised before anything is sent when an argument breaks a documented rule.

    The message names the argument, what was wrong, and what is allowed.
    """


class ClientClosedError(MomentError, RuntimeError):
    """
    Raised when a call is made on a client that was already closed.
    """


class EventLoopError(MomentError, RuntimeError):
    """
    Raised when a client is used from an event loop other than its first one.

    A client's connections belong to the event loop that opened them (its
    first call's): they cannot be used from another. Make one client per
    event loop, inside it (for instance per ``asyncio.run``, or per test
    when each test gets its own loop). Nothing was sent.
    """


class DecodeError(MomentError):
    """
    Raised when a successful response is not JSON of the documented shape.

    ``status`` is the HTTP status and ``excerpt`` the start of the body.
    """

    def __init__(self, message: str, status: int, excerpt: str) -> None:
        super().__init__(message, status, excerpt)
        self.status = status
        self.excerpt = excerpt


class APIError(MomentError):
    """
    Raised when the API answers with an error status or an error envelope.

    Attributes follow Kakao's error body ``{"code", "msg", "extras":
    {"detailCode", "detailMsg"}}``: ``code`` is the platform code (``-813``
    for Moment errors), ``detail_code`` and ``detail_message`` the Moment
    reason. ``body`` is the decoded error body, or an excerpt of it when it
    was not JSON (an HTML page from a proxy).
    """

    def __init__(
        self,
        message: str,
        status: int,
        code: int | None = None,
        detail_code: int | None = None,
        detail_message: str | None = None,
        body: JSON = None,
    ) -> None:
        super().__init__(message, status, code, detail_code, detail_message, body)
        self.status = status
        self.code = code
        self.detail_code = detail_code
        self.detail_message = detail_message
        self.body = body

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.detail_code is not None:
            parts.append(f"detail {self.detail_code}")
        # One line even when the server's reason holds line breaks.
        reason = " ".join((self.detail_message or self.message).split())
        return f"{', '.join(parts)}: {reason}"


class BadRequestError(APIError):
    """
    Raised on 400: a parameter the API refused, a quota, a Moment rule.
    """


class AuthenticationError(APIError):
    """
    Raised on 401: the business token is missing, expired or not a business token.

    When the token is an async provider, the client asks it once for a fresh
    token and repeats the call before raising this.
    """


class PermissionDeniedError(APIError):
    """
    Raised on 403: no permission on the ad account, consent missing, app suspended.
    """


class NotFoundError(APIError):
    """
    Raised on 404, and on Moment detail code 21006 whatever the status.
    """


class RouteNotFoundError(NotFoundError):
    """
    Raised on a 404 or 405 whose body is not Kakao's error body: the route is wrong.

    Kakao answers a missing customer file or audience with its error body
    (``{"code", "msg", "extras"}``); a bare 404 or 405 (an nginx page, an
    empty or other body) comes from a server with no such route: a path
    Kakao moved (six customer-file paths are not confirmed by public
    documents) or a wrong ``base_url``. Nothing was found missing, and
    nothing was done.

    ``call`` names the call (``"customer_files.usage"``), ``method`` and
    ``path`` are what was tried (the path below ``base_url``, its id
    filled in) and ``override`` is the ``routes={...}`` argument to pass
    ``MomentClient`` with Kakao's real path in place of the one shown::

        try:
            used = await acct.customer_files.usage(7)
        except ma.RouteNotFoundError as exc:
            log.error("fix the route: %s", exc.override)

    A subclass of ``NotFoundError``, so code that already catches that
    still does; catch this one first to tell the two apart.
    """

    def __init__(
        self,
        message: str,
        status: int = 404,
        code: int | None = None,
        detail_code: int | None = None,
        detail_message: str | None = None,
        body: JSON = None,
        call: str = "",
        method: str = "",
        path: str = "",
        override: str = "",
    ) -> None:
        super().__init__(message, status, code, detail_code, detail_message, body)
        self.args = (*self.args, call, method, path, override)
        self.call = call
        self.method = method
        self.path = path
        self.override = override


class RateLimitError(APIError):
    """
    Raised on 429 once retries are spent, or at once by a limiter set not to wait.

    ``retry_after`` is the number of seconds to wait before calling again,
    when known. ``local`` is true when the client's own limiter refused the
    call and nothing was sent.
    """

    def __init__(
        self,
        message: str,
        status: int = 429,
        code: int | None = None,
        detail_code: int | None = None,
        detail_message: str | None = None,
        body: JSON = None,
        retry_after: float | None = None,
        local: bool = False,
    ) -> None:
        super().__init__(message, status, code, detail_code, detail_message, body)
        self.args = (*self.args, retry_after, local)
        self.retry_after = retry_after
        self.local = local

    def __str__(self) -> str:
        if self.local:
            return self.message
        return super().__str__()


class ServerError(APIError):
    """
    Raised on a 5xx answer once retries are spent (-9798 is maintenance).
    """


class TransportError(MomentError):
    """
    Raised when no complete answer came back (connection reset, bad HTTP).

    ``maybe_sent`` is false only when the request surely never reached the
    server, which makes even a create safe to send again.
    """

    def __init__(self, message: str, maybe_sent: bool = True) -> None:
        super().__init__(message, maybe_sent)
        self.maybe_sent = maybe_sent


class ConnectError(TransportError):
    """
    Raised when no connection to the API could be opened; nothing was sent.
    """

    def __init__(self, message: str, maybe_sent: bool = False) -> None:
        super().__init__(message, maybe_sent)


class RequestTimeoutError(TransportError, TimeoutError):
    """
    Raised when a call ran past its timeout; also a builtin ``TimeoutError``.
    """


class ResponseTooLargeError(TransportError):
    """
    Raised when an answer holds more than the client's ``max_response_bytes``.

    Reading stops as soon as the bound is passed, counted after
    decompression, so an endless or compressed-bomb answer costs no more
    memory than the bound. ``limit`` is the bound in bytes. The request
    reached the server (``maybe_sent`` is true).
    """

    def __init__(self, message: str, limit: int = 0, maybe_sent: bool = True) -> None:
        super().__init__(message, maybe_sent)
        self.args = (message, limit, maybe_sent)
        self.limit = limit


class AmbiguousWriteError(MomentError):
    """
    Raised when a create failed after its request may have reached Kakao.

    A connection that broke after the body was sent, a timeout while
    waiting for the answer, a 5xx answer, or a 2xx answer whose body could
    not be read (the create most likely happened) leave a customer file or
    audience created or not: the client does not send the request again,
    which could create it twice. ``call`` names the call and ``name`` the
    object's name; ``reconciled`` says whether the client listed the ad
    account to look for it (``reconcile=True``) and found no new object of
    that name yet (which is not proof that nothing will appear), or found
    several and would not guess. The original error is the ``__cause__``::

        try:
            await files.upload("buyers", ["a.csv"], reconcile=True)
        except ma.AmbiguousWriteError as exc:
            log.warning("check the account before trying again: %s", exc)
    """

    def __init__(
        self, message: str, call: str, name: str, reconciled: bool = False
    ) -> None:
        super().__init__(message, call, name, reconciled)
        self.call = call
        self.name = name
        self.reconciled = reconciled


class LimiterUnavailableError(MomentError):
    """
    Raised when a shared limiter cannot reach its store (Redis); nothing was sent.

    The call did not get its rate-limit slot, so it was not sent. A
    ``RedisLimiter`` made with ``fallback=True`` never raises this: it
    keeps the limits in the process until Redis answers again.
    """


class ResourceFailedError(MomentError):
    """
    Raised by a ``wait_until_ready`` when Kakao's processing ended in failure.

    A customer file in ``ERROR`` (no valid ADID, or another fault) or
    ``TRANSFORM_ERROR`` (its URL could not be read), or one deleted
    (``DELETE``) while it was waited for; an audience in ``ERROR``.
    ``resource`` is the ``CustomerFile`` or ``Audience`` as last fetched
    and ``status`` its status as the API wrote it (``"TRANSFORM_ERROR"``).
    """

    def __init__(self, message: str, resource: object = None, status: str = "") -> None:
        super().__init__(message, resource, status)
        self.resource = resource
        self.status = status


class WaitTimeoutError(MomentError, TimeoutError):
    """
    Raised by a ``wait_until_ready`` whose *max_wait* passed before the object was ready.

    Also a builtin ``TimeoutError``. ``resource`` is the object as last
    fetched (``None`` when no poll answered) and ``waited`` the seconds
    waited. Unlike ``RequestTimeoutError`` (one poll passing its per-call
    *timeout*), nothing failed: the object may still become ready, and
    waiting again is safe.
    """

    def __init__(
        self, message: str, resource: object = None, waited: float = 0.0
    ) -> None:
        super().__init__(message, resource, waited)
        # OSError (TimeoutError's base) keeps only two of three arguments
        # in args; keep all three so a pickle round trip rebuilds this.
        self.args = (message, resource, waited)
        self.resource = resource
        self.waited = waited


_STATUS_ERRORS: Final[dict[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}

#: Moment detail codes that say more than the HTTP status they come with.
_DETAIL_ERRORS: Final[dict[int, type[APIError]]] = {
    21006: NotFoundError,
    9004: PermissionDeniedError,
}

#: The status a platform code stands for, for errors sent inside a 200 body.
_CODE_STATUS: Final[dict[int, int]] = {
    -2: 400,
    -3: 403,
    -5: 403,
    -10: 400,
    -12: 403,
    -101: 400,
    -401: 401,
    -402: 403,
    -813: 400,
    -9798: 503,
}

#: Platform codes that refuse a call for good: a bad parameter, an API not
#: enabled, no permission, a quota, a suspended app, an unlinked user, a
#: bad token, missing consent. Sending the same call again cannot succeed.
PERMANENT_CODES: Final = frozenset({-2, -3, -5, -10, -12, -101, -401, -402})


def error_for_status(status: int, detail_code: int | None = None) -> type[APIError]:
    """
    Return the exception class for an error answer.
    """
    if detail_code is not None and detail_code in _DETAIL_ERRORS:
        return _DETAIL_ERRORS[detail_code]
    cls = _STATUS_ERRORS.get(status)
    if cls is not None:
        return cls
    if status >= 500:
        return ServerError
    return APIError


def status_for_code(code: int | None) -> int:
    """
    Return the HTTP status that a platform error code usually comes with.
    """
    return _CODE_STATUS.get(code, 400) if code is not None else 400
