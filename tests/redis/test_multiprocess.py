"""
Acceptance: four processes share the documented limits through Redis and the sandbox sees no 429.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from moment_async.sandbox import Sandbox

ROOT = Path(__file__).parents[2]
WORKERS = 4
#: Seconds of hammering: with one call per 5.1 s per key (limit and
#: margin), five calls and four intervals per key.
SECONDS = 19.0
#: The documented limit: one call every 5 s per customer file and per user
#: and ad account.
ALLOWED_RATE = 1 / 5
#: Seconds a worker gets to start (imports, client) and then to finish.
START_TIMEOUT = 30.0
FINISH_TIMEOUT = SECONDS + 15.0


def achieved_rate(times: list[float]) -> float:
    """
    Return calls per second between the first and the last of *times*.
    """
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0])


async def run_workers(
    sandbox: Sandbox, redis_url: str, file_id: int
) -> list[dict[str, dict[str, int]]]:
    """
    Start the workers, let them go together, and return their summaries.
    """
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.redis._hammer",
            redis_url,
            sandbox.url,
            str(file_id),
            str(Sandbox.DEFAULT_ACCOUNT),
            str(SECONDS),
            f"w{n}",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for n in range(WORKERS)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), START_TIMEOUT)
            assert b"ready\n" == line
        outputs = await asyncio.wait_for(
            asyncio.gather(*(worker.communicate(b"go\n") for worker in workers)),
            FINISH_TIMEOUT,
        )
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    assert [0] * WORKERS == [worker.returncode for worker in workers]
    return [json.loads(out) for out, _ in outputs]


async def test_four_processes_share_the_limits_without_a_429(redis_url):
    """Four worker processes hammering one file and one account see no 429 and get at least 90 % of the allowed rate."""
    async with Sandbox(processing_delay=0.0, rate_limits=True) as sandbox:
        record = sandbox.seed_customer_file(Sandbox.DEFAULT_ACCOUNT, "hammered")

        summaries = await run_workers(sandbox, redis_url, record.id)

        records = sandbox.requests
    assert 0 == sum(1 for r in records if r.status == 429)
    for endpoint in ("customer_files.get", "customer_files.register_url"):
        times = [r.time for r in records if r.endpoint == endpoint]
        made = [summary[endpoint.split(".")[1]]["ok"] for summary in summaries]
        assert sum(made) == len(times)
        assert all(r.status == 200 for r in records if r.endpoint == endpoint)
        assert len(times) >= 5  # four intervals at least
        assert achieved_rate(times) >= 0.9 * ALLOWED_RATE, (endpoint, times)
        assert sum(1 for n in made if n) >= 2  # the slots went to several processes
