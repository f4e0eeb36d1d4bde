"""
The client side of the peak-RSS upload test, run alone in a fresh process.

``python -m tests.resources._upload_rss_client '<json>'`` uploads the files
the JSON names to the loopback server it names, after one warm-up upload,
and writes ``{"growth": bytes, "how": ...}`` to stdout: how far the
process's resident memory rose above where it stood before the upload.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import moment_async as ma

#: Bytes the caller's async generator reads per chunk.
READ_SIZE = 256 * 1024


def status(field: str) -> int:
    """
    Return *field* of /proc/self/status (VmRSS, VmHWM) in bytes.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    msg = f"{field} not in /proc/self/status"
    raise LookupError(msg)


@contextmanager
def peak_rss_growth() -> Iterator[Callable[[], tuple[int, str]]]:
    """
    Measure how far the peak RSS rises above the current RSS over the block.

    Resets the kernel's high-water mark (VmHWM) first; where that is not
    allowed, samples VmRSS every 2 ms instead.
    """
    gc.collect()
    before = status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    except OSError:
        peak = before
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(0.002):
                peak = max(peak, status("VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield lambda: (peak - before, "VmRSS sampled every 2 ms")
        finally:
            stop.set()
            sampler.join()
        return
    yield lambda: (status("VmHWM") - before, "VmHWM")


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
