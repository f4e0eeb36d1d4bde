"""
What the benchmarks share: the sample bodies, the peak RSS probe and the rows of the report.

The upload test's child process (``tests/resources/_upload_rss_client.py``)
measures its memory with ``peak_rss_growth`` too: one probe, so the test and
the benchmark read the same figure the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import statistics
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

#: The documented sample answers the tests use; the benchmarks use them too.
FIXTURES: Final = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
#: Seconds between RSS samples where the kernel's peak cannot be reset.
SAMPLE_EVERY: Final = 0.005


def fixture_bytes(name: str) -> bytes:
    """
    Return the raw bytes of ``tests/fixtures/<name>.json``.
    """
    return (FIXTURES / f"{name}.json").read_bytes()


def _status(field: str) -> int:
    # /proc/self/status gives kB; Linux only, as the benchmarks are.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    msg = f"{field} not in /proc/self/status"
    raise LookupError(msg)


@contextlib.contextmanager
def peak_rss_growth() -> Iterator[Callable[[], tuple[int, str]]]:
    """
    Measure how far this process's peak RSS rises above its RSS at the start of the block.

    Yields a function returning (growth in bytes, how the peak was read),
    to call before the block ends. The kernel's high-water mark (``VmHWM``)
    is reset to the current RSS first; where that is refused, a thread
    samples ``VmRSS`` every ``SAMPLE_EVERY`` seconds and the function takes
    a last sample itself. Linux only: reads ``/proc/self/status``.
    """
    gc.collect()
    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    except OSError:
        pass
    else:
        yield lambda: (_status("VmHWM") - before, "VmHWM")
        return
    stop = threading.Event()
    peak = before

    def sample() -> None:
        nonlocal peak
        while not stop.wait(SAMPLE_EVERY):
            peak = max(peak, _status("VmRSS"))

    def growth() -> tuple[int, str]:
        # The last sample: what the block holds at its end counts too.
        last = max(peak, _status("VmRSS"))
        return last - before, f"VmRSS sampled every {SAMPLE_EVERY * 1000:g} ms"

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield growth
    finally:
        stop.set()
        sampler.join()


@dataclasses.dataclass(frozen=True)
class Row:
    """
    One line of the report: an SDK figure, its reference and the target ratio.

    *sdk* and *reference* are the best round of each side and *ratio* is
    theirs; *paired* is the median of the per-round ratios (each SDK round
    against the reference round next to it), which drift on a noisy machine
    moves less. *target* is ``None`` for figures shown for information only.
    *limit*, for costs such as memory, is the most the SDK figure may be,
    whatever the reference.
    """

    name: str
    sdk: float
    reference: float | None
    unit: str
    target: float | None = None
    paired: float | None = None
    limit: float | None = None

    @property
    def ratio(self) -> float | None:
        """
        SDK / reference, or ``None`` without a reference.
        """
        if self.reference is None or self.reference == 0:
            return None
        return self.sdk / self.reference

    @property
    def verdict(self) -> str:
        """
        ``ok`` or ``MISS`` against the target or the limit, ``-`` without one.
        """
        if self.limit is not None:
            return "ok" if self.sdk <= self.limit else "MISS"
        ratio = self.ratio
        if self.target is None or ratio is None:
            return "-"
        return "ok" if ratio >= self.target else "MISS"


def paired_median(sdk: list[float], reference: list[float]) -> float:
    """
    Return the median of the round-by-round ratios *sdk* / *reference*.
    """
    return statistics.median(a / b for a, b in zip(sdk, reference, strict=True))


def format_figure(value: float | None, unit: str) -> str:
    """
    Format *value* in *unit* with a precision that suits its size.
    """
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def _goal(row: Row) -> str:
    if row.limit is not None:
        return f"<= {format_figure(row.limit, row.unit)}"
    return "-" if row.target is None else f">= {row.target:.2f}"


def format_table(rows: list[Row]) -> str:
    """
    Return *rows* as one aligned plain-text table.
    """
    header = (
        "benchmark",
        "SDK",
        "reference",
        "ratio",
        "median pair",
        "target",
        "result",
    )
    lines = [
        (
            row.name,
            format_figure(row.sdk, row.unit),
            format_figure(row.reference, row.unit),
            "-" if row.ratio is None else f"{row.ratio:.3f}",
            "-" if row.paired is None else f"{row.paired:.3f}",
            _goal(row),
            row.verdict,
        )
        for row in rows
    ]
    widths = [
        max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))
    ]

    def render(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [
            cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)
        ]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in lines)])
