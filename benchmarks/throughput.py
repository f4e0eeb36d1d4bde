"""
Requests per second of ``customer_files.get`` against raw aiohttp, on loopback.

Both sides talk to the same server process in the same run, at concurrency
1, 64 and 512: N worker tasks each send a fixed number of requests in a
loop. The SDK runs with its default rate limiter on; the documented limit
is one call per 5 s per customer file, so every request asks for a distinct
file id and the limiter does its full bookkeeping without ever making a
call wait. The raw side sends the same headers through a connector with the
SDK's connection limit, reads the body and parses it with ``json.loads``.
SDK and raw rounds alternate (and which goes first alternates too); the
best round of each side is kept, with the median of the round-by-round
ratios beside it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final

import aiohttp

from moment_async import MomentClient
from moment_async._constants import (
    AD_ACCOUNT_ID,
    AUTHORIZATION,
    DEFAULT_MAX_CONNECTIONS,
    JSON_CONTENT_TYPE,
    USER_AGENT,
)

from ._common import Row, paired_median
from ._server import API_PREFIX, HOST, running_server

ACCOUNT_ID: Final = 27429
TOKEN: Final = "token"  # noqa: S105  # a dummy; the loopback server ignores it
CONCURRENCY: Final = (1, 64, 512)
#: Throughput ratio targets by concurrency; concurrency 1 is for information.
TARGETS: Final[dict[int, float | None]] = {1: None, 64: 0.85, 512: 0.85}
#: Seconds one measurement may take before the benchmark gives up.
MEASURE_TIMEOUT: Final = 60.0


@dataclasses.dataclass(frozen=True)
class Plan:
    """
    How much to measure: requests per measurement and rounds per side.
    """

    requests: dict[int, int]
    rounds: int


FULL: Final = Plan(requests={1: 2000, 64: 6016, 512: 6144}, rounds=5)
QUICK: Final = Plan(requests={1: 500, 64: 2048, 512: 2048}, rounds=2)

#: One request: send it for file id *n*, read and decode the answer.
Fetch = Callable[[int], Awaitable[object]]


@dataclasses.dataclass(frozen=True)
class Sample:
    """
    One measurement: requests per second, and client CPU seconds per request.
    """

    rate: float
    cpu: float


async def _run(
    fetch: Fetch, concurrency: int, total: int, ids: Iterator[int]
) -> Sample:
    """
    Send *total* requests from *concurrency* workers; measure the rate.
    """
    per_worker = max(total // concurrency, 1)
    sent = per_worker * concurrency

    async def worker() -> None:
        for _ in range(per_worker):
            await fetch(next(ids))

    cpu = time.process_time()
    started = time.perf_counter()
    async with asyncio.timeout(MEASURE_TIMEOUT), asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    elapsed = time.perf_counter() - started
    return Sample(sent / elapsed, (time.process_time() - cpu) / sent)


def _raw_headers() -> dict[str, str]:
    # What the SDK sends on a GET: the same names, values and count.
    return {
        "User-Agent": USER_AGENT,
        "Accept": JSON_CONTENT_TYPE,
        AD_ACCOUNT_ID: str(ACCOUNT_ID),
        AUTHORIZATION: f"Bearer {TOKEN}",
    }


async def measure(port: int, plan: Plan) -> list[Row]:
    """
    Measure SDK and raw throughput against the server on *port*.
    """
    base = f"http://{HOST}:{port}{API_PREFIX}"
    # One counter for the whole run: no file id is ever asked for twice,
    # so the default limiter never makes a call wait.
    ids = itertools.count(1)
    headers = _raw_headers()
    rows: list[Row] = []
    connector = aiohttp.TCPConnector(
        limit=DEFAULT_MAX_CONNECTIONS, keepalive_timeout=30.0, ttl_dns_cache=300
    )
    async with (
        MomentClient(TOKEN, base_url=base) as client,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        files = client.ad_account(ACCOUNT_ID).customer_files

        async def sdk(file_id: int) -> object:
            return await files.get(file_id)

        async def raw(file_id: int) -> object:
            async with session.get(
                f"{base}/customerFiles/{file_id}", headers=headers
            ) as resp:
                body = await resp.read()
            parsed: Any = json.loads(body)
            return parsed

        # Check both sides once: same answer. The ids come from the counter
        # too: asking for one of them again within 5 s would wait.
        checked_sdk = await files.get(next(ids))
        checked_raw: Any = await raw(next(ids))
        if checked_sdk.id != checked_raw["id"]:
            msg = "the SDK and raw aiohttp did not read the same answer"
            raise RuntimeError(msg)

        for concurrency in CONCURRENCY:
            total = plan.requests[concurrency]
            # Warm up: open the connections both sides will reuse.
            warm = max(concurrency * 2, 200)
            await _run(sdk, concurrency, warm, ids)
            await _run(raw, concurrency, warm, ids)
            sdk_runs: list[Sample] = []
            raw_runs: list[Sample] = []
            for round_ in range(plan.rounds):
                # Alternate which side goes first: drift hits both alike.
                if round_ % 2 == 0:
                    sdk_runs.append(await _run(sdk, concurrency, total, ids))
                    raw_runs.append(await _run(raw, concurrency, total, ids))
                else:
                    raw_runs.append(await _run(raw, concurrency, total, ids))
                    sdk_runs.append(await _run(sdk, concurrency, total, ids))
            sdk_rates = [run.rate for run in sdk_runs]
            raw_rates = [run.rate for run in raw_runs]
            print(
                f"  throughput c={concurrency}, {total} requests per round: SDK "
                + ", ".join(f"{r:,.0f}" for r in sdk_rates)
                + " | raw "
                + ", ".join(f"{r:,.0f}" for r in raw_rates)
                + " req/s; client CPU per request (median): SDK "
                + f"{statistics.median(run.cpu for run in sdk_runs) * 1e6:.0f} us,"
                + f" raw {statistics.median(run.cpu for run in raw_runs) * 1e6:.0f} us",
                file=sys.stderr,
            )
            rows.append(
                Row(
                    name=f"customer_files.get, concurrency {concurrency}",
                    sdk=max(sdk_rates),
                    reference=max(raw_rates),
                    unit="req/s",
                    target=TARGETS[concurrency],
                    paired=paired_median(sdk_rates, raw_rates),
                )
            )
    return rows


def run(*, quick: bool = False) -> list[Row]:
    """
    Start the loopback server, measure, and stop the server.
    """
    plan = QUICK if quick else FULL
    with running_server() as port:
        return asyncio.run(measure(port, plan))


if __name__ == "__main__":
    from ._common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
