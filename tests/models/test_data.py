"""
moment_async.to_data and from_data: every sample round-trips, in wire and Python names, and specs are read strictly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import moment_async as ma
from moment_async._convert import KST, make_converter, wire_names
from tests.conftest import FIXTURES, load_fixture
from tests.models._decoding import as_date

#: Every sample of tests/fixtures: the model it decodes into, and the key of
#: its envelope. The table must name every file there.
SAMPLES: dict[str, tuple[Any, str | None]] = {
    "customer_files.list": (list[ma.CustomerFile], None),
    "customer_files.get": (ma.CustomerFile, None),
    "customer_files.upload": (ma.CustomerFileUpload, None),
    "customer_files.register_url": (ma.CustomerFile, None),
    "customer_files.replace_files": (ma.CustomerFileUpload, None),
    "customer_files.replace_url": (ma.CustomerFile, None),
    "customer_files.rename": (ma.CustomerFile, None),
    "customer_files.delete_many": (ma.BulkDeleteResult, None),
    "customer_files.usage": (list[ma.AdGroupAndCampaign], None),
    "audiences.list": (list[ma.AudienceSummary], "content"),
    "audiences.get": (ma.Audience, None),
    "audiences.create": (ma.Audience, None),
    "audiences.create.request": (ma.AudienceSpec, None),
    "audiences.update": (ma.Audience, None),
    "audiences.delete_many": (ma.BulkDeleteResult, None),
    "audiences.ad_groups": (list[ma.AudienceAdGroup], "content"),
}
#: Keys of a sample that its model passes over: the request sample's ad
#: account, which the client sets itself.
PASSED_OVER = {"audiences.create.request": {"adAccountId"}}
#: A spelling of the documents that is not the documented one -> the documented one.
ALIASES = {
    alternative: names[0]
    for model in (ma.CustomerFile, ma.CustomerFileUpload, ma.Audience, ma.Location)
    for field in attrs.fields(model)
    for names in [wire_names(model, field.name)]
    for alternative in names[1:]
}


def sample(name: str) -> Any:
    """
    Return the sample *name* without its envelope.
    """
    data = load_fixture(name)
    envelope = SAMPLES[name][1]
    return data if envelope is None else data[envelope]


def decoded(name: str) -> Any:
    """
    Return the sample *name* decoded as the client decodes Kakao's answers.
    """
    return make_converter().structure(sample(name), SAMPLES[name][0])


def is_json(value: object) -> bool:
    """
    Tell whether *value* is made only of dicts with string keys, lists, str, int, float, bool and None.
    """
    if type(value) is dict:
        return all(type(key) is str and is_json(item) for key, item in value.items())
    if type(value) is list:
        return all(is_json(item) for item in value)
    return type(value) in (str, int, float, bool, type(None))


def mismatches(given: object, written: object, path: str = "") -> list[str]:
    """
    Return where *written* differs from the sample *given*: its keys in their documented spelling, dates as instants.
    """
    if isinstance(given, dict):
        if not isinstance(written, dict):
            return [f"{path}: {written!r} is not an object"]
        found = []
        for key, item in given.items():
            documented = ALIASES.get(key, key)
            if documented not in written:
                found.append(f"{path}.{documented}: missing")
            else:
                found += mismatches(item, written[documented], f"{path}.{documented}")
        return found
    if isinstance(given, list):
        if not isinstance(written, list) or len(given) != len(written):
            return [f"{path}: {written!r} is not {given!r}"]
        return [
            problem
            for index, (a, b) in enumerate(zip(given, written, strict=True))
            for problem in mismatches(a, b, f"{path}[{index}]")
        ]
    if as_date(given) != as_date(written):
        return [f"{path}: {written!r} is not {given!r}"]
    return []


def test_the_table_names_every_sample_file():
    """Every JSON file of tests/fixtures is in the round-trip table."""
    files = {path.name.removesuffix(".json") for path in Path(FIXTURES).glob("*.json")}

    assert files == set(SAMPLES)


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("names", ["wire", "python"])
def test_every_sample_round_trips(name, names):
    """Decoding a sample, then to_data, then from_data gives an equal model, in either spelling."""
    kind = SAMPLES[name][0]
    model = decoded(name)

    data = ma.to_data(model, names=names)

    assert is_json(data)
    assert json.loads(json.dumps(data)) == data
    assert model == ma.from_data(kind, data)


@pytest.mark.parametrize("name", SAMPLES)
def test_wire_data_is_the_sample_where_it_is_canonical(name):
    """to_data writes every value of the sample under its documented key; dates as the same instant, with their offset."""
    given = sample(name)
    for key in PASSED_OVER.get(name, ()):
        given = {k: v for k, v in given.items() if k != key}

    written = ma.to_data(decoded(name))

    assert [] == mismatches(given, written)


@pytest.mark.parametrize("name", SAMPLES)
def test_from_data_reads_every_sample_as_the_client_does(name):
    """from_data takes Kakao's own samples, variant spellings included, and reads them as the client does."""
    kind = SAMPLES[name][0]

    assert decoded(name) == ma.from_data(kind, sample(name))


def test_python_names_are_the_attribute_names():
    """names="python" writes the attrs field names, a targeting's extra fields under "extra"."""
    audience = ma.Audience(
        id=1,
        status=ma.AudienceStatus.AVAILABLE,
        customer_file_targetings=(ma.CustomerFileTargeting(id=7, extra={"size": 3}),),
    )

    data = ma.to_data(audience, names="python")

    assert [field.name for field in attrs.fields(ma.Audience)] == list(data)
    assert "AVAILABLE" == data["status"]
    assert [{"id": 7, "name": None, "exclude": None, "extra": {"size": 3}}] == data[
        "customer_file_targetings"
    ]


def test_wire_names_put_a_targetings_extra_fields_beside_its_id():
    """With wire names a targeting's extra fields sit beside id, as Kakao sends them."""
    entry = ma.CustomerFileTargeting(id=7, extra={"size": 3})

    assert {"size": 3, "id": 7, "name": None, "exclude": None} == ma.to_data(entry)


def test_dates_and_enums_become_json_values():
    """A date is an ISO string with its offset; an enum is its wire value, an unknown one kept as it came."""
    created = dt.datetime(2024, 2, 6, 0, 3, 59, tzinfo=KST)
    customer_file = ma.CustomerFile(
        id=1, created_date=created, status=ma.CustomerFileStatus("ARCHIVED")
    )

    data = ma.to_data(customer_file)
    again = ma.from_data(ma.CustomerFile, data)

    assert "2024-02-06T00:03:59+09:00" == data["createdDate"]
    assert ("ARCHIVED", str) == (
        data["customerFileStatus"],
        type(data["customerFileStatus"]),
    )
    assert again.status is not None
    assert (True, "ARCHIVED") == (again.status.is_unknown, again.status.value)
    assert created == again.created_date


def test_lists_and_dicts_of_models_are_written_too():
    """A dict holding models and JSON values, as a web answer, is written all the way down."""
    files = [ma.CustomerFile(id=1), ma.CustomerFile(id=2)]

    data = ma.to_data({"files": files, "count": 2, "ids": (1, 2)})

    assert [1, 2] == [item["id"] for item in data["files"]]
    assert (2, [1, 2]) == (data["count"], data["ids"])
    assert is_json(data)


def test_the_data_is_a_copy():
    """Changing what to_data gave leaves the frozen model as it was."""
    entry = ma.CustomerFileTargeting(id=7, extra={"tags": ["a"]})
    spec = ma.AudienceSpec(
        name="x", type=ma.AudienceType.DISPLAY, customer_file_targetings=(entry,)
    )

    data = ma.to_data(spec)
    data["customerFileTargetings"][0]["tags"].append("b")

    assert {"tags": ["a"]} == entry.extra


@pytest.mark.parametrize(
    ("value", "names", "fragment"),
    [
        pytest.param(object(), "wire", "got object", id="not-a-model"),
        pytest.param({1: "x"}, "wire", "keys are strings", id="int-key"),
        pytest.param(ma.CustomerFile(id=1), "camel", 'names must be "wire" or "python"', id="bad-names"),
    ],
)  # fmt: skip
def test_to_data_refuses_what_is_not_json(value, names, fragment):
    """to_data refuses objects that are neither models nor JSON, and an unknown naming."""
    with pytest.raises(ma.ValidationError) as info:
        ma.to_data(value, names=names)

    assert fragment in str(info.value)


SPEC = {"name": "buyers", "type": "DISPLAY"}


def spec_of(**fields: object) -> ma.AudienceSpec:
    """
    Return the spec from_data reads from SPEC with *fields* added.
    """
    return ma.from_data(ma.AudienceSpec, {**SPEC, **fields})


def refusal(cls: Any, data: object) -> str:
    """
    Return the message of the ValidationError from_data raises for *data*.
    """
    with pytest.raises(ma.ValidationError) as info:
        ma.from_data(cls, data)
    return str(info.value)


def test_snake_case_keys_are_read():
    """age_type and ages in snake_case give a NOT_ALL spec: they are not dropped for the defaults."""
    spec = spec_of(age_type="NOT_ALL", ages=["20", "25"])

    assert (ma.SelectionType.NOT_ALL, ("20", "25")) == (spec.age_type, spec.ages)


def test_both_spellings_read_alike_at_every_level():
    """camelCase, snake_case and the documents' own variants read into the same spec, nested entries too."""
    camel = spec_of(
        locationType="AREA",
        depth2Locations=[{"value": "B7222", "depth1Name": "경기도"}],
        customerFileTargetings=[{"id": 7, "exclude": False}],
    )
    snake = spec_of(
        location_type="AREA",
        depth2_locations=[{"value": "B7222", "depth1_name": "경기도"}],
        customer_file_targetings=[{"id": 7, "exclude": False}],
    )
    documents = spec_of(
        locationType="AREA",
        depth2locations=[{"value": "B7222", "depth1Name": "경기도"}],
        customerFileTargetings=[{"id": 7, "exclude": False}],
    )

    assert camel == snake == documents
    assert ("경기도", 7) == (
        camel.depth2_locations[0].depth1_name,
        camel.customer_file_targetings[0].id,
    )


@pytest.mark.parametrize(
    ("key", "suggested"),
    [
        pytest.param("customer_file_targeting", "customer_file_targetings", id="snake"),
        pytest.param("customerFileTargeting", "customerFileTargetings", id="camel"),
        pytest.param("CustomerFileTargetings", "customerFileTargetings", id="case"),
        pytest.param("agetype", "ageType", id="lower"),
    ],
)
def test_an_unknown_key_is_refused_with_the_nearest_known_one(key, suggested):
    """A key the spec does not know is refused, named, with the nearest known key in the caller's style."""
    message = refusal(ma.AudienceSpec, {**SPEC, key: [{"id": 7}]})

    assert f"unknown key {key!r}; did you mean {suggested!r}?" in message


def test_an_unknown_key_far_from_any_lists_the_known_ones():
    """A key near no known one is refused with the list of known keys."""
    message = refusal(ma.AudienceSpec, {**SPEC, "zzz": 1})

    assert "unknown key 'zzz'; the known keys are name, type, ageType," in message


def test_an_unknown_nested_key_names_where_it_sits():
    """An unknown key inside a location entry names the entry's path."""
    data = {
        **SPEC,
        "locationType": "AREA",
        "depth3Locations": [{"value": "A"}, {"valeu": "B"}],
    }

    message = refusal(ma.AudienceSpec, data)

    assert "unknown key 'valeu' in depth3Locations[1]; did you mean 'value'?" in message


def test_two_spellings_of_one_field_are_refused():
    """ageType and age_type in one mapping are refused, both named."""
    message = refusal(
        ma.AudienceSpec, {**SPEC, "ageType": "ALL", "age_type": "NOT_ALL"}
    )

    assert "'ageType' and 'age_type' are two spellings of age_type" in message


def test_a_targeting_keeps_the_fields_the_sdk_does_not_type():
    """A targeting entry's other keys go to extra, beside id or under "extra", as to_data writes them."""
    spec = spec_of(
        customerFileTargetings=[{"id": 7, "size": 3}],
        cohortTargetings=[{"id": 8, "extra": {"kind": "click"}}],
    )

    assert {"size": 3} == spec.customer_file_targetings[0].extra
    assert {"kind": "click"} == spec.cohort_targetings[0].extra


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"ages": ["20"]},
            "spec.ages is ['20'], but spec.ageType is not set, so it is ALL (every age), "
            "which takes no list: give spec.ageType NOT_ALL",
            id="camel-default",
        ),
        pytest.param(
            {"ages": ["20"], "gender_type": "ALL"},
            "spec.ages is ['20'], but spec.age_type is not set, so it is ALL",
            id="snake-default",
        ),
        pytest.param(
            {"ageType": None, "ages": ["20"]},
            "spec.ageType is not set, so it is ALL",
            id="null-default",
        ),
        pytest.param(
            {"age_type": "ALL", "ages": ["20"]},
            "spec.age_type is ALL, so spec.ages must be empty (got ['20'])",
            id="given-all",
        ),
        pytest.param(
            {"depth2Locations": [{"value": "B7222"}]},
            "spec.depth2Locations is set, but spec.locationType is not set, so it is ALL",
            id="locations-default",
        ),
        pytest.param(
            {"type": "MESSAGE", "customerFileTargetings": [{"id": 7}]},
            "spec.customerFileTargetings is not allowed for a MESSAGE audience",
            id="rule-in-wire-names",
        ),
    ],
)
def test_rule_messages_speak_of_what_was_given(fields, message):
    """A broken rule is told with the keys as written, and a field left out is said to be not set."""
    assert message in refusal(ma.AudienceSpec, {**SPEC, **fields})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param({"type": "DISPLAY"}, "AudienceSpec: 'name' is required", id="missing-name"),
        pytest.param({**SPEC, "name": None}, "'name' is required and may not be null", id="null-name"),
        pytest.param({**SPEC, "ages": "20"}, "AudienceSpec: ages: expected an array of strings, got str", id="ages-str"),
        pytest.param({**SPEC, "customerFileTargetings": [{"id": "x"}]}, "customerFileTargetings[0].id: expected an integer", id="bad-id"),
        pytest.param({**SPEC, "locations": {"value": "E"}}, "locations: expected an array, got dict", id="locations-object"),
        pytest.param({**SPEC, "locations": ["E"]}, "locations[0]: expected an object, got str", id="location-str"),
        pytest.param(["buyers"], "AudienceSpec: expected an object, got list", id="not-an-object"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_shape_are_refused_where_they_sit(data, fragment):
    """A missing, null or ill-typed value is refused with its path."""
    assert fragment in refusal(ma.AudienceSpec, data)


def test_a_list_names_the_entry_at_fault():
    """Reading a list, a refusal names the entry's index."""
    message = refusal(
        list[ma.CustomerFile], [{"id": 1}, {"id": 2, "stauts": "COMPLETE"}]
    )

    assert (
        "list[CustomerFile]: unknown key 'stauts' in [1]; did you mean 'status'?"
        in message
    )


def test_a_spec_in_a_list_is_checked_with_its_index():
    """The rules of each spec of a list are checked, the message naming the entry."""
    message = refusal(list[ma.AudienceSpec], [SPEC, {**SPEC, "ages": ["20"]}])

    assert message.startswith("list[AudienceSpec]: [1]: spec.ages is ['20']")


@pytest.mark.parametrize(
    "cls",
    [
        pytest.param(dict, id="dict"),
        pytest.param(ma.AudienceType, id="enum"),
        pytest.param(list[int], id="list-of-int"),
        pytest.param(ma.MomentClient, id="client"),
    ],
)
def test_from_data_reads_only_models(cls):
    """A class that is not a model (or a list of one) is refused."""
    assert "from_data() reads a model of moment_async.models" in refusal(cls, {})


def test_an_audience_reads_back_as_its_spec():
    """An audience as to_data wrote it reads as the spec that would make it again; answer-only fields are passed over."""
    audience = ma.Audience(
        id=5,
        ad_account_id=1000,
        name="buyers",
        type=ma.AudienceType.DISPLAY,
        status=ma.AudienceStatus.AVAILABLE,
        population_score=100,
        created_date=dt.datetime(2024, 1, 1, tzinfo=KST),
        age_type=ma.SelectionType.NOT_ALL,
        ages=("20",),
        gender_type=ma.SelectionType.ALL,
        location_type=ma.LocationType.ALL,
        ufo_deprecated_interests=("I01",),
        customer_file_targetings=(ma.CustomerFileTargeting(id=7),),
    )

    spec = ma.from_data(ma.AudienceSpec, ma.to_data(audience))

    assert (
        ma.AudienceSpec(
            name="buyers",
            type=ma.AudienceType.DISPLAY,
            age_type=ma.SelectionType.NOT_ALL,
            ages=("20",),
            customer_file_targetings=(ma.CustomerFileTargeting(id=7),),
        )
        == spec
    )


def test_response_models_refuse_unknown_keys_too():
    """from_data is strict for every model: a typo in cached data is refused, not dropped."""
    message = refusal(ma.CustomerFile, {"id": 1, "populationscore": 5})

    assert "unknown key 'populationscore'; did you mean 'populationScore'?" in message
