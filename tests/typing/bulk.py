"""
Typed use of for_each_account, AccountResult and the waiters: mypy checks this file; pytest never runs it.
"""

from __future__ import annotations

from typing import assert_type

import moment_async as ma


async def count_files(acct: ma.AdAccount) -> int:
    """
    A job that returns a value per account.
    """
    return len(await acct.customer_files.list())


async def delete_one(acct: ma.AdAccount) -> None:
    """
    A job that returns nothing.
    """
    await acct.audiences.delete(3)


def on_progress(done: int, total: int) -> None:
    """
    Take bulk progress reports.
    """


def on_upload_progress(sent: int, total: int | None) -> None:
    """
    An upload progress callback also takes bulk progress (it accepts more).
    """


async def bulk(client: ma.MomentClient) -> None:
    """
    Run jobs over accounts and read the results with their types.
    """
    counted = await client.for_each_account(
        [1, 2, 3], count_files, concurrency=8, progress=on_progress
    )
    assert_type(counted, list[ma.AccountResult[int]])
    first = counted[0]
    assert_type(first.account_id, int)
    assert_type(first.ok, bool)
    assert_type(first.value, int | None)
    assert_type(first.error, BaseException | None)
    assert_type(first.unwrap(), int)

    deleted = await client.for_each_account(
        range(1, 100), delete_one, progress=on_upload_progress
    )
    assert_type(deleted, list[ma.AccountResult[None]])


async def waiters(acct: ma.AdAccount) -> None:
    """
    Wait for a file and an audience; catch the waiters' errors.
    """
    try:
        ready = await acct.customer_files.wait_until_ready(7, timeout=600)
        assert_type(ready, ma.CustomerFile)
        audience = await acct.audiences.wait_until_ready(
            3, timeout=60.0, poll_interval=1
        )
        assert_type(audience, ma.Audience)
    except ma.ResourceFailedError as exc:
        assert_type(exc.status, str)
        assert_type(exc.resource, object)
    except ma.WaitTimeoutError as exc:
        assert_type(exc.waited, float)
        assert_type(exc.resource, object)
