"""
Waits on long server-side work, with a bar of the time spent against the max wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable
from typing import Final, TypeVar

from ._output import ProgressBar

T = TypeVar("T")

#: Seconds between redraws; the bar counts whole seconds.
_TICK: Final = 0.25


async def with_elapsed_bar(work: Awaitable[T], within: float, bar: ProgressBar) -> T:
    """
    Await *work* while a ticker task shows the seconds spent out of *within* on *bar*.

    The bar only watches the clock: *work* keeps its own deadline (the
    max_wait it was given, which *within* repeats). However *work* ends, the
    ticker stops and the bar's line is ended; a wait refused before its
    first step (a bad argument) draws nothing.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    total = max(1, math.ceil(within))
    drawn = False

    def draw() -> None:
        nonlocal drawn
        drawn = True
        bar(min(total, int(loop.time() - started)), total)

    async def tick() -> None:
        while True:
            draw()
            await asyncio.sleep(_TICK)

    ticker = asyncio.create_task(tick())
    try:
        return await work
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        if drawn:
            draw()
            bar.finish()
