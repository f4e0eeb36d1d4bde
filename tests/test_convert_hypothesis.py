"""
Property: an integer field gives back exactly the integer sent, or DecodeError.

Hypothesis writes integers of any size, floats, booleans and strings into
JSON as a server would, and checks what the session decodes: never an
integer other than the one written. The generated structure functions and
the converter's one int hook must agree on every value.
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import moment_async as ma
from moment_async._convert import make_converter
from moment_async._session import Session
from moment_async.testing import Response
from tests.models._decoding import decoding_session

#: The range of the API's Long (a Java long).
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
#: What the API documents as a Long, written as a string of decimal digits:
#: canonical, so without leading zeros, and no minus before a zero.
DECIMAL: Final = re.compile(r"-?[1-9][0-9]{0,18}|0")


@pytest.fixture(scope="module")
def session() -> Session:
    """
    A session (never used to send) whose decode path the tests drive.
    """
    return decoding_session()


def decode_id(session: Session, wire: bytes) -> int | ma.DecodeError:
    """
    Decode a customer file whose id is the JSON text *wire*; return its id or the error.
    """
    body = b'{"id": ' + wire + b', "populationScore": ' + wire + b"}"
    try:
        decoded = session._decode(
            Response(status=200, body=body), ma.CustomerFile, None
        )
    except ma.DecodeError as exc:
        return exc
    assert decoded is not None
    assert decoded.id == decoded.population_score
    return decoded.id


@given(number=st.integers(min_value=-(10**40), max_value=10**40))
@example(number=10**29 + 1)
@example(number=2**63)
@example(number=2**64 - 1)
@example(number=2**64)
@example(number=INT64_MAX)
@example(number=INT64_MIN)
@example(number=INT64_MIN - 1)
def test_an_integer_written_as_a_number_comes_back_exactly_or_not_at_all(
    session, number
):
    """Any integer in the JSON text decodes to itself when it fits 64 bits, else DecodeError."""
    outcome = decode_id(session, str(number).encode())

    if INT64_MIN <= number <= INT64_MAX:
        assert number == outcome
    else:
        assert isinstance(outcome, ma.DecodeError)
        assert "CustomerFile.id: " in str(outcome)


@given(number=st.floats(allow_nan=False, allow_infinity=False))
@example(number=1.0)
@example(number=1e3)
@example(number=-0.0)
def test_a_float_is_never_an_integer(session, number):
    """A number with a fraction or an exponent is DecodeError, even when it is whole."""
    outcome = decode_id(session, orjson.dumps(number))

    assert isinstance(outcome, ma.DecodeError)


@given(
    text=st.one_of(
        st.text(max_size=25), st.from_regex(r"-?[0-9]{1,25}", fullmatch=True)
    )
)
@example(text="0042")
@example(text="-0")
@example(text="\u0667")
@example(text="+7")
@example(text=" 7 ")
def test_a_string_is_an_integer_only_when_it_spells_one_in_range(session, text):
    """A string decodes to int(text) when it is canonical decimal digits in range, else DecodeError."""
    outcome = decode_id(session, orjson.dumps(text))

    if DECIMAL.fullmatch(text) and INT64_MIN <= int(text) <= INT64_MAX:
        assert int(text) == outcome
    else:
        assert isinstance(outcome, ma.DecodeError)


SCALARS: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=22),
    st.from_regex(r"-?[0-9]{1,21}", fullmatch=True),
)


@given(value=SCALARS)
def test_the_generated_path_agrees_with_the_int_hook(value):
    """The inline check of a generated structure function and the int hook take and refuse the same values."""
    conv = make_converter()
    by_hook = _outcome(conv.get_structure_hook(int), value)
    by_model = _outcome(
        lambda v, _: conv.get_structure_hook(ma.CustomerFile)({"id": v}, None).id,
        value,
    )

    if isinstance(by_hook, Exception):
        assert isinstance(by_model, ValueError), by_model
    else:
        assert by_hook == by_model
        assert type(by_model) is int


def _outcome(read: Any, value: object) -> object:
    try:
        return read(value, int)
    except (TypeError, ValueError) as exc:
        return exc
