"""
The handlers of the 8 audience calls.

Each takes an authenticated ``Call`` and returns the JSON to answer with
200 (``None`` for an empty body), or raises a ``SandboxError``. No rate
limit is documented for these calls, so none is enforced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Final

from . import _render as render
from ._bulk import bulk_delete
from ._errors import ACCOUNT_MISMATCH, AUDIENCE_IN_USE, BAD_REQUEST, NOT_LINKED
from ._request import Call, int_field
from ._rules import AudienceSettings, check_audience
from ._state import AudienceRecord


def _settings(call: Call, body: Mapping[str, object]) -> AudienceSettings:
    if body.get("adAccountId") is None:
        msg = "adAccountId가 필요합니다."
        raise BAD_REQUEST.error(msg)
    if int_field(body, "adAccountId") != call.account_id:
        raise ACCOUNT_MISMATCH.error()
    settings = check_audience(body)
    for file_id in settings.customer_file_ids:
        call.state.find_file(call.account_id, file_id)
    return settings


async def list_audiences(call: Call) -> object:
    """
    GET /targetings/audiences: ``{"content": [summary, ...]}``.
    """
    state, clock = call.state, call.env.clock
    return {
        "content": [
            render.audience_summary(a, state, clock)
            for a in state.audiences(call.account_id)
        ]
    }


async def get_audience(call: Call) -> object:
    """
    GET /targetings/{id}: one audience with its settings.
    """
    record = call.state.find_audience(call.account_id, call.path_id())
    return render.audience(record, call.state, call.env.clock)


async def create(call: Call) -> object:
    """
    POST /targetings: a new audience, STANDBY until the processing delay passes.
    """
    settings = _settings(call, await call.json())
    record = AudienceRecord(
        id=call.state.new_audience_id(),
        account_id=call.account_id,
        settings=settings,
        created_at=call.now,
        modified_at=call.now,
        ready_at=call.now + call.env.processing_delay,
    )
    call.state.add_audience(record)
    return render.audience(record, call.state, call.env.clock, sample_spelling=True)


async def update(call: Call) -> object:
    """
    PUT /targetings (JSON with ``id``): new settings; STANDBY again for the delay.
    """
    body = await call.json()
    record = call.state.find_audience(call.account_id, int_field(body, "id"))
    record.settings = _settings(call, body)
    record.modified_at = call.now
    record.ready_at = call.now + call.env.processing_delay
    record.population = None
    return render.audience(record, call.state, call.env.clock, sample_spelling=True)


async def delete(call: Call) -> None:
    """
    DELETE /targetings/{id}: refused while an ad group uses the audience.
    """
    record = call.state.find_audience(call.account_id, call.path_id())
    if call.state.ad_groups_using_audience(record.id):
        raise AUDIENCE_IN_USE.error()
    call.state.remove_audience(record)


async def delete_many(call: Call) -> object:
    """
    DELETE /targetings?audienceIds=1,2: each id succeeds or fails on its own.
    """
    state = call.state
    return bulk_delete(
        call,
        call.query_ids("audienceIds"),
        kind="audience",
        find=state.audience,
        refuse=lambda r: (
            AUDIENCE_IN_USE if state.ad_groups_using_audience(r.id) else None
        ),
        remove=state.remove_audience,
        gone="이미 삭제된 오디언스입니다.",
        missing="존재하지 않는 오디언스입니다.",
    )


async def ad_groups(call: Call) -> object:
    """
    GET /targetings/{id}/adGroups: ``{"content": [ad group, ...]}``.
    """
    record = call.state.find_audience(call.account_id, call.path_id())
    return {
        "content": [
            render.audience_ad_group(g)
            for g in call.state.ad_groups_using_audience(record.id)
        ]
    }


async def unlink(call: Call) -> None:
    """
    PUT /targetings/{id}/unlink?adGroupId=N: the ad group stops using the audience.
    """
    record = call.state.find_audience(call.account_id, call.path_id())
    group = call.state.find_ad_group(call.account_id, call.query_int("adGroupId"))
    if record.id not in group.audience_ids:
        raise NOT_LINKED.error()
    group.audience_ids.discard(record.id)


HANDLERS: Final[Mapping[str, Callable[[Call], Awaitable[object]]]] = MappingProxyType(
    {
        "audiences.list": list_audiences,
        "audiences.get": get_audience,
        "audiences.create": create,
        "audiences.update": update,
        "audiences.delete": delete,
        "audiences.delete_many": delete_many,
        "audiences.ad_groups": ad_groups,
        "audiences.unlink": unlink,
    }
)
