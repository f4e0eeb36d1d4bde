"""
Bad input: every argument of the 18 calls is checked before anything is sent.

One table crosses each call with each kind of bad value its arguments can
get; every row must raise ``ValidationError`` (a ``ValueError``) whose
message names the argument and the rule, with no request reaching the
transport. Property tests then feed arbitrary ids, names, URLs and specs:
each is refused with ``ValidationError`` or sent exactly as given.
"""

from __future__ import annotations

import math
import os
import string
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any, Final

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import moment_async as ma
from moment_async._routes import ROUTES
from moment_async.testing import Request, Response, json_response
from tests.conftest import load_fixture
from tests.test_session import Recorder, client_for

ACCOUNT: Final = 27429
CSV: Final = b"adid\n12345678-aaaa-4bbb-8ccc-123456789012\n"
SPEC: Final = ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)
NOT_ALL: Final = ma.SelectionType.NOT_ALL
AREA: Final = ma.LocationType.AREA

Call = Callable[..., Awaitable[object]]

#: Bad values per kind of argument, each with a fragment of the rule its
#: message must state.
BAD: Final[dict[str, list[tuple[str, object, str]]]] = {
    "id": [
        ("True", True, "positive integer"),
        ("False", False, "positive integer"),
        ("zero", 0, "positive integer"),
        ("negative", -7, "positive integer"),
        ("past-long", 2**63, "at most 2**63 - 1"),
        ("float", 7.0, "positive integer"),
        ("digits-str", "7", "positive integer"),
        ("header-injection", "1\r\nX-Injected: yes", "positive integer"),
        ("path-traversal", "1/../2", "positive integer"),
        ("bytes", b"7", "positive integer"),
        ("None", None, "positive integer"),
    ],
    "ids": [
        ("empty", [], "at least one"),
        ("str", "1,2", "iterable of positive integers"),
        ("int", 7, "iterable of positive integers"),
        ("None", None, "iterable of positive integers"),
        ("str-inside", [1, "2"], "positive integer"),
        ("bool-inside", [1, True], "positive integer"),
        ("zero-inside", [0], "positive integer"),
        ("past-long-inside", [2**63], "at most 2**63 - 1"),
    ],
    "name": [
        ("empty", "", "empty or blank"),
        ("blank", "   ", "empty or blank"),
        ("51-chars", "x" * 51, "at most 50"),
        ("newline", "a\nb", "allowed are Korean, English letters"),
        ("header-injection", "a\r\nX: y", "allowed are Korean, English letters"),
        ("emoji", "buyers 🎉", "allowed are Korean, English letters"),
        ("hanja", "購買者", "allowed are Korean, English letters"),
        ("None", None, "must be a string"),
        ("int", 7, "must be a string"),
    ],
    "url": [
        ("ftp", "ftp://example.com/a.csv", "http:// or https://"),
        ("no-scheme", "example.com/a.csv", "http:// or https://"),
        ("no-host", "https:///a.csv", "with a host"),
        ("credentials", "https://u:p@example.com/a.csv", "user name or password"),
        ("space", "https://example.com/a b.csv", "whitespace or control"),
        ("crlf", "https://example.com/a\r\nX: y", "whitespace or control"),
        ("bad-port", "https://example.com:99999/a.csv", "not a valid URL"),
        ("None", None, "must be a string"),
    ],
    "bool": [
        ("one", 1, "True or False"),
        ("str", "true", "True or False"),
    ],
    "bool-required": [
        ("None", None, "True or False"),
    ],
    "files": [
        ("empty", [], "from 1 to 10"),
        ("eleven", [("a.csv", CSV)] * 11, "from 1 to 10"),
        ("str", "a.csv", "a list of paths"),
        ("None", None, "a list of paths"),
        ("not-csv", [("a.txt", CSV)], "must end in .csv"),
        ("empty-file", [("a.csv", b"")], "the file is empty"),
        ("missing-path", ["/nonexistent/dir/a.csv"], "no such file"),
        ("bad-source", [("a.csv", 12)], "the source must be bytes"),
        ("escape-in-name", [("a\x1b[2J.csv", CSV)], "the file name holds '\\x1b'"),
        ("NUL-in-name", [("a\x00.csv", CSV)], "the file name holds '\\x00'"),
        ("device-path", ["/dev/zero"], "is a character device, not a regular file"),
    ],
    "callback": [
        ("str", "print", "a function or None"),
    ],
    "spec": [
        ("None", None, "moment_async.AudienceSpec"),
        ("dict", {"name": "x", "type": "DISPLAY"}, "moment_async.AudienceSpec"),
        ("bad-name", ma.AudienceSpec(name="", type=ma.AudienceType.DISPLAY), "spec.name must not be empty"),
        ("unknown-type", ma.AudienceSpec(name="x", type=ma.AudienceType("VIDEO")), "spec.type must be DISPLAY or MESSAGE"),
        ("ages-with-all", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, ages=("20",)), "spec.age_type is ALL"),
        ("not-all-without-ages", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, age_type=NOT_ALL), "spec.ages must list at least one"),
        ("age-off-list", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, age_type=NOT_ALL, ages=("18",)), "spec.ages has ['18']"),
        ("ages-str", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, age_type=NOT_ALL, ages="20"), "spec.ages must be a tuple"),  # type: ignore[arg-type]
        ("bad-gender", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, gender_type=NOT_ALL, genders=("X",)), "spec.genders has ['X']"),
        ("area-without-list", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, location_type=AREA), "spec.location_type is AREA"),
        ("location-dict", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, location_type=AREA, locations=({"value": "11"},)), "spec.locations[0] must be a moment_async.Location"),  # type: ignore[arg-type]
        ("message-customer-file", ma.AudienceSpec(name="x", type=ma.AudienceType.MESSAGE, customer_file_targetings=(ma.CustomerFileTargeting(id=1),)), "spec.customer_file_targetings is not allowed for a MESSAGE"),
        ("display-friend-group", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, talk_channel_group_targetings=(ma.TalkChannelGroupTargeting(id=1),)), "spec.talk_channel_group_targetings is not allowed for a DISPLAY"),
        ("targeting-without-id", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, customer_file_targetings=(ma.CustomerFileTargeting(),)), "needs an id"),
        ("extra-not-json", ma.AudienceSpec(name="x", type=ma.AudienceType.DISPLAY, cohort_targetings=(ma.CohortTargeting(id=1, extra={"x": {1, 2}}),)), "only JSON values"),
    ],
    "timeout": [
        ("zero", 0, "positive number of seconds"),
        ("negative", -1, "positive number of seconds"),
        ("nan", math.nan, "positive number of seconds"),
        ("infinite", math.inf, "positive number of seconds"),
        ("str", "5", "positive number of seconds"),
        ("bool", True, "positive number of seconds"),
    ],
}  # fmt: skip


def _call(group: str, method: str) -> Call:
    def call(acct: ma.AdAccount, *args: object, **kwargs: object) -> Awaitable[object]:
        return getattr(getattr(acct, group), method)(*args, **kwargs)  # type: ignore[no-any-return]  # a coroutine

    return call


#: Every call: valid arguments, and the kind of each argument it takes.
CALLS: Final[dict[str, tuple[dict[str, object], dict[str, str]]]] = {
    "customer_files.list": ({}, {}),
    "customer_files.get": ({"file_id": 7}, {"file_id": "id"}),
    "customer_files.upload": (
        {"name": "buyers", "files": [("a.csv", CSV)]},
        {"name": "name", "files": "files", "progress": "callback", "reconcile": "bool"},
    ),
    "customer_files.register_url": (
        {"name": "buyers", "source_url": "https://example.com/a.csv", "renewable": False},
        {"name": "name", "source_url": "url", "renewable": "bool", "reconcile": "bool"},
    ),
    "customer_files.replace_files": (
        {"file_id": 7, "files": [("a.csv", CSV)]},
        {"file_id": "id", "files": "files", "progress": "callback"},
    ),
    "customer_files.replace_url": (
        {"file_id": 7, "source_url": "https://example.com/a.csv", "renewable": True},
        {"file_id": "id", "source_url": "url", "renewable": "bool"},
    ),
    "customer_files.rename": ({"file_id": 7, "name": "new"}, {"file_id": "id", "name": "name"}),
    "customer_files.delete": ({"file_id": 7}, {"file_id": "id"}),
    "customer_files.delete_many": ({"file_ids": [7, 8]}, {"file_ids": "ids"}),
    "customer_files.usage": ({"file_id": 7}, {"file_id": "id"}),
    "audiences.list": ({}, {}),
    "audiences.get": ({"audience_id": 3}, {"audience_id": "id"}),
    "audiences.create": ({"spec": SPEC}, {"spec": "spec", "reconcile": "bool"}),
    "audiences.update": (
        {"audience_id": 3, "spec": SPEC},
        {"audience_id": "id", "spec": "spec"},
    ),
    "audiences.delete": ({"audience_id": 3}, {"audience_id": "id"}),
    "audiences.delete_many": ({"audience_ids": [3, 4]}, {"audience_ids": "ids"}),
    "audiences.ad_groups": ({"audience_id": 3}, {"audience_id": "id"}),
    "audiences.unlink": (
        {"audience_id": 3, "ad_group_id": 9},
        {"audience_id": "id", "ad_group_id": "id"},
    ),
}  # fmt: skip

#: Kinds whose extra "required" bad values apply: renewable of
#: register_url may not be None (replace_url's None means "leave it out").
_REQUIRED_BOOLS: Final = {("customer_files.register_url", "renewable")}


def _rows() -> list[Any]:
    rows = []
    for name, (_, kinds) in CALLS.items():
        for argument, kind in {**kinds, "timeout": "timeout"}.items():
            cases = list(BAD[kind])
            if (name, argument) in _REQUIRED_BOOLS:
                cases += BAD["bool-required"]
            rows += [
                pytest.param(
                    name, argument, value, rule, id=f"{name}-{argument}-{case}"
                )
                for case, value, rule in cases
            ]
    return rows


@pytest.mark.parametrize(("call", "argument", "value", "rule"), _rows())
async def test_bad_argument_is_refused_before_sending(call, argument, value, rule):
    """A bad value of any argument of any call raises ValidationError naming it and the rule; nothing is sent."""
    handler = Recorder(json_response({}))
    valid, _ = CALLS[call]
    group, method = call.split(".")

    async with client_for(handler) as client:
        with pytest.raises(ma.ValidationError) as info:
            await _call(group, method)(
                client.ad_account(ACCOUNT), **{**valid, argument: value}
            )

    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert argument in message
    assert rule in message
    assert [] == handler.requests


@pytest.mark.parametrize(
    ("value", "rule"),
    [pytest.param(value, rule, id=case) for case, value, rule in BAD["id"]],
)
async def test_bad_ad_account_id_is_refused(value, rule):
    """The ad account id, which goes into the adAccountId header, is checked like any id."""
    handler = Recorder(json_response({}))

    async with client_for(handler) as client:
        with pytest.raises(ma.ValidationError) as info:
            client.ad_account(value)

    assert "account_id" in str(info.value)
    assert rule in str(info.value)
    assert [] == handler.requests


def test_the_table_covers_all_18_calls():
    """Every documented call has its row in the table, and nothing else does."""
    assert sorted(ROUTES) == sorted(CALLS)


# Property tests: arbitrary values are refused or sent exactly as given.

_SETTINGS: Final = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ANYTHING: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
)


class Answering:
    """
    A handler that records requests and answers what each call expects.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []

    async def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.method == "DELETE" and request.query:
            return json_response(
                {"successCount": 1, "failCount": 0, "errorMessages": []}
            )
        if request.method == "DELETE" or request.url.endswith("/unlink"):
            return Response(status=200)
        return json_response({"id": 7, "name": "x", "type": "DISPLAY"})


def _sent(handler: Answering) -> Request:
    assert 1 == len(handler.requests)
    return handler.requests[0]


@_SETTINGS
@given(value=st.one_of(ANYTHING, st.integers(min_value=1, max_value=2**64)))
async def test_any_id_is_refused_or_sent_as_its_digits(value):
    """An id is refused, or its decimal digits alone end the path."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).customer_files.delete(value)
        except ma.ValidationError:
            assert [] == handler.requests
            return

    assert type(value) is int
    assert _sent(handler).url.endswith(f"/customerFiles/{value}")


@_SETTINGS
@given(value=st.one_of(ANYTHING, st.integers(min_value=1, max_value=2**64)))
async def test_any_account_id_is_refused_or_sent_as_its_digits(value):
    """An ad account id is refused, or the adAccountId header is its decimal digits."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            acct = client.ad_account(value)
        except ma.ValidationError:
            return
        await acct.audiences.delete(3)

    assert str(value) == _sent(handler).headers["adAccountId"]
    assert str(value).isdigit()


@_SETTINGS
@given(values=st.one_of(ANYTHING, st.lists(ANYTHING, max_size=4)))
async def test_any_id_list_is_refused_or_sent_as_digits_and_commas(values):
    """A bulk delete's ids are refused, or sent as distinct decimal numbers joined by commas."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).audiences.delete_many(values)
        except ma.ValidationError:
            assert [] == handler.requests
            return

    query = _sent(handler).query
    assert query is not None
    assert ",".join(str(v) for v in dict.fromkeys(values)) == query["audienceIds"]


#: Characters on both sides of the name rule's edges; allowed ones are drawn more often.
NAME_ALPHABET: Final = st.sampled_from(
    [*string.ascii_letters, *string.digits, *string.punctuation, " ", "가", "힣", "ㄱ", "ㆍ", "\u1100"] * 8
    + ["\t", "\n", "\r", "\x00", "\u00a0", "\u3000", "\u200b", "é", "購", "🎉", "·"]
)  # fmt: skip
#: Half the time a name from the alphabet, else any text or any value
#: (a plain one_of would flatten ANYTHING's branches and rarely draw text).
NAMES: Final = st.sampled_from(
    [st.text(NAME_ALPHABET, max_size=55)] * 2 + [st.text(max_size=55), ANYTHING]
).flatmap(lambda strategy: strategy)


@_SETTINGS
@given(name=NAMES)
async def test_any_name_is_refused_or_sent_verbatim(name):
    """A name is refused, or the JSON body carries exactly that string."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).customer_files.rename(7, name)
        except ma.ValidationError:
            assert [] == handler.requests
            return

    assert isinstance(name, str)
    assert 1 <= len(name) <= 50
    body = _sent(handler).body
    assert isinstance(body, bytes)
    assert name == orjson.loads(body)["name"]


#: Each part of a URL: values that pass, then values that may not.
URL_PARTS: Final = {
    "scheme": (["https", "http", "HTTPS"], st.sampled_from(["ftp", "file", "", "javascript", "https "])),
    "separator": (["://"], st.sampled_from([":/", ":", "", ":///"])),
    "userinfo": ([""], st.sampled_from(["user@", "user:pw@", ":@", "@"])),
    "host": (["example.com", "127.0.0.1", "[::1]", "예시.한국"], st.one_of(st.sampled_from(["", "[::1", "a b"]), st.text(max_size=12))),
    "port": (["", ":443", ":8080"], st.sampled_from([":0", ":65536", ":x", ":", ":-1"])),
    "path": (["/a.csv", "/목록.csv?x=1#top", "", "/%0d%0a", "/a;b,c"], st.text(max_size=20)),
}  # fmt: skip


@st.composite
def urls(draw: st.DrawFn) -> str:
    """
    Draw a URL from valid parts, with one or two parts replaced by anything.
    """
    broken = draw(st.sets(st.sampled_from(sorted(URL_PARTS)), max_size=2))
    parts = [
        draw(wild if name in broken else st.sampled_from(good))
        for name, (good, wild) in URL_PARTS.items()
    ]
    return "".join(parts)


@_SETTINGS
@given(url=st.one_of(ANYTHING, urls()))
async def test_any_source_url_is_refused_or_sent_verbatim(url):
    """A source URL is refused, or the JSON body carries exactly that string."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).customer_files.replace_url(7, url)
        except ma.ValidationError:
            assert [] == handler.requests
            return

    assert isinstance(url, str)
    assert url.lower().startswith(("http://", "https://"))
    assert not any(char.isspace() for char in url)
    body = _sent(handler).body
    assert isinstance(body, bytes)
    assert url == orjson.loads(body)["sourceUrl"]


LOCATIONS: Final = st.lists(
    st.builds(ma.Location, value=st.sampled_from(["11", "B7222"])),
    min_size=1,
    max_size=2,
).map(tuple)
TARGETING_ID: Final = st.integers(1, 2**63 - 1)


@st.composite
def valid_specs(draw: st.DrawFn) -> ma.AudienceSpec:
    """
    Draw a spec that follows every documented rule.
    """
    kind = draw(st.sampled_from(ma.AudienceType))
    ages = draw(st.lists(st.sampled_from(["15", "20", "25", "65"]), max_size=3))
    genders = draw(st.lists(st.sampled_from(["M", "F"]), max_size=2))
    area = draw(st.booleans())
    own = (
        {"customer_file_targetings": (ma.CustomerFileTargeting(id=draw(TARGETING_ID)),)}
        if kind is ma.AudienceType.DISPLAY
        else {
            "talk_channel_group_targetings": (
                ma.TalkChannelGroupTargeting(id=draw(TARGETING_ID)),
            )
        }
    )
    return ma.AudienceSpec(
        name=draw(
            st.text(st.sampled_from("ab 가_-"), min_size=1, max_size=50).filter(
                str.strip
            )
        ),
        type=kind,
        age_type=NOT_ALL if ages else ma.SelectionType.ALL,
        ages=tuple(ages),
        gender_type=NOT_ALL if genders else ma.SelectionType.ALL,
        genders=tuple(genders),
        location_type=AREA if area else ma.LocationType.ALL,
        locations=draw(LOCATIONS) if area else (),
        ufo_interests=tuple(draw(st.lists(st.sampled_from(["1", "2"]), max_size=2))),
        cohort_targetings=tuple(
            draw(st.lists(st.builds(ma.CohortTargeting, id=TARGETING_ID), max_size=1))
        ),
        **draw(st.sampled_from([own, {}])),
    )


#: One field of a valid spec set to something else, often wrong.
BREAKS: Final = st.one_of(
    st.tuples(st.just("name"), st.one_of(st.none(), st.text(NAME_ALPHABET, max_size=52))),
    st.tuples(st.just("type"), st.sampled_from(["DISPLAY", "VIDEO", None, ma.AudienceType.MESSAGE])),
    st.tuples(st.just("age_type"), st.sampled_from([ma.SelectionType.ALL, NOT_ALL, "SOME", None])),
    st.tuples(st.just("ages"), st.one_of(st.text(max_size=3), st.none(), st.lists(st.one_of(st.sampled_from(["20", "70", "22"]), st.integers(0, 99)), max_size=3).map(tuple))),
    st.tuples(st.just("genders"), st.one_of(st.just("M"), st.lists(st.sampled_from(["M", "F", "X", "m"]), max_size=2).map(tuple))),
    st.tuples(st.just("location_type"), st.sampled_from([ma.LocationType.ALL, AREA, "CITY"])),
    st.tuples(st.just("locations"), st.sampled_from([(), ({"value": "11"},), (ma.Location(value=""),), (ma.Depth3Location(value="1"),)])),
    st.tuples(st.just("depth3_locations"), st.sampled_from([(), (ma.Location(value="11"),), (ma.Depth3Location(value="1"),)])),
    st.tuples(st.just("ufo_interests"), st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=2).map(tuple)),
    st.tuples(st.just("tracker_targetings"), st.lists(st.builds(ma.TrackerTargeting, id=st.one_of(st.none(), st.integers(-1, 9)), exclude=st.sampled_from([None, True, "no"])), max_size=1).map(tuple)),
    st.tuples(st.just("sync_app_targetings"), st.lists(st.builds(ma.SyncAppTargeting, extra=st.dictionaries(st.text(max_size=3), st.one_of(st.integers(), st.just({1, 2})), max_size=2)), max_size=1).map(tuple)),
)  # fmt: skip
SPECS: Final = st.one_of(
    valid_specs(),
    st.tuples(valid_specs(), st.lists(BREAKS, min_size=1, max_size=2)).map(
        lambda drawn: attrs.evolve(drawn[0], **dict(drawn[1]))
    ),
)


@_SETTINGS
@given(spec=SPECS)
async def test_any_audience_spec_is_refused_or_sent_as_json(spec):
    """A spec of any field values is refused with ValidationError, or sent as a JSON object naming it."""
    handler = Answering()

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).audiences.create(spec)
        except ma.ValidationError:
            assert [] == handler.requests
            return

    body = _sent(handler).body
    assert isinstance(body, bytes)
    sent = orjson.loads(body)
    assert (spec.name, str(spec.type), 1) == (
        sent["name"],
        sent["type"],
        sent["adAccountId"],
    )


#: Characters of file names: ordinary ones drawn more often, then every
#: kind a part header must not carry.
FILENAME_ALPHABET: Final = st.sampled_from(
    [*string.ascii_letters, *string.digits, " ", '"', "\\", "/", ".", ";", "=", "가", "é", "\u00a0", "😀"] * 4
    + ["\x00", "\x07", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u200b", "\u202e", "\u2028", "\u2029", "\udcff"]
)  # fmt: skip
#: What no part header may hold: controls, format characters, surrogates, line and paragraph separators.
HEADER_UNSAFE: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class Uploads:
    """
    A handler that keeps every upload body and answers as Kakao does.
    """

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, request: Request) -> Response:
        # MockTransport reads a streamed body to its end first.
        assert isinstance(request.body, bytes)
        self.bodies.append(request.body)
        return json_response(load_fixture("customer_files.upload"))


def _unsafe(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) in HEADER_UNSAFE]


@_SETTINGS
@given(stem=st.one_of(st.text(FILENAME_ALPHABET, max_size=20), st.text(max_size=20)))
async def test_any_filename_is_refused_or_sent_in_a_clean_part_header(stem):
    """A file name is refused exactly when its base name holds an unsafe character; else its part header is clean."""
    filename = f"{stem}.csv"
    basename = os.path.basename(filename.replace("\\", "/"))
    unsafe = _unsafe(basename)
    handler = Uploads()
    refused: ma.ValidationError | None = None

    async with client_for(handler) as client:
        try:
            await client.ad_account(1).customer_files.upload(
                "buyers", [(filename, CSV)]
            )
        except ma.ValidationError as exc:
            refused = exc

    if unsafe:
        assert [] == handler.bodies
        assert f"the file name holds {unsafe[0]!r}" in str(refused)
        return
    assert refused is None
    [body] = handler.bodies
    start = body.index(b'name="files"; filename="')
    line = body[start : body.index(b"\r\n", start)].decode()
    quoted = basename.replace('"', "%22")
    assert f'name="files"; filename="{quoted}"' == line
