"""
The sandbox in a process of its own, with many ad accounts granted to one token.

``python -m benchmarks._sandbox --port 0 --accounts 1000 --files 3`` grants
the sandbox's default token ad accounts ``FIRST_ACCOUNT`` onwards, gives
each a few ready customer files, prints ``READY <port>`` once it listens on
127.0.0.1 and exits when its standard input closes. Start it with
``running_server(module="benchmarks._sandbox", args=[...])``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from typing import Final

from moment_async.sandbox import Sandbox

from ._server import HOST, exit_when_stdin_closes

#: The first ad account granted; the others follow it.
FIRST_ACCOUNT: Final = 2_000_001


async def _serve(port: int, accounts: int, files: int) -> None:
    async with Sandbox(host=HOST, port=port) as sandbox:
        ids = range(FIRST_ACCOUNT, FIRST_ACCOUNT + accounts)
        sandbox.grant(Sandbox.DEFAULT_TOKEN, *ids)
        for account in ids:
            for n in range(files):
                sandbox.seed_customer_file(account, f"customer file {n}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        print(f"READY {sandbox.port}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """
    Serve until SIGTERM, SIGINT or the end of standard input.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks._sandbox")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--files", type=int, default=3, help="customer files each")
    args = parser.parse_args(argv)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(_serve(args.port, args.accounts, args.files))
    # Skip interpreter shutdown: the stdin thread is still blocked in read().
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
