"""
The converter reads integers exactly or refuses them, naming the field.

Every integer field of every model is found by introspection, so a field
added later is covered too. Each is sent the numbers orjson cannot give
back exactly (an integer past 64 bits arrives as a float), floats written
as ``1.0`` or ``1e3``, booleans, and strings that are not plain decimal
digits; each must be a ``DecodeError`` naming the field and the value.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any, Final

import attrs
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async as ma
from moment_async import models
from moment_async._convert import make_converter, wire_names
from moment_async._session import Session
from moment_async.testing import Response
from tests.models._decoding import decoding_session

#: Every model the converter decodes.
MODELS: Final = sorted(
    (c for c in vars(models).values() if isinstance(c, type) and attrs.has(c)),
    key=lambda c: c.__name__,
)
#: Stand-in for the value under test in a JSON document, replaced textually.
HOLE: Final = "@@hole@@"


def int_container(kind: Any) -> Callable[[object], object] | None:
    """
    Return how to place one wire value in a field of type *kind*, or None if it holds no int.
    """
    if kind is int:
        return lambda value: value
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and int in args:
        return lambda value: value
    if origin is tuple and args[:1] == (int,):
        return lambda value: [value]
    return None


def mentions_int(kind: Any) -> bool:
    """
    Whether the annotation *kind* has ``int`` anywhere in it.
    """
    return kind is int or any(mentions_int(arg) for arg in typing.get_args(kind))


def minimal(cl: type) -> dict[str, object]:
    """
    Return the smallest wire document of *cl*: its required fields only.
    """
    hints = typing.get_type_hints(cl)
    document: dict[str, object] = {}
    for field in attrs.fields(cl):
        if field.default is not attrs.NOTHING:
            continue
        kind = hints[field.name]
        document[to_wire(cl, field.name)] = _valid(kind)
    return document


def to_wire(cl: type, field: str) -> str:
    """
    Return the documented wire spelling of *field* of *cl*.
    """
    return wire_names(cl, field)[0]


def _valid(kind: Any) -> object:
    if kind is int:
        return 1
    if kind is str:
        return "x"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return next(iter(kind)).value
    if attrs.has(kind):
        return minimal(kind)
    return []


def int_fields() -> list[Any]:
    """
    Return a param per integer field of every model: (class, field, how to place a value).
    """
    found = []
    for cl in MODELS:
        hints = typing.get_type_hints(cl)
        for field in attrs.fields(cl):
            place = int_container(hints[field.name])
            if place is not None:
                found.append(
                    pytest.param(
                        cl, field.name, place, id=f"{cl.__name__}.{field.name}"
                    )
                )
    return found


INT_FIELDS: Final = int_fields()

#: Wire texts of an integer field that must be refused.
REFUSED: Final = [
    pytest.param(b"100000000000000000000000000001", id="10**29+1"),
    pytest.param(b"18446744073709551616", id="2**64"),
    pytest.param(b"18446744073709551615", id="2**64-1"),
    pytest.param(b"9223372036854775808", id="2**63"),
    pytest.param(b"-9223372036854775809", id="-2**63-1"),
    pytest.param(b"1.0", id="1.0"),
    pytest.param(b"1e3", id="1e3"),
    pytest.param(b"-0.0", id="-0.0"),
    pytest.param(b"1.5", id="1.5"),
    pytest.param(b"true", id="true"),
    pytest.param(b"false", id="false"),
    pytest.param(b'"9223372036854775808"', id="string-2**63"),
    pytest.param(b'"100000000000000000000000000001"', id="string-10**29+1"),
    pytest.param(b'"1e3"', id="string-1e3"),
    pytest.param(b'"7.0"', id="string-7.0"),
    pytest.param(b'" 7"', id="string-space-7"),
    pytest.param(b'"+7"', id="string-plus-7"),
    pytest.param(b'"1_000"', id="string-underscore"),
    pytest.param(b'"\\u0667"', id="string-arabic-indic-7"),
    pytest.param(b'""', id="string-empty"),
    pytest.param(b'"-"', id="string-minus"),
    pytest.param(b'"0042"', id="string-leading-zeros"),
    pytest.param(b'"-0"', id="string-negative-zero"),
    pytest.param(b"[]", id="array"),
    pytest.param(b"{}", id="object"),
]
#: Wire texts of an integer field that are read, and the integer each is.
ACCEPTED: Final = [
    pytest.param(b"9223372036854775807", 2**63 - 1, id="2**63-1"),
    pytest.param(b"-9223372036854775808", -(2**63), id="-2**63"),
    pytest.param(b"0", 0, id="0"),
    pytest.param(b'"9223372036854775807"', 2**63 - 1, id="string-2**63-1"),
    pytest.param(b'"-9223372036854775808"', -(2**63), id="string--2**63"),
]


@pytest.fixture(scope="module")
def session() -> Session:
    """
    A session (never used to send) whose decode path the tests drive.
    """
    return decoding_session()


def body_with(
    cl: type, field: str, place: Callable[[object], object], wire: bytes
) -> bytes:
    """
    Return a minimal document of *cl* whose *field* holds the JSON text *wire* as written.
    """
    document = minimal(cl)
    document[to_wire(cl, field)] = place(HOLE)
    return orjson.dumps(document).replace(f'"{HOLE}"'.encode(), wire)


def shown(wire: bytes) -> str:
    """
    Return how an error message shows the refused wire value.
    """
    value = orjson.loads(wire)
    return repr(value) if type(value) in (str, int, float) else type(value).__name__


def test_every_annotation_with_an_int_is_covered():
    """Every field whose type mentions int is one the tables below exercise: a new shape fails here."""
    unhandled = [
        f"{cl.__name__}.{name}: {kind}"
        for cl in MODELS
        for name, kind in typing.get_type_hints(cl).items()
        if mentions_int(kind) and int_container(kind) is None
    ]

    assert [] == unhandled
    assert len(INT_FIELDS) >= 20


@pytest.mark.parametrize("wire", REFUSED)
@pytest.mark.parametrize(("cl", "field", "place"), INT_FIELDS)
def test_an_inexact_integer_is_a_decode_error_naming_field_and_value(
    session, cl, field, place, wire
):
    """A float, a bool, an out-of-range integer or a non-decimal string in an int field is DecodeError naming both."""
    body = body_with(cl, field, place, wire)

    with pytest.raises(ma.DecodeError) as caught:
        session._decode(Response(status=200, body=body), cl, None)

    message = str(caught.value)
    assert f"{cl.__name__}.{field}: " in message
    assert shown(wire) in message


@pytest.mark.parametrize(("wire", "expected"), ACCEPTED)
@pytest.mark.parametrize(("cl", "field", "place"), INT_FIELDS)
def test_an_exact_integer_is_read_as_it_is(session, cl, field, place, wire, expected):
    """The 64-bit bounds, as numbers or decimal strings, decode to exactly that integer."""
    body = body_with(cl, field, place, wire)

    decoded = session._decode(Response(status=200, body=body), cl, None)

    assert place(expected) == _as_wire(getattr(decoded, field))


def _as_wire(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize(
    ("into", "answer", "path"),
    [
        pytest.param(ma.Audience, {"id": 1, "customerFileTargetings": [{"id": "@"}]}, "Audience.customer_file_targetings.id", id="targeting-in-audience"),
        pytest.param(list[ma.AdGroupAndCampaign], [{"adGroup": {"id": "@"}}], "AdGroupAndCampaign.ad_group.id", id="ad-group-in-usage"),
        pytest.param(list[ma.AudienceSummary], [{"id": 1}, {"id": "@"}], "AudienceSummary.id", id="second-of-a-list"),
    ],
)  # fmt: skip
def test_a_nested_refusal_names_the_path_to_the_field(session, into, answer, path):
    """A refused integer inside a nested model names every field down to it."""
    body = orjson.dumps(answer).replace(b'"@"', b"100000000000000000000000000001")

    with pytest.raises(ma.DecodeError) as caught:
        session._decode(Response(status=200, body=body), into, None)

    assert f"{path}: got the number 1e+29" in str(caught.value)


async def test_a_customer_file_id_past_64_bits_is_a_decode_error_end_to_end():
    """A loopback server listing a file with id 10**29+1 gives DecodeError naming CustomerFile.id, not a changed id."""

    async def listing(request: web.Request) -> web.Response:
        return web.Response(
            body=b'[{"id": 7}, {"id": 100000000000000000000000000001}]',
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_get("/customerFiles", listing)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        ma.MomentClient("t", base_url=str(server.make_url("")).rstrip("/")) as client,
    ):
        with pytest.raises(ma.DecodeError) as caught:
            await client.ad_account(1).customer_files.list()

    assert "CustomerFile.id: got the number 1e+29" in str(caught.value)
    assert 200 == caught.value.status


@pytest.mark.parametrize(
    ("field", "wire", "expected"),
    [
        pytest.param("name", b"42", "42", id="str-from-int"),
        pytest.param("name", b"18446744073709551615", "18446744073709551615", id="str-from-u64"),
        pytest.param("ready", b'"true"', True, id="bool-from-string"),
        pytest.param("ready", b'" FALSE "', False, id="bool-from-padded-string"),
        pytest.param("ready", b"1", True, id="bool-from-1"),
        pytest.param("ready", b"0", False, id="bool-from-0"),
    ],
)  # fmt: skip
def test_other_scalars_convert_when_exact(session, field, wire, expected):
    """A string field takes an integer as its digits; a bool field takes true/false as text and 0/1."""
    body = body_with(ma.CustomerFile, field, lambda v: v, wire)

    decoded = session._decode(Response(status=200, body=body), ma.CustomerFile, None)

    assert expected == getattr(decoded, field)


@pytest.mark.parametrize(
    ("field", "wire"),
    [
        pytest.param("name", b"1.50", id="str-from-float"),
        pytest.param("name", b"100000000000000000000000000001", id="str-from-int-past-64-bits"),
        pytest.param("name", b"true", id="str-from-bool"),
        pytest.param("ready", b'"yes"', id="bool-from-yes"),
        pytest.param("ready", b'"1"', id="bool-from-string-1"),
        pytest.param("ready", b"2", id="bool-from-2"),
        pytest.param("ready", b"0.5", id="bool-from-fraction"),
        pytest.param("ready", b"1.0", id="bool-from-float"),
    ],
)  # fmt: skip
def test_other_scalars_are_refused_when_they_would_change(session, field, wire):
    """A float as text, a bool as text, and anything but true/false/0/1 as a bool is DecodeError naming the field."""
    body = body_with(ma.CustomerFile, field, lambda v: v, wire)

    with pytest.raises(ma.DecodeError) as caught:
        session._decode(Response(status=200, body=body), ma.CustomerFile, None)

    assert f"CustomerFile.{field}: " in str(caught.value)
    assert shown(wire) in str(caught.value)


def test_a_huge_decimal_string_is_refused_without_reading_it():
    """A million-digit id string is refused by its length as out of range, not parsed (int() would take time or raise otherwise)."""
    hook = make_converter().get_structure_hook(ma.CustomerFile)

    with pytest.raises(
        ValueError,
        match=r"^CustomerFile\.id: '9999.* is outside the signed 64-bit range",
    ) as caught:
        hook({"id": "9" * 1_000_000}, None)

    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        pytest.param(int, 1.5, id="int-fraction"),
        pytest.param(int, True, id="int-bool"),
        pytest.param(int | None, 2**63, id="optional-int-past-64-bits"),
        pytest.param(tuple[int, ...], [1e29], id="tuple-of-int-float"),
        pytest.param(list[int], ["1e3"], id="list-of-int-exponent-string"),
        pytest.param(str, None, id="str-null"),
        pytest.param(list[str], [1.5], id="list-of-str-float"),
        pytest.param(str | None, [], id="optional-str-array"),
        pytest.param(ma.CustomerFileStatus, 7, id="enum-number"),
    ],
)  # fmt: skip
def test_shapes_outside_the_models_use_the_same_exact_hooks(kind, value):
    """Containers and optionals of int and str (a future field's shape) refuse what cattrs' int()/str() would change."""
    conv = make_converter()

    with pytest.raises((TypeError, ValueError)):
        conv.structure(value, kind)


@attrs.frozen(kw_only=True)
class Checked:
    """
    A model with a validator: the converter builds it through ``__init__``.
    """

    id: int = attrs.field(validator=attrs.validators.ge(0))
    name: str | None = None


def test_a_model_built_through_init_names_the_refused_field_too():
    """The generated function of a model with a validator reads exactly and names the refused field."""
    hook = make_converter().get_structure_hook(Checked)

    built = hook({"id": "5", "name": 7}, None)
    with pytest.raises(
        ValueError, match=r"^Checked\.name: expected a string, got 1\.5"
    ):
        hook({"id": 5, "name": 1.5}, None)

    assert Checked(id=5, name="7") == built


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(b'"10000-01-01T00:00"', id="year-10000"),
        pytest.param(b'"0000-01-01T00:00"', id="year-0"),
        pytest.param(b"1700000000000", id="milliseconds-number"),
        pytest.param(b'"1700000000000"', id="milliseconds-string"),
        pytest.param(b"1e300", id="huge-number"),
        pytest.param(b'"2024-01-01T00:00+99:00"', id="offset-past-a-day"),
    ],
)
def test_a_date_out_of_range_is_a_decode_error_naming_the_field(session, wire):
    """Dates past year 9999, before year 1, as timestamps or with absurd offsets are DecodeError, never OverflowError."""
    body = body_with(ma.CustomerFile, "created_date", lambda v: v, wire)

    with pytest.raises(ma.DecodeError, match=r"CustomerFile\.created_date: "):
        session._decode(Response(status=200, body=body), ma.CustomerFile, None)
