"""
Bulk deletes: each id succeeds or fails on its own, with a Korean reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from . import _render as render
from ._errors import Refusal
from ._request import Call


class _Owned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def account_id(self) -> int: ...


R = TypeVar("R", bound=_Owned)


def bulk_delete(
    call: Call,
    ids: Iterable[int],
    *,
    kind: str,
    find: Callable[[int], R | None],
    refuse: Callable[[R], Refusal | None],
    remove: Callable[[R], None],
    gone: str,
    missing: str,
) -> object:
    """
    Delete what can be deleted and answer ``{successCount, failCount, errorMessages}``.

    *kind* names the record for the deleted-ids log, *refuse* says why a
    record may not go, *gone* and *missing* are the messages for an id
    deleted before and an id that never was in this account.
    """
    successes = 0
    messages: list[str] = []
    for ident in ids:
        record = find(ident)
        if record is None or record.account_id != call.account_id:
            deleted = call.state.was_deleted(kind, call.account_id, ident)
            messages.append(gone if deleted else missing)
            continue
        refusal = refuse(record)
        if refusal is not None:
            messages.append(refusal.detail_msg)
            continue
        remove(record)
        successes += 1
    return render.bulk(successes, messages)
