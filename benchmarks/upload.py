"""
Uploading 10 CSV files of 20 MiB (200 MiB) with ``customer_files.upload`` against raw aiohttp: throughput and peak RSS growth.

Both sides post the same files to the same loopback server, a separate
process (``benchmarks/_server.py``) that reads each body to its end,
discards it, refuses a body without ``Content-Length`` and answers the
documented upload sample. The SDK uploads with a ``progress=`` callback;
the raw side is the natural aiohttp way: ``ClientSession.post`` with an
``aiohttp.FormData`` of open file objects. Both keep ``Content-Length``.

Every measurement runs in a fresh child process, so that one side's heap
never holds the other's leftovers: it imports, opens its connection with a
small warm-up upload, collects garbage, reads its RSS, resets the peak
(``VmHWM``, through ``/proc/self/clear_refs``; sampled every 5 ms where that
is refused), uploads, and reports the seconds taken and the peak RSS growth.
Scenarios: one upload, and 8 concurrent uploads (to 8 ad accounts, so the
documented limit of one registration per 5 s and account never waits).
SDK and raw children alternate, which goes first alternates too, and the
files stay in the page cache throughout. The best throughput of each side
is kept, with the median of the round-by-round ratios beside it; the memory
figure is the worst round of each side. ``--quick`` uploads files of 8 MiB,
two rounds a side.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Final

import aiohttp

from moment_async import MomentClient
from moment_async._constants import (
    AD_ACCOUNT_ID,
    AUTHORIZATION,
    CSV_CONTENT_TYPE,
    DEFAULT_MAX_CONNECTIONS,
    JSON_CONTENT_TYPE,
    USER_AGENT,
)

from ._common import Row, format_figure, paired_median, peak_rss_growth
from ._server import API_PREFIX, HOST, running_server

MIB: Final = 1024 * 1024
FILES: Final = 10
FILE_BYTES: Final = 20 * MIB
CONCURRENCY: Final = (1, 8)
#: Peak RSS growth allowed to the SDK, by concurrency (the issue's bounds).
RSS_LIMITS: Final[dict[int, float]] = {1: 8 * MIB, 8: 24 * MIB}
#: SDK throughput / raw aiohttp throughput, at least.
THROUGHPUT_TARGET: Final = 0.75


@dataclasses.dataclass(frozen=True)
class Plan:
    """
    How much to measure: the size of each of the 10 files, and rounds per side.
    """

    file_bytes: int
    rounds: int


FULL: Final = Plan(file_bytes=FILE_BYTES, rounds=3)
#: Smaller files, fewer rounds: the memory bounds still hold, as nothing
#: of a file is kept, but the figures of record come from a full run.
QUICK: Final = Plan(file_bytes=8 * MIB, rounds=2)

TOKEN: Final = "token"  # noqa: S105  # a dummy; the loopback server ignores it
#: Ad accounts of the measured uploads (one per concurrent upload) and of the warm-up.
FIRST_ACCOUNT: Final = 27429
WARM_ACCOUNT: Final = 1
#: Seconds one child may take before the benchmark gives up.
CHILD_TIMEOUT: Final = 300.0
_WARM_FILE: Final = "warm.csv"


@dataclasses.dataclass(frozen=True)
class Sample:
    """
    One child's measurement: seconds and CPU seconds for all its uploads, peak RSS growth in bytes.
    """

    seconds: float
    cpu: float
    rss_growth: int
    peak_source: str


def write_files(folder: Path, count: int = FILES, size: int = FILE_BYTES) -> list[Path]:
    """
    Write *count* CSV files of *size* bytes of ADID lines into *folder*; return their paths.

    One block of random ADIDs is made once and repeated: a file of 20 MiB
    takes a few milliseconds to write, and the server never looks inside.
    """
    rnd = random.Random(4)
    lines = []
    for _ in range(MIB // 37 + 1):
        h = f"{rnd.getrandbits(128):032x}"
        lines.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}\n")
    block = "".join(lines).encode()[:MIB]
    paths = []
    for i in range(count):
        path = folder / f"adids-{i:02}.csv"
        with path.open("wb") as file:
            for _ in range(size // MIB):
                file.write(block)
            file.write(block[: size % MIB])
        paths.append(path)
    (folder / _WARM_FILE).write_bytes(block[: 64 * 1024])
    return paths


def _headers(account: int) -> dict[str, str]:
    # What the SDK sends with an upload, but Content-Type (FormData's own).
    return {
        "User-Agent": USER_AGENT,
        "Accept": JSON_CONTENT_TYPE,
        AD_ACCOUNT_ID: str(account),
        AUTHORIZATION: f"Bearer {TOKEN}",
    }


async def _measure(
    upload: Callable[[int, list[Path]], Coroutine[Any, Any, None]],
    paths: list[Path],
    concurrency: int,
) -> Sample:
    await upload(WARM_ACCOUNT, [paths[0].parent / _WARM_FILE])
    with peak_rss_growth() as growth:
        cpu = time.process_time()
        started = time.perf_counter()
        async with asyncio.timeout(CHILD_TIMEOUT), asyncio.TaskGroup() as group:
            for i in range(concurrency):
                group.create_task(upload(FIRST_ACCOUNT + i, paths))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        # Read the peak before the block ends: a sampler stops there.
        rss, source = growth()
    return Sample(elapsed, cpu, rss, source)


async def measure_sdk(base: str, paths: list[Path], concurrency: int) -> Sample:
    """
    Time ``customer_files.upload`` of *paths* from *concurrency* tasks, progress on.
    """
    # 10 x 20 MiB is 209,715,200 bytes, past the default 200 MB: the bound is
    # raised so that the figures compare with the earlier runs of record.
    async with MomentClient(
        TOKEN, base_url=base, max_upload_bytes=FILES * FILE_BYTES
    ) as client:

        async def upload(account: int, files: list[Path]) -> None:
            seen: list[tuple[int, int | None]] = [(0, None)]

            def progress(sent: int, total: int | None) -> None:
                seen[0] = (sent, total)

            await client.ad_account(account).customer_files.upload(
                f"bench {account}", files, progress=progress
            )
            sent, total = seen[0]
            if total is None or sent != total:
                msg = f"progress ended at {sent} of {total}: no Content-Length?"
                raise RuntimeError(msg)

        return await _measure(upload, paths, concurrency)


async def measure_raw(base: str, paths: list[Path], concurrency: int) -> Sample:
    """
    Time raw aiohttp posting a ``FormData`` of *paths*, opened, from *concurrency* tasks.
    """
    url = f"{base}/customerFiles"
    connector = aiohttp.TCPConnector(limit=DEFAULT_MAX_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def upload(account: int, files: list[Path]) -> None:
            with contextlib.ExitStack() as stack:
                form = aiohttp.FormData()
                form.add_field("name", f"bench {account}")
                for path in files:
                    form.add_field(
                        "files",
                        stack.enter_context(path.open("rb")),
                        filename=path.name,
                        content_type=CSV_CONTENT_TYPE,
                    )
                async with session.post(
                    url, data=form, headers=_headers(account)
                ) as resp:
                    body = await resp.read()
                if resp.status != 200:
                    msg = f"raw upload answered {resp.status}: {body[:200]!r}"
                    raise RuntimeError(msg)
                parsed: Any = json.loads(body)
                if not isinstance(parsed, dict) or "id" not in parsed:
                    msg = f"raw upload answered {body[:200]!r}"
                    raise RuntimeError(msg)

        return await _measure(upload, paths, concurrency)


def _child(side: str, concurrency: int, port: int, folder: Path) -> Sample:
    paths = sorted(folder.glob("adids-*.csv"))
    base = f"http://{HOST}:{port}{API_PREFIX}"
    measure = measure_sdk if side == "sdk" else measure_raw
    return asyncio.run(measure(base, paths, concurrency))


def _run_child(side: str, concurrency: int, port: int, folder: Path) -> Sample:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.upload",
            "--child",
            side,
            str(concurrency),
            str(port),
            str(folder),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    return Sample(**json.loads(result.stdout))


@dataclasses.dataclass(frozen=True)
class Scenario:
    """
    Both sides' samples for one concurrency.
    """

    concurrency: int
    bytes_each: int
    sdk: list[Sample]
    raw: list[Sample]

    def rates(self, side: str) -> list[float]:
        """
        MiB/s of each round of *side* ("sdk" or "raw").
        """
        samples = self.sdk if side == "sdk" else self.raw
        return [self.bytes_each * self.concurrency / s.seconds / MIB for s in samples]

    def rows(self) -> list[Row]:
        """
        The throughput row and the memory row of the report.
        """
        sdk, raw = self.rates("sdk"), self.rates("raw")
        files = f"{FILES}x{self.bytes_each // FILES // MIB} MiB"
        name = (
            f"upload {files}, one upload"
            if self.concurrency == 1
            else f"upload {files}, {self.concurrency} concurrent"
        )
        return [
            Row(
                f"{name}: throughput, progress on",
                max(sdk),
                max(raw),
                "MiB/s",
                target=THROUGHPUT_TARGET,
                paired=paired_median(sdk, raw),
            ),
            Row(
                f"{name}: peak RSS growth",
                max(s.rss_growth for s in self.sdk) / MIB,
                max(s.rss_growth for s in self.raw) / MIB,
                "MiB",
                limit=RSS_LIMITS[self.concurrency] / MIB,
            ),
        ]


def measure_all(plan: Plan) -> list[Scenario]:
    """
    Write the files, start the server, and measure every scenario in child processes.
    """
    scenarios = []
    with (
        tempfile.TemporaryDirectory(prefix="moment-bench-") as tmp,
        running_server() as port,
    ):
        folder = Path(tmp)
        write_files(folder, size=plan.file_bytes)
        for concurrency in CONCURRENCY:
            sdk: list[Sample] = []
            raw: list[Sample] = []
            for round_ in range(plan.rounds):
                # Alternate which side goes first: drift hits both alike.
                for side in ("sdk", "raw") if round_ % 2 == 0 else ("raw", "sdk"):
                    sample = _run_child(side, concurrency, port, folder)
                    (sdk if side == "sdk" else raw).append(sample)
                print(
                    f"  upload x{concurrency} round {round_ + 1}: "
                    + " | ".join(
                        f"{label} {s.seconds:.3f} s, CPU {s.cpu:.3f} s, "
                        f"+{s.rss_growth / MIB:.1f} MiB"
                        for label, s in (("SDK", sdk[-1]), ("raw", raw[-1]))
                    )
                    + f" (peak from {sdk[-1].peak_source})",
                    file=sys.stderr,
                )
            scenarios.append(Scenario(concurrency, FILES * plan.file_bytes, sdk, raw))
    return scenarios


def run(*, quick: bool = False) -> list[Row]:
    """
    Measure every scenario; return the rows of the report.
    """
    scenarios = measure_all(QUICK if quick else FULL)
    return [row for scenario in scenarios for row in scenario.rows()]


def format_scenarios(scenarios: list[Scenario]) -> str:
    """
    Return the upload report: one line per scenario, figures and verdicts.
    """
    header = (
        "scenario",
        "SDK MiB/s",
        "raw MiB/s",
        "ratio",
        "median pair",
        "SDK peak RSS",
        "raw peak RSS",
        "throughput >= 0.75",
        "RSS bound",
    )
    lines = []
    for scenario in scenarios:
        speed, memory = scenario.rows()
        lines.append(
            (
                f"{scenario.concurrency} x {scenario.bytes_each // MIB} MiB ({FILES} files)",
                f"{speed.sdk:,.0f}",
                f"{speed.reference or 0:,.0f}",
                f"{speed.ratio or 0:.3f}",
                f"{speed.paired or 0:.3f}",
                format_figure(memory.sdk, "MiB"),
                format_figure(memory.reference, "MiB"),
                speed.verdict,
                f"{memory.verdict} (<= {format_figure(memory.limit, 'MiB')})",
            )
        )
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(9)]
    return "\n".join(
        "  ".join(
            [cells[0].ljust(widths[0])]
            + [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        )
        for cells in [header, *lines]
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        side, concurrency, port, folder = sys.argv[2:6]
        sample = _child(side, int(concurrency), int(port), Path(folder))
        print(json.dumps(dataclasses.asdict(sample)))
    else:
        print(format_scenarios(measure_all(QUICK if "--quick" in sys.argv else FULL)))
