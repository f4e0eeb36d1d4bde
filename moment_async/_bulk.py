"""
Running one coroutine per ad account with bounded concurrency, one result each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Generic, TypeVar

import attrs

from ._callbacks import check_callback
from ._errors import ValidationError
from ._types import ProgressCallback
from ._validate import check_id

T = TypeVar("T")
V = TypeVar("V")

#: Accounts worked on at once by default: enough to hide network latency,
#: few enough to stay far below the connection pool (512).
DEFAULT_CONCURRENCY: Final = 16


@attrs.frozen
class AccountResult(Generic[T]):
    """
    What one ad account's job gave: its value, or the exception it raised.

    ``MomentClient.for_each_account`` returns one per account, in the order
    the accounts were given::

        for result in results:
            if result.ok:
                print(result.account_id, result.value)
            else:
                print(result.account_id, "failed:", result.error)

    ``unwrap()`` returns the value or raises the error.
    """

    #: The ad account the job ran for.
    account_id: int
    #: What the job returned; ``None`` when it failed.
    value: T | None = None
    #: What the job raised: an ``Exception`` (a ``MomentError`` for the
    #: client's own errors), or a ``CancelledError`` the job raised though
    #: the run was not cancelled; ``None`` when it succeeded.
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """
        Whether the job returned instead of raising.
        """
        return self.error is None

    def unwrap(self) -> T:
        """
        Return the job's value, or raise the exception the job raised.
        """
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # None is a T when the job returned None


def check_accounts(account_ids: object) -> list[int]:
    """
    Return *account_ids* as a list of distinct ids, in order; may be empty.

    A repeated id is refused rather than run twice (a job that deletes or
    uploads would do it twice) or silently dropped (the results would no
    longer match the input one for one).
    """
    if isinstance(account_ids, str | bytes) or not isinstance(account_ids, Iterable):
        msg = (
            "account_ids must be an iterable of ad account ids, "
            f"got {type(account_ids).__name__}"
        )
        raise ValidationError(msg)
    ids = [check_id(value, "each of account_ids") for value in account_ids]
    seen: set[int] = set()
    for account_id in ids:
        if account_id in seen:
            msg = f"account_ids holds ad account {account_id} twice; give each once"
            raise ValidationError(msg)
        seen.add(account_id)
    return ids


async def run_each(
    account_ids: object,
    view: Callable[[int], V],
    fn: Callable[[V], Awaitable[T]],
    *,
    concurrency: object = DEFAULT_CONCURRENCY,
    progress: ProgressCallback | None = None,
) -> list[AccountResult[T]]:
    """
    Await ``fn(view(id))`` for each id, at most *concurrency* at once.

    Strictly private: ``MomentClient.for_each_account`` documents it.
    Everything is checked before the first job starts. A fixed pool of
    workers pulls ids from one iterator, so 100,000 accounts cost
    *concurrency* tasks, not 100,000. A job's ``Exception`` is kept as its
    result; anything else (cancellation, ``KeyboardInterrupt``, an error of
    *progress*, raised as itself) cancels the jobs still running and
    propagates.
    """
    ids = check_accounts(account_ids)
    workers = check_id(concurrency, "concurrency")
    given: object = fn  # checked at run time: callers may pass anything
    if not callable(given):
        msg = f"fn must be a function taking an AdAccount, got {type(given).__name__}"
        raise ValidationError(msg)
    check_callback(progress, "progress")
    total = len(ids)
    results: list[AccountResult[T] | None] = [None] * total
    pending = iter(enumerate(ids))
    done = 0

    async def work() -> None:
        nonlocal done
        this = asyncio.current_task()
        assert this is not None  # noqa: S101  # run by the task group
        # Shared by every worker: each id is taken by exactly one of them.
        for index, account_id in pending:
            try:
                value = await fn(view(account_id))
            except Exception as exc:
                results[index] = AccountResult(account_id, error=exc)
            except asyncio.CancelledError as exc:
                if this.cancelling():
                    raise
                # The job raised CancelledError though nobody cancelled this
                # worker (it awaited something cancelled): its own failure.
                results[index] = AccountResult(account_id, error=exc)
            else:
                results[index] = AccountResult(account_id, value=value)
            done += 1
            if progress is not None:
                progress(done, total)

    if progress is not None:
        progress(0, total)
    failure: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(workers, total)):
                group.create_task(work())
    except BaseExceptionGroup as failed:
        # Jobs' Exceptions are results, so only progress can fail a worker:
        # give the caller its own exception, not a group of one.
        failure = failed.exceptions[0]
    if failure is not None:
        # Raised outside the handler: the callback's exception keeps its
        # own cause and context, with no group chained to it.
        raise failure
    # Every slot is filled: each id was taken by a worker that finished it.
    return results  # type: ignore[return-value]  # no None is left (see above)
