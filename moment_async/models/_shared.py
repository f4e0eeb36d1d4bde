"""
Response shapes that both API groups return.
"""

from __future__ import annotations

import attrs

from ._wire_enum import WireEnum


class CampaignType(WireEnum):
    """
    A campaign's type, as far as the documents show them.
    """

    DISPLAY = "DISPLAY"
    TALK_BIZ_BOARD = "TALK_BIZ_BOARD"


class Goal(WireEnum):
    """
    A campaign's goal, as far as the documents show them.
    """

    VISITING = "VISITING"


class AdGroupType(WireEnum):
    """
    An ad group's type.
    """

    DISPLAY = "DISPLAY"
    DIRECT_MESSAGE = "DIRECT_MESSAGE"


@attrs.frozen(kw_only=True)
class BulkDeleteResult:
    """
    What a bulk delete did: counts, and the API's (Korean) reasons for failures.
    """

    success_count: int = 0
    fail_count: int = 0
    error_messages: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class CampaignTypeGoal:
    """
    A campaign's type and goal pair.
    """

    campaign_type: CampaignType | None = None
    goal: Goal | None = None


@attrs.frozen(kw_only=True)
class AdGroup:
    """
    An ad group, as the customer file usage call describes it.
    """

    id: int
    name: str | None = None
    ad_group_status: tuple[str, ...] = ()
    ad_group_type: AdGroupType | None = None


@attrs.frozen(kw_only=True)
class Campaign:
    """
    A campaign, as the customer file usage call describes it.
    """

    id: int
    name: str | None = None
    campaign_type_goal: CampaignTypeGoal | None = None


@attrs.frozen(kw_only=True)
class AdGroupAndCampaign:
    """
    One ad group that uses a customer file, with its campaign.
    """

    ad_group: AdGroup | None = None
    campaign: Campaign | None = None
