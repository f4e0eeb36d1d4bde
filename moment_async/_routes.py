"""
The one table of every documented call: its method, path, rate limit and how sure we are of it.

``docs/endpoints.md`` is the summary of Kakao's documents this table
follows, with each route's confidence and the reasons for it.
"""

from __future__ import annotations

import difflib
import enum
import re
import string
from collections.abc import Mapping
from typing import Final, Literal

import attrs

from ._errors import RouteNotFoundError, ValidationError
from ._limits import Rate
from ._types import JSON

Confidence = Literal["doc", "inferred", "unverified"]


class Scope(enum.Enum):
    """
    What a documented rate limit is counted per.
    """

    #: One customer file (detail and both edits).
    CUSTOMER_FILE = "file"
    #: The token's user together with one ad account (both registrations).
    USER_ACCOUNT = "user"


#: "one call every five seconds", as both documents state it.
EVERY_5_S: Final = Rate(1, 5.0)


@attrs.frozen
class Route:
    """
    How one call reaches the API: *method* and *path* below the base URL.

    Read a client's table from ``MomentClient.routes``; replace a route
    with ``MomentClient(routes={name: (method, path)})``, which changes
    only those two: the rate limit stays the documented one.

    *path* holds ``{id}`` where the call puts its object's id.
    *confidence* is ``"doc"`` when Kakao's documentation states the path,
    ``"inferred"`` when it follows from what is left of it, ``"unverified"``
    when only third-party notes show it (and for every override).
    *scope* and *rate* are the documented rate limit, if any.
    """

    method: str
    path: str
    confidence: Confidence = "doc"
    scope: Scope | None = None
    rate: Rate | None = None

    @property
    def placeholders(self) -> frozenset[str]:
        """
        The names between braces in the path.
        """
        return frozenset(
            name for _, name, _, _ in string.Formatter().parse(self.path) if name
        )


def _limited(method: str, path: str, confidence: Confidence, scope: Scope) -> Route:
    return Route(method, path, confidence, scope, EVERY_5_S)


#: Every documented call, keyed "<group>.<method name>" as the resources name them.
ROUTES: Final[Mapping[str, Route]] = {
    "customer_files.list": Route("GET", "/customerFiles", "doc"),
    "customer_files.get": _limited(
        "GET", "/customerFiles/{id}", "inferred", Scope.CUSTOMER_FILE
    ),
    "customer_files.upload": _limited(
        "POST", "/customerFiles", "unverified", Scope.USER_ACCOUNT
    ),
    "customer_files.register_url": _limited(
        "POST", "/customerFiles/url", "unverified", Scope.USER_ACCOUNT
    ),
    "customer_files.replace_files": _limited(
        "PUT", "/customerFiles", "inferred", Scope.CUSTOMER_FILE
    ),
    "customer_files.replace_url": _limited(
        "PUT", "/customerFiles/url", "inferred", Scope.CUSTOMER_FILE
    ),
    "customer_files.rename": Route("PUT", "/customerFiles/name", "unverified"),
    "customer_files.delete": Route("DELETE", "/customerFiles/{id}", "inferred"),
    "customer_files.delete_many": Route("DELETE", "/customerFiles", "inferred"),
    "customer_files.usage": Route("GET", "/customerFiles/usages/{id}", "unverified"),
    "audiences.list": Route("GET", "/targetings/audiences"),
    "audiences.get": Route("GET", "/targetings/{id}"),
    "audiences.create": Route("POST", "/targetings"),
    "audiences.update": Route("PUT", "/targetings"),
    "audiences.delete": Route("DELETE", "/targetings/{id}"),
    "audiences.delete_many": Route("DELETE", "/targetings"),
    "audiences.ad_groups": Route("GET", "/targetings/{id}/adGroups"),
    # The table says PUT; the sample curl says GET.
    "audiences.unlink": Route("PUT", "/targetings/{id}/unlink"),
}


#: The methods Kakao's documents use; a route may use no other.
METHODS: Final = ("GET", "POST", "PUT", "DELETE")
#: Where a call puts its object's id in a path.
ID: Final = "{id}"
#: What RFC 3986 allows in a path: unreserved and sub-delimiter characters,
#: ":", "@", "/" and %XX escapes. No space, quote, "?" or "#".
_PATH: Final = re.compile(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")
_CONFIDENCE: Final[Mapping[str, str]] = {
    "doc": "Kakao's documents state this route",
    "inferred": "this route is inferred: Kakao's documents lost its URL",
    "unverified": "this route is unverified: no public document confirms it",
}


def merge_routes(overrides: object) -> dict[str, Route]:
    """
    Return the route table with *overrides* (``{name: (method, path)}``) applied.

    An override replaces a call's method and path, nothing else: its rate
    limit stays the documented one, and its confidence becomes
    ``"unverified"``. It is a ``(method, path)`` tuple, not a ``Route``,
    because that pair is all it changes: a ``Route`` would carry a
    confidence, scope and rate that no override may change.

    Raises:
        ValidationError: *overrides* is not a mapping; a call name that is
            not in the table (the message lists the known ones and the
            nearest); a value that is not a ``(method, path)`` tuple of
            strings; a method other than GET, POST, PUT or DELETE; a path
            that does not start with "/", holds a query, a fragment or a
            character a URL path may not hold, or does not hold ``{id}``
            exactly where the documented route has one.
    """
    table = dict(ROUTES)
    if overrides is None:
        return table
    if not isinstance(overrides, Mapping):
        msg = f"routes must be a mapping of call name to (method, path), got {type(overrides).__name__}"
        raise ValidationError(msg)
    for name, given in overrides.items():
        base = table.get(name) if isinstance(name, str) else None
        if base is None:
            raise ValidationError(_unknown_call(name))
        method, path = _pair(name, given)
        _check_method(name, method)
        _check_path(name, path, ID in base.path)
        table[name] = attrs.evolve(
            base, method=method, path=path, confidence="unverified"
        )
    return table


def _unknown_call(name: object) -> str:
    close = (
        difflib.get_close_matches(name, ROUTES, n=1) if isinstance(name, str) else []
    )
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"routes has unknown call {name!r}{hint}; the known calls are {', '.join(sorted(ROUTES))}"


def _pair(name: str, given: object) -> tuple[str, str]:
    """
    Return *given* as (method, path), or refuse anything but a tuple of two strings.
    """
    if (
        type(given) is tuple
        and len(given) == 2
        and all(isinstance(part, str) for part in given)
    ):
        return given[0], given[1]
    example = f'("{ROUTES[name].method}", "{ROUTES[name].path}")'
    if isinstance(given, Route):
        msg = (
            f"routes[{name!r}] is a Route; give a (method, path) tuple such as "
            f"{example}: an override replaces only the method and the path, "
            "and the call's documented rate limit stays"
        )
    else:
        msg = f"routes[{name!r}] must be a (method, path) tuple of strings such as {example}, got {given!r}"
    raise ValidationError(msg)


def _check_method(name: str, method: str) -> None:
    if method not in METHODS:
        msg = (
            f"routes[{name!r}] has method {method!r}; use GET, POST, PUT or DELETE, "
            "in upper case as HTTP spells them"
        )
        raise ValidationError(msg)


def _check_path(name: str, path: str, has_id: bool) -> None:
    where = f"routes[{name!r}] path {path!r}"
    if not path.startswith("/"):
        msg = f"{where} must start with '/', below the client's base_url"
        raise ValidationError(msg)
    if "?" in path or "#" in path:
        msg = f"{where} holds a query or a fragment; a route is a path only: the call adds its own query parameters"
        raise ValidationError(msg)
    ids = path.count(ID)
    rest = path.replace(ID, "")
    if "{" in rest or "}" in rest:
        msg = f"{where} holds braces other than {ID}; {ID} is the only placeholder, where the call puts its object's id"
        raise ValidationError(msg)
    if has_id and ids != 1:
        msg = f"{where} must hold {ID} once, where the call puts its object's id"
        raise ValidationError(msg)
    if not has_id and ids:
        msg = f"{where} holds {ID}, but this call sends no id in its path"
        raise ValidationError(msg)
    if _PATH.fullmatch(rest) is None:
        msg = (
            f"{where} holds a character a URL path may not hold; use letters, "
            "digits, -._~!$&'()*+,;=:@/ and %XX escapes"
        )
        raise ValidationError(msg)
    # "." and ".." would climb out of the base URL once the URL is
    # normalised, and "//" would read as another host to some servers.
    segments = path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1] in (
        ".",
        "..",
    ):
        msg = f"{where} holds an empty, '.' or '..' segment; give the path the call is sent to, segment by segment"
        raise ValidationError(msg)


def override_text(name: str, method: str, path: str) -> str:
    """
    Return the ``routes=`` argument that sends call *name* as *method* *path*.
    """
    return f'routes={{"{name}": ("{method}", "{path}")}}'


def route_not_found(
    name: str, route: Route, path: str, status: int, body: JSON, answer: str
) -> RouteNotFoundError:
    """
    Return the error for a 404 or 405 that is not Kakao's: call *name* has a wrong route.

    *path* is the path that was tried (its id filled in), *body* the
    answer as it is kept on the error, *answer* its start, for the
    message.
    """
    override = override_text(name, route.method, route.path)
    message = (
        f"{name} sent {route.method} {path}; the answer is not Kakao's error "
        "body, so the server has no such route, which says nothing about the "
        f"object ({_CONFIDENCE[route.confidence]}). If Kakao serves this call "
        f"at another path, pass {override} to MomentClient with Kakao's path "
        f"in place of {route.path!r}; if every call answers so, check "
        f"base_url. The answer began: {answer!r}"
    )
    return RouteNotFoundError(
        message,
        status,
        None,
        None,
        None,
        body,
        call=name,
        method=route.method,
        path=path,
        override=override,
    )
