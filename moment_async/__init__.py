"""
Async Python SDK for the Kakao Moment Customer file and Audience APIs.

::

    import moment_async as ma

    async with ma.MomentClient(token="...") as client:
        acct = client.ad_account(27429)
        files = await acct.customer_files.list()

Every name a user writes is here. The models and their enums live in
``moment_async.models``, their one home; ``moment_async.CustomerFile`` is
the very same class as ``moment_async.models.CustomerFile``, re-exported
for short imports, never a copy.
"""

from __future__ import annotations

from . import adid, models, testing
from ._bulk import (
    AccountResult,
)
from ._client import (
    AdAccount,
    MomentClient,
)
from ._data import (
    from_data,
    to_data,
)
from ._errors import (
    AmbiguousWriteError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConnectError,
    DecodeError,
    EventLoopError,
    LimiterUnavailableError,
    MomentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResourceFailedError,
    ResponseTooLargeError,
    RouteNotFoundError,
    ServerError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)
from ._limits import (
    KeyedLimiter,
    Limiter,
    Rate,
)
from ._redis import (
    RedisLimiter,
)
from ._retry import (
    RetryBudget,
    RetryPolicy,
)
from ._routes import (
    Route,
    Scope,
)
from ._trace import (
    RequestEnded,
    RequestHooks,
    RequestStarted,
)
from ._transports import (
    AiohttpTransport,
    MockTransport,
    Request,
    Response,
    Timeout,
    Transport,
)
from ._types import (
    ByteSource,
    FileInput,
    ProgressCallback,
    TokenSource,
)
from ._version import (
    __version__,
)
from .models import (
    AdGroup,
    AdGroupAndCampaign,
    AdGroupType,
    Audience,
    AudienceAdGroup,
    AudienceSpec,
    AudienceStatus,
    AudienceSummary,
    AudienceType,
    BulkDeleteResult,
    Campaign,
    CampaignType,
    CampaignTypeGoal,
    CohortTargeting,
    CustomerFile,
    CustomerFileStatus,
    CustomerFileTargeting,
    CustomerFileUpload,
    Depth2Location,
    Depth3Location,
    FileType,
    Goal,
    Location,
    LocationType,
    RegistrationType,
    SelectionType,
    SyncAppTargeting,
    TalkChannelGroupTargeting,
    TalkChannelTargeting,
    Targeting,
    TrackerTargeting,
    TransformStatus,
    WireEnum,
)
from .resources import (
    Audiences,
    AudiencesWithRawResponse,
    CustomerFiles,
    CustomerFilesWithRawResponse,
    RawResponse,
)

__all__ = [
    "APIError",
    "AccountResult",
    "AdAccount",
    "AdGroup",
    "AdGroupAndCampaign",
    "AdGroupType",
    "AiohttpTransport",
    "AmbiguousWriteError",
    "Audience",
    "AudienceAdGroup",
    "AudienceSpec",
    "AudienceStatus",
    "AudienceSummary",
    "AudienceType",
    "Audiences",
    "AudiencesWithRawResponse",
    "AuthenticationError",
    "BadRequestError",
    "BulkDeleteResult",
    "ByteSource",
    "Campaign",
    "CampaignType",
    "CampaignTypeGoal",
    "ClientClosedError",
    "CohortTargeting",
    "ConnectError",
    "CustomerFile",
    "CustomerFileStatus",
    "CustomerFileTargeting",
    "CustomerFileUpload",
    "CustomerFiles",
    "CustomerFilesWithRawResponse",
    "DecodeError",
    "Depth2Location",
    "Depth3Location",
    "EventLoopError",
    "FileInput",
    "FileType",
    "Goal",
    "KeyedLimiter",
    "Limiter",
    "LimiterUnavailableError",
    "Location",
    "LocationType",
    "MockTransport",
    "MomentClient",
    "MomentError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgressCallback",
    "Rate",
    "RateLimitError",
    "RawResponse",
    "RedisLimiter",
    "RegistrationType",
    "Request",
    "RequestEnded",
    "RequestHooks",
    "RequestStarted",
    "RequestTimeoutError",
    "ResourceFailedError",
    "Response",
    "ResponseTooLargeError",
    "RetryBudget",
    "RetryPolicy",
    "Route",
    "RouteNotFoundError",
    "Scope",
    "SelectionType",
    "ServerError",
    "SyncAppTargeting",
    "TalkChannelGroupTargeting",
    "TalkChannelTargeting",
    "Targeting",
    "Timeout",
    "TokenSource",
    "TrackerTargeting",
    "TransformStatus",
    "Transport",
    "TransportError",
    "ValidationError",
    "WaitTimeoutError",
    "WireEnum",
    "__version__",
    "adid",
    "from_data",
    "models",
    "testing",
    "to_data",
]
