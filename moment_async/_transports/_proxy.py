"""
Which proxy each request goes through: the ``proxy=`` argument, or the standard environment.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from typing import Final

from yarl import URL

from .._errors import ValidationError

#: The one request header a proxy's credentials travel in.
PROXY_AUTHORIZATION: Final = "Proxy-Authorization"
#: Origins remembered; a client talks to one or two.
_MAX_ORIGINS: Final = 8


class ProxyRoute:
    """
    Strictly private: how requests to one origin reach it through a proxy.

    *url* is the proxy without its credentials: safe to show in messages.
    The credentials, when the proxy URL had them, go in the header that
    reaches the proxy alone: in the ``CONNECT`` request of an ``https://``
    origin (*connect_headers*), or, for a plain ``http://`` origin, in the
    request itself (*request_headers*), which the proxy consumes.
    """

    __slots__ = ("connect_headers", "request_headers", "url")

    def __init__(
        self,
        url: URL,
        connect_headers: Mapping[str, str] | None,
        request_headers: Mapping[str, str] | None,
    ) -> None:
        self.url = url
        self.connect_headers = connect_headers
        self.request_headers = request_headers

    def __repr__(self) -> str:
        return f"<ProxyRoute {self.url}>"


class _Proxy:
    """
    A checked proxy URL: where it is, and its credentials as a header value.
    """

    __slots__ = ("_authorization", "url")

    def __init__(self, value: object, source: str, *, from_env: bool) -> None:
        if not isinstance(value, str):
            msg = f"{source} must be a proxy URL string, got {type(value).__name__}"
            raise ValidationError(msg)
        # curl, urllib and httpx read "proxy:3128" in the environment as
        # http://proxy:3128; an argument must say its scheme.
        text = value if "://" in value or not from_env else f"http://{value}"
        try:
            parsed = URL(text)
            host = parsed.host
        except (ValueError, TypeError):
            # The value may hold a password: it is not repeated.
            msg = f"{source} is not a URL (its value is not shown: it may hold credentials)"
            raise ValidationError(msg) from None
        if parsed.scheme != "http" or not host:
            shown = f"{parsed.scheme}://{host or '?'}" if parsed.scheme else "no scheme"
            msg = (
                f"{source} must be an http:// proxy URL such as "
                f"http://proxy.example:3128, got {shown}: the client reaches HTTPS "
                "origins through an http:// proxy with CONNECT, and does not speak "
                "TLS or SOCKS to the proxy itself"
            )
            if from_env:
                msg += "; trust_env=False ignores the environment"
            raise ValidationError(msg)
        #: Scheme, host and port only: never the credentials.
        self.url = parsed.origin()
        self._authorization: str | None = None
        if parsed.user is not None:
            pair = f"{parsed.user}:{parsed.password or ''}".encode()
            self._authorization = f"Basic {base64.b64encode(pair).decode('ascii')}"

    def route(self, scheme: str) -> ProxyRoute:
        """
        Return how a request to a *scheme* origin goes through this proxy.
        """
        if self._authorization is None:
            return ProxyRoute(self.url, None, None)
        header = {PROXY_AUTHORIZATION: self._authorization}
        if scheme == "https":
            return ProxyRoute(self.url, header, None)
        return ProxyRoute(self.url, None, header)


class Proxies:
    """
    Strictly private: the proxy, if any, for each origin the transport talks to.

    An explicit *proxy* serves every request, and the environment is not
    read (as in httpx). Otherwise, with *trust_env*, the environment is
    read once, here: ``HTTPS_PROXY`` for ``https://`` origins,
    ``HTTP_PROXY`` for ``http://`` ones, ``ALL_PROXY`` for either when its
    own is unset, and ``NO_PROXY`` (host names, domain suffixes, ``host:port``
    or ``*``) for the origins that go direct. Lowercase names win over
    uppercase ones, and ``HTTP_PROXY`` is ignored in a CGI script, as
    ``urllib`` reads them. A proxy the client cannot use (not ``http://``)
    is refused here, never skipped: going direct where a proxy was asked
    for is the surprise this avoids.
    """

    __slots__ = ("_by_scheme", "_environ", "_from_env", "_origins")

    def __init__(self, proxy: object, *, trust_env: bool) -> None:
        self._by_scheme: dict[str, _Proxy] = {}
        self._environ: dict[str, str] = {}
        self._from_env = False
        if proxy is not None:
            given = _Proxy(proxy, "proxy", from_env=False)
            self._by_scheme = {"http": given, "https": given}
        elif trust_env:
            environ = urllib.request.getproxies_environment()
            for scheme in ("http", "https"):
                value = environ.get(scheme) or environ.get("all")
                if value:
                    name = f"{scheme}_proxy" if environ.get(scheme) else "all_proxy"
                    source = f"the {name.upper()} (or {name}) environment variable"
                    self._by_scheme[scheme] = _Proxy(value, source, from_env=True)
            self._environ = {key: environ[key] for key in ("no",) if key in environ}
            self._from_env = True
        self._origins: dict[str, ProxyRoute | None] = {}

    @property
    def used(self) -> bool:
        """
        Whether any request may go through a proxy.
        """
        return bool(self._by_scheme)

    def describe(self) -> str | None:
        """
        Return the explicit proxy's URL without credentials, if one was given.
        """
        if self._by_scheme and not self._from_env:
            return str(self._by_scheme["https"].url)
        return None

    def apply(
        self, url: str, headers: Mapping[str, str]
    ) -> tuple[Mapping[str, str], URL | None, Mapping[str, str] | None]:
        """
        Return the headers, proxy and ``CONNECT`` headers for a request to *url*.
        """
        scheme_end = url.find("://") + 3
        path_start = url.find("/", scheme_end)
        route = self.route(url if path_start < 0 else url[:path_start])
        if route is None:
            return headers, None, None
        if route.request_headers is not None:
            headers = {**headers, **route.request_headers}
        return headers, route.url, route.connect_headers

    def route(self, origin: str) -> ProxyRoute | None:
        """
        Return the proxy route for *origin* (``scheme://host[:port]``), or ``None`` to go direct.
        """
        if origin in self._origins:
            return self._origins[origin]
        url = URL(origin)
        proxy = self._by_scheme.get(url.scheme)
        route = None
        if proxy is not None and not (
            self._from_env
            # Public, but missing from typeshed.
            and urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
                f"{url.host}:{url.port}", self._environ
            )
        ):
            route = proxy.route(url.scheme)
        if len(self._origins) < _MAX_ORIGINS:
            self._origins[origin] = route
        return route
