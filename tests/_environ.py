"""
A clean environment for the tests of what the client reads from it.

``MOMENT_*`` and the proxy variables change what a client does; a test
that looks at them starts from none of them, whatever the shell that ran
pytest had set.
"""

from __future__ import annotations

import os
from typing import Final

import pytest

#: The proxy variables, in both cases: lowercase ones win where both are set.
PROXY_VARIABLES: Final = (
    *(f"{name}_proxy" for name in ("http", "https", "all", "no")),
    *(f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL", "NO")),
)


#: The test suite's own switches, which the client never reads.
SUITE_SWITCHES: Final = frozenset({"MOMENT_UPDATE_README"})


def _ours(name: str) -> bool:
    if name in SUITE_SWITCHES:
        return False
    return name.startswith("MOMENT_") or name in PROXY_VARIABLES


def clear(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Remove every ``MOMENT_*`` and proxy variable for the rest of the test.
    """
    for name in list(os.environ):
        if _ours(name):
            monkeypatch.delenv(name)


def without_ours() -> dict[str, str]:
    """
    Return a copy of the environment without ``MOMENT_*`` or proxy variables, for a child process.
    """
    return {name: value for name, value in os.environ.items() if not _ours(name)}
