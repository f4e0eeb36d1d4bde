"""
Validation of a 1-million-row ADID CSV: rows per second, peak memory and the event loop's largest stall.

The file (generated once into a temporary directory) has a header, about
1 % invalid rows, 2 % repeats and 3 % upper-case IDs; the rest are distinct
random IDs, the worst case for the de-duplication set. The SDK figure is
``await adid.validate(path)`` (the async API: 1 MiB chunks parsed in worker
threads); the reference is the sandbox's own counter, a straightforward
block-regex reader, over the same file in 256 KiB chunks in one thread, as
it reads an upload. Rounds alternate; the best of each side is kept.

While the async API runs, a task sleeping 5 ms at a time records the
longest gap between its wake-ups: the event loop's largest stall (the issue
bounds it at 50 ms). Memory is measured in a fresh child process: the peak
RSS growth (``VmHWM`` after resetting it through ``/proc/self/clear_refs``)
and the ``tracemalloc`` peak of one validation, and the RSS cost per
distinct ID of the de-duplication store against two other key forms.
"""

from __future__ import annotations

import asyncio
import gc
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Final

from moment_async import adid
from moment_async.adid._scanner import RowScanner
from moment_async.sandbox._csv import AdidCounter

from ._common import Row, paired_median

ROWS: Final = 1_000_000
FULL_ROUNDS: Final = 5
QUICK_ROUNDS: Final = 2
#: The issue's bound on the loop's largest stall, in seconds.
STALL_BOUND: Final = 0.050
TICK: Final = 0.005
_SANDBOX_CHUNK: Final = 256 * 1024
_READ_CHUNK: Final = 1 << 20
#: IDs per key form in the key-form comparison.
_FORM_IDS: Final = 500_000


def write_csv(path: Path, rows: int = ROWS, seed: int = 1) -> None:
    """
    Write the benchmark's CSV: a header, then *rows* rows of the documented mix.
    """
    rnd = random.Random(seed)
    lines = ["adid"]
    ids: list[str] = []
    for i in range(rows):
        roll = rnd.random()
        if roll < 0.01:
            lines.append(rnd.choice([f"not-an-adid-{i}", f"{i:08x}-00", "", "x;y"]))
            continue
        if roll < 0.03 and ids:
            lines.append(rnd.choice(ids))
            continue
        h = f"{rnd.getrandbits(128):032x}"
        value = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        ids.append(value)
        lines.append(value.upper() if roll < 0.06 else value)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


async def _validate_with_ticker(path: Path) -> tuple[float, float, adid.AdidReport]:
    gaps: list[float] = []
    finished = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        for _ in range(60_000):  # bounded: about five minutes
            if finished.is_set():
                return
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    report = await adid.validate(path)
    elapsed = time.perf_counter() - started
    finished.set()
    await task
    return elapsed, max(gaps, default=0.0), report


def _sandbox_count(path: Path) -> float:
    counter = AdidCounter()
    started = time.perf_counter()
    counter.start_file()
    with path.open("rb") as file:
        while chunk := file.read(_SANDBOX_CHUNK):
            counter.feed(chunk)
    counter.end_file()
    return time.perf_counter() - started


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _status(field: str) -> int:
    # /proc/self/status gives kB; Linux only, as the benchmarks are.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    msg = f"{field} not in /proc/self/status"
    raise RuntimeError(msg)


def _child(mode: str, path: Path) -> float:
    """
    Measure one memory figure in this fresh process: *mode* says which.
    """
    gc.collect()
    if mode == "rss_peak":
        before = _status("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to VmRSS
        asyncio.run(adid.validate(path))
        return _status("VmHWM") - before
    if mode == "traced_peak":
        tracemalloc.start()
        asyncio.run(adid.validate(path))
        return tracemalloc.get_traced_memory()[1]
    if mode == "per_id":
        # The store alone, kept alive while RSS is read.
        before = _status("VmRSS")
        scanner = RowScanner(max_invalid=0, max_tracked=None)
        scanner.start_file()
        with path.open("rb") as file:
            while chunk := file.read(_READ_CHUNK):
                scanner.feed(chunk)
        scanner.end_file()
        return (_status("VmRSS") - before) / scanner.report().valid
    return _key_form(mode)


def _key_form(mode: str) -> float:
    # The same random IDs as dict keys in one form. The hex text is made
    # first and kept alive, so only the keys and the dict show in RSS.
    rnd = random.Random(2)
    hexes = [f"{rnd.getrandbits(128):032x}" for _ in range(_FORM_IDS)]
    forms: dict[str, Callable[[str], object]] = {
        "form_text": lambda h: (
            f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode()
        ),
        "form_bytes16": bytes.fromhex,
        "form_int": lambda h: int(h, 16),
    }
    make = forms[mode]
    gc.collect()
    before = _status("VmRSS")
    store = dict.fromkeys(make(h) for h in hexes)
    return (_status("VmRSS") - before) / len(store)


def _memory(path: Path, mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.validate", "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return float(result.stdout)


def run(*, quick: bool = False) -> list[Row]:
    """
    Validate the generated file with both sides, alternating; measure memory apart.
    """
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    with tempfile.TemporaryDirectory(prefix="moment-bench-") as tmp:
        path = Path(tmp) / "adids.csv"
        write_csv(path)
        size = path.stat().st_size
        ours: list[float] = []
        sandbox: list[float] = []
        stalls: list[float] = []
        report: adid.AdidReport | None = None
        for round_ in range(rounds):
            # Alternate which side goes first: drift hits both alike.
            for side in ("sdk", "ref") if round_ % 2 == 0 else ("ref", "sdk"):
                if side == "sdk":
                    elapsed, stall, report = asyncio.run(_validate_with_ticker(path))
                    ours.append(elapsed)
                    stalls.append(stall)
                else:
                    sandbox.append(_sandbox_count(path))
            print(
                f"  round {round_ + 1}: validate {ROWS / ours[-1]:,.0f} rows/s, "
                f"sandbox {ROWS / sandbox[-1]:,.0f} rows/s, stall {stalls[-1] * 1e3:.1f} ms",
                file=sys.stderr,
            )
        sync = min(_timed(lambda: adid.validate_sync(path)) for _ in range(rounds))
        clean = Path(tmp) / "clean.csv"
        normalize = min(
            _timed(lambda: adid.normalize_sync(path, out=clean)) for _ in range(rounds)
        )
        memory = {
            mode: _memory(path, mode)
            for mode in (
                "rss_peak", "traced_peak", "per_id",
                "form_bytes16", "form_text", "form_int",
            )
        }  # fmt: skip
    stall = max(stalls)
    mb = 1024 * 1024
    summary = "" if report is None else report.summary()
    print(
        f"  file: {ROWS:,} rows, {size / mb:.1f} MiB; {summary}",
        file=sys.stderr,
    )
    return [
        Row(
            "validate 1M rows (async) vs sandbox counter",
            ROWS / min(ours),
            ROWS / min(sandbox),
            "rows/s",
            paired=paired_median([1 / t for t in ours], [1 / t for t in sandbox]),
        ),
        Row("validate_sync 1M rows", ROWS / sync, None, "rows/s"),
        Row("normalize_sync 1M rows", ROWS / normalize, None, "rows/s"),
        Row("validate: largest loop stall", stall * 1e3, None, "ms"),
        Row(
            "validate: stall headroom (50 ms / largest)",
            STALL_BOUND / stall,
            1.0,
            "x",
            target=1.0,
        ),
        Row("validate: peak RSS growth", memory["rss_peak"] / mb, None, "MiB"),
        Row("validate: tracemalloc peak", memory["traced_peak"] / mb, None, "MiB"),
        Row("de-dup store per distinct ID", memory["per_id"], None, "B"),
        Row("  key form: 16-byte bytes (used)", memory["form_bytes16"], None, "B"),
        Row("  key form: 36-char text", memory["form_text"], None, "B"),
        Row("  key form: int", memory["form_int"], None, "B"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(_child(sys.argv[2], Path(sys.argv[3])))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
