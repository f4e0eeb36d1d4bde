"""
Every public name, used as a user would: mypy --strict checks this file; pytest never runs it.

``tests/test_public_api.py`` checks that each name of ``moment_async.__all__``
is written here as ``ma.<name>`` and each of ``moment_async.models.__all__``
as ``models.<name>``: a new export cannot be forgotten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, assert_type

import moment_async as ma
from moment_async import models


async def current_token() -> str:
    """
    Return a business token, as a refreshing backend would.
    """
    return "fresh-token"


def show_progress(done: int, total: int | None) -> None:
    """
    Take progress reports of uploads, of the ADID toolkit and of bulk runs.
    """


async def chunks() -> AsyncIterator[bytes]:
    """
    Yield a CSV in pieces, as a streamed upload source.
    """
    yield b"7c3f6e2a-0b1d-4c5e-9f8a-1234567890ab\n"


async def answer(request: ma.Request) -> ma.Response:
    """
    Answer every request from memory.
    """
    return ma.testing.json_response([], status=200)


def configured() -> list[ma.MomentClient]:
    """
    Build clients with the public configuration types.
    """
    token: ma.TokenSource = current_token
    transport: ma.Transport = ma.MockTransport(answer)
    limiter: ma.Limiter = ma.KeyedLimiter(wait=False)
    hooks = ma.RequestHooks(on_start=print, on_end=print)
    client = ma.MomentClient(
        token,
        transport=transport,
        timeout=ma.Timeout(total=30, connect=5),
        retry=ma.RetryPolicy(budget=ma.RetryBudget(capacity=50)),
        limiter=limiter,
        routes={"customer_files.usage": ("GET", "/customerFiles/{id}/usages")},
        hooks=hooks,
        max_upload_bytes=200_000_000,
    )
    shared = ma.MomentClient(
        "token",
        transport=ma.AiohttpTransport(),
        limiter=ma.RedisLimiter.from_url("redis://127.0.0.1:6379/0"),
    )
    from_environment = ma.MomentClient()
    proxied = ma.MomentClient(
        "token",
        proxy="http://user:secret@proxy.internal:3128",
        trust_env=False,
        max_response_bytes=1_000_000,
    )
    direct = ma.AiohttpTransport(proxy=None, trust_env=False)
    careful = proxied.with_options(
        timeout=5,
        retry=ma.RetryPolicy.never(),
        headers={"X-Trace": "abc"},
        max_response_bytes=64_000,
    )
    assert_type(careful, ma.MomentClient)
    assert_type(ma.Rate(1, 5.0).spacing, float)
    return [
        client,
        shared,
        from_environment,
        proxied,
        careful,
        ma.MomentClient("t", transport=direct),
    ]


async def per_call_options(acct: ma.AdAccount) -> None:
    """
    Give one call its own retry policy and timeout.
    """
    files = await acct.customer_files.list(retry=ma.RetryPolicy.never(), timeout=5)
    assert_type(files, list[ma.CustomerFile])


def described(route: ma.Route) -> str:
    """
    Read a route of the table.
    """
    limited = route.scope is ma.Scope.CUSTOMER_FILE
    return f"{route.method} {route.path} {limited}"


async def raw_answers(acct: ma.AdAccount) -> None:
    """
    Read a raw answer of each group (tests/typing/raw.py uses every call).
    """
    files: ma.CustomerFilesWithRawResponse = acct.customer_files.with_raw_response
    audiences: ma.AudiencesWithRawResponse = acct.audiences.with_raw_response
    raw: ma.RawResponse[ma.CustomerFile] = await files.get(7)
    assert_type((await audiences.list()).parsed, list[ma.AudienceSummary])
    assert_type(raw.headers.get("x-request-id"), str | None)


def traced(started: ma.RequestStarted, ended: ma.RequestEnded) -> str:
    """
    Read the tracing events.
    """
    return f"{started.call} {ended.status}"


async def resources(client: ma.MomentClient) -> None:
    """
    Name the resource classes and the progress callback type.
    """
    acct: ma.AdAccount = client.ad_account(27429)
    files: ma.CustomerFiles = acct.customer_files
    audiences: ma.Audiences = acct.audiences
    progress: ma.ProgressCallback = show_progress
    source: ma.ByteSource = chunks()
    inputs: list[ma.FileInput] = ["buyers.csv", ("more.csv", source)]
    upload = await files.upload("buyers", inputs, progress=progress)
    assert_type(upload, ma.CustomerFileUpload)
    assert_type(await audiences.list(), list[ma.AudienceSummary])
    results = await client.for_each_account([1, 2], count_files, progress=progress)
    assert_type(results, list[ma.AccountResult[int]])


async def count_files(acct: ma.AdAccount) -> int:
    """
    A job of a bulk run.
    """
    return len(await acct.customer_files.list())


def every_model() -> list[object]:
    """
    Build every model and enum with its fields typed.
    """
    when = dt.datetime(2024, 2, 6, tzinfo=dt.UTC)
    goal = ma.CampaignTypeGoal(
        campaign_type=ma.CampaignType.DISPLAY, goal=ma.Goal.VISITING
    )
    usage = ma.AdGroupAndCampaign(
        ad_group=ma.AdGroup(id=1, ad_group_type=ma.AdGroupType.DISPLAY),
        campaign=ma.Campaign(id=2, campaign_type_goal=goal),
    )
    spec = ma.AudienceSpec(
        name="buyers",
        type=ma.AudienceType.DISPLAY,
        age_type=ma.SelectionType.NOT_ALL,
        ages=("20",),
        location_type=ma.LocationType.AREA,
        locations=(ma.Location(value="E"),),
        depth2_locations=(ma.Depth2Location(value="B7222"),),
        depth3_locations=(ma.Depth3Location(value="A70052424"),),
        customer_file_targetings=(ma.CustomerFileTargeting(id=1),),
        tracker_targetings=(ma.TrackerTargeting(id=2),),
        cohort_targetings=(ma.CohortTargeting(id=3),),
        talk_channel_targetings=(ma.TalkChannelTargeting(id=4),),
        sync_app_targetings=(ma.SyncAppTargeting(id=5),),
    )
    message = ma.AudienceSpec(
        name="friends",
        type=ma.AudienceType.MESSAGE,
        talk_channel_group_targetings=(ma.TalkChannelGroupTargeting(id=6),),
    )
    entry: ma.Targeting = spec.customer_file_targetings[0]
    audience = ma.Audience(id=1, status=ma.AudienceStatus.AVAILABLE, created_date=when)
    summary = ma.AudienceSummary(id=1)
    ad_group = ma.AudienceAdGroup(ad_group_id=1, campaign_type_goal=goal)
    customer_file = ma.CustomerFile(
        id=1,
        status=ma.CustomerFileStatus.COMPLETE,
        type=ma.RegistrationType.URL,
        file_type=ma.FileType.ADID,
        transform_status=ma.TransformStatus.COMPLETED,
    )
    uploaded = ma.CustomerFileUpload(id=1, success_count=100)
    deleted = ma.BulkDeleteResult(success_count=1)
    status: ma.WireEnum = ma.CustomerFileStatus("ARCHIVED")
    assert_type(status.is_unknown, bool)
    return [
        *(usage, spec, message, entry, audience, summary, ad_group),
        *(customer_file, uploaded, deleted),
    ]


def plain_data(spec: ma.AudienceSpec, files: list[ma.CustomerFile]) -> None:
    """
    Turn models into JSON-ready data and back.
    """
    one = ma.to_data(spec)
    assert_type(one, dict[str, Any])
    many = ma.to_data(files, names="python")
    assert_type(many, list[dict[str, Any]])
    assert_type(ma.from_data(ma.AudienceSpec, one), ma.AudienceSpec)
    assert_type(ma.from_data(list[ma.CustomerFile], many), list[ma.CustomerFile])


def one_home() -> list[type]:
    """
    Name every model and enum at its home, moment_async.models: the same classes.
    """
    return [
        models.AdGroup,
        models.AdGroupAndCampaign,
        models.AdGroupType,
        models.Audience,
        models.AudienceAdGroup,
        models.AudienceSpec,
        models.AudienceStatus,
        models.AudienceSummary,
        models.AudienceType,
        models.BulkDeleteResult,
        models.Campaign,
        models.CampaignType,
        models.CampaignTypeGoal,
        models.CohortTargeting,
        models.CustomerFile,
        models.CustomerFileStatus,
        models.CustomerFileTargeting,
        models.CustomerFileUpload,
        models.Depth2Location,
        models.Depth3Location,
        models.FileType,
        models.Goal,
        models.Location,
        models.LocationType,
        models.RegistrationType,
        models.SelectionType,
        models.SyncAppTargeting,
        models.TalkChannelGroupTargeting,
        models.TalkChannelTargeting,
        models.Targeting,
        models.TrackerTargeting,
        models.TransformStatus,
        models.WireEnum,
    ]


def same_class(customer_file: models.CustomerFile) -> ma.CustomerFile:
    """
    A model from the home is the top-level one to mypy as well.
    """
    return customer_file


#: What to tell people about each error, most specific first.
ERRORS: dict[type[ma.MomentError], str] = {
    ma.AmbiguousWriteError: "may have been created",
    ma.AuthenticationError: "token",
    ma.PermissionDeniedError: "permission",
    ma.RouteNotFoundError: "wrong route",
    ma.NotFoundError: "missing",
    ma.RateLimitError: "too fast",
    ma.BadRequestError: "refused",
    ma.ServerError: "server",
    ma.APIError: "API",
    ma.ConnectError: "connect",
    ma.RequestTimeoutError: "timeout",
    ma.ResponseTooLargeError: "too large",
    ma.DecodeError: "decode",
    ma.TransportError: "transport",
    ma.ResourceFailedError: "failed",
    ma.WaitTimeoutError: "waited too long",
    ma.ClientClosedError: "closed",
    ma.EventLoopError: "loop",
    ma.LimiterUnavailableError: "redis",
    ma.ValidationError: "bad input",
    ma.MomentError: "other",
}


async def errors(client: ma.MomentClient) -> str:
    """
    Catch the errors, reading the attributes of a few.
    """
    try:
        await client.ad_account(1).customer_files.wait_until_ready(7)
    except ma.RateLimitError as exc:
        assert_type(exc.retry_after, float | None)
        raise
    except ma.WaitTimeoutError as exc:
        assert_type(exc.waited, float)
        raise
    except ma.MomentError as exc:
        return next(text for cls, text in ERRORS.items() if isinstance(exc, cls))
    return "ok"


async def modules() -> str:
    """
    Reach the public modules and the version.
    """
    report = await ma.adid.validate("buyers.csv")
    assert_type(ma.models.CustomerFile, type[ma.CustomerFile])
    return f"{ma.__version__} {report}"
