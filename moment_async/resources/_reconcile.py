"""
Creates that never happen twice: what to do when a create fails ambiguously.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Protocol, TypeVar

from .._errors import AmbiguousWriteError, MomentError, ServerError, TransportError

T = TypeVar("T")
#: Kakao's code for "under maintenance": the call was refused, not done.
_MAINTENANCE: Final = -9798
_log: Final = logging.getLogger("moment_async")

#: How far behind ours Kakao's clock may be when a creation time is matched,
#: and how coarse its dates are (to the second, or the minute in some answers).
CLOCK_SKEW: Final = dt.timedelta(minutes=2)


class Created(Protocol):
    """
    What a listed customer file or audience offers for matching.
    """

    @property
    def id(self) -> int: ...  # a protocol member

    @property
    def name(self) -> str | None: ...  # a protocol member

    @property
    def created_date(self) -> dt.datetime | None: ...  # a protocol member


C = TypeVar("C", bound=Created)


def is_ambiguous(error: BaseException) -> bool:
    """
    Whether *error* leaves it unknown if a create happened.

    A transport failure after the request may have gone out is ambiguous,
    and so is a 5xx (a gateway may answer 502 or 504 after Kakao did the
    work; a 500 may come after part of it) unless Kakao says it was down
    for maintenance (code -9798). A refusal (4xx, 429) or a failure before
    sending is not.
    """
    if isinstance(error, TransportError):
        return error.maybe_sent
    return isinstance(error, ServerError) and error.code != _MAINTENANCE


def newest_match(listed: Iterable[C], name: str, since: dt.datetime) -> C | None:
    """
    Return the newest of *listed* named *name* and created at *since* or later.
    """
    matches = [
        item
        for item in listed
        if item.name == name
        and item.created_date is not None
        and item.created_date >= since
    ]
    if not matches:
        return None
    return max(matches, key=lambda item: (item.created_date, item.id))


async def create_once(
    call: str,
    name: str,
    send: Callable[[], Awaitable[T]],
    find: Callable[[dt.datetime], Awaitable[T | None]],
    *,
    reconcile: bool,
) -> T:
    """
    Run the create *send*; never send it again after an ambiguous failure.

    With *reconcile*, an ambiguous failure is followed by *find*, which
    lists the account for an object named *name* created since the call
    began (less ``CLOCK_SKEW``); what it finds is returned. Otherwise, or
    when nothing is found, ``AmbiguousWriteError`` is raised from the
    original error. Failures that prove nothing was created propagate as
    they are (the retry policy already sent those again when it could).
    """
    began = dt.datetime.now(dt.UTC)
    try:
        return await send()
    except (TransportError, ServerError) as exc:
        if not is_ambiguous(exc):
            raise
        failure = f"{call} of {name!r} failed after its request may have reached Kakao ({exc})"
        if not reconcile:
            msg = (
                f"{failure}. It was not sent again: the account may or may not "
                "hold it now. Pass reconcile=True to have the client look for "
                "it, or list the account before trying again."
            )
            raise AmbiguousWriteError(msg, call, name) from exc
        try:
            found = await find(began - CLOCK_SKEW)
        except MomentError as listing:
            msg = (
                f"{failure}, and listing the account to look for it failed too "
                f"({listing}). It was not sent again."
            )
            raise AmbiguousWriteError(msg, call, name) from exc
        if found is None:
            msg = (
                f"{failure}. The account holds nothing by that name created since "
                f"{began:%Y-%m-%d %H:%M:%S} UTC, but Kakao may still be processing "
                "it, so it was not sent again: list the account later before "
                "trying again."
            )
            raise AmbiguousWriteError(msg, call, name, reconciled=True) from exc
        _log.info(
            "%s of %r failed ambiguously (%s); found what it created in the listing",
            call,
            name,
            type(exc).__name__,
        )
        return found
