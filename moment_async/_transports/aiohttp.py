"""
The default transport, on aiohttp: the only module of the library that imports it.
"""

from __future__ import annotations

import re
from ssl import SSLContext
from typing import Final

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._constants import DEFAULT_MAX_CONNECTIONS
from .._errors import (
    ClientClosedError,
    ConnectError,
    RequestTimeoutError,
    TransportError,
    ValidationError,
)
from .base import Request, Response, Timeout

#: A path made only of characters a URL path may carry as they are: such a
#: path needs no quoting, and yarl can skip its parser for it.
_PLAIN_PATH: Final = re.compile(r"/[A-Za-z0-9/._~!$&'()*+,;=:@-]*").fullmatch
#: Origins remembered for the fast URL path; a client talks to one or two.
_MAX_ORIGINS: Final = 8
#: Request headers that never stay in an aiohttp error chained to ours.
_SECRET_HEADERS: Final = ("Authorization", "Proxy-Authorization", "Cookie")


class AiohttpTransport:
    """
    Send requests over a pooled aiohttp ``ClientSession``.

    The session is opened lazily inside the running loop on the first
    request, and closed by ``aclose()`` (the client calls it for you).
    *max_connections* defaults to 512 (aiohttp's own default of 100 starves
    a fan-out over many ad accounts); *max_connections_per_host* ``0``
    means the same as the total, since every call goes to one host::

        transport = AiohttpTransport(max_connections=1024)
        async with MomentClient(token, transport=transport) as client:
            ...

    TLS certificates and host names are verified against the system's CAs.
    Only an explicit ``ssl.SSLContext`` changes that (your own CA, or
    whatever checks your context makes); ``ssl=False`` or ``True`` is
    refused, so verification cannot be turned off by a stray flag::

        context = ssl.create_default_context(cafile="corporate-ca.pem")
        transport = AiohttpTransport(ssl=context)

    Redirects are followed, at most 10, as aiohttp follows them: the
    ``Authorization`` header goes along only to the same scheme, host and
    port, and any other origin gets the request without it (and without
    cookies). A 307 or 308 sends the request again with its body; a 301,
    302 or 303 turns a POST into a GET without one.

    Streamed bodies go out as the socket takes them; ``Content-Length`` is
    kept when the request carries it, chunked encoding is used otherwise.
    """

    def __init__(
        self,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        dns_cache_seconds: int = 300,
        ssl: SSLContext | None = None,
    ) -> None:
        self._limit = max_connections
        self._limit_per_host = max_connections_per_host
        self._keepalive = keepalive_timeout
        self._dns_ttl = dns_cache_seconds
        given: object = ssl  # checked at run time: callers may pass anything
        if given is not None and not isinstance(given, SSLContext):
            msg = (
                f"ssl must be an ssl.SSLContext or None, got {given!r}: certificates "
                "are always verified, unless a context you build says otherwise"
            )
            raise ValidationError(msg)
        # True: aiohttp's default context, which verifies certificates.
        self._ssl: SSLContext | bool = True if ssl is None else ssl
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        # One ClientTimeout per Timeout value: built once, not per call.
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        self._origins: dict[str, URL] = {}

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<AiohttpTransport max_connections={self._limit} {state}>"

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            msg = "the transport was closed"
            raise ClientClosedError(msg)
        connector = aiohttp.TCPConnector(
            limit=self._limit,
            limit_per_host=self._limit_per_host,
            keepalive_timeout=self._keepalive,
            ttl_dns_cache=self._dns_ttl,
            ssl=self._ssl,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # Errors are decided by the client. No skip_auto_headers: the
            # client always sends a User-Agent, and skipping sends aiohttp
            # down a slower path on every request.
            raise_for_status=False,
            trust_env=False,
        )
        # aiohttp silently sends a GET, PUT or DELETE again when a pooled
        # connection drops. A PUT edits a customer file or an audience and
        # may have reached the server: whether to send again is the
        # client's RetryPolicy's call, counted and logged, never a hidden
        # one. There is no public switch (aiohttp 3.10 to 3.14).
        if hasattr(self._session, "_retry_connection"):
            self._session._retry_connection = False
        return self._session

    def _client_timeout(self, timeout: Timeout) -> aiohttp.ClientTimeout:
        found = self._timeouts.get(timeout)
        if found is None:
            found = aiohttp.ClientTimeout(
                total=timeout.total,
                sock_connect=timeout.connect,
                sock_read=timeout.read,
            )
            # The client's own Timeout comes back on every first attempt;
            # what is left of a deadline on a retry varies, so the cache is small.
            if len(self._timeouts) < 16:
                self._timeouts[timeout] = found
        return found

    def _url(self, url: str) -> URL:
        # Parsing and quoting a whole URL string costs aiohttp several
        # microseconds a call, more than the rest of the client's own work.
        # Every call's URL is a known origin plus a plain path (the ids are
        # numbers), which yarl takes as it is.
        scheme_end = url.find("://") + 3
        path_start = url.find("/", scheme_end)
        if scheme_end > 2 and path_start > 0:
            origin = url[:path_start]
            path = url[path_start:]
            base = self._origins.get(origin)
            if base is None and len(self._origins) < _MAX_ORIGINS:
                base = URL(origin)
                if base.path != "/" or base.query_string or base.raw_fragment:
                    base = None
                else:
                    self._origins[origin] = base
            if base is not None and _PLAIN_PATH(path) and "/." not in path:
                return base.with_path(path, encoded=True)
        return URL(url)

    async def send(self, request: Request) -> Response:
        """
        Send *request* and read the whole response.

        Raises:
            ConnectError: no connection could be opened (nothing was sent).
            RequestTimeoutError: connecting or reading took too long.
            TransportError: the connection broke or the answer was not HTTP.
        """
        session = self._session or self._open()
        data = request.body
        stream = None
        if data is not None and not isinstance(data, bytes):
            # The transport starts a streamed body itself so that it can
            # close it however the request ends: aiohttp drops an iterator
            # it stopped reading (a cancelled upload), with its open file,
            # to the garbage collector.
            data = stream = aiter(data)
        try:
            async with session.request(
                request.method,
                self._url(request.url),
                params=request.query,
                headers=request.headers,
                data=data,
                timeout=self._client_timeout(request.timeout),
            ) as resp:
                body = await resp.read()
                return Response(status=resp.status, headers=resp.headers, body=body)
        # Order matters: aiohttp's timeout errors are also ClientErrors, and
        # a connect timeout means nothing was sent.
        except aiohttp.ConnectionTimeoutError as exc:
            msg = f"timed out connecting to {_origin(request.url)}"
            raise RequestTimeoutError(msg, maybe_sent=False) from exc
        except TimeoutError as exc:
            msg = (
                f"timed out reading the answer to {request.method} {_path(request.url)}"
            )
            raise RequestTimeoutError(msg) from exc
        except aiohttp.ClientConnectorError as exc:
            msg = f"cannot connect to {_origin(request.url)}: {exc.os_error}"
            raise ConnectError(msg) from exc
        except aiohttp.ClientError as exc:
            # aiohttp wraps whatever a streamed body raised; our own refusal
            # (an upload that streamed past 200 MB) must reach the caller as is.
            if isinstance(exc.__cause__, ValidationError):
                raise exc.__cause__ from None
            _drop_secrets(exc)
            msg = f"{request.method} {_path(request.url)} failed: {type(exc).__name__}: {exc}"
            raise TransportError(msg) from exc
        finally:
            if stream is not None:
                await _close_stream(stream)

    async def aclose(self) -> None:
        """
        Close the pooled connections; safe to call more than once.
        """
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def _close_stream(stream: object) -> None:
    # An async generator that is running is inside an await of aiohttp's
    # body writer, which aiohttp cancels: that closes it. One suspended at
    # a yield is closed here, and its files with it.
    aclose = getattr(stream, "aclose", None)
    if aclose is not None and not getattr(stream, "ag_running", False):
        await aclose()


def _drop_secrets(exc: aiohttp.ClientError) -> None:
    """
    Remove the request's secret headers from an aiohttp error, in place.

    Errors about an answer (too many redirects, a malformed response) keep
    the request's headers, ``Authorization`` included, in ``request_info``
    and ``args``, which ``repr()`` shows; the error becomes the cause of
    ours, so it must not hold the token.
    """
    if not isinstance(exc, aiohttp.ClientResponseError):
        return
    info = exc.request_info
    headers = CIMultiDict(info.headers)
    for name in _SECRET_HEADERS:
        headers.popall(name, None)
    kept = aiohttp.RequestInfo(
        info.url, info.method, CIMultiDictProxy(headers), info.real_url
    )
    exc.request_info = kept
    exc.args = tuple(kept if arg is info else arg for arg in exc.args)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _path(url: str) -> str:
    _, _, rest = url.partition("://")
    return "/" + rest.split("/", 1)[-1].split("?", 1)[0]
