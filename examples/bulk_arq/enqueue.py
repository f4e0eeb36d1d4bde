"""
Enqueue one ``sync_customer_file`` job per ad account; with ``--wait``, print the results.

::

    export REDIS_URL=redis://127.0.0.1:6379/0
    python -m examples.bulk_arq.enqueue --name buyers \\
        --url https://example.com/buyers.csv --wait 1001 1002 1003

Each job has an id made of the account and the file name, so enqueueing the
same accounts again while their jobs or results are kept adds nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterable, Sequence

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import Job


def job_id(account_id: int, name: str) -> str:
    """
    Return the id of the job for *account_id* and file *name*.
    """
    return f"sync_customer_file:{account_id}:{name}"


async def enqueue(
    pool: ArqRedis,
    account_ids: Iterable[int],
    name: str,
    source_url: str,
    ready_within: float = 0.0,
) -> list[str]:
    """
    Enqueue a job per account and return their ids (those already queued are skipped).
    """
    ids = []
    for account_id in account_ids:
        job = await pool.enqueue_job(
            "sync_customer_file",
            account_id,
            name,
            source_url,
            ready_within,
            _job_id=job_id(account_id, name),
        )
        if job is not None:
            ids.append(job.job_id)
    return ids


async def main(argv: Sequence[str] | None = None) -> int:
    """
    Parse *argv*, enqueue, and with ``--wait`` print each job's result as a JSON line.
    """
    parser = argparse.ArgumentParser(prog="python -m examples.bulk_arq.enqueue")
    parser.add_argument("--name", required=True, help="the customer file's name")
    parser.add_argument("--url", required=True, help="the CSV's public URL")
    parser.add_argument("--ready-within", type=float, default=0.0)
    parser.add_argument("--wait", action="store_true", help="print the results")
    parser.add_argument("accounts", nargs="+", type=int, help="ad account ids")
    args = parser.parse_args(argv)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        ids = await enqueue(pool, args.accounts, args.name, args.url, args.ready_within)
        sys.stdout.write(f"enqueued {len(ids)} job(s)\n")
        if args.wait:
            for queued in ids:
                result = await Job(queued, pool).result(timeout=None)
                sys.stdout.write(json.dumps(result) + "\n")
    finally:
        await pool.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
