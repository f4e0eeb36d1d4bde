"""
Typed use of for_each_account, AccountResult, progress callbacks and the waiters: mypy checks this file; pytest never runs it.
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


def on_progress(done: int, total: int | None) -> None:
    """
    Take progress reports: one shape for bulk runs and uploads alike.
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

    progress: ma.ProgressCallback = on_progress
    deleted = await client.for_each_account(
        range(1, 100), delete_one, progress=progress
    )
    await client.ad_account(1).customer_files.upload(
        "buyers", ["buyers.csv"], progress=progress
    )
    assert_type(deleted, list[ma.AccountResult[None]])


async def waiters(acct: ma.AdAccount) -> None:
    """
    Wait for a file and an audience; catch the waiters' errors.
    """
    try:
        ready = await acct.customer_files.wait_until_ready(7, max_wait=600)
        assert_type(ready, ma.CustomerFile)
        audience = await acct.audiences.wait_until_ready(
            3, max_wait=3600.0, poll_interval=1, timeout=ma.Timeout(total=10)
        )
        polled = await acct.customer_files.wait_until_ready(7, timeout=5)
        assert_type(polled, ma.CustomerFile)
        assert_type(audience, ma.Audience)
    except ma.ResourceFailedError as exc:
        assert_type(exc.status, str)
        assert_type(exc.resource, object)
    except ma.WaitTimeoutError as exc:
        assert_type(exc.waited, float)
        assert_type(exc.resource, object)
