"""
The arq example: three worker processes do two jobs per ad account through the shared Redis limiter.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import sys
from pathlib import Path

from arq.connections import RedisSettings, create_pool
from redis.asyncio import Redis

from examples.bulk_arq.enqueue import enqueue, job_id
from examples.bulk_arq.worker import KEY_PREFIX
from moment_async.sandbox import Sandbox

ROOT = Path(__file__).parents[2]
TOKEN = "bulk-token"
ACCOUNTS = range(2001, 2031)
WORKERS = 3
#: Two files per account: both registrations share the account's one slot
#: per 5 s, so the second waits for the first, from whichever worker.
NAMES = ("buyers", "sellers")
#: Seconds the workers get to start, run every job and exit (about 15 s).
RUN_TIMEOUT = 40.0
#: Seconds between two looks at the limiter's keys in Redis.
WATCH_EVERY = 0.05


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


async def watch_keys(redis_url: str, seen: set[str], done: asyncio.Event) -> None:
    """
    Add every limiter key found in Redis to *seen* until *done* is set.

    Keys expire once idle, so they are looked for while the workers run.
    """
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        while not done.is_set():  # bounded: run_workers returns within its timeout
            seen.update([key async for key in redis.scan_iter(f"{KEY_PREFIX}*")])
            await asyncio.sleep(WATCH_EVERY)
    finally:
        await redis.aclose()


async def test_arq_workers_share_each_accounts_limit_without_a_429(redis_url):
    """Three arq workers register two files in each of 30 accounts: the limiter's keys are in Redis, each job runs once, no 429."""
    async with Sandbox(processing_delay=2.0, default_token=None) as sandbox:
        sandbox.grant(TOKEN, *ACCOUNTS)
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        seen: set[str] = set()
        done = asyncio.Event()
        try:
            # All first files, then all second ones: the two jobs of an
            # account lie 30 places apart in the queue, more than one
            # worker's 20 jobs at once, so they tend to go to two workers.
            queued = [
                job
                for name in NAMES
                for job in await enqueue(
                    pool, ACCOUNTS, name, f"https://example.com/{name}.csv", 30.0
                )
            ]
            again = await enqueue(pool, ACCOUNTS, NAMES[0], "https://example.com/b.csv")
            env = {
                **os.environ,
                "REDIS_URL": redis_url,
                "MOMENT_BASE_URL": sandbox.url,
                "MOMENT_TOKEN": TOKEN,
            }
            watcher = asyncio.create_task(watch_keys(redis_url, seen, done))

            try:
                await run_workers(env)
            finally:
                done.set()
                await watcher

            results = {r.job_id: r for r in await pool.all_job_results()}
        finally:
            await pool.aclose()
        records = sandbox.requests
        files = {account: sandbox.state.customer_files(account) for account in ACCOUNTS}

    expected_jobs = [job_id(a, name) for name in NAMES for a in ACCOUNTS]
    assert expected_jobs == queued
    assert [] == again  # the same jobs are not queued twice
    assert set(queued) == set(results)
    assert all(r.success for r in results.values())
    outcomes = [r.result for r in results.values()]
    assert sorted(list(ACCOUNTS) * len(NAMES)) == sorted(
        o["account_id"] for o in outcomes
    )
    assert all(o["created"] and o["status"] == "COMPLETE" for o in outcomes)
    workers = collections.defaultdict(set)
    for outcome in outcomes:
        workers[outcome["account_id"]].add(outcome["worker"])
    # Two processes took turns on one user + account key, for some accounts.
    assert any(2 == len(pids) for pids in workers.values()), dict(workers)
    user_keys = {key for key in seen if key.startswith(f"{KEY_PREFIX}user:")}
    assert set(ACCOUNTS) == {int(key.rsplit(":", 1)[1]) for key in user_keys}
    assert any(key.startswith(f"{KEY_PREFIX}file:") for key in seen)
    registrations = collections.defaultdict(list)
    for record in records:
        if record.endpoint == "customer_files.register_url":
            registrations[int(record.headers["adAccountId"])].append(record.time)
    assert dict.fromkeys(ACCOUNTS, len(NAMES)) == {
        account: len(times) for account, times in registrations.items()
    }
    closest = min(
        later - earlier
        for times in registrations.values()
        for earlier, later in itertools.pairwise(sorted(times))
    )
    assert closest >= 5.0  # the documented one registration per 5 s
    assert all(len(NAMES) == len(found) for found in files.values())
    assert 0 == sum(1 for r in records if r.status == 429)
