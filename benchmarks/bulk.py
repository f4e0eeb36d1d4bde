"""
``for_each_account`` over 1,000 ad accounts against the sandbox's own throughput.

The sandbox runs in a process of its own (``benchmarks._sandbox``) with
1,000 ad accounts granted to its token, each holding three customer files.
The SDK lists every account's customer files with
``client.for_each_account(ids, job, concurrency=64)``. The ideal is what the
server itself allows: the same 1,000 list calls driven the fastest way
there is, raw aiohttp from 64 workers with the same headers, reading and
``json.loads``-ing each body. ``ideal_time = 1000 / server_rate`` and
``ratio = ideal_time / sdk_wall_time``. SDK and raw rounds alternate, and
which goes first alternates too; the best round of each side is kept, with
the median of the round-by-round ratios beside it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from typing import Any, Final

import aiohttp

from moment_async import AdAccount, MomentClient
from moment_async._constants import (
    AD_ACCOUNT_ID,
    AUTHORIZATION,
    DEFAULT_MAX_CONNECTIONS,
    JSON_CONTENT_TYPE,
    USER_AGENT,
)
from moment_async.sandbox import PREFIX, Sandbox

from ._common import Row, paired_median
from ._sandbox import FIRST_ACCOUNT
from ._server import HOST, running_server

ACCOUNTS: Final = 1000
FILES_EACH: Final = 3
CONCURRENCY: Final = 64
#: The SDK's wall time may be at most this much longer than the ideal.
TARGET: Final = 0.80
#: Seconds one round may take before the benchmark gives up.
ROUND_TIMEOUT: Final = 120.0


@dataclasses.dataclass(frozen=True)
class Plan:
    """
    How much to measure: rounds per side.
    """

    rounds: int


FULL: Final = Plan(rounds=5)
QUICK: Final = Plan(rounds=2)


def _raw_headers(account: int) -> dict[str, str]:
    # What the SDK sends on a GET: the same names, values and count.
    return {
        "User-Agent": USER_AGENT,
        "Accept": JSON_CONTENT_TYPE,
        AD_ACCOUNT_ID: str(account),
        AUTHORIZATION: f"Bearer {Sandbox.DEFAULT_TOKEN}",
    }


async def _raw_round(session: aiohttp.ClientSession, url: str) -> float:
    """
    List every account's files from 64 raw workers; return the wall time.
    """
    pending = iter(range(FIRST_ACCOUNT, FIRST_ACCOUNT + ACCOUNTS))
    counted = 0

    async def worker() -> None:
        nonlocal counted
        for account in pending:
            async with session.get(url, headers=_raw_headers(account)) as resp:
                body = await resp.read()
                resp.raise_for_status()
            files: Any = json.loads(body)
            counted += len(files)

    started = time.perf_counter()
    async with asyncio.timeout(ROUND_TIMEOUT), asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())
    elapsed = time.perf_counter() - started
    if counted != ACCOUNTS * FILES_EACH:
        msg = f"raw aiohttp read {counted} customer files, not {ACCOUNTS * FILES_EACH}"
        raise RuntimeError(msg)
    return elapsed


async def _sdk_round(client: MomentClient) -> float:
    """
    List every account's files through ``for_each_account``; return the wall time.
    """

    async def job(acct: AdAccount) -> int:
        return len(await acct.customer_files.list())

    ids = range(FIRST_ACCOUNT, FIRST_ACCOUNT + ACCOUNTS)
    started = time.perf_counter()
    async with asyncio.timeout(ROUND_TIMEOUT):
        results = await client.for_each_account(ids, job, concurrency=CONCURRENCY)
    elapsed = time.perf_counter() - started
    counted = sum(result.unwrap() for result in results)
    if counted != ACCOUNTS * FILES_EACH:
        msg = f"the SDK read {counted} customer files, not {ACCOUNTS * FILES_EACH}"
        raise RuntimeError(msg)
    return elapsed


async def measure(port: int, plan: Plan) -> list[Row]:
    """
    Time SDK and raw rounds against the sandbox on *port*.
    """
    base = f"http://{HOST}:{port}{PREFIX}"
    connector = aiohttp.TCPConnector(
        limit=DEFAULT_MAX_CONNECTIONS, keepalive_timeout=30.0
    )
    async with (
        MomentClient(Sandbox.DEFAULT_TOKEN, base_url=base) as client,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        url = f"{base}/customerFiles"
        # Warm up: open the connections both sides will reuse.
        await _sdk_round(client)
        await _raw_round(session, url)
        sdk_times: list[float] = []
        raw_times: list[float] = []
        for round_ in range(plan.rounds):
            if round_ % 2 == 0:
                sdk_times.append(await _sdk_round(client))
                raw_times.append(await _raw_round(session, url))
            else:
                raw_times.append(await _raw_round(session, url))
                sdk_times.append(await _sdk_round(client))
    ideal = min(raw_times)
    wall = min(sdk_times)
    print(
        f"  bulk: {ACCOUNTS} accounts x customer_files.list at concurrency {CONCURRENCY}: "
        "SDK for_each_account "
        + ", ".join(f"{t:.3f}" for t in sdk_times)
        + " s | raw aiohttp "
        + ", ".join(f"{t:.3f}" for t in raw_times)
        + f" s; server rate {ACCOUNTS / ideal:,.0f} calls/s,"
        f" ideal_time {ideal:.3f} s, SDK wall {wall:.3f} s,"
        f" ratio ideal/SDK {ideal / wall:.3f}",
        file=sys.stderr,
    )
    return [
        Row(
            name=f"for_each_account, {ACCOUNTS} accounts x list, c={CONCURRENCY}",
            sdk=ACCOUNTS / wall,
            reference=ACCOUNTS / ideal,
            unit="accounts/s",
            target=TARGET,
            # Per round, ideal / SDK time is the SDK's rate over the server's.
            paired=paired_median(raw_times, sdk_times),
        )
    ]


def run(*, quick: bool = False) -> list[Row]:
    """
    Start the sandbox process, measure, and stop it.
    """
    plan = QUICK if quick else FULL
    args = ["--accounts", str(ACCOUNTS), "--files", str(FILES_EACH)]
    with running_server(module="benchmarks._sandbox", args=args) as port:
        return asyncio.run(measure(port, plan))


if __name__ == "__main__":
    from ._common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
