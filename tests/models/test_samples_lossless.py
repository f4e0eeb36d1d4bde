"""
Every sample response of the two documents decodes without losing a field.

Each sample is decoded into the model its call returns, encoded back with
the documented wire names, and compared with the sample key by key: every
non-null value the API sent is found again, in its documented spelling.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import moment_async as ma
from moment_async._convert import _WIRE_NAMES, KST, make_converter
from tests.conftest import load_fixture
from tests.models._decoding import as_date

SAMPLES = [
    pytest.param("customer_files.list", list[ma.CustomerFile], None, id="customer_files.list"),
    pytest.param("customer_files.get", ma.CustomerFile, None, id="customer_files.get"),
    pytest.param("customer_files.upload", ma.CustomerFileUpload, None, id="customer_files.upload"),
    pytest.param("customer_files.register_url", ma.CustomerFile, None, id="customer_files.register_url"),
    pytest.param("customer_files.replace_files", ma.CustomerFileUpload, None, id="customer_files.replace_files"),
    pytest.param("customer_files.replace_url", ma.CustomerFile, None, id="customer_files.replace_url"),
    pytest.param("customer_files.rename", ma.CustomerFile, None, id="customer_files.rename"),
    pytest.param("customer_files.delete_many", ma.BulkDeleteResult, None, id="customer_files.delete_many"),
    pytest.param("customer_files.usage", list[ma.AdGroupAndCampaign], None, id="customer_files.usage"),
    pytest.param("audiences.list", list[ma.AudienceSummary], "content", id="audiences.list"),
    pytest.param("audiences.get", ma.Audience, None, id="audiences.get"),
    pytest.param("audiences.create", ma.Audience, None, id="audiences.create"),
    pytest.param("audiences.update", ma.Audience, None, id="audiences.update"),
    pytest.param("audiences.delete_many", ma.BulkDeleteResult, None, id="audiences.delete_many"),
    pytest.param("audiences.ad_groups", list[ma.AudienceAdGroup], "content", id="audiences.ad_groups"),
]  # fmt: skip

#: Alternative spelling -> documented spelling, from the converter's own table.
ALIASES = {alt: names[0] for names in _WIRE_NAMES.values() for alt in names[1:]}


def normalise(value: Any) -> Any:
    """
    Drop nulls, use documented spellings and parse dates, so both sides compare.
    """
    if isinstance(value, dict):
        return {
            ALIASES.get(key, key): normalise(item)
            for key, item in value.items()
            if item is not None and item != ""
        }
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return as_date(value)


@pytest.mark.parametrize(("name", "kind", "envelope"), SAMPLES)
def test_sample_decodes_without_loss(name, kind, envelope):
    """Decoding then encoding a sample gives back every value it held."""
    sample = load_fixture(name)
    if envelope is not None:
        sample = sample[envelope]
    converter = make_converter()

    decoded = converter.structure(sample, kind)
    encoded = converter.unstructure(decoded)

    assert normalise(sample) == normalise(encoded)


def test_customer_file_detail_field_by_field():
    """The detail sample gives the documented values, typed."""
    sample = load_fixture("customer_files.get")

    result = make_converter().structure(sample, ma.CustomerFile)

    assert (
        ma.CustomerFile(
            id=2656,
            ad_account_id=27429,
            name="고객파일 등록",
            adid_list_key="c8010decafde484eb33284b53a290c30",
            status=ma.CustomerFileStatus.MODIFYING,
            population_score=7170,
            ready=True,
            created_date=dt.datetime(2024, 2, 6, 0, 3, 59, tzinfo=KST),
            last_modify_request_date=dt.datetime(2024, 2, 6, 15, 35, 44, tzinfo=KST),
            original_created_date=dt.datetime(2024, 2, 5, 16, 58, 20, tzinfo=KST),
            population_update_date=dt.datetime(2024, 2, 6, 1, 34, tzinfo=KST),
            type=ma.RegistrationType.URL,
            source_url="*****valid1.csv",
            renewable=True,
            renewal_expire_date_time=dt.datetime(2024, 5, 6, 0, 3, 58, tzinfo=KST),
            transform_status=ma.TransformStatus.COMPLETED,
            transform_date_time=dt.datetime(2024, 2, 6, 0, 16, 19, tzinfo=KST),
        )
        == result
    )


def test_upload_sample_reads_create_date_and_seconds():
    """The upload sample's "createDate" with seconds fills created_date."""
    sample = load_fixture("customer_files.upload")

    result = make_converter().structure(sample, ma.CustomerFileUpload)

    assert (
        ma.CustomerFileUpload(
            id=1,
            ad_account_id=1234,
            name="first_customer_file",
            success_count=100,
            failed_count=0,
            success_file_url="",
            file_type=ma.FileType.ADID,
            status=ma.CustomerFileStatus.WAITING,
            created_date=dt.datetime(2020, 1, 1, tzinfo=KST),
        )
        == result
    )


def test_audience_create_sample_reads_misspellings():
    """The create sample's depth2locations and desrciption land in the documented fields."""
    sample = load_fixture("audiences.create")

    result = make_converter().structure(sample, ma.Audience)

    assert (
        ma.Depth2Location(
            value="B7222",
            description="경기도 여주시",
            depth1_name="경기도",
            depth2_name="여주시",
        ),
        ma.Depth2Location(
            value="I1009",
            description="서울특별시 도봉구",
            depth1_name="광주광역시",
            depth2_name="도봉구",
        ),
    ) == result.depth2_locations
    assert "강원도 삼척시 원덕읍" == result.depth3_locations[0].description
    assert (("15", "20"), ("M",)) == (result.ages, result.genders)


def test_edit_by_url_sample_reads_status_and_extras():
    """The edit-by-URL sample's "status" and its extra fields are kept."""
    sample = load_fixture("customer_files.replace_url")

    result = make_converter().structure(sample, ma.CustomerFile)

    assert (ma.CustomerFileStatus.WAITING, 0, "*****e-file.csv", ma.CustomerFileStatus.WAITING) == (
        result.status, result.version, result.masked_source_url, result.modify_status,
    )  # fmt: skip
    assert (
        dt.datetime(2024, 1, 31, 18, 24, 32, 234037, tzinfo=KST)
        == result.last_modified_date
    )


def test_unknown_values_and_fields_do_not_break_decoding():
    """A new status is kept as UNKNOWN, new fields are ignored, nulls give defaults."""
    data = {
        "id": 1,
        "audienceStatus": "ARCHIVED",
        "brandNewField": [1],
        "ages": None,
        "createdDate": None,
    }

    result = make_converter().structure(data, ma.Audience)

    assert result.status is not None
    assert (True, "ARCHIVED") == (result.status.is_unknown, result.status.value)
    assert ((), None) == (result.ages, result.created_date)
