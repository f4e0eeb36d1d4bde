"""
Run every benchmark and print one table: ``python -m benchmarks [--quick]``.

Progress and the individual rounds go to standard error; the table, with
the SDK figure, the reference figure, their ratio and the target, goes to
standard output.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import sys
import time

import aiohttp
import orjson
import pydantic

from moment_async import __version__

from . import bulk, decode, limiter, overhead, throughput, upload, validate
from ._common import Row, format_table


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmarks and print the table; return the exit status.

    Missing a target is reported in the output, not by the exit status:
    this is a measurement, and the machines are noisy.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="moment-async against raw aiohttp and pydantic v2, on loopback.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer requests and rounds (~55 s)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[Row] = []
    print("running throughput (loopback server in a separate process)", file=sys.stderr)
    rows += throughput.run(quick=args.quick)
    print("running decode", file=sys.stderr)
    rows += decode.run(quick=args.quick)
    print("running overhead (instant transport)", file=sys.stderr)
    rows += overhead.run(quick=args.quick)
    print("running validate (1M-row ADID CSV)", file=sys.stderr)
    rows += validate.run(quick=args.quick)
    print("running upload (10 CSV files, in child processes)", file=sys.stderr)
    rows += upload.run(quick=args.quick)
    print(
        "running bulk (1,000 ad accounts, sandbox in a separate process)",
        file=sys.stderr,
    )
    rows += bulk.run(quick=args.quick)
    print("running limiter (100,000 keys)", file=sys.stderr)
    rows += limiter.run(quick=args.quick)
    elapsed = time.perf_counter() - started

    probe = asyncio.new_event_loop()
    loop = type(probe).__name__
    probe.close()
    print(
        f"moment-async {__version__} | Python {platform.python_version()} | "
        f"aiohttp {aiohttp.__version__} | pydantic {pydantic.VERSION} | "
        f"orjson {orjson.__version__} | {os.cpu_count()} CPUs | {loop}"
    )
    print(
        f"mode: {'quick' if args.quick else 'full'} | "
        f"gc enabled: {gc.isenabled()} (normal state, thresholds {gc.get_threshold()})"
        " | ratio = SDK / reference"
    )
    print()
    print(format_table(rows))
    print()
    print(
        "reference: raw aiohttp session.get + read() + json.loads (same headers,"
        " TCPConnector(limit=512)) for throughput; pydantic v2"
        " TypeAdapter.validate_json for decode; json.loads for decode per call."
    )
    print(
        "SDK: default rate limiter on, a distinct customer file id per call"
        " (the limiter works but never waits); best of the rounds on each side."
    )
    print(
        "upload: SDK customer_files.upload with progress= against raw aiohttp"
        " post of a FormData of open files, both with Content-Length; peak RSS"
        " growth is the worst round, each in a fresh child process."
    )
    print(
        "bulk: for_each_account(concurrency=64) listing 1,000 sandbox ad accounts"
        " against the sandbox's own rate (raw aiohttp, 64 workers, same headers);"
        " ratio = ideal_time / SDK wall time."
    )
    print(
        "limiter: KeyedLimiter alone, in process; limits, not ratios (the stall's"
        " reference is the same ticker on an idle loop). Redis: RedisLimiter.acquire"
        " on fresh keys against a PING round trip to the same loopback redis-server"
        " (one EVALSHA each, checked by Redis' command counts)."
    )
    print(f"total time: {elapsed:.1f} s")
    missed = [row.name for row in rows if row.verdict == "MISS"]
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
