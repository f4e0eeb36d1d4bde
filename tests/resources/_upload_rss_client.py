"""
The client side of the peak-RSS upload test, run alone in a fresh process.

``python -m tests.resources._upload_rss_client '<json>'`` uploads the files
the JSON names to the loopback server it names, after one warm-up upload,
and writes ``{"growth": bytes, "how": ...}`` to stdout: how far the
process's resident memory rose above where it stood before the upload,
measured by the upload benchmark's own probe (``benchmarks._common``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import moment_async as ma
from benchmarks._common import peak_rss_growth

#: Bytes the caller's async generator reads per chunk.
READ_SIZE = 256 * 1024


async def chunks_of(path: Path) -> AsyncIterator[bytes]:
    """
    Yield the bytes of *path* as a caller's async generator would: no known size.
    """
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, READ_SIZE):
            yield chunk


async def main(plan: dict[str, Any]) -> dict[str, Any]:
    """
    Upload a warm-up file, then the planned files while measuring; return the figures.
    """
    paths = [Path(p) for p in plan["paths"]]
    async with ma.MomentClient(
        "token", base_url=plan["base_url"], limiter=False
    ) as client:
        files = client.ad_account(1).customer_files
        # Opens the connection and the file-reading threads, and fills
        # aiohttp's caches: what stays from it is not the upload's cost.
        await files.upload(plan["name"], [Path(plan["warm_up"])])
        sources: list[Any] = list(paths)
        if plan["chunked"]:
            sources[-1] = (paths[-1].name, chunks_of(paths[-1]))
        with peak_rss_growth() as growth:
            await files.upload(plan["name"], sources)
            grown, how = growth()
    return {"growth": grown, "how": how}


if __name__ == "__main__":
    result = asyncio.run(main(json.loads(sys.argv[1])))
    sys.stdout.write(json.dumps(result))
