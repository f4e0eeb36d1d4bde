"""
The default transport, on aiohttp: the only module of the library that imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
import zlib
from contextvars import ContextVar
from socket import SHUT_RDWR
from ssl import SSLContext
from typing import Any, Final

import aiohttp
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._constants import DEFAULT_MAX_CONNECTIONS
from .._errors import (
    ClientClosedError,
    ConnectError,
    EventLoopError,
    MomentError,
    RequestTimeoutError,
    TransportError,
    ValidationError,
    bound_texts,
    bounded_text,
)
from .._validate import check_bool, check_count, check_number
from ._proxy import Proxies
from .base import Request, Response, Timeout, too_large

#: A path made only of characters a URL path may carry as they are: such a
#: path needs no quoting, and yarl can skip its parser for it.
_PLAIN_PATH: Final = re.compile(r"/[A-Za-z0-9/._~!$&'()*+,;=:@-]*").fullmatch
#: Origins remembered for the fast URL path; a client talks to one or two.
_MAX_ORIGINS: Final = 8
#: Request headers that never stay in an aiohttp error chained to ours.
_SECRET_HEADERS: Final = ("Authorization", "Proxy-Authorization", "Cookie")
#: Asked of every server unless the request says otherwise: answers are
#: small JSON, so compression saves little and invites decompression bombs.
_DEFAULT_HEADERS: Final = {"Accept-Encoding": "identity"}
#: The content codings decoded (by this module, in bounded steps), with the
#: zlib window bits of each; deflate's depends on its first byte.
_CODINGS: Final = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": 0,
}
#: The sockets the current send used, filled in by ``_Connector.connect``.
_USED: Final[ContextVar[list[asyncio.Transport] | None]] = ContextVar(
    "moment_async_used_sockets", default=None
)


class AiohttpTransport:
    """
    Send requests over a pooled aiohttp ``ClientSession``.

    The session is opened lazily inside the running loop on the first
    request, and closed by ``aclose()`` (the client calls it for you).
    *max_connections* defaults to 512 (aiohttp's own default of 100 starves
    a fan-out over many ad accounts; ``0`` is no limit, as in aiohttp);
    *max_connections_per_host* ``0`` means the same as the total, since
    every call goes to one host. Counts are whole numbers and
    *keepalive_timeout* seconds: anything else (``True``, ``1.5``
    connections) is a ``ValidationError`` here, not at the first send::

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

    An answer is read up to the request's ``max_response_bytes`` and no
    further: a bigger declared ``Content-Length`` is refused before reading,
    and a body that streams past the bound (after decompression, and before
    it) is refused as soon as it does, with ``ResponseTooLargeError``. The
    transport asks for answers uncompressed; gzip and deflate are decoded
    anyway, in steps that never make more than the bound, and any other
    coding is refused with ``TransportError``.

    A connection that did not end its exchange cleanly (a cancelled or
    timed-out upload, a refused answer, a broken one) is aborted: its
    socket is closed at once, never returned to the pool nor left waiting
    for an unread upload to drain. ``aclose()`` aborts every connection, so
    it never waits on a server.

    Proxies are used as curl, httpx and openai use them. *proxy* sends
    every request through one HTTP proxy, whatever the environment says;
    credentials go in its URL and reach the proxy alone, in a
    ``Proxy-Authorization`` header (they are never shown: messages and
    reprs name the proxy by scheme, host and port)::

        AiohttpTransport(proxy="http://user:password@proxy.example:3128")

    Without *proxy*, the standard environment is read once, when the
    transport is made: ``HTTPS_PROXY`` (or ``https_proxy``) for Kakao's
    ``https://`` API, ``HTTP_PROXY`` for an ``http://`` base URL such as a
    sandbox, ``ALL_PROXY`` for either when its own is unset, and
    ``NO_PROXY`` for hosts reached directly (``NO_PROXY=127.0.0.1,localhost``
    keeps a local sandbox off the proxy). ``trust_env=False`` ignores the
    environment. An ``https://`` origin is reached through a ``CONNECT``
    tunnel: the proxy relays TLS bytes and never sees the token, the path
    or the body; a plain ``http://`` origin's requests go to the proxy as
    they are. Only ``http://`` proxies are supported; any other proxy URL,
    given or in the environment, is refused with ``ValidationError`` when
    the transport is made, never skipped.
    """

    def __init__(
        self,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_connections_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        dns_cache_seconds: int = 300,
        ssl: SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        # Checked here, not at the first send: aiohttp would take True as 1.
        self._limit = check_count(max_connections, "max_connections", least=0)
        self._limit_per_host = check_count(
            max_connections_per_host, "max_connections_per_host", least=0
        )
        self._keepalive = check_number(
            keepalive_timeout, "keepalive_timeout", unit="seconds"
        )
        self._dns_ttl = check_count(dns_cache_seconds, "dns_cache_seconds", least=0)
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
        #: The loop the session was opened in: its sockets belong to it.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # One ClientTimeout per Timeout value: built once, not per call.
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        self._origins: dict[str, URL] = {}
        proxies = Proxies(proxy, trust_env=check_bool(trust_env, "trust_env"))
        #: None when every request goes direct: the common case costs nothing.
        self._proxies = proxies if proxies.used else None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        shown = self._proxies.describe() if self._proxies is not None else None
        proxy = "" if shown is None else f" proxy={shown}"
        return f"<AiohttpTransport max_connections={self._limit}{proxy} {state}>"

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            msg = "the transport was closed"
            raise ClientClosedError(msg)
        self._loop = asyncio.get_running_loop()
        connector = _Connector(
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
            # The proxy environment is read once, by Proxies: aiohttp's own
            # reading costs two thread hops a request, and would put a
            # ~/.netrc password in place of the token.
            trust_env=False,
            # The body is read and decoded here, within its bound.
            auto_decompress=False,
            headers=_DEFAULT_HEADERS,
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
            ResponseTooLargeError: the answer passed ``request.max_response_bytes``.
            TransportError: the connection broke, the answer was not HTTP, or
                its content coding is one this transport does not decode.
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
        headers, proxy, proxy_headers = request.headers, None, None
        if self._proxies is not None:
            headers, proxy, proxy_headers = self._proxies.apply(request.url, headers)
        used: list[asyncio.Transport] = []
        using = _USED.set(used)
        try:
            async with session.request(
                request.method,
                self._url(request.url),
                params=request.query,
                headers=headers,
                data=data,
                timeout=self._client_timeout(request.timeout),
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as resp:
                try:
                    body = await _read_body(resp, request)
                except BaseException:
                    # What is left of the answer goes with the connection:
                    # never back to the pool, never read to its end.
                    resp.close()
                    raise
                return Response(status=resp.status, headers=resp.headers, body=body)
        # Order matters: aiohttp's timeout errors are also ClientErrors, and
        # a connect timeout means nothing was sent.
        except aiohttp.ConnectionTimeoutError as exc:
            _forget_request(exc)
            msg = f"timed out connecting to {_origin(request.url)}{_via(proxy)}"
            raise RequestTimeoutError(msg, maybe_sent=False) from exc
        except TimeoutError as exc:
            _forget_request(exc)
            msg = (
                f"timed out reading the answer to {request.method} {_path(request.url)}"
            )
            raise RequestTimeoutError(msg) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ClientHttpProxyError) as exc:
            _forget_request(exc)
            raise _connect_error(exc, request.url, proxy) from exc
        except aiohttp.ClientError as exc:
            msg = f"{request.method} {_path(request.url)} failed: {_describe(exc)}"
            _forget_request(exc)
            # aiohttp wraps whatever a streamed body raised; our own refusal
            # (an upload that streamed past 200 MB) must reach the caller as is.
            if isinstance(exc.__cause__, ValidationError):
                raise exc.__cause__ from None
            raise TransportError(msg) from exc
        finally:
            _USED.reset(using)
            _abort_unfinished(used)
            if stream is not None:
                await _close_stream(stream)

    async def aclose(self) -> None:
        """
        Close the pooled connections; safe to call more than once.

        Every connection is aborted, in use or idle: closing never waits
        for a server to read an upload or to answer a TLS goodbye, and calls
        in flight end at once (the client reports them as closed).

        The connections belong to the event loop that opened them (the
        first ``send``'s). Once that loop is closed (its ``asyncio.run``
        returned), ``aclose()`` may run in any loop: each connection is shut
        down on the wire, so the server sees it end at once, and the aiohttp
        session is closed; only the sockets' descriptors are left, to the
        garbage collector, since releasing them needs their own loop (Python
        warns ``ResourceWarning: unclosed transport`` as it closes each).

        Raises:
            EventLoopError: the loop that opened the connections is still
                open and is not the running one: close the transport there.
        """
        session = self._session
        loop = self._loop
        gone = loop is not None and loop.is_closed()
        if session is not None and not gone and loop is not asyncio.get_running_loop():
            msg = (
                "the transport's connections belong to another event loop, which "
                "is still open: close the transport in that loop (it was left open)"
            )
            raise EventLoopError(msg)
        self._closed = True
        self._session = None
        if session is not None:
            connector = session.connector
            if isinstance(connector, _Connector):
                for socket in list(connector.sockets):
                    if gone:
                        _shut_down(socket)
                    else:
                        socket.abort()
            # From another loop, once the first is closed, aiohttp only marks
            # its session and connector closed: no loop is needed for that.
            await session.close()


class _Connector(aiohttp.TCPConnector):
    """
    A ``TCPConnector`` that remembers the socket of each connection it hands out.

    aiohttp ends a failed request's connection with ``transport.close()``,
    which keeps the socket open until its write buffer drains: never, when
    the server stopped reading an upload. The transport aborts such sockets
    itself, so it must know them.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sockets: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()

    async def connect(
        self,
        req: aiohttp.ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109  # aiohttp's own signature
    ) -> Connection:
        """
        Return a pooled or new connection, noting its socket for the send in progress.
        """
        connection = await super().connect(req, traces, timeout)
        socket = connection.transport
        if socket is not None:
            self.sockets.add(socket)
            used = _USED.get()
            if used is not None:
                used.append(socket)
        return connection


def _shut_down(socket: asyncio.Transport) -> None:
    # abort() needs the socket's own loop, which is closed; shutdown() ends
    # the connection on the wire without one.
    sock = socket.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed, or never connected
            sock.shutdown(SHUT_RDWR)


def _abort_unfinished(used: list[asyncio.Transport]) -> None:
    # aiohttp closed these (a failed or cut-short exchange) and nobody will
    # use them again; a pooled one is not closing and is left alone.
    for socket in used:
        if socket.is_closing():
            socket.abort()


async def _read_body(resp: aiohttp.ClientResponse, request: Request) -> bytes:
    """
    Return the answer's body, decoded, refusing it once it passes the request's bound.
    """
    limit = request.max_response_bytes
    coding = resp.headers.get("Content-Encoding")
    inflater = None
    if coding is not None and coding.strip().lower() not in ("", "identity"):
        inflater = _Inflater(coding)
    else:
        length = resp.content_length
        if length is not None:
            # The common case, read in one go: the parser stops at the
            # declared length, so the bound is checked before reading.
            if limit is not None and length > limit:
                raise too_large(request, limit, f"it declares {length:,} bytes")
            return await resp.read()
    parts: list[bytes] = []
    size = received = 0
    while chunk := await resp.content.readany():
        received += len(chunk)
        if inflater is not None:
            # One byte more than the room left is enough to know it is too big.
            chunk = inflater.feed(chunk, 0 if limit is None else limit - size + 1)
        size += len(chunk)
        # The bytes received count too: compressed data that inflates to
        # nothing must not stream without end either.
        if limit is not None and max(size, received) > limit:
            raise too_large(request, limit, "it streamed past it")
        parts.append(chunk)
    if inflater is not None:
        inflater.check_end()
    return b"".join(parts)


class _Inflater:
    """
    Decode a gzip or deflate body piece by piece, never more than asked at once.

    aiohttp's own decoding (before 3.13.3) inflates a whole network chunk
    at once, so a small compressed chunk could fill memory before any
    bound is checked; here each step makes at most the room left. A body
    must hold one compressed stream, whole, and nothing after it.
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding.strip().lower()
        if self.coding not in _CODINGS:
            msg = (
                f"the server answered with Content-Encoding {coding[:64]!r}, which "
                "this client does not decode (it asks for identity, and decodes "
                "gzip and deflate)"
            )
            raise TransportError(msg)
        self._zlib: zlib._Decompress | None = None

    def feed(self, data: bytes, room: int) -> bytes:
        """
        Return what *data* decodes to, at most *room* bytes of it (``0``: all).
        """
        if self._zlib is None:
            wbits = _CODINGS[self.coding]
            if not wbits:
                # "deflate" is meant to be zlib-wrapped (RFC 9110) but some
                # servers send it raw; a zlib header's low nibble is 8, which
                # a raw stream's first byte cannot have.
                wbits = zlib.MAX_WBITS if data[0] & 0x0F == 8 else -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(wbits)
        try:
            decoded = self._zlib.decompress(data, room)
        except zlib.error as exc:
            msg = f"the answer's {self.coding} body is corrupt: {exc}"
            raise TransportError(msg) from exc
        if self._zlib.unused_data:
            # zlib stops at the stream's end and keeps the rest aside: a
            # second gzip member or trailing bytes would be dropped unread.
            msg = (
                f"the answer's {self.coding} body goes on after the end of its "
                "compressed data (a second gzip member, or trailing bytes), which "
                "this client does not decode"
            )
            raise TransportError(msg)
        return decoded

    def check_end(self) -> None:
        """
        Raise ``TransportError`` if the body stopped before its compressed end.
        """
        if self._zlib is not None and not self._zlib.eof:
            msg = f"the answer's {self.coding} body was cut short"
            raise TransportError(msg)


async def _close_stream(stream: object) -> None:
    # An async generator that is running is inside an await of aiohttp's
    # body writer, which aiohttp cancels: that closes it. One suspended at
    # a yield is closed here, and its files with it.
    aclose = getattr(stream, "aclose", None)
    if aclose is not None and not getattr(stream, "ag_running", False):
        await aclose()


def _describe(exc: aiohttp.ClientError) -> str:
    # aiohttp's texts quote the server: a status line, a Location, the
    # bytes past a body's declared end (megabytes of them).
    text = f"{type(exc).__name__}: {bounded_text(str(exc))}"
    if isinstance(exc, aiohttp.ClientResponseError) and exc.history:
        text += f" (after {len(exc.history)} redirects)"
    return text


def _forget_request(exc: BaseException) -> None:
    """
    Make *exc*, and the errors it chains, keep nothing of the request.

    The error becomes the cause of ours, so it must not hold the token.
    aiohttp's frames hold the request's headers in their locals, and its
    errors about an answer keep them in ``request_info`` and in each
    redirect's response in ``history`` (which also holds the session):
    tracebacks are dropped, secret headers removed, the history emptied
    (its length is in our message), and the texts quoting the server cut
    to an excerpt (``bound_texts``). Our own errors in the chain (a
    streamed body's refusal) are left as they are.
    """
    pending: list[BaseException | None] = [exc]
    seen: list[BaseException] = []
    while pending and len(seen) < 16:
        item = pending.pop()
        if (
            item is None
            or isinstance(item, MomentError)
            or any(item is done for done in seen)
        ):
            continue
        seen.append(item)
        item.__traceback__ = None
        if isinstance(item, aiohttp.ClientResponseError):
            info = item.request_info
            headers = CIMultiDict(info.headers)
            for name in _SECRET_HEADERS:
                headers.popall(name, None)
            kept = aiohttp.RequestInfo(
                info.url, info.method, CIMultiDictProxy(headers), info.real_url
            )
            item.request_info = kept
            item.history = ()
            item.args = (kept, ())
        bound_texts(item)
        pending += [item.__cause__, item.__context__]


def _connect_error(
    exc: aiohttp.ClientConnectorError | aiohttp.ClientHttpProxyError,
    url: str,
    proxy: URL | None,
) -> ConnectError:
    where = _origin(url)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy refused the CONNECT: nothing reached the API.
        msg = f"the proxy {proxy} refused a tunnel to {where}: HTTP {exc.status} {exc.message[:200]}"
        return ConnectError(msg)
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        where = f"the proxy {proxy} (for {where})"
    msg = f"cannot connect to {where}: {exc.os_error}"
    return ConnectError(msg)


def _via(proxy: URL | None) -> str:
    return "" if proxy is None else f" through the proxy {proxy}"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _path(url: str) -> str:
    _, _, rest = url.partition("://")
    return "/" + rest.split("/", 1)[-1].split("?", 1)[0]
