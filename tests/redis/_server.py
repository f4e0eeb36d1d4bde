"""
A real redis-server on loopback, started and stopped by the tests (and by ``benchmarks.limiter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Final

from tests._processes import free_port, stop_process

#: Seconds a new server gets to answer PING.
START_TIMEOUT: Final = 10.0


def missing_message() -> str:
    """
    Say that redis-server is missing, and how to get it.
    """
    if os.environ.get("CI"):
        return (
            "redis-server is not on PATH: .ci/run installs it "
            "(apt-get install -y redis-server); the Redis limiter tests never skip"
        )
    return (
        "redis-server is not on PATH; the Redis limiter tests need it and never skip. "
        "Install it: 'apt-get install redis-server' (Debian, Ubuntu) or "
        "'brew install redis' (macOS), or run bash .ci/run"
    )


@functools.cache
def debug_options(executable: str) -> tuple[str, ...]:
    """
    Return the options that let loopback clients send DEBUG (off by default since Redis 7).
    """
    version = subprocess.run(  # noqa: S603  # the redis-server found on PATH
        [executable, "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    found = re.search(r"v=(\d+)\.", version)
    if found is not None and int(found.group(1)) >= 7:
        return ("--enable-debug-command", "local")
    return ()


@contextlib.asynccontextmanager
async def blackhole() -> AsyncIterator[str]:
    """
    Run a loopback server that accepts connections and never answers; give its Redis URL.
    """
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.close()
        for writer in held:
            writer.close()
        await server.wait_closed()


class RedisServer:
    """
    One redis-server process without persistence, bound to 127.0.0.1.

    Its working directory is a temporary one of its own, so even a SAVE
    writes nothing into the checkout. ``with RedisServer() as server:``
    starts it and stops it; ``start()`` and ``stop()`` may also be called
    by hand, and again (same port).
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = free_port() if port is None else port
        self._process: subprocess.Popen[bytes] | None = None
        #: When (time.monotonic) a DEBUG SLEEP left running ends.
        self._awake_at = 0.0
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """
        The server's URL, database 0.
        """
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """
        Start the server and wait (bounded) until it answers PING.
        """
        executable = shutil.which("redis-server")
        if executable is None:
            raise FileNotFoundError(missing_message())
        self._directory = tempfile.TemporaryDirectory(prefix="moment-redis-")
        self._process = subprocess.Popen(  # noqa: S603  # a fixed command line
            [
                executable,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "yes",
                "--dir", self._directory.name,
                *debug_options(executable),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.command("PING") == b"+PONG":
                    return self
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                msg = f"redis-server did not answer PING on port {self.port}"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def stop(self) -> None:
        """
        Stop the server, reap its process and remove its directory; safe to call twice.
        """
        process, self._process = self._process, None
        directory, self._directory = self._directory, None
        if process is not None:
            process.send_signal(signal.SIGCONT)  # a frozen server ends only once woken
            if time.monotonic() < self._awake_at:
                process.kill()  # asleep, it would read SIGTERM only once awake
                process.wait(5)
            else:
                stop_process(process)
        if directory is not None:
            directory.cleanup()

    def command(self, *words: str) -> bytes:
        """
        Send one inline command and return the first line of the answer.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(" ".join(words).encode() + b"\r\n")
            answer = b""
            while not answer.endswith(b"\r\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        return answer.split(b"\r\n", 1)[0]

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """
        Stop the server's process (SIGSTOP) until the block ends: it accepts, and answers nothing.
        """
        assert self._process is not None, "the server is not running"
        self._process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self._process.send_signal(signal.SIGCONT)

    @contextlib.contextmanager
    def stalled(self, seconds: float, *, wake: bool = True) -> Iterator[None]:
        """
        Have the server sleep *seconds* (``DEBUG SLEEP``) from now, for the block.

        The block ends once the server answers again; with *wake* false it
        ends at once, and the server sleeps on (``stop()`` then kills it).
        """
        with socket.create_connection(
            ("127.0.0.1", self.port), timeout=seconds + 5
        ) as sock:
            sock.sendall(f"DEBUG SLEEP {seconds}\r\n".encode())
            time.sleep(0.1)  # the server reads it before any command sent next
            self._awake_at = time.monotonic() + seconds
            try:
                yield
            finally:
                if wake:
                    answer = sock.recv(4096)
                    assert answer.startswith(b"+OK"), answer
