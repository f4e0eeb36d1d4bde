"""
The one table of every documented call: its method, path, rate limit and how sure we are of it.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Mapping
from typing import Final, Literal

import attrs

from ._errors import ValidationError
from ._limits import Rate

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

    *path* may hold ``{id}`` placeholders. Pass replacements to
    ``MomentClient(routes=...)`` when Kakao's real path differs from the
    documented or inferred one::

        MomentClient(token, routes={"customer_files.usage": Route("GET", "/customerFiles/{id}/usages")})

    *confidence* is ``"doc"`` when Kakao's documentation states the path,
    ``"inferred"`` when it follows from what is left of it, ``"unverified"``
    when only third-party notes show it.
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


def merge_routes(
    overrides: Mapping[str, Route | tuple[str, str]] | None,
) -> dict[str, Route]:
    """
    Return the route table with *overrides* applied; limits stay as documented.

    Raises:
        ValidationError: an unknown call name, a bad method, or a path whose
            placeholders differ from the documented route's.
    """
    table = dict(ROUTES)
    for name, given in (overrides or {}).items():
        base = table.get(name)
        if base is None:
            msg = f"routes has unknown call {name!r}; known calls are {', '.join(sorted(ROUTES))}"
            raise ValidationError(msg)
        method, path = (given.method, given.path) if isinstance(given, Route) else given
        method = method.upper()
        if method not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            msg = f"routes[{name!r}] has method {method!r}; use GET, POST, PUT, DELETE or PATCH"
            raise ValidationError(msg)
        if not path.startswith("/"):
            msg = f"routes[{name!r}] path must start with '/', got {path!r}"
            raise ValidationError(msg)
        route = attrs.evolve(base, method=method, path=path, confidence="unverified")
        if route.placeholders != base.placeholders:
            want = ", ".join(sorted(base.placeholders)) or "none"
            msg = f"routes[{name!r}] path {path!r} must use the placeholders: {want}"
            raise ValidationError(msg)
        table[name] = route
    return table
