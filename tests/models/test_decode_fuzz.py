"""
Property: whatever a server answers, decoding gives the documented type or a documented error.

Hypothesis feeds arbitrary JSON, the documents' samples mutated (keys
dropped, types changed, nulls injected, unknown enum values, odd dates),
error envelopes and arbitrary bytes through the session's decode path for
the return type of each of the 18 calls: directly through
``Session._decode``, and end to end through a ``MockTransport``. The
outcome is a value of the documented type, checked field by field, or
``DecodeError`` / ``APIError``, never another exception.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import types
import typing
from collections.abc import Awaitable, Mapping
from typing import Any, Final

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import moment_async as ma
from moment_async._convert import KST
from moment_async._session import Session
from moment_async.testing import Request, Response
from tests.conftest import load_fixture
from tests.models._decoding import decoding_session

SPEC: Final = ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)
CSV: Final = b"adid\n12345678-aaaa-4bbb-8ccc-123456789012\n"

#: Each call: how to make it, the type it returns, and the key wrapping its answer.
CALLS: Final[dict[str, tuple[Any, Any, str | None]]] = {
    "customer_files.list": (lambda a: a.customer_files.list(), list[ma.CustomerFile], None),
    "customer_files.get": (lambda a: a.customer_files.get(7), ma.CustomerFile, None),
    "customer_files.upload": (lambda a: a.customer_files.upload("x", [("a.csv", CSV)]), ma.CustomerFileUpload, None),
    "customer_files.register_url": (lambda a: a.customer_files.register_url("x", "https://example.com/a.csv"), ma.CustomerFile, None),
    "customer_files.replace_files": (lambda a: a.customer_files.replace_files(7, [("a.csv", CSV)]), ma.CustomerFileUpload, None),
    "customer_files.replace_url": (lambda a: a.customer_files.replace_url(7, "https://example.com/a.csv"), ma.CustomerFile, None),
    "customer_files.rename": (lambda a: a.customer_files.rename(7, "x"), ma.CustomerFile, None),
    "customer_files.delete": (lambda a: a.customer_files.delete(7), None, None),
    "customer_files.delete_many": (lambda a: a.customer_files.delete_many([7]), ma.BulkDeleteResult, None),
    "customer_files.usage": (lambda a: a.customer_files.usage(7), list[ma.AdGroupAndCampaign], None),
    "audiences.list": (lambda a: a.audiences.list(), list[ma.AudienceSummary], "content"),
    "audiences.get": (lambda a: a.audiences.get(3), ma.Audience, None),
    "audiences.create": (lambda a: a.audiences.create(SPEC), ma.Audience, None),
    "audiences.update": (lambda a: a.audiences.update(3, SPEC), ma.Audience, None),
    "audiences.delete": (lambda a: a.audiences.delete(3), None, None),
    "audiences.delete_many": (lambda a: a.audiences.delete_many([3]), ma.BulkDeleteResult, None),
    "audiences.ad_groups": (lambda a: a.audiences.ad_groups(3), list[ma.AudienceAdGroup], "content"),
    "audiences.unlink": (lambda a: a.audiences.unlink(3, 9), None, None),
}  # fmt: skip
#: The calls that have a sample answer in tests/fixtures.
SAMPLED: Final = sorted(
    name for name, (_, into, _) in CALLS.items() if into is not None
)
SAMPLES: Final = {name: load_fixture(name) for name in SAMPLED}
#: Creates turn a server error into AmbiguousWriteError: it may have been done.
CREATES: Final = (
    "customer_files.upload",
    "customer_files.register_url",
    "audiences.create",
)

_SETTINGS: Final = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Strategies.

TEXT: Final = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
#: Values that sit on the edges of what the models take.
ODD: Final = st.sampled_from(
    [
        "", " ", "UNKNOWN_NEW_VALUE", "display", "null", "true", "7", " 7 ", "7.5", "1e3",
        "-1", "9" * 30, "2024-13-01", "2024-02-30T25:00", "0000-00-00 00:00", "2024-01-25T19:31:41.571411Z",
        "2024-01-25T19:31:41+09:00", "2024-01-25", "24-1-25", "9999-12-31T23:59:59.999999",
        0, -1, 2**63, 2**64 - 1, -(2**63), 0.5, 1e300, -0.0, True, False, None, [], {}, [None], {"": None},
    ]
)  # fmt: skip
SCALARS: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    ODD,
)
JSON: Final = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(TEXT, st.sampled_from(["id", "name", "content"])),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
ENVELOPES: Final = st.fixed_dictionaries(
    {"code": st.one_of(st.sampled_from([-813, -401, -9798, -2]), SCALARS), "msg": SCALARS},
    optional={"extras": st.one_of(SCALARS, st.fixed_dictionaries({}, optional={"detailCode": SCALARS, "detailMsg": SCALARS}))},
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(draw: st.DrawFn, data: Any) -> Any:
    """
    Apply one drawn change at one drawn place of *data*; return the new root.
    """
    path = draw(st.sampled_from(_paths(data)))
    change = draw(
        st.sampled_from(["drop", "null", "odd", "any", "wrap", "rename", "double"])
    )
    # A copy: ODD's lists and dicts are shared between test cases, and a
    # later change may edit what this one put in.
    new = copy.deepcopy(draw(JSON if change == "any" else ODD))
    if not path:
        return [data] if change == "wrap" else new
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    if change == "drop":
        del parent[key]
    elif change == "null":
        parent[key] = None
    elif change in ("odd", "any"):
        parent[key] = new
    elif change == "wrap":
        parent[key] = [parent[key]]
    elif change == "rename" and isinstance(parent, dict):
        parent[draw(TEXT)] = parent.pop(key)
    elif change == "double" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    return data


@st.composite
def mutated_samples(draw: st.DrawFn, name: str | None = None) -> tuple[str, Any]:
    """
    Draw a call's sample answer with one to four changes.
    """
    name = name or draw(st.sampled_from(SAMPLED))
    data = copy.deepcopy(SAMPLES[name])
    for _ in range(draw(st.integers(1, 4))):
        data = _mutate(draw, data)
    return name, data


def answers(name: str) -> st.SearchStrategy[Any]:
    """
    Any JSON, an error envelope, or the call's sample mutated.
    """
    options = [JSON, ENVELOPES]
    if name in SAMPLES:
        options.append(mutated_samples(name).map(lambda drawn: drawn[1]))
    return st.one_of(options)


# The documented type, checked all the way down.


def conforms(value: Any, kind: Any, where: str = "result") -> None:
    """
    Assert that *value* is of the annotated type *kind*, recursively.
    """
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is None or kind is type(None):
        assert value is None, f"{where}: {value!r} is not None"
    elif origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        conforms(value, next(a for a in args if a is not type(None)), where)
    elif origin in (list, tuple):
        assert type(value) is origin, (
            f"{where}: {type(value).__name__} is not {origin.__name__}"
        )
        for index, item in enumerate(value):
            conforms(item, args[0], f"{where}[{index}]")
    elif origin is not None and issubclass(origin, Mapping):
        assert isinstance(value, dict), f"{where}: {value!r} is not a dict"
    elif kind is dt.datetime:
        assert type(value) is dt.datetime, f"{where}: {value!r} is not a datetime"
        assert value.tzinfo is not None, f"{where}: {value!r} has no time zone"
    elif isinstance(kind, type) and issubclass(kind, enum.Enum):
        assert isinstance(value, kind), f"{where}: {value!r} is not a {kind.__name__}"
    elif attrs.has(kind):
        assert type(value) is kind, (
            f"{where}: {type(value).__name__} is not {kind.__name__}"
        )
        hints = typing.get_type_hints(kind)
        for field in attrs.fields(kind):
            conforms(
                getattr(value, field.name), hints[field.name], f"{where}.{field.name}"
            )
    else:
        assert type(value) is kind, f"{where}: {value!r} is not a {kind.__name__}"


@pytest.fixture(scope="module")
def session() -> Session:
    """
    A session (never used to send) whose decode path the tests drive.
    """
    return decoding_session()


def decode(session: Session, call: str, body: bytes, status: int = 200) -> Any:
    """
    Decode *body* as the answer to *call*; return the result or the documented error.
    """
    _, into, envelope = CALLS[call]
    try:
        result = session._decode(Response(status=status, body=body), into, envelope)
    except (ma.DecodeError, ma.APIError) as exc:
        return exc
    conforms(result, into)
    return result


# Direct: Session._decode.


@_SETTINGS
@given(call=st.sampled_from(sorted(CALLS)), data=JSON)
def test_any_json_decodes_to_the_documented_type_or_a_documented_error(
    session, call, data
):
    """Arbitrary JSON gives the call's documented type or DecodeError/APIError, nothing else."""
    decode(session, call, orjson.dumps(data))


@_SETTINGS
@given(drawn=mutated_samples())
def test_mutated_samples_decode_to_the_documented_type_or_decode_error(session, drawn):
    """A sample answer with keys dropped, types changed, nulls and odd values decodes or raises DecodeError."""
    call, data = drawn

    decode(session, call, orjson.dumps(data))


@_SETTINGS
@given(call=st.sampled_from(sorted(CALLS)), data=ENVELOPES)
def test_error_envelopes_in_a_200_raise_api_error(session, call, data):
    """A 200 whose body is Kakao's error envelope raises APIError, whatever its fields hold."""
    outcome = decode(session, call, orjson.dumps(data))

    assert isinstance(outcome, ma.APIError)


@_SETTINGS
@given(call=st.sampled_from(sorted(CALLS)), body=st.binary(max_size=64))
@example(call="customer_files.list", body=b"[" * 5000)
@example(call="audiences.get", body=b'{"id": 1, "name": "\xff"}')
@example(call="audiences.get", body=b"<html>502 Bad Gateway</html>")
@example(call="audiences.get", body=b'{"id": 1e999}')
def test_bytes_that_are_not_json_raise_decode_error(session, call, body):
    """Bytes that are not JSON raise DecodeError, or give None for a call that answers nothing."""
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:
        decode(session, call, body)
        return

    outcome = decode(session, call, body)

    if CALLS[call][1] is None:
        assert outcome is None
    else:
        assert isinstance(outcome, ma.DecodeError)
        assert 200 == outcome.status


@pytest.mark.parametrize("call", SAMPLED)
def test_every_sample_decodes_to_the_documented_type(session, call):
    """The unmutated samples conform field by field: the checker itself is sound."""
    outcome = decode(session, call, orjson.dumps(SAMPLES[call]))

    assert not isinstance(outcome, Exception)


# End to end: every call through a MockTransport.


@pytest.mark.parametrize("call", sorted(CALLS))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_every_call_returns_its_type_or_a_documented_error(call, data):
    """Each of the 18 calls, answered anything with any status, returns its type or raises a documented error."""
    status = data.draw(
        st.sampled_from(
            [200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503]
        )
    )
    body = data.draw(st.one_of(answers(call).map(orjson.dumps), st.binary(max_size=32)))

    async def handler(request: Request) -> Response:
        return Response(status=status, body=body)

    client = ma.MomentClient(
        "t",
        transport=ma.MockTransport(handler),
        limiter=False,
        retry=ma.RetryPolicy(attempts=1),
    )
    make, into, _ = CALLS[call]
    async with client:
        outcome = await _outcome(make(client.ad_account(1)))

    if isinstance(outcome, ma.AmbiguousWriteError):
        # A create meeting a server error (an envelope with -9798 in a 200
        # too) may have been done: it is not sent again.
        assert call in CREATES
        assert isinstance(outcome.__cause__, ma.ServerError | ma.DecodeError)
    elif not isinstance(outcome, ma.DecodeError | ma.APIError):
        assert status < 300
        conforms(outcome, into)


async def _outcome(call: Awaitable[object]) -> object:
    try:
        return await call
    except (ma.DecodeError, ma.APIError, ma.AmbiguousWriteError) as exc:
        return exc


# What the properties found.


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        pytest.param("2024-01-25", dt.datetime(2024, 1, 25, tzinfo=KST), id="date-alone"),
        pytest.param("2024-01-25T10:00:00+00:00", dt.datetime(2024, 1, 25, 10, tzinfo=dt.UTC), id="with-offset"),
        pytest.param("2020-01-01 00:00", dt.datetime(2020, 1, 1, tzinfo=KST), id="minutes"),
    ],
)  # fmt: skip
def test_a_date_alone_is_midnight_in_korea(session, wire, expected):
    """A date without a time is midnight KST, not 09:00 naive (the offset once read as the time)."""
    outcome = decode(
        session, "customer_files.get", orjson.dumps({"id": 1, "createdDate": wire})
    )

    assert expected == outcome.created_date
    assert expected.utcoffset() == outcome.created_date.utcoffset()


@pytest.mark.parametrize(
    ("answer", "fault"),
    [
        pytest.param([{"id": 1, "name": {"a": 1}}], "expected a string, got dict", id="object-as-name"),
        pytest.param({"content": [{"id": 1, "name": ["x"]}]}, "expected a string, got list", id="array-as-name"),
        pytest.param({}, "expected an array, got dict", id="object-as-list"),
        pytest.param("", "expected an array, got str", id="string-as-list"),
        pytest.param([{"id": True}], "expected an integer, got bool", id="bool-as-id"),
        pytest.param([{"id": 1.5}], "CustomerFile.id: got the number 1.5", id="fraction-as-id"),
    ],
)  # fmt: skip
def test_arrays_and_objects_are_not_read_as_scalars(session, answer, fault):
    """A JSON array or object where a string, number or list belongs is DecodeError, not its Python repr."""
    call = (
        "audiences.list"
        if isinstance(answer, dict) and "content" in answer
        else "customer_files.list"
    )

    outcome = decode(session, call, orjson.dumps(answer))

    assert isinstance(outcome, ma.DecodeError)
    assert fault in str(outcome)


def test_targeting_fields_get_their_documented_types(session):
    """A targeting's id, name and exclude are converted like any field: "3" is 3, 5 is "5"."""
    answer = {
        "id": 1,
        "customerFileTargetings": [{"id": "3", "name": 5, "exclude": "true"}],
    }

    outcome = decode(session, "audiences.get", orjson.dumps(answer))

    assert (3, "5", True) == (
        outcome.customer_file_targetings[0].id,
        outcome.customer_file_targetings[0].name,
        outcome.customer_file_targetings[0].exclude,
    )


def test_a_string_is_not_read_as_a_list_of_its_characters(session):
    """ "20" where the ages array belongs is DecodeError, not ("2", "0")."""
    outcome = decode(session, "audiences.get", orjson.dumps({"id": 1, "ages": "20"}))

    assert isinstance(outcome, ma.DecodeError)
