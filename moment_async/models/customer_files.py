"""
The shapes the Customer file API returns.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ._wire_enum import WireEnum


class CustomerFileStatus(WireEnum):
    """
    Where a customer file is in its life.

    ``WAITING`` until the target population is extracted (up to 6 hours),
    then ``COMPLETE``; ``MODIFYING`` while an edit is processed;
    ``TRANSFORM_ERROR`` when a URL's CSV could not be read.
    """

    WAITING = "WAITING"
    COMPLETE = "COMPLETE"
    DELETE = "DELETE"
    ERROR = "ERROR"
    MODIFYING = "MODIFYING"
    TRANSFORM_ERROR = "TRANSFORM_ERROR"


class TransformStatus(WireEnum):
    """
    Progress of reading the CSV behind a URL registration.
    """

    STANDBY = "STANDBY"
    COMPLETED = "COMPLETED"


class RegistrationType(WireEnum):
    """
    How a customer file was registered; it can be edited only the same way.
    """

    FILE = "FILE"
    URL = "URL"


class FileType(WireEnum):
    """
    The identifier kind in a customer file; ADID is the only documented one.
    """

    ADID = "ADID"


@attrs.frozen(kw_only=True)
class CustomerFile:
    """
    A registered customer file: list, detail, URL registration and edits.

    Dates are timezone-aware in Korea Standard Time (the API sends them
    without an offset). Fields the API sends only on some calls are ``None``
    elsewhere.
    """

    id: int
    ad_account_id: int | None = None
    name: str | None = None
    adid_list_key: str | None = None
    status: CustomerFileStatus | None = None
    population_score: int | None = None
    ready: bool | None = None
    created_date: dt.datetime | None = None
    last_modify_request_date: dt.datetime | None = None
    last_modified_date: dt.datetime | None = None
    original_created_date: dt.datetime | None = None
    population_update_date: dt.datetime | None = None
    type: RegistrationType | None = None
    file_type: FileType | None = None
    source_url: str | None = None
    masked_source_url: str | None = None
    renewable: bool | None = None
    renewal_expire_date_time: dt.datetime | None = None
    transform_status: TransformStatus | None = None
    transform_date_time: dt.datetime | None = None
    version: int | None = None
    file_url: str | None = None
    payload_file_url: str | None = None
    payload_file_upload_date: dt.datetime | None = None
    data_reg_status_targeting: str | None = None
    data_reg_status_population: str | None = None
    modify_status: CustomerFileStatus | None = None


@attrs.frozen(kw_only=True)
class CustomerFileUpload:
    """
    What a registration or edit with files answers: the counts of valid rows.
    """

    id: int
    ad_account_id: int | None = None
    name: str | None = None
    success_count: int | None = None
    failed_count: int | None = None
    success_file_url: str | None = None
    failed_file_url: str | None = None
    file_type: FileType | None = None
    status: CustomerFileStatus | None = None
    created_date: dt.datetime | None = None
