"""
An arq worker: one job per ad account, with the API's rate limits shared through Redis.

Start as many workers as you like, on any hosts that reach the same Redis::

    export REDIS_URL=redis://127.0.0.1:6379/0 MOMENT_TOKEN=...
    arq examples.bulk_arq.worker.WorkerSettings

Each worker process holds one ``MomentClient`` (made in ``on_startup``,
closed in ``on_shutdown``) whose ``RedisLimiter`` keeps Kakao's limits in
the queue's Redis, so the workers together never call a customer file, or a
user and ad account, more often than Kakao allows.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from arq.connections import RedisSettings

import moment_async as ma

#: The Redis of the queue and of the shared rate limits.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: Put before the limiter's keys in Redis (``moment-async:user:...``).
KEY_PREFIX = "moment-async:"


async def startup(ctx: dict[str, Any]) -> None:
    """
    Build this worker's client; its limiter shares the queue's Redis connections.
    """
    options: dict[str, Any] = {}
    if base_url := os.environ.get("MOMENT_BASE_URL"):
        options["base_url"] = base_url  # a sandbox, say
    ctx["client"] = ma.MomentClient(
        os.environ["MOMENT_TOKEN"],
        # ctx["redis"] is arq's own client, which arq closes (the limiter
        # never does). Another Redis works too: ma.RedisLimiter.from_url(url),
        # whose connections the client closes in shutdown().
        limiter=ma.RedisLimiter(ctx["redis"], key_prefix=KEY_PREFIX),
        **options,
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    """
    Close this worker's client.
    """
    await ctx["client"].aclose()


async def sync_customer_file(
    ctx: dict[str, Any],
    account_id: int,
    name: str,
    source_url: str,
    ready_within: float = 0.0,
) -> dict[str, object]:
    """
    Make sure ad account *account_id* has the customer file *name* registered from *source_url*.

    arq runs a job at least once, so the job is idempotent: a file of that
    name already in the account is reused, not registered again. With
    *ready_within* seconds, it also waits until the file's extraction ends
    or that time passes (``wait_until_ready(max_wait=...)``: polls come
    the documented 5 s apart). (Kakao's extraction takes up to 6 hours: for real accounts,
    enqueue a later check rather than holding a worker.)
    """
    client: ma.MomentClient = ctx["client"]
    files = client.ad_account(account_id).customer_files
    found = [f for f in await files.list() if f.name == name]
    created = not found
    customer_file = (
        found[0]
        if found
        else await files.register_url(name, source_url, reconcile=True)
    )
    status: str | None = customer_file.status
    if ready_within > 0:
        try:
            ready = await files.wait_until_ready(
                customer_file.id, max_wait=ready_within
            )
            status = ready.status
        except ma.ResourceFailedError as exc:
            status = exc.status  # ERROR or TRANSFORM_ERROR: report it
        except ma.WaitTimeoutError:
            pass  # still extracting: a later job looks again
    return {
        "account_id": account_id,
        "file_id": customer_file.id,
        "status": None if status is None else str(status),
        "created": created,
        "worker": os.getpid(),
    }


class WorkerSettings:
    """
    What ``arq examples.bulk_arq.worker.WorkerSettings`` runs.
    """

    functions: ClassVar = [sync_customer_file]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(REDIS_URL)
    #: Jobs at once per worker: limited calls wait in Redis' queue, not here.
    max_jobs = 20
    job_timeout = 600
