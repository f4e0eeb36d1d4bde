"""
Server processes the tests start on loopback: a free port, and a clean stop.
"""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    """
    Return a loopback port that was free a moment ago.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """
    Stop *process*: SIGTERM, then SIGKILL if it is still there after *timeout* seconds.
    """
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
