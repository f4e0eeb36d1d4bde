"""
The client side of the hostile-server tests that need a clean process: peak memory and open sockets.

``python -m tests.transports._hostile_client '<json>'`` runs one plan
against a server in the parent process and writes what it measured to
stdout as JSON:

- ``{"kind": "memory", "warm_up": url, "base_url": url}``: one warm-up
  call, then one call whose answer is hostile, with the process's peak RSS
  growth measured by the benchmarks' probe (``benchmarks._common``). A
  guard thread ends the process if its RSS passes ``GUARD`` bytes, so a
  broken bound fails the test instead of the machine.
- ``{"kind": "sockets", "scenario": name, "base_url": url}``: twenty calls
  ended by a cancel, a timeout or a hostile answer; the open descriptors
  before, once the calls ended, and after ``aclose()``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import moment_async as ma
from benchmarks._common import peak_rss_growth

#: A process past this resident size has lost its bound: it stops at once.
GUARD: Final = 512 * 1024 * 1024
#: One attempt, no rate limit: each call is one exchange with the server.
SETTINGS: Final[dict[str, Any]] = {
    "retry": ma.RetryPolicy(attempts=1),
    "limiter": False,
}
CALLS: Final = 20
#: An upload bigger than any socket buffer: 100 MiB, generated.
UPLOAD_BLOCKS: Final = 400
UPLOAD_BLOCK: Final = b"x" * (256 * 1024)


def open_fds() -> int:
    """
    Return how many file descriptors this process holds.
    """
    return len(os.listdir("/proc/self/fd"))


def guard() -> None:
    """
    End the process, saying why, once its RSS passes ``GUARD``.
    """
    status = Path("/proc/self/status")
    while True:
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:") and int(line.split()[1]) * 1024 > GUARD:
                sys.stdout.write(json.dumps({"guard": line}))
                sys.stdout.flush()
                os._exit(3)
        time.sleep(0.005)


async def memory(plan: dict[str, Any]) -> dict[str, Any]:
    """
    Warm up, then make one call to the hostile server while measuring peak RSS.
    """
    async with ma.MomentClient("token", base_url=plan["warm_up"], **SETTINGS) as warm:
        # Loads and fills what the first call of a process pays for.
        await warm.ad_account(1).customer_files.list()
        async with ma.MomentClient(
            "token", base_url=plan["base_url"], **SETTINGS
        ) as client:
            error = ""
            started = time.monotonic()
            with peak_rss_growth() as growth:
                try:
                    await client.ad_account(1).customer_files.list()
                except ma.MomentError as exc:
                    error = type(exc).__name__
                grown, how = growth()
            seconds = time.monotonic() - started
    return {"growth": grown, "how": how, "error": error, "seconds": seconds}


async def upload_body() -> AsyncIterator[bytes]:
    """
    Yield 100 MiB of generated CSV-ish bytes, no length known.
    """
    for _ in range(UPLOAD_BLOCKS):
        yield UPLOAD_BLOCK


def calls(client: ma.MomentClient, scenario: str) -> Callable[[], Awaitable[object]]:
    """
    Return the call a scenario makes twenty times.
    """
    files = client.ad_account(1).customer_files
    if scenario == "gets":
        return lambda: files.list(timeout=0.5)
    timeout = 0.5 if scenario == "time-out-uploads" else 30
    return lambda: files.upload("buyers", [("a.csv", upload_body())], timeout=timeout)


async def sockets(plan: dict[str, Any]) -> dict[str, Any]:
    """
    Make twenty calls that end badly, counting open descriptors before, after them and after aclose.
    """
    scenario = plan["scenario"]
    before = open_fds()
    client = ma.MomentClient("token", base_url=plan["base_url"], **SETTINGS)
    call = calls(client, scenario)
    errors: list[str] = []

    async def one() -> None:
        try:
            await call()
        except ma.MomentError as exc:
            errors.append(type(exc).__name__)
        except asyncio.CancelledError:
            errors.append("CancelledError")
            raise

    tasks = [asyncio.create_task(one()) for _ in range(CALLS)]
    result: dict[str, Any] = {"before": before}
    if scenario in ("cancel-uploads", "close-in-flight"):
        # Long enough for every upload to fill its socket and wait on it.
        await asyncio.sleep(0.5)
    if scenario == "cancel-uploads":
        for task in tasks:
            task.cancel()
    if scenario == "close-in-flight":
        started = time.monotonic()
        await client.aclose()
        result["aclose_seconds"] = time.monotonic() - started
    await asyncio.wait(tasks, timeout=30)
    # One turn of the loop for the sockets' last callbacks.
    await asyncio.sleep(0.1)
    result["after_calls"] = open_fds()
    await client.aclose()
    await asyncio.sleep(0.1)
    result["after_aclose"] = open_fds()
    result["ended"] = sum(task.done() for task in tasks)
    result["errors"] = errors
    return result


if __name__ == "__main__":
    given = json.loads(sys.argv[1])
    if given["kind"] == "memory":
        # Not for socket counts: the guard opens a file every few ms.
        threading.Thread(target=guard, daemon=True).start()
    run = {"memory": memory, "sockets": sockets}[given["kind"]]
    sys.stdout.write(json.dumps(asyncio.run(run(given))))
