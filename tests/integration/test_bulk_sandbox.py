"""
for_each_account over 1,000 sandbox ad accounts with failures injected: every result, typed, in bounded time.
"""

from __future__ import annotations

import asyncio
import collections
import time

import moment_async as ma
from moment_async.sandbox import Sandbox

ACCOUNTS = range(1, 1001)
#: The last 100 accounts are not granted to the token: 403 for each.
REFUSED = range(901, 1001)
#: Seconds the whole run may take; it takes about 0.6 s on a 2-core machine.
BOUND = 60.0


async def test_for_each_account_over_1000_accounts_with_faults():
    """1,000 accounts with 403s and injected faults: one typed result each, in order, in bounded time."""
    # No default grant: the sandbox's default account (1000) is one of REFUSED.
    async with Sandbox(default_token=None) as sb:
        sb.grant(Sandbox.DEFAULT_TOKEN, *(a for a in ACCOUNTS if a not in REFUSED))
        for account in ACCOUNTS[:900:9]:
            sb.seed_customer_file(account, f"file {account}")
        # Faults hit the first calls to arrive: accounts far below REFUSED.
        sb.faults.fail_next("customer_files.list", times=5, status=500, code=-813)
        sb.faults.truncate("customer_files.list", times=3)
        sb.faults.fail_next("customer_files.list", times=4, status=503)
        sb.faults.drop_connection("customer_files.list", times=2)
        done: list[int] = []

        async def count_files(acct: ma.AdAccount) -> int:
            return len(await acct.customer_files.list())

        started = time.monotonic()
        async with (
            ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sb.url) as client,
            asyncio.timeout(BOUND),
        ):
            results = await client.for_each_account(
                ACCOUNTS,
                count_files,
                concurrency=64,
                progress=lambda d, t: done.append(d),
            )
        elapsed = time.monotonic() - started

    assert list(ACCOUNTS) == [r.account_id for r in results]
    kinds = collections.Counter(
        "ok" if r.ok else type(r.error).__name__ for r in results
    )
    assert {
        "ok": 1000 - 100 - 5 - 3,
        "PermissionDeniedError": 100,
        "ServerError": 5,
        "DecodeError": 3,
    } == kinds
    assert all(isinstance(r.error, ma.PermissionDeniedError) for r in results[900:])
    seeded = set(ACCOUNTS[:900:9])
    assert all(r.value == (r.account_id in seeded) for r in results if r.ok)
    assert list(range(1001)) == done
    # 503s and dropped connections were retried; 500 and bad JSON were not.
    assert 1000 + 4 + 2 == sb.count("customer_files.list")
    assert elapsed < BOUND
