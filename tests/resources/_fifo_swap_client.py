"""
The client side of the FIFO-swap test, run alone in a fresh process.

``python -m tests.resources._fifo_swap_client '<json>'`` replaces the files
of one customer file twice, from the path the JSON names, on the loopback
server it names. The second call waits for its rate-limit slot (one call
per 5 seconds per customer file, the client's default limiter), and while
it waits the path is swapped for a FIFO no one ever writes to. When the
second call ends, ``{"error": class name, "message": text}`` goes to
stdout; then ``asyncio.run`` shuts down, which waits for the default
executor's threads: a thread still blocked opening the FIFO would keep the
process from exiting.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import moment_async as ma

#: Seconds after the swap by which the path has surely been checked, and
#: the second call surely still waits (its slot comes 5 s after the first).
SWAP_AFTER = 0.5


def swap_for_fifo(path: Path) -> None:
    """
    Replace the file at *path* with a FIFO.
    """
    path.unlink()
    os.mkfifo(path)


async def main(plan: dict[str, Any]) -> None:
    """
    Run the scenario and report how the second call ended.
    """
    path = Path(plan["path"])
    async with ma.MomentClient("token", base_url=plan["base_url"]) as client:
        files = client.ad_account(1).customer_files
        await files.replace_files(plan["file_id"], [path])
        second = asyncio.create_task(files.replace_files(plan["file_id"], [path]))
        await asyncio.sleep(SWAP_AFTER)
        swap_for_fifo(path)
        result: dict[str, Any] = {"error": None, "message": ""}
        try:
            async with asyncio.timeout(plan["bound"]):
                await second
        except Exception as exc:  # the report names whatever it was
            result = {"error": type(exc).__name__, "message": str(exc)}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
