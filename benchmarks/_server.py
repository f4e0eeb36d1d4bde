"""
A loopback aiohttp.web server that answers the customer file detail call.

It runs in its own process so that the client being measured has a core to
itself: ``python -m benchmarks._server --port 0`` binds 127.0.0.1 on an
ephemeral port, prints ``READY <port>`` once it accepts connections, and
exits when its standard input closes (so it never outlives the benchmark).
Use ``running_server()`` rather than starting it by hand::

    with running_server() as port:
        url = f"http://127.0.0.1:{port}/openapi/v4/customerFiles/1"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Final

from aiohttp import web

from ._common import fixture_bytes

HOST: Final = "127.0.0.1"
#: The base URL path the SDK is pointed at, below the server's origin.
API_PREFIX: Final = "/openapi/v4"
CONTENT_TYPE: Final = "application/json;charset=UTF-8"
#: Listen backlog: 512 connections open at once must not overflow it.
BACKLOG: Final = 2048
#: Seconds to wait for ``READY`` before giving up on the server.
START_TIMEOUT: Final = 15.0
#: Seconds to wait for a clean exit before killing the server.
STOP_TIMEOUT: Final = 5.0


def make_app() -> web.Application:
    """
    Build the application: two routes, each with one precomputed answer.

    ``GET /customerFiles/{id}`` answers the detail call. ``POST
    /customerFiles`` reads an upload's body to its end and discards it:
    it refuses a body without ``Content-Length`` (411) or one whose length
    differs from it (400), and otherwise answers the documented upload
    sample.
    """
    body = fixture_bytes("customer_files.get")
    uploaded = fixture_bytes("customer_files.upload")
    headers = {"Content-Type": CONTENT_TYPE}

    async def customer_file(request: web.Request) -> web.Response:
        return web.Response(body=body, headers=headers)

    async def upload(request: web.Request) -> web.Response:
        expected = request.content_length
        if expected is None:
            return web.Response(status=411, text="Content-Length required")
        received = 0
        # Bounded by the declared length: the parser ends the body there.
        async for chunk in request.content.iter_any():
            received += len(chunk)
        if received != expected:
            return web.Response(status=400, text=f"{received} != {expected}")
        return web.Response(body=uploaded, headers=headers)

    app = web.Application()
    app.router.add_get(API_PREFIX + "/customerFiles/{id}", customer_file)
    app.router.add_post(API_PREFIX + "/customerFiles", upload)
    return app


def exit_when_stdin_closes() -> None:
    """
    Block until standard input closes, then end the process at once.

    The parent holds the other end of stdin; EOF means it is gone. Run it
    in a daemon thread of a server process.
    """
    with contextlib.suppress(OSError, ValueError):
        sys.stdin.buffer.read()
    os._exit(0)


async def _serve(port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    runner = web.AppRunner(make_app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.SockSite(runner, sock, backlog=BACKLOG)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"READY {sock.getsockname()[1]}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """
    Serve until SIGTERM, SIGINT or the end of standard input.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one"
    )
    args = parser.parse_args(argv)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(_serve(args.port))
    # Skip interpreter shutdown: the stdin thread is still blocked in read().
    sys.stdout.flush()
    os._exit(0)


def _read_ready(process: subprocess.Popen[bytes], timeout: float) -> int:
    """
    Wait at most *timeout* seconds for the ``READY <port>`` line; return the port.
    """
    assert process.stdout is not None  # noqa: S101  # started with stdout=PIPE
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                msg = f"the benchmark server did not start within {timeout:g} s"
                raise TimeoutError(msg)
            if not selector.select(left):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                msg = f"the benchmark server exited early (code {process.wait()})"
                raise RuntimeError(msg)
            buffer += chunk
    line = buffer.split(b"\n", 1)[0].decode()
    word, _, port = line.partition(" ")
    if word != "READY" or not port.isdigit():
        msg = f"unexpected line from the benchmark server: {line!r}"
        raise RuntimeError(msg)
    return int(port)


def _wait_accepting(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def start_server(
    port: int = 0,
    timeout: float = START_TIMEOUT,
    *,
    module: str = "benchmarks._server",
    args: Sequence[str] = (),
) -> tuple[subprocess.Popen[bytes], int]:
    """
    Start the server process and wait until it accepts connections.

    Returns the process and its port. The process is killed if it does not
    become ready within *timeout* seconds. *module* is run with ``-m``,
    ``--port`` and *args*; it must print ``READY <port>`` and exit when its
    standard input closes, as this one does (``benchmarks._sandbox`` too).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=str(_package_root()),
    )
    try:
        bound = _read_ready(process, timeout)
        _wait_accepting(bound, timeout)
    except BaseException:
        stop_server(process)
        raise
    return process, bound


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """
    Stop the server process: SIGTERM, then SIGKILL if it lingers.
    """
    try:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
    finally:
        # Closing stdin also ends a server that ignored the signal.
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if process.poll() is None:
            process.kill()
            process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def running_server(
    port: int = 0, *, module: str = "benchmarks._server", args: Sequence[str] = ()
) -> Iterator[int]:
    """
    Run the server (or *module*, see ``start_server``) for the block; yield its port.
    """
    process, bound = start_server(port, module=module, args=args)
    try:
        yield bound
    finally:
        stop_server(process)


def _package_root() -> str:
    # The directory holding the benchmarks package, so "-m" finds it.
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


if __name__ == "__main__":
    main()
