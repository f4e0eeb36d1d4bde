"""
The route table: the 18 documented calls, their limits, and user overrides.
"""

from __future__ import annotations

import pytest

import moment_async as ma
from moment_async._routes import EVERY_5_S, ROUTES, Scope, merge_routes

#: name, method, path, confidence: as /work/shared/api/ENDPOINTS.md states them.
DOCUMENTED = [
    ("customer_files.list", "GET", "/customerFiles", "doc"),
    ("customer_files.get", "GET", "/customerFiles/{id}", "inferred"),
    ("customer_files.upload", "POST", "/customerFiles", "unverified"),
    ("customer_files.register_url", "POST", "/customerFiles/url", "unverified"),
    ("customer_files.replace_files", "PUT", "/customerFiles", "inferred"),
    ("customer_files.replace_url", "PUT", "/customerFiles/url", "inferred"),
    ("customer_files.rename", "PUT", "/customerFiles/name", "unverified"),
    ("customer_files.delete", "DELETE", "/customerFiles/{id}", "inferred"),
    ("customer_files.delete_many", "DELETE", "/customerFiles", "inferred"),
    ("customer_files.usage", "GET", "/customerFiles/usages/{id}", "unverified"),
    ("audiences.list", "GET", "/targetings/audiences", "doc"),
    ("audiences.get", "GET", "/targetings/{id}", "doc"),
    ("audiences.create", "POST", "/targetings", "doc"),
    ("audiences.update", "PUT", "/targetings", "doc"),
    ("audiences.delete", "DELETE", "/targetings/{id}", "doc"),
    ("audiences.delete_many", "DELETE", "/targetings", "doc"),
    ("audiences.ad_groups", "GET", "/targetings/{id}/adGroups", "doc"),
    ("audiences.unlink", "PUT", "/targetings/{id}/unlink", "doc"),
]

LIMITED = {
    "customer_files.get": Scope.CUSTOMER_FILE,
    "customer_files.replace_files": Scope.CUSTOMER_FILE,
    "customer_files.replace_url": Scope.CUSTOMER_FILE,
    "customer_files.upload": Scope.USER_ACCOUNT,
    "customer_files.register_url": Scope.USER_ACCOUNT,
}


def test_routes_hold_exactly_the_documented_calls():
    """The table has the 18 documented calls and nothing else."""
    names = sorted(ROUTES)

    assert sorted(name for name, *_ in DOCUMENTED) == names
    assert 18 == len(names)


@pytest.mark.parametrize(
    ("name", "method", "path", "confidence"),
    [pytest.param(*row, id=row[0]) for row in DOCUMENTED],
)
def test_route_matches_the_document(name, method, path, confidence):
    """Each call has the method, path and confidence ENDPOINTS.md gives it."""
    route = ROUTES[name]

    assert (method, path, confidence) == (route.method, route.path, route.confidence)


@pytest.mark.parametrize(
    "name", [pytest.param(name, id=name) for name in sorted(ROUTES)]
)
def test_route_limit_matches_the_document(name):
    """Detail, both edits and both registrations allow 1 call per 5 s; nothing else is limited."""
    route = ROUTES[name]

    limit = (route.scope, route.rate)

    if name in LIMITED:
        assert (LIMITED[name], ma.Rate(1, 5.0)) == limit
    else:
        assert (None, None) == limit


def test_every_5_s_is_one_call_per_five_seconds():
    """The documented limit spaces calls five seconds apart."""
    spacing = EVERY_5_S.spacing

    assert 5.0 == spacing


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/targetings", frozenset(), id="none"),
        pytest.param("/targetings/{id}", frozenset({"id"}), id="one"),
        pytest.param("/a/{id}/b/{other}", frozenset({"id", "other"}), id="two"),
    ],
)
def test_route_placeholders_are_the_names_in_braces(path, expected):
    """A route's placeholders are the names between braces in its path."""
    route = ma.Route("GET", path)

    placeholders = route.placeholders

    assert expected == placeholders


@pytest.mark.parametrize(
    "overrides", [pytest.param(None, id="None"), pytest.param({}, id="empty")]
)
def test_merge_routes_without_overrides_is_the_table(overrides):
    """No overrides give the documented table, as a fresh dict."""
    table = merge_routes(overrides)

    assert dict(ROUTES) == table
    assert table is not ROUTES


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(ma.Route("GET", "/customerFiles/{id}/usages"), id="Route"),
        pytest.param(("GET", "/customerFiles/{id}/usages"), id="tuple"),
        pytest.param(("get", "/customerFiles/{id}/usages"), id="lower-case-method"),
    ],
)
def test_merge_routes_overrides_method_and_path(given):
    """An override replaces method and path and marks the route unverified."""
    table = merge_routes({"customer_files.usage": given})

    route = table["customer_files.usage"]
    assert ("GET", "/customerFiles/{id}/usages", "unverified") == (
        route.method,
        route.path,
        route.confidence,
    )


def test_merge_routes_keeps_the_documented_limit():
    """An override changes where a limited call goes, not its limit."""
    given = ma.Route("POST", "/customerFiles/upload", "doc", None, None)

    table = merge_routes({"customer_files.upload": given})

    route = table["customer_files.upload"]
    assert (Scope.USER_ACCOUNT, ma.Rate(1, 5.0), "unverified") == (
        route.scope,
        route.rate,
        route.confidence,
    )


def test_merge_routes_leaves_other_routes_alone():
    """Overriding one call changes no other entry and not the shared table."""
    before = dict(ROUTES)

    table = merge_routes({"audiences.unlink": ("GET", "/targetings/{id}/unlink")})

    assert {k: v for k, v in before.items() if k != "audiences.unlink"} == {
        k: v for k, v in table.items() if k != "audiences.unlink"
    }
    assert before == dict(ROUTES)
    assert "PUT" == ROUTES["audiences.unlink"].method


@pytest.mark.parametrize(
    ("name", "given", "fragment"),
    [
        pytest.param(
            "customer_files.fetch",
            ("GET", "/customerFiles/{id}"),
            "unknown call",
            id="unknown-name",
        ),
        pytest.param(
            "customer_files.get",
            ("FETCH", "/customerFiles/{id}"),
            "method",
            id="bad-method",
        ),
        pytest.param(
            "customer_files.get",
            ("GET", "customerFiles/{id}"),
            "start with '/'",
            id="relative-path",
        ),
        pytest.param(
            "customer_files.get",
            ("GET", "/customerFiles"),
            "placeholders",
            id="placeholder-missing",
        ),
        pytest.param(
            "customer_files.list",
            ("GET", "/customerFiles/{id}"),
            "placeholders",
            id="placeholder-added",
        ),
        pytest.param(
            "audiences.get",
            ("GET", "/targetings/{audience_id}"),
            "placeholders",
            id="placeholder-renamed",
        ),
    ],
)
def test_merge_routes_refuses_bad_override(name, given, fragment):
    """A bad override raises ValidationError naming the route and the fault."""
    with pytest.raises(ma.ValidationError) as info:
        merge_routes({name: given})

    message = str(info.value)
    assert name in message
    assert fragment in message


def test_client_refuses_bad_route_override():
    """A MomentClient given a bad route override refuses to be built."""

    async def handler(request: ma.Request) -> ma.Response:
        return ma.Response(status=200)

    with pytest.raises(ma.ValidationError, match=r"customer_files\.get"):
        ma.MomentClient(
            "token",
            transport=ma.MockTransport(handler),
            routes={"customer_files.get": ("GET", "/customerFiles")},
        )
