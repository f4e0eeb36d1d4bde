"""
Argument checks: ids, names, URLs, bools and the audience spec rules.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import moment_async as ma
from moment_async._validate import (
    check_audience_spec,
    check_bool,
    check_id,
    check_ids,
    check_name,
    check_url,
)

NOT_ALL = ma.SelectionType.NOT_ALL
ALL = ma.SelectionType.ALL
AREA = ma.LocationType.AREA
DISPLAY = ma.AudienceType.DISPLAY
MESSAGE = ma.AudienceType.MESSAGE
SEOUL = ma.Location(value="11")


def spec(**changes: Any) -> ma.AudienceSpec:
    """
    Return a valid DISPLAY spec for everyone, with *changes* applied.
    """
    base = ma.AudienceSpec(name="buyers", type=DISPLAY)
    return attrs.evolve(base, **changes)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="one"),
        pytest.param(2**40, id="large"),
    ],
)
def test_check_id_accepts_positive_int(value):
    """A positive int is returned unchanged."""
    checked = check_id(value, "file_id")

    assert value == checked


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(True, id="True"),
        pytest.param(False, id="False"),
        pytest.param(0, id="zero"),
        pytest.param(-3, id="negative"),
        pytest.param("7", id="str"),
        pytest.param(7.0, id="float"),
        pytest.param(None, id="None"),
    ],
)
def test_check_id_refuses_non_positive_int(value):
    """Bools, zero, negatives, strings, floats and None are refused, naming the argument."""
    with pytest.raises(ma.ValidationError, match="file_id must be a positive integer"):
        check_id(value, "file_id")


def test_check_ids_removes_duplicates_in_order():
    """Duplicate ids are dropped and the first-seen order is kept."""
    ids = check_ids((5, 3, 5, 1, 3), "file_ids")

    assert [5, 3, 1] == ids


def test_check_ids_accepts_any_iterable():
    """A generator of ids is accepted."""
    ids = check_ids(n for n in (2, 4))

    assert [2, 4] == ids


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param([], "at least one", id="empty-list"),
        pytest.param((), "at least one", id="empty-tuple"),
        pytest.param("123", "iterable of positive integers", id="str"),
        pytest.param(b"12", "iterable of positive integers", id="bytes"),
        pytest.param(7, "iterable of positive integers", id="int"),
        pytest.param([1, 0], "positive integer", id="zero-inside"),
        pytest.param([1, True], "positive integer", id="bool-inside"),
    ],
)
def test_check_ids_refuses_bad_values(value, fragment):
    """Empty collections, strings, non-iterables and bad members are refused, naming the argument."""
    with pytest.raises(ma.ValidationError) as info:
        check_ids(value, "file_ids")

    assert "file_ids" in str(info.value)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("buyers", id="english"),
        pytest.param("구매자 리스트", id="korean"),
        pytest.param("ㄱㄴㄷ", id="korean-jamo"),
        pytest.param("buyers_2024-01 (test) #1!", id="ascii-special"),
        pytest.param("x" * 50, id="50-chars"),
        pytest.param("가" * 50, id="50-korean-chars"),
        pytest.param("a", id="one-char"),
    ],
)
def test_check_name_accepts_documented_names(value):
    """Korean, English, digits, space and ASCII specials up to 50 characters pass."""
    checked = check_name(value)

    assert value == checked


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("", "empty or blank", id="empty"),
        pytest.param("   ", "empty or blank", id="blank"),
        pytest.param("x" * 51, "51 characters", id="51-chars"),
        pytest.param(None, "must be a string", id="None"),
        pytest.param(12, "must be a string", id="int"),
        pytest.param("buyers 🎉", "'🎉'", id="emoji"),
        pytest.param("café", "'é'", id="accented"),
        pytest.param("buyers\n", "'\\n'", id="newline"),
        pytest.param("購買者", "'購'", id="hanja"),
    ],
)
def test_check_name_refuses_bad_names(value, fragment):
    """Bad names are refused with the argument and the fault (the offending char) named."""
    with pytest.raises(ma.ValidationError) as info:
        check_name(value, "name")

    message = str(info.value)
    assert message.startswith("name ")
    assert fragment in message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("http://example.com/a.csv", id="http"),
        pytest.param("https://example.com/list.csv?x=1", id="https-query"),
        pytest.param("https://user:pw@example.com:8443/a.csv", id="port-and-auth"),
    ],
)
def test_check_url_accepts_http_urls(value):
    """http and https URLs with a host pass unchanged."""
    checked = check_url(value)

    assert value == checked


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("ftp://example.com/a.csv", id="ftp"),
        pytest.param("file:///tmp/a.csv", id="file"),
        pytest.param("https:///a.csv", id="no-host"),
        pytest.param("example.com/a.csv", id="no-scheme"),
        pytest.param("https://example.com/a b.csv", id="space"),
        pytest.param("https://example.com/a.csv\n", id="newline"),
        pytest.param("https://[::1/a.csv", id="bad-ipv6"),
        pytest.param("", id="empty"),
        pytest.param(None, id="None"),
    ],
)
def test_check_url_refuses_bad_urls(value):
    """Other schemes, missing hosts, spaces and non-strings are refused, naming the argument."""
    with pytest.raises(ma.ValidationError, match=r"^source_url "):
        check_url(value)


@pytest.mark.parametrize(
    "value", [pytest.param(True, id="True"), pytest.param(False, id="False")]
)
def test_check_bool_accepts_bools(value):
    """True and False are returned unchanged."""
    checked = check_bool(value, "renewable")

    assert value is checked


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="one"),
        pytest.param(0, id="zero"),
        pytest.param("true", id="str"),
        pytest.param(None, id="None"),
    ],
)
def test_check_bool_refuses_non_bools(value):
    """0, 1, strings and None are refused, naming the argument."""
    with pytest.raises(ma.ValidationError, match="renewable must be True or False"):
        check_bool(value, "renewable")


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="everyone"),
        pytest.param({"type": MESSAGE}, id="message"),
        pytest.param({"age_type": NOT_ALL, "ages": ("15", "65")}, id="age-bounds"),
        pytest.param(
            {"age_type": NOT_ALL, "ages": tuple(str(n) for n in range(15, 70, 5))},
            id="every-age",
        ),
        pytest.param({"gender_type": NOT_ALL, "genders": ("M",)}, id="male"),
        pytest.param(
            {"gender_type": NOT_ALL, "genders": ("M", "F")}, id="both-genders"
        ),
        pytest.param({"location_type": AREA, "locations": (SEOUL,)}, id="area"),
        pytest.param(
            {
                "location_type": AREA,
                "depth2_locations": (ma.Depth2Location(value="1111"),),
            },
            id="area-depth2",
        ),
        pytest.param(
            {
                "location_type": AREA,
                "depth3_locations": (ma.Depth3Location(value="111110"),),
            },
            id="area-depth3",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.CustomerFileTargeting(id=1),)},
            id="display-customer-file",
        ),
        pytest.param(
            {"tracker_targetings": (ma.TrackerTargeting(id=1),)}, id="display-tracker"
        ),
        pytest.param(
            {
                "type": MESSAGE,
                "talk_channel_group_targetings": (ma.TalkChannelGroupTargeting(id=1),),
            },
            id="message-talk-channel-group",
        ),
        pytest.param(
            {"type": "DISPLAY", "age_type": "NOT_ALL", "ages": ("20",)},
            id="plain-strings",
        ),
    ],
)
def test_check_audience_spec_accepts_valid_specs(changes):
    """Specs that follow every documented rule pass without an error."""
    given = spec(**changes)

    check_audience_spec(given)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        pytest.param({"name": ""}, "spec.name", id="empty-name"),
        pytest.param({"name": "x" * 51}, "spec.name", id="long-name"),
        pytest.param(
            {"type": ma.AudienceType("VIDEO")}, "spec.type", id="unknown-type"
        ),
        pytest.param({"type": None}, "spec.type", id="no-type"),
        pytest.param({"ages": ("20",)}, "age_type is ALL", id="ages-with-all"),
        pytest.param({"age_type": NOT_ALL}, "at least one", id="not-all-without-ages"),
        pytest.param({"age_type": NOT_ALL, "ages": ("10",)}, "'10'", id="age-below-15"),
        pytest.param({"age_type": NOT_ALL, "ages": ("70",)}, "'70'", id="age-above-65"),
        pytest.param({"age_type": NOT_ALL, "ages": ("22",)}, "'22'", id="age-off-step"),
        pytest.param({"age_type": NOT_ALL, "ages": (20,)}, "20", id="age-as-int"),
        pytest.param(
            {"age_type": ma.SelectionType("SOME")}, "age_type", id="bad-age-type"
        ),
        pytest.param({"genders": ("M",)}, "gender_type is ALL", id="genders-with-all"),
        pytest.param(
            {"gender_type": NOT_ALL}, "at least one", id="not-all-without-genders"
        ),
        pytest.param(
            {"gender_type": NOT_ALL, "genders": ("X",)}, "'X'", id="bad-gender"
        ),
        pytest.param(
            {"gender_type": NOT_ALL, "genders": ("m",)}, "'m'", id="lower-gender"
        ),
        pytest.param(
            {"location_type": AREA}, "location_type is AREA", id="area-without-list"
        ),
        pytest.param(
            {"locations": (SEOUL,)}, "location_type is ALL", id="all-with-locations"
        ),
        pytest.param(
            {"depth3_locations": (ma.Depth3Location(value="111110"),)},
            "depth3_locations",
            id="all-with-depth3",
        ),
        pytest.param(
            {"location_type": ma.LocationType("CITY")},
            "location_type",
            id="bad-location-type",
        ),
        pytest.param(
            {"talk_channel_group_targetings": (ma.TalkChannelGroupTargeting(id=1),)},
            "talk_channel_group_targetings is not allowed for a DISPLAY",
            id="display-talk-channel-group",
        ),
        pytest.param(
            {
                "type": MESSAGE,
                "customer_file_targetings": (ma.CustomerFileTargeting(id=1),),
            },
            "customer_file_targetings is not allowed for a MESSAGE",
            id="message-customer-file",
        ),
        pytest.param(
            {"type": MESSAGE, "tracker_targetings": (ma.TrackerTargeting(id=1),)},
            "tracker_targetings is not allowed for a MESSAGE",
            id="message-tracker",
        ),
    ],
)
def test_check_audience_spec_refuses_broken_rules(changes, fragment):
    """Each documented rule, broken, raises ValidationError naming the field."""
    given = spec(**changes)

    with pytest.raises(ma.ValidationError) as info:
        check_audience_spec(given)

    assert fragment in str(info.value)


def test_check_audience_spec_refuses_non_spec():
    """Something that is not a spec at all is refused, not crashed on."""
    with pytest.raises(ma.ValidationError, match=r"spec\.name"):
        check_audience_spec(object())
