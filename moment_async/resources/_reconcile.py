"""
Creates that never happen twice: what to do when a create fails ambiguously.

A create is sent again only by the retry policy, and only when its request
surely never left the client (no connection could be opened). Once the
request may have reached Kakao it is never sent again: the outcome is
either found in the account's listing (``reconcile=True``) or reported by
``AmbiguousWriteError``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Protocol, TypeVar

from .._errors import (
    AmbiguousWriteError,
    DecodeError,
    MomentError,
    ServerError,
    TransportError,
)

T = TypeVar("T")
#: Kakao's code for "under maintenance": the call was refused, not done.
_MAINTENANCE: Final = -9798
_log: Final = logging.getLogger("moment_async")


class Created(Protocol):
    """
    What a listed customer file or audience offers for matching.
    """

    @property
    def id(self) -> int: ...  # a protocol member

    @property
    def name(self) -> str | None: ...  # a protocol member


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


def new_matches(listed: Iterable[C], name: str, known: frozenset[int]) -> list[C]:
    """
    Return the items of *listed* named *name* whose id is not in *known*.
    """
    return [item for item in listed if item.name == name and item.id not in known]


async def create_once(
    call: str,
    name: str,
    send: Callable[[], Awaitable[T]],
    listing: Callable[[], Awaitable[Iterable[C]]],
    result: Callable[[C], Awaitable[T]],
    *,
    reconcile: bool,
) -> T:
    """
    Run the create *send*; never send it again once it may have reached Kakao.

    With *reconcile*, *listing* runs once before *send* to note the ids the
    account already holds (one extra list call per create). After an
    ambiguous failure, or a success answer that could not be decoded, it
    runs again: the one object named *name* with an id not seen before is
    taken for this call's, and ``result(object)`` is returned (if this
    create did not happen and another client made one of that name
    meanwhile, that one is returned: the listing cannot tell them apart).
    When no such object is there, when several are (another process
    created one with the same name meanwhile), or when the listing or the
    fetch of the object fails, ``AmbiguousWriteError`` is
    raised from the create's error. Without *reconcile* it is raised at
    once. The create is never sent again here, not even when nothing is
    found: Kakao may still be processing it.

    Failures that prove nothing was created propagate as they are (the
    retry policy already sent those again when it could), and so does a
    failure of the first listing, before which nothing was sent.
    """
    known: frozenset[int] | None = None
    if reconcile:
        try:
            known = frozenset(item.id for item in await listing())
        except MomentError as exc:
            exc.add_note(
                f"{call} of {name!r} was not sent: listing the account before it "
                "(reconcile=True) failed."
            )
            raise
    error: MomentError
    try:
        return await send()
    except DecodeError as exc:
        error = exc
        failure = (
            f"{call} of {name!r} was answered HTTP {exc.status}, a success, "
            f"but the answer could not be read ({exc}): Kakao most likely "
            "created it"
        )
    except (TransportError, ServerError) as exc:
        if not is_ambiguous(exc):
            raise
        error = exc
        failure = (
            f"{call} of {name!r} failed after its request may have reached "
            f"Kakao ({exc})"
        )
    if known is None:
        msg = (
            f"{failure}. It was not sent again: the account may hold it now. "
            "Pass reconcile=True to have the client look for it, or list the "
            "account before trying again."
        )
        raise AmbiguousWriteError(msg, call, name) from error
    return await _reconcile(call, name, failure, error, known, listing, result)


async def _reconcile(
    call: str,
    name: str,
    failure: str,
    error: MomentError,
    known: frozenset[int],
    listing: Callable[[], Awaitable[Iterable[C]]],
    result: Callable[[C], Awaitable[T]],
) -> T:
    """
    Return what the failed create made, found by *listing*, or raise.
    """
    try:
        candidates = new_matches(await listing(), name, known)
    except MomentError as listed:
        msg = (
            f"{failure}, and listing the account to look for it failed too "
            f"({listed}). It was not sent again."
        )
        raise AmbiguousWriteError(msg, call, name) from error
    try:
        found = await result(candidates[0]) if len(candidates) == 1 else None
    except MomentError as fetched:
        msg = (
            f"{failure}. The listing shows one new object by that name "
            f"(id {candidates[0].id}), but fetching it failed ({fetched}). "
            "It was not sent again."
        )
        raise AmbiguousWriteError(msg, call, name, reconciled=True) from error
    if len(candidates) > 1:
        ids = ", ".join(str(item.id) for item in candidates)
        msg = (
            f"{failure}. The account now holds {len(candidates)} new objects "
            f"by that name (ids {ids}): another client created one meanwhile, "
            "and which one this call made cannot be told. It was not sent again."
        )
        raise AmbiguousWriteError(msg, call, name, reconciled=True) from error
    if found is None:
        msg = (
            f"{failure}. The account holds nothing new by that name, but Kakao "
            "may still be processing it. It was not sent again: list the "
            "account later before trying again."
        )
        raise AmbiguousWriteError(msg, call, name, reconciled=True) from error
    _log.info(
        "%s of %r failed (%s); found what it created in the listing",
        call,
        name,
        type(error).__name__,
    )
    return found
