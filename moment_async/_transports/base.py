"""
The contract between the session and whatever moves bytes: one request in, one response out.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Mapping
from typing import Protocol, runtime_checkable

import attrs

from .._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
)
from .._errors import ResponseTooLargeError, ValidationError


@attrs.frozen(kw_only=True)
class Timeout:
    """
    Seconds allowed for a call; ``None`` means no limit.

    *total* (60 s) bounds the whole call, waits for a rate-limit slot and
    retries included; *connect* (10 s) bounds opening a connection and
    *read* one stall while reading the answer (off unless set: the total
    already bounds it, and a per-read timer costs throughput)::

        MomentClient(token, timeout=Timeout(total=120, connect=5))
        MomentClient(token, timeout=30)  # total only
    """

    total: float | None = attrs.field(
        default=DEFAULT_TOTAL_TIMEOUT,
        validator=lambda _, a, v: _check_seconds(a.name, v),
    )
    connect: float | None = attrs.field(
        default=DEFAULT_CONNECT_TIMEOUT,
        validator=lambda _, a, v: _check_seconds(a.name, v),
    )
    read: float | None = attrs.field(
        default=DEFAULT_READ_TIMEOUT,
        validator=lambda _, a, v: _check_seconds(a.name, v),
    )

    @classmethod
    def of(cls, value: Timeout | float) -> Timeout:
        """
        Return *value* as a ``Timeout``: a number is the total in seconds.

        ``Timeout.of(30)`` is ``Timeout(total=30)``, with the default
        connect and read limits.

        Raises:
            ValidationError: *value* is neither a ``Timeout`` nor a positive number.
        """
        if isinstance(value, Timeout):
            return value
        _check_seconds("timeout", value)
        return cls(total=float(value))


def _check_seconds(name: str, value: object) -> None:
    if value is None and name != "timeout":
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        msg = (
            f"{name} must be a positive number of seconds"
            + (" or None" if name != "timeout" else " or a Timeout")
            + f", got {value!r}"
        )
        raise ValidationError(msg)


# Mutable (treat it as read-only): a frozen class costs microseconds per
# call to build, and one is built for every request.
@attrs.define(kw_only=True)
class Request:
    """
    One HTTP request as the session hands it to a transport.

    *body* is ``None``, bytes, or an async iterable of byte chunks that the
    transport streams as it reads them (a multipart upload). When the length
    of a streamed body is known the headers carry ``Content-Length``;
    otherwise the transport uses chunked encoding. *timeout* holds the
    connect and read limits, and in ``total`` the seconds left of the call's
    deadline, which the transport must enforce for this attempt.
    *max_response_bytes* bounds the answer's body after decompression: a
    transport stops reading as soon as the body passes it and raises
    ``ResponseTooLargeError`` (``None``: no bound, for tools of your own).
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(repr=False)
    query: Mapping[str, str] | None = None
    body: bytes | AsyncIterable[bytes] | None = attrs.field(default=None, repr=False)
    timeout: Timeout = Timeout()
    max_response_bytes: int | None = None


@attrs.define(kw_only=True)
class Response:
    """
    One HTTP response: status, headers and the whole body.

    *headers* must answer ``get()`` for lower-case names (aiohttp's headers
    are case-insensitive; a plain dict should use lower-case keys).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    body: bytes = attrs.field(default=b"", repr=False)


def too_large(request: Request, limit: int, how: str) -> ResponseTooLargeError:
    """
    Return the error for an answer to *request* past *limit* bytes; *how* says how it showed.

    One message for every transport and for the session's own check.
    """
    msg = (
        f"the answer to {request.method} {request.url.split('?', 1)[0]} is larger "
        f"than max_response_bytes ({limit:,} bytes): {how}; raise it on the "
        "client if the answer is genuine"
    )
    return ResponseTooLargeError(msg, limit)


@runtime_checkable
class Transport(Protocol):
    """
    What the client needs from a transport; implement it to plug in your own.

    ``send`` raises ``moment_async.TransportError`` (``ConnectError`` when
    nothing was sent, ``RequestTimeoutError`` on a timeout) and never another
    library's exceptions. ``aclose`` releases connections and is idempotent.
    A transport knows nothing of Kakao: no auth, no JSON, no retries.
    """

    async def send(self, request: Request) -> Response:
        """
        Send *request* and return the complete response.
        """
        ...

    async def aclose(self) -> None:
        """
        Release every connection; further sends may fail.
        """
        ...
