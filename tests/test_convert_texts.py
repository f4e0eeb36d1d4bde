"""
What a refused wire value's DecodeError says: bounded, the value shown short, and what is allowed.
"""

from __future__ import annotations

from typing import Final

import orjson
import pytest

import moment_async as ma
from moment_async._convert import make_converter, structure_int
from moment_async._errors import MAX_ERROR_TEXT
from moment_async._transports.base import Response

from .models._decoding import decoding_session

MB: Final = 1_000_000
#: The statuses a customer file's status field names, as the refusal lists them.
STATUSES: Final = ", ".join(repr(status.value) for status in ma.CustomerFileStatus)


def decode_error(answer: object) -> ma.DecodeError:
    """
    Return the DecodeError of decoding *answer* as a customer file.
    """
    body = orjson.dumps(answer)
    with pytest.raises(ma.DecodeError) as caught:
        decoding_session()._decode(
            Response(status=200, body=body), ma.CustomerFile, None
        )
    return caught.value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("createdDate", "x" * MB, id="date"),
        pytest.param(
            "createdDate", "2024-01-01T00:00" + "9" * MB, id="date-with-digits"
        ),
        pytest.param("customerFileStatus", ["WAITING"] * MB, id="enum-array"),
        pytest.param("name", [1.5] * MB, id="str-array"),
        pytest.param("id", "1" * MB, id="int-digits"),
        pytest.param("id", "x" * MB, id="int-text"),
    ],
)
def test_a_megabyte_wire_value_gives_a_bounded_decode_error(field, value):
    """A megabyte of text, or a million items, in one field gives a DecodeError of a few hundred characters."""
    error = decode_error({"id": 7, "name": "a", field: value})

    assert "CustomerFile." in str(error)
    assert len(str(error)) < 1000
    assert len(repr(error.args)) < MAX_ERROR_TEXT + 2000


def test_a_date_that_is_no_date_is_shown_short_with_the_form_allowed():
    """A date field holding text says what it got, cut short with its length, and the form it takes."""
    error = decode_error({"id": 7, "name": "a", "createdDate": "x" * MB})

    assert (
        "CustomerFile.created_date: expected a date and time such as "
        f"'2024-02-06T00:03:59', got {'x' * 39!r}"[:-1]
    ) in str(error)
    assert "(1,000,002 chars)" in str(error)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param([], "list", id="array"),
        pytest.param({"a": 1}, "dict", id="object"),
        pytest.param(7, "7", id="number"),
        pytest.param(True, "bool", id="true"),
    ],
)
def test_an_enum_field_holding_no_string_says_what_it_got_and_what_is_allowed(
    value, shown
):
    """An array, object, number or boolean in an enum field names the field, what came, and the values allowed."""
    error = decode_error({"id": 7, "name": "a", "customerFileStatus": value})

    assert (
        f"CustomerFile.status: expected one of {STATUSES} (or another string, "
        f"kept as an unknown value), got {shown}"
    ) in str(error)
    assert "unhashable" not in str(error)


def test_an_enum_outside_the_models_is_refused_the_same_way():
    """The converter's own enum hook (a future field's shape) refuses an array with the same message."""
    with pytest.raises(TypeError, match=r"^expected one of 'WAITING'.*got list$"):
        make_converter().structure([], ma.CustomerFileStatus)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("007", "'007' (leading zeros)", id="leading-zeros"),
        pytest.param("00000000000000000001", "'00000000000000000001' (leading zeros)", id="twenty-chars-in-range"),
        pytest.param("-007", "'-007' (leading zeros)", id="negative-leading-zeros"),
        pytest.param("-0", "'-0' (a negative zero)", id="negative-zero"),
        pytest.param("+7", "'+7' (not decimal digits)", id="plus"),
        pytest.param(" 7", "' 7' (not decimal digits)", id="space"),
        pytest.param("١٢", "'١٢' (not decimal digits)", id="arabic-indic-digits"),
        pytest.param("", "'' (not decimal digits)", id="empty"),
    ],
)  # fmt: skip
def test_an_integer_string_that_is_not_canonical_is_refused_saying_why(text, says):
    """Leading zeros, a minus zero, a plus or foreign digits are refused, the message saying which."""
    with pytest.raises(ValueError, match=r"; allowed: an integer from") as caught:
        structure_int(text)

    assert f"expected an integer, got {says}" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("0", 0, id="zero"),
        pytest.param("7", 7, id="seven"),
        pytest.param("-7", -7, id="minus-seven"),
        pytest.param("1000000", 1_000_000, id="zeros-after"),
        pytest.param("9223372036854775807", 2**63 - 1, id="int64-max"),
        pytest.param("-9223372036854775808", -(2**63), id="int64-min"),
    ],
)
def test_a_canonical_integer_string_is_read(text, expected):
    """A decimal string without leading zeros is the integer it spells."""
    assert expected == structure_int(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("9223372036854775808", id="int64-max-plus-one"),
        pytest.param("100000000000000000000", id="twenty-one-digits"),
        pytest.param("-" + "9" * 5000, id="five-thousand-digits"),
    ],
)
def test_a_canonical_integer_string_out_of_range_says_so(text):
    """A well-formed decimal string past 64 bits is refused as out of range, not as 'expected an integer'."""
    with pytest.raises(
        ValueError, match="is outside the signed 64-bit range"
    ) as caught:
        structure_int(text)

    assert "expected an integer" not in str(caught.value)
