"""
A real tinyproxy on loopback, a byte tap in front of it, and a TLS front for the sandbox.

The proxy tests start and stop each of them; nothing here imitates a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Final

from tests._processes import free_port, stop_process

#: Seconds tinyproxy gets to accept connections, and to stop.
START_TIMEOUT: Final = 10.0


def missing_message() -> str:
    """
    Say that tinyproxy is missing, and how to get it.
    """
    return (
        "tinyproxy is not on PATH; the proxy tests start a real one and never skip. "
        "Install it: 'apt-get install -y tinyproxy' (Debian, Ubuntu; .ci/run "
        "installs it) or 'brew install tinyproxy' (macOS)"
    )


class Tinyproxy:
    """
    One tinyproxy process on 127.0.0.1, with its own configuration and log file.

    *connect_ports* are the ports it opens ``CONNECT`` tunnels to (none
    other); *basic_auth*, a ``(user, password)`` pair, makes it ask every
    client for them. ``with Tinyproxy(...) as proxy:`` starts and stops it.
    """

    def __init__(
        self,
        *,
        connect_ports: tuple[int, ...] = (),
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self._connect_ports = connect_ports
        self._basic_auth = basic_auth
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Tinyproxy:
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
        The proxy's URL, without credentials.
        """
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """
        Where tinyproxy writes its log (request lines at the "Connect" level).
        """
        assert self._directory is not None, "the proxy is not running"
        return Path(self._directory.name) / "tinyproxy.log"

    def log(self) -> str:
        """
        Return the log written so far.
        """
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> Tinyproxy:
        """
        Start tinyproxy and wait (bounded) until it accepts connections.
        """
        executable = shutil.which("tinyproxy")
        if executable is None:
            raise FileNotFoundError(missing_message())
        self._directory = tempfile.TemporaryDirectory(prefix="moment-tinyproxy-")
        folder = Path(self._directory.name)
        lines = [
            f"Port {self.port}",
            "Listen 127.0.0.1",
            "Allow 127.0.0.1",
            "Timeout 30",
            "MaxClients 100",
            f'LogFile "{folder / "tinyproxy.log"}"',
            "LogLevel Connect",
            f'PidFile "{folder / "tinyproxy.pid"}"',
            *(f"ConnectPort {port}" for port in self._connect_ports),
        ]
        if self._basic_auth is not None:
            lines.append(f"BasicAuth {self._basic_auth[0]} {self._basic_auth[1]}")
        config = folder / "tinyproxy.conf"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._process = subprocess.Popen(  # noqa: S603  # a fixed command line
            [executable, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.log() if self.log_path.exists() else "(no log)"
                self.stop()
                msg = f"tinyproxy did not listen on port {self.port}:\n{log}"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def stop(self) -> None:
        """
        Stop tinyproxy, reap it and remove its directory; safe to call twice.
        """
        process, self._process = self._process, None
        directory, self._directory = self._directory, None
        if process is not None:
            stop_process(process, START_TIMEOUT)
        if directory is not None:
            directory.cleanup()


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    record: bytearray | None = None,
) -> None:
    try:
        while chunk := await reader.read(65536):
            if record is not None:
                record += chunk
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, ssl.SSLError, RuntimeError):
            writer.close()


@contextlib.asynccontextmanager
async def relay(
    target_port: int,
    *,
    tls: ssl.SSLContext | None = None,
    record: bytearray | None = None,
) -> AsyncIterator[int]:
    """
    Relay each loopback connection to *target_port*; give the relay's port.

    With *tls* the relay is a TLS server that forwards the decrypted bytes
    (an HTTPS front for the plain-HTTP sandbox). With *record*, every byte
    a client sends is appended to it: what the next hop (a proxy) received.
    """
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                "127.0.0.1", target_port
            )
        except OSError:
            writer.close()
            return
        both = (
            asyncio.ensure_future(_pipe(reader, up_writer, record)),
            asyncio.ensure_future(_pipe(up_reader, writer)),
        )
        tasks.update(both)
        await asyncio.gather(*both)
        tasks.difference_update(both)

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
