"""
Polling a customer file or an audience until Kakao has finished processing it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from .._errors import ResourceFailedError, WaitTimeoutError, bounded_text
from .._validate import check_seconds

T = TypeVar("T")


async def wait_for_status(
    fetch: Callable[[], Awaitable[T]],
    status_of: Callable[[T], str | None],
    *,
    ready: Collection[str] | None = None,
    pending: Collection[str] | None = None,
    failed: Collection[str],
    what: str,
    max_wait: object,
    poll_interval: object,
    spacing: float = 0.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """
    Call *fetch* every *poll_interval* seconds until the status is settled.

    Give either *ready*, the statuses that end the wait (any other one,
    unknown ones and none included, means "poll again"), or *pending*, the
    statuses to wait through (any other one ends the wait, unknown ones
    included; no status at all means "poll again"). A status in *failed*
    raises ``ResourceFailedError`` either way. *max_wait* bounds the whole
    wait, polls included: past it the poll in flight is cancelled and
    ``WaitTimeoutError`` is raised. Errors of a poll itself (a
    ``NotFoundError``, a ``RequestTimeoutError`` of one call, which its own
    per-call timeout bounds) propagate. Polls start at least *spacing*
    seconds apart whatever *poll_interval* says: the rate limit of the
    call *fetch* makes, so that a poll finds its slot free instead of
    waiting for it within its own timeout. *what* names the object in
    messages (``"customer file 7"``). *sleep* waits between polls: the
    session's, which closing the client ends.
    """
    if (ready is None) == (pending is None):
        msg = "give either ready or pending statuses"
        raise TypeError(msg)

    def settled(status: str | None) -> bool:
        if ready is not None:
            return status in ready
        return status is not None and status not in (pending or ())

    total = check_seconds(max_wait, "max_wait")
    interval = max(check_seconds(poll_interval, "poll_interval"), spacing)
    loop = asyncio.get_running_loop()
    started = loop.time()
    last: T | None = None
    scope = asyncio.timeout(total)
    try:
        async with scope:
            # Bounded twice: by the deadline, and by the polls that fit in it
            # (a poll that waits for its rate-limit slot only makes fewer fit).
            # The deadline comes first: the polls that fit take longer.
            for _ in range(int(total // interval) + 2):  # pragma: no branch
                polled_at = loop.time()
                last = await fetch()
                status = status_of(last)
                if status in failed:
                    msg = f"{what} ended in {status}"
                    raise ResourceFailedError(msg, last, str(status))
                if settled(status):
                    return last
                await sleep(max(0.0, polled_at + interval - loop.time()))
    except TimeoutError:
        # A poll's own timeout (its RequestTimeoutError, or one the token
        # provider raised) is a TimeoutError too: only the wait's is ours.
        if not scope.expired():
            raise
    waited = loop.time() - started
    # An unknown status is the server's text, of any length.
    shown = (
        "no answer" if last is None else f"still {bounded_text(str(status_of(last)))}"
    )
    msg = f"{what} was not ready within max_wait={total:g} s ({shown})"
    raise WaitTimeoutError(msg, last, waited)
