"""
Every shape the two APIs send or take, as frozen attrs classes: their one home.

``moment_async`` re-exports each of them under the same name, and
``moment_async.CustomerFile is moment_async.models.CustomerFile``: one class,
two spellings of its import, never a copy that could drift. Turn them into
JSON-ready data and back with ``moment_async.to_data`` and
``moment_async.from_data``.
"""

from __future__ import annotations

from ._shared import (
    AdGroup,
    AdGroupAndCampaign,
    AdGroupType,
    BulkDeleteResult,
    Campaign,
    CampaignType,
    CampaignTypeGoal,
    Goal,
)
from ._wire_enum import WireEnum
from .audiences import (
    Audience,
    AudienceAdGroup,
    AudienceSpec,
    AudienceStatus,
    AudienceSummary,
    AudienceType,
    CohortTargeting,
    CustomerFileTargeting,
    Depth2Location,
    Depth3Location,
    Location,
    LocationType,
    SelectionType,
    SyncAppTargeting,
    TalkChannelGroupTargeting,
    TalkChannelTargeting,
    Targeting,
    TrackerTargeting,
)
from .customer_files import (
    CustomerFile,
    CustomerFileStatus,
    CustomerFileUpload,
    FileType,
    RegistrationType,
    TransformStatus,
)

__all__ = [
    "AdGroup",
    "AdGroupAndCampaign",
    "AdGroupType",
    "Audience",
    "AudienceAdGroup",
    "AudienceSpec",
    "AudienceStatus",
    "AudienceSummary",
    "AudienceType",
    "BulkDeleteResult",
    "Campaign",
    "CampaignType",
    "CampaignTypeGoal",
    "CohortTargeting",
    "CustomerFile",
    "CustomerFileStatus",
    "CustomerFileTargeting",
    "CustomerFileUpload",
    "Depth2Location",
    "Depth3Location",
    "FileType",
    "Goal",
    "Location",
    "LocationType",
    "RegistrationType",
    "SelectionType",
    "SyncAppTargeting",
    "TalkChannelGroupTargeting",
    "TalkChannelTargeting",
    "Targeting",
    "TrackerTargeting",
    "TransformStatus",
    "WireEnum",
]
