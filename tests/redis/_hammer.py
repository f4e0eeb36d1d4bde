"""
One worker process of the multi-process test: hammer one file and one account for a while.

Run as ``python -m tests.redis._hammer REDIS_URL SANDBOX_URL FILE_ID ACCOUNT SECONDS NAME``.
It prints ``ready`` once its client is built, waits for a line on stdin,
then calls ``customer_files.get`` and ``customer_files.register_url`` in
two loops until *SECONDS* have passed, and prints a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable

import moment_async as ma
from moment_async.sandbox import Sandbox

#: Seconds past the end that a call already queued may still wait for its slot.
GRACE = 2.0


async def hammer(
    call: Callable[[float], Awaitable[object]], end: float, outcomes: dict[str, int]
) -> None:
    """
    Make one *call* after the other until *end* (loop time), counting outcomes.
    """
    loop = asyncio.get_running_loop()
    while (left := end - loop.time()) > 0:
        try:
            await call(left + GRACE)
        except ma.RequestTimeoutError:
            # The next slot lies past the end: nothing was sent.
            outcomes["past the end"] += 1
            return
        except ma.MomentError as exc:
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
        else:
            outcomes["ok"] += 1


async def main(argv: list[str]) -> None:
    """
    Build the client, wait for the go line, hammer, print the summary.
    """
    redis_url, sandbox_url, file_id, account, seconds, name = argv
    async with (
        ma.RedisLimiter.from_url(redis_url) as limiter,
        ma.MomentClient(
            Sandbox.DEFAULT_TOKEN, base_url=sandbox_url, limiter=limiter
        ) as client,
    ):
        files = client.ad_account(int(account)).customer_files
        registered = 0

        async def get(budget: float) -> object:
            return await files.get(int(file_id), timeout=budget)

        async def register(budget: float) -> object:
            nonlocal registered
            registered += 1
            return await files.register_url(
                f"{name}-{registered}",
                f"https://example.com/{name}.csv",
                timeout=budget,
            )

        print("ready", flush=True)  # noqa: T201  # the test reads it
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        end = asyncio.get_running_loop().time() + float(seconds)
        gets = {"ok": 0, "past the end": 0}
        registrations = {"ok": 0, "past the end": 0}
        await asyncio.gather(
            hammer(get, end, gets), hammer(register, end, registrations)
        )
    print(json.dumps({"get": gets, "register_url": registrations}), flush=True)  # noqa: T201  # the test reads it


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
