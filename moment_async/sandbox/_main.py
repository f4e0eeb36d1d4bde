"""
Running the sandbox from a shell until interrupted: ``python -m moment_async.sandbox``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import IO

from ._sandbox import DEFAULT_PROCESSING_DELAY, Sandbox


async def _serve(
    host: str, port: int, processing_delay: float, rate_limits: bool, out: IO[str]
) -> None:
    async with Sandbox(
        host=host, port=port, processing_delay=processing_delay, rate_limits=rate_limits
    ) as sandbox:
        out.write(
            f"Moment API sandbox at {sandbox.url}\n"
            f"token: {Sandbox.DEFAULT_TOKEN}  ad account: {Sandbox.DEFAULT_ACCOUNT}\n"
            "Press Ctrl-C to stop.\n"
        )
        out.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Not every platform lets a loop handle signals (Windows does not);
            # there Ctrl-C still ends asyncio.run with KeyboardInterrupt.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    processing_delay: float = DEFAULT_PROCESSING_DELAY,
    rate_limits: bool = True,
    out: IO[str] | None = None,
) -> None:
    """
    Serve a sandbox on *host*:*port* until Ctrl-C or SIGTERM; print its URL to *out*.

    The default token ``sandbox-token`` may act on ad account 1000.

    Raises:
        OSError: the port is in use or the address cannot be bound.
    """
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            _serve(host, port, processing_delay, rate_limits, out or sys.stdout)
        )


def main(argv: Sequence[str] | None = None) -> int:
    """
    Parse *argv*, serve until interrupted and return the exit code.
    """
    parser = argparse.ArgumentParser(
        prog="python -m moment_async.sandbox",
        description="Serve an in-memory Kakao Moment API sandbox on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument(
        "--processing-delay",
        type=float,
        default=DEFAULT_PROCESSING_DELAY,
        help="seconds until a new customer file or audience is ready",
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce the 5 s limits"
    )
    args = parser.parse_args(argv)
    try:
        serve(
            args.host,
            args.port,
            processing_delay=args.processing_delay,
            rate_limits=not args.no_rate_limits,
        )
    except OSError as exc:
        sys.stderr.write(f"sandbox: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 1
    return 0
