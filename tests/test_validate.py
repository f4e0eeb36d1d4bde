"""
Argument checks: ids, names, URLs, bools and the audience spec rules.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import moment_async as ma
from moment_async._validate import (
    ADULT_AGES,
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
        pytest.param(2**63 - 1, id="largest-long"),
    ],
)
def test_check_id_accepts_positive_int(value):
    """A positive int is returned unchanged."""
    checked = check_id(value, "file_id")

    assert value == checked


class _Injecting(int):
    """
    An int whose text is a header and path injection.
    """

    def __str__(self) -> str:
        return "1\r\nX-Injected: yes/../2"

    __repr__ = __str__
    __format__ = lambda self, spec: str(self)  # noqa: E731  # the attack under test


def test_check_id_returns_a_plain_int_for_int_subclasses():
    """An int subclass comes back as a plain int, so only its digits reach paths and headers."""
    checked = check_id(_Injecting(7), "file_id")

    assert int is type(checked)
    assert "7" == f"{checked}" == str(checked)


def test_check_id_accepts_objects_with_index():
    """An integer type that is not an int (operator.index works on it) is accepted as its int."""

    class Numpyish:
        def __index__(self) -> int:
            return 42

    checked = check_id(Numpyish(), "file_id")

    assert 42 == checked
    assert int is type(checked)


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
        pytest.param(2**63, id="past-long"),
        pytest.param(10**5000, id="too-many-digits-for-repr"),
        pytest.param("1\r\nX: y", id="header-injection"),
        pytest.param("1/../2", id="path-traversal"),
        pytest.param(b"7", id="bytes"),
        pytest.param([7], id="list"),
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
        pytest.param({1: "a"}, "iterable of positive integers", id="mapping"),
        pytest.param([1, 2**63], "positive integer", id="too-large-inside"),
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
        pytest.param("test9", id="sample-name"),
        pytest.param("고객파일 등록", id="sample-korean-name"),
        pytest.param(" padded ", id="surrounding-spaces"),
        pytest.param("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", id="every-ascii-special"),
        pytest.param("서울ㆍ경기", id="korean-middle-dot"),
        pytest.param("\u1100\u1161", id="decomposed-hangul"),
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
        pytest.param("a\tb", "'\\t'", id="tab"),
        pytest.param("a\u00a0b", "'\\xa0'", id="no-break-space"),
        pytest.param("a\u3000b", "'\\u3000'", id="ideographic-space"),
        pytest.param("a·b", "'·'", id="latin-middle-dot"),
        pytest.param("\uff21\uff22", "'\uff21'", id="full-width"),
        pytest.param("a\r\nX: y", "'\\r'", id="header-injection"),
        pytest.param("\t", "'\\t'", id="tab-only"),
        pytest.param("가" * 51, "51 characters", id="51-korean-chars"),
        pytest.param(b"buyers", "must be a string", id="bytes"),
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
        pytest.param("https://example.com:8443/a.csv", id="port"),
        pytest.param("HTTPS://EXAMPLE.COM/a.csv", id="upper-case-scheme"),
        pytest.param("https://[::1]:8443/a.csv", id="ipv6"),
        pytest.param("https://예시.한국/목록.csv", id="korean-host-and-path"),
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
        pytest.param("https://user:pw@example.com/a.csv", id="credentials"),
        pytest.param("https://user@example.com/a.csv", id="user-name"),
        pytest.param("https://example.com:99999/a.csv", id="port-out-of-range"),
        pytest.param("https://example.com:x/a.csv", id="port-not-a-number"),
        pytest.param("https://example.com/a\tb.csv", id="tab"),
        pytest.param("https://example.com/a\x00.csv", id="nul"),
        pytest.param("https://example.com/a\x7f.csv", id="del"),
        pytest.param("https://example.com/a\u200b.csv", id="zero-width-space"),
        pytest.param("https://example.com/a\u3000.csv", id="ideographic-space"),
        pytest.param("https://example.com/a\ud800.csv", id="surrogate"),
        pytest.param("javascript://example.com/%0aalert(1)", id="javascript"),
        pytest.param("", id="empty"),
        pytest.param(None, id="None"),
        pytest.param(b"https://example.com/a.csv", id="bytes"),
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
        pytest.param({"age_type": NOT_ALL, "ages": ADULT_AGES}, id="adult-ages"),
        pytest.param({"age_type": NOT_ALL, "ages": ["20", "25"]}, id="ages-as-list"),
        pytest.param(
            {"ufo_interests": ("11",), "ufo_business_types": ("22",)}, id="ufo"
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(extra={"key": "c1"}),)},
            id="targeting-by-extra",
        ),
        pytest.param(
            {
                "customer_file_targetings": (
                    ma.CustomerFileTargeting(id=1, name="a", exclude=True),
                )
            },
            id="targeting-all-fields",
        ),
        pytest.param(
            {
                "location_type": AREA,
                "locations": (SEOUL, ma.Depth2Location(value="1111")),
            },
            id="subclass-in-locations",
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
        pytest.param({"type": ["DISPLAY"]}, "spec.type must be", id="unhashable-type"),
        pytest.param({"type": "display"}, "spec.type must be", id="lower-type"),
        pytest.param(
            {"age_type": NOT_ALL, "ages": "20"},
            "spec.ages must be a tuple",
            id="ages-str",
        ),
        pytest.param(
            {"age_type": NOT_ALL, "ages": None},
            "spec.ages must be a tuple",
            id="ages-None",
        ),
        pytest.param(
            {"age_type": NOT_ALL, "ages": {"20"}},
            "spec.ages must be a tuple",
            id="ages-set",
        ),
        pytest.param(
            {"age_type": ["NOT_ALL"]}, "spec.age_type must be", id="unhashable-age-type"
        ),
        pytest.param(
            {"location_type": AREA, "locations": ({"value": "11"},)},
            "spec.locations[0] must be a moment_async.Location",
            id="location-as-dict",
        ),
        pytest.param(
            {"location_type": AREA, "depth3_locations": (SEOUL,)},
            "spec.depth3_locations[0] must be a moment_async.Depth3Location",
            id="location-of-wrong-depth",
        ),
        pytest.param(
            {"location_type": AREA, "locations": (ma.Location(value=" "),)},
            "spec.locations[0].value",
            id="blank-location-value",
        ),
        pytest.param(
            {"location_type": AREA, "locations": (ma.Location(value=11),)},  # type: ignore[arg-type]
            "spec.locations[0].value",
            id="location-value-int",
        ),
        pytest.param(
            {
                "location_type": AREA,
                "locations": (ma.Location(value="11", description=3),),  # type: ignore[arg-type]
            },
            "spec.locations[0].description must be a str",
            id="location-description-int",
        ),
        pytest.param(
            {"ufo_interests": "abc"}, "spec.ufo_interests must be a tuple", id="ufo-str"
        ),
        pytest.param(
            {"ufo_business_types": (3,)},
            "spec.ufo_business_types[0] must be a non-empty string",
            id="ufo-int",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.CustomerFileTargeting(),)},
            "spec.customer_file_targetings[0] needs an id",
            id="customer-file-without-id",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.CustomerFileTargeting(extra={"x": 1}),)},
            "spec.customer_file_targetings[0] needs an id",
            id="customer-file-extra-without-id",
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(),)},
            "spec.cohort_targetings[0] needs an id",
            id="empty-targeting",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.CustomerFileTargeting(id=0),)},
            "spec.customer_file_targetings[0].id must be a positive integer",
            id="targeting-id-zero",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.CustomerFileTargeting(id="1"),)},  # type: ignore[arg-type]
            "spec.customer_file_targetings[0].id must be a positive integer",
            id="targeting-id-str",
        ),
        pytest.param(
            {"customer_file_targetings": (ma.TrackerTargeting(id=1),)},
            "must be a moment_async.CustomerFileTargeting, got TrackerTargeting",
            id="targeting-of-wrong-kind",
        ),
        pytest.param(
            {"customer_file_targetings": ({"id": 1},)},
            "must be a moment_async.CustomerFileTargeting, got dict",
            id="targeting-as-dict",
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(id=1, extra={"at": object()}),)},
            "spec.cohort_targetings[0].extra['at'] must hold only JSON values",
            id="extra-not-json",
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(id=1, extra={1: "a"}),)},  # type: ignore[dict-item]
            "keys must be strings",
            id="extra-int-key",
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(id=1, extra={"n": 2**64}),)},
            "an integer JSON cannot carry",
            id="extra-huge-int",
        ),
        pytest.param(
            {"cohort_targetings": (ma.CohortTargeting(id=1, exclude="yes"),)},  # type: ignore[arg-type]
            "spec.cohort_targetings[0].exclude must be a bool",
            id="exclude-str",
        ),
    ],
)
def test_check_audience_spec_refuses_broken_rules(changes, fragment):
    """Each documented rule, broken, raises ValidationError naming the field."""
    given = spec(**changes)

    with pytest.raises(ma.ValidationError) as info:
        check_audience_spec(given)

    assert fragment in str(info.value)


def test_check_audience_spec_refuses_deep_extra():
    """A targeting's extra nested past the bound is refused, not recursed into without end."""
    deep: object = "leaf"
    for _ in range(100):
        deep = [deep]
    given = spec(cohort_targetings=(ma.CohortTargeting(id=1, extra={"d": deep}),))

    with pytest.raises(ma.ValidationError, match="nested deeper than 32 levels"):
        check_audience_spec(given)


def test_adult_ages_are_20_to_65():
    """The documents' adult list is every age code from 20 to 65."""
    assert ("20", "25", "30", "35", "40", "45", "50", "55", "60", "65") == ADULT_AGES


def test_check_audience_spec_refuses_non_spec():
    """Something that is not a spec at all is refused, not crashed on."""
    with pytest.raises(ma.ValidationError, match=r"spec\.name"):
        check_audience_spec(object())
