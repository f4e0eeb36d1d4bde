"""
The route table: the 18 documented calls, their limits, and user overrides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import moment_async as ma
from moment_async._routes import EVERY_5_S, ROUTES, Scope, merge_routes, override_text

#: name, method, path, confidence: as docs/endpoints.md states them.
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
    """Each call has the method, path and confidence docs/endpoints.md gives it."""
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


def test_merge_routes_overrides_method_and_path():
    """A (method, path) override replaces method and path and marks the route unverified."""
    table = merge_routes(
        {"customer_files.usage": ("GET", "/customerFiles/{id}/usages")}
    )

    route = table["customer_files.usage"]
    assert ("GET", "/customerFiles/{id}/usages", "unverified") == (
        route.method,
        route.path,
        route.confidence,
    )


def test_merge_routes_keeps_the_documented_limit():
    """An override changes where a limited call goes, not its limit."""
    table = merge_routes({"customer_files.upload": ("POST", "/customerFiles/upload")})

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
    "path",
    [
        pytest.param("/customerFiles/{id}/usages", id="id-moved"),
        pytest.param("/customer-files/usage~v2/{id}", id="unreserved"),
        pytest.param("/customerFiles;v=2/{id}", id="sub-delims"),
        pytest.param("/a:b@c/{id}", id="colon-and-at"),
        pytest.param("/%ED%8C%8C%EC%9D%BC/{id}", id="percent-escapes"),
    ],
)
def test_merge_routes_takes_any_rfc_3986_path(path):
    """A path of characters RFC 3986 allows, with {id} once, is taken as given."""
    table = merge_routes({"customer_files.usage": ("GET", path)})

    assert path == table["customer_files.usage"].path


def test_merge_routes_refuses_a_route_and_says_what_to_give():
    """A Route is refused: its confidence, scope and rate would be dropped silently."""
    given = ma.Route("POST", "/customerFiles/upload", "doc", None, None)

    with pytest.raises(ma.ValidationError) as info:
        merge_routes({"customer_files.upload": given})

    message = str(info.value)
    assert "routes['customer_files.upload'] is a Route" in message
    assert 'such as ("POST", "/customerFiles")' in message
    assert "(method, path) tuple" in message
    assert "rate limit" in message


def test_unknown_call_lists_the_known_calls_and_the_nearest():
    """An unknown call name is refused with the nearest known name and every known one."""
    with pytest.raises(ma.ValidationError) as info:
        merge_routes({"customer_file.usage": ("GET", "/customerFiles/{id}/usages")})

    message = str(info.value)
    assert "unknown call 'customer_file.usage'" in message
    assert "(did you mean 'customer_files.usage'?)" in message
    assert ", ".join(sorted(ROUTES)) in message


def test_unknown_call_far_from_any_says_no_nearest():
    """A name near no call gets the list of known calls without a guess."""
    with pytest.raises(ma.ValidationError) as info:
        merge_routes({"reports.list": ("GET", "/reports")})

    message = str(info.value)
    assert "did you mean" not in message
    assert "audiences.ad_groups" in message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        pytest.param(
            [("customer_files.get", ("GET", "/customerFiles/{id}"))],
            "routes must be a mapping",
            id="not-a-mapping",
        ),
        pytest.param(
            {7: ("GET", "/customerFiles/{id}")}, "unknown call 7", id="name-not-str"
        ),
        pytest.param(
            {"customer_files.get": "GET /customerFiles/{id}"},
            '(method, path) tuple of strings such as ("GET", "/customerFiles/{id}")',
            id="string",
        ),
        pytest.param(
            {"customer_files.get": ["GET", "/customerFiles/{id}"]},
            "(method, path) tuple",
            id="list",
        ),
        pytest.param(
            {"customer_files.get": ("GET",)}, "(method, path) tuple", id="one-item"
        ),
        pytest.param(
            {"customer_files.get": ("GET", "/customerFiles/{id}", "doc")},
            "(method, path) tuple",
            id="three-items",
        ),
        pytest.param(
            {"customer_files.get": ("GET", 7)},
            "(method, path) tuple",
            id="path-not-str",
        ),
        pytest.param(
            {"customer_files.get": ("FETCH", "/customerFiles/{id}")},
            "has method 'FETCH'; use GET, POST, PUT or DELETE",
            id="unknown-method",
        ),
        pytest.param(
            {"customer_files.get": ("PATCH", "/customerFiles/{id}")},
            "has method 'PATCH'",
            id="patch",
        ),
        pytest.param(
            {"customer_files.get": ("get", "/customerFiles/{id}")},
            "in upper case",
            id="lower-case-method",
        ),
        pytest.param(
            {"customer_files.get": ("GET", "customerFiles/{id}")},
            "must start with '/'",
            id="relative-path",
        ),
        pytest.param(
            {"customer_files.get": ("GET", "https://evil.example/{id}")},
            "must start with '/'",
            id="absolute-url",
        ),
        pytest.param(
            {"customer_files.delete_many": ("DELETE", "/customerFiles?ids=1")},
            "holds a query or a fragment",
            id="query",
        ),
        pytest.param(
            {"customer_files.get": ("GET", "/customerFiles/{id}#top")},
            "holds a query or a fragment",
            id="fragment",
        ),
        pytest.param(
            {"customer_files.get": ("GET", "/customerFiles")},
            "must hold {id} once",
            id="id-missing",
        ),
        pytest.param(
            {"customer_files.get": ("GET", "/customerFiles/{id}/{id}")},
            "must hold {id} once",
            id="id-twice",
        ),
        pytest.param(
            {"customer_files.list": ("GET", "/customerFiles/{id}")},
            "sends no id in its path",
            id="id-added",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/{audience_id}")},
            "braces other than {id}",
            id="id-renamed",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/{id:x}")},
            "braces other than {id}",
            id="format-spec",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/{id.__class__}")},
            "braces other than {id}",
            id="attribute-lookup",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/{id}/{")},
            "braces other than {id}",
            id="lone-brace",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/{id} HTTP/1.1\r\nX: y")},
            "a character a URL path may not hold",
            id="header-injection",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/ {id}")},
            "a character a URL path may not hold",
            id="space",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/타겟/{id}")},
            "%XX escapes",
            id="non-ascii",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/%zz/{id}")},
            "%XX escapes",
            id="bad-escape",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/a/{id}/../../b")},
            "'.' or '..' segment",
            id="dot-dot",
        ),
        pytest.param(
            {"audiences.get": ("GET", "/targetings/./{id}")},
            "'.' or '..' segment",
            id="dot",
        ),
        pytest.param(
            {"audiences.get": ("GET", "//evil.example/{id}")},
            "empty, '.' or '..' segment",
            id="double-slash",
        ),
        pytest.param(
            {"audiences.list": ("GET", "/targetings/..")},
            "'.' or '..' segment",
            id="trailing-dot-dot",
        ),
    ],
)
def test_merge_routes_refuses_bad_override(overrides, fragment):
    """A bad override raises ValidationError saying what was wrong and what is allowed."""
    with pytest.raises(ma.ValidationError) as info:
        merge_routes(overrides)

    assert fragment in str(info.value)


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


async def test_client_routes_show_the_table_in_use():
    """MomentClient.routes holds every call, the override applied, and cannot be changed."""

    async def handler(request: ma.Request) -> ma.Response:
        return ma.Response(status=200)

    async with ma.MomentClient(
        "token",
        transport=ma.MockTransport(handler),
        routes={"customer_files.usage": ("GET", "/customerFiles/{id}/usages")},
    ) as client:
        routes = client.routes

    assert sorted(ROUTES) == sorted(routes)
    assert (
        ma.Route("GET", "/customerFiles/{id}/usages", "unverified")
        == (routes["customer_files.usage"])
    )
    assert ROUTES["customer_files.get"] == routes["customer_files.get"]
    with pytest.raises(TypeError):
        routes["customer_files.get"] = ROUTES["customer_files.list"]  # type: ignore[index]  # read-only on purpose


def test_override_text_is_the_argument_to_pass():
    """The suggested override evaluates to a routes= mapping merge_routes accepts."""
    text = override_text("customer_files.usage", "GET", "/customerFiles/usages/{id}")

    value = eval(text.removeprefix("routes="))  # noqa: S307  # our own literal

    assert {"customer_files.usage": ("GET", "/customerFiles/usages/{id}")} == value
    assert (
        merge_routes(value)["customer_files.usage"].path
        == value["customer_files.usage"][1]
    )


def readme_routes() -> dict[str, tuple[str, str, str]]:
    """
    Return the README's route table: call name to method, path and confidence.
    """
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Routes and their confidence", 1)[1].split("\n#", 1)[0]
    rows = re.findall(
        r"^\| `([a-z_.]+)` \| `(\w+) ([^`?]+)[^`]*` \| \**(\w+)\**", section, re.M
    )
    words = {"documented": "doc", "inferred": "inferred", "unverified": "unverified"}
    return {name: (method, path, words[word]) for name, method, path, word in rows}


def test_readme_route_table_is_the_route_table():
    """Every customer-file row of the README's table gives the route's method, path and confidence."""
    rows = readme_routes()

    table = {
        name: (route.method, route.path, route.confidence)
        for name, route in ROUTES.items()
        if name.startswith("customer_files.")
    }

    assert table == rows
