"""
Typed use of raw answers and route overrides: mypy checks this file; pytest never runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_type

import moment_async as ma


async def raw_answers(client: ma.MomentClient) -> None:
    """
    Read raw answers of calls of both groups, with their results typed.
    """
    acct = client.ad_account(27429)
    files: ma.CustomerFilesWithRawResponse = acct.customer_files.with_raw_response
    raw = await files.get(7, timeout=5)
    assert_type(raw, ma.RawResponse[ma.CustomerFile])
    assert_type(raw.parsed, ma.CustomerFile)
    assert_type(raw.parse(), ma.CustomerFile)
    assert_type(raw.status, int)
    assert_type(raw.headers, Mapping[str, str])
    assert_type(raw.content, bytes)
    assert_type(raw.elapsed, float)
    assert_type(raw.attempts, int)
    assert_type(raw.method, str)
    assert_type(raw.path, str)
    assert_type(raw.request_id, str | None)
    listed = await files.list()
    assert_type(listed.parsed, list[ma.CustomerFile])
    upload = await files.upload("buyers", ["buyers.csv"], reconcile=True)
    assert_type(upload, ma.RawResponse[ma.CustomerFileUpload])
    deleted = await files.delete(7)
    assert_type(deleted.parsed, None)
    used = await files.usage(7)
    assert_type(used.parsed, list[ma.AdGroupAndCampaign])

    audiences: ma.AudiencesWithRawResponse = acct.audiences.with_raw_response
    created = await audiences.create(
        ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)
    )
    assert_type(created, ma.RawResponse[ma.Audience])
    groups = await audiences.ad_groups(created.parsed.id)
    assert_type(groups.parsed, list[ma.AudienceAdGroup])
    unlinked = await audiences.unlink(created.parsed.id, 3)
    assert_type(unlinked, ma.RawResponse[None])


async def wrong_routes() -> None:
    """
    Override a route, read the table, and catch a wrong route.
    """
    async with ma.MomentClient(
        "token",
        routes={"customer_files.usage": ("GET", "/customerFiles/{id}/usages")},
    ) as client:
        route: ma.Route = client.routes["customer_files.usage"]
        assert_type(route.scope, ma.Scope | None)
        try:
            await client.ad_account(1).customer_files.usage(7)
        except ma.RouteNotFoundError as exc:
            assert_type(exc.override, str)
            assert_type(exc.call, str)
            assert_type(exc.method, str)
            assert_type(exc.path, str)
            assert_type(exc.status, int)
