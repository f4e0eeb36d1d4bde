"""
The arq example: three worker processes do a job per ad account through the shared Redis limiter.
"""

from __future__ import annotations

import asyncio
import collections
import os
import sys
from pathlib import Path

from arq.connections import RedisSettings, create_pool

from examples.bulk_arq.enqueue import enqueue, job_id
from moment_async.sandbox import Sandbox

ROOT = Path(__file__).parents[2]
TOKEN = "bulk-token"
ACCOUNTS = range(2001, 2031)
WORKERS = 3
NAME = "buyers"
#: Seconds the workers get to start, run every job and exit.
RUN_TIMEOUT = 60.0


async def run_workers(env: dict[str, str]) -> list[bytes]:
    """
    Run the arq workers in burst mode until the queue is empty; return their output.
    """
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "arq",
            "examples.bulk_arq.worker.WorkerSettings",
            "--burst",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(WORKERS)
    ]
    try:
        outputs = await asyncio.wait_for(
            asyncio.gather(*(worker.communicate() for worker in workers)),
            RUN_TIMEOUT,
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    logs = [out for out, _ in outputs]
    assert [0] * WORKERS == [worker.returncode for worker in workers], logs
    return logs


async def test_arq_workers_do_every_account_once_without_a_429(redis_url):
    """Three arq workers register and poll a file in each of 30 accounts: each once, no 429."""
    async with Sandbox(processing_delay=2.0, default_token=None) as sandbox:
        sandbox.grant(TOKEN, *ACCOUNTS)
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            queued = await enqueue(
                pool, ACCOUNTS, NAME, "https://example.com/buyers.csv", 30.0
            )
            again = await enqueue(pool, ACCOUNTS, NAME, "https://example.com/b.csv")
            env = {
                **os.environ,
                "REDIS_URL": redis_url,
                "MOMENT_BASE_URL": sandbox.url,
                "MOMENT_TOKEN": TOKEN,
            }

            await run_workers(env)

            results = {r.job_id: r for r in await pool.all_job_results()}
        finally:
            await pool.aclose()
        records = sandbox.requests
        files = {account: sandbox.state.customer_files(account) for account in ACCOUNTS}

    assert [job_id(account, NAME) for account in ACCOUNTS] == queued
    assert [] == again  # the same jobs are not queued twice
    assert set(queued) == set(results)
    assert all(r.success for r in results.values())
    outcomes = [r.result for r in results.values()]
    assert sorted(ACCOUNTS) == sorted(o["account_id"] for o in outcomes)
    assert all(o["created"] and o["status"] == "COMPLETE" for o in outcomes)
    assert len({o["worker"] for o in outcomes}) >= 2  # spread over processes
    registrations = collections.Counter(
        int(r.headers["adAccountId"])
        for r in records
        if r.endpoint == "customer_files.register_url"
    )
    assert dict.fromkeys(ACCOUNTS, 1) == registrations
    assert all(1 == len(found) for found in files.values())
    assert 0 == sum(1 for r in records if r.status == 429)
