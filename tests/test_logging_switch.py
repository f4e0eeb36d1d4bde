"""
The MOMENT_LOG switch, in fresh processes: it is read once per process.

Each test runs a small program in a child Python with a clean environment
plus the MOMENT_LOG it tests; the program starts a sandbox, makes real
calls through it with a distinctive token, and prints what logging looks
like afterwards. Standard error is what a user would see.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Final

import attrs

import moment_async as ma
from moment_async import _log
from tests._environ import without_ours

TOKEN: Final = "tok-LOG-SECRET-246"
#: Starts a sandbox, makes two clients (so a warning shows only once) and
#: calls through them, then prints the state of logging as JSON.
PROGRAM: Final = textwrap.dedent(
    f"""
    import asyncio, json, logging, sys
    import moment_async as ma
    from moment_async.sandbox import Sandbox

    if "--app-logging" in sys.argv:
        logging.basicConfig(level=logging.WARNING, format="APP %(name)s %(message)s")
    before = logging.getLogger("moment_async").handlers[:]

    async def main():
        async with Sandbox() as sandbox:
            sandbox.grant({TOKEN!r}, Sandbox.DEFAULT_ACCOUNT)
            for _ in range(2):
                async with ma.MomentClient({TOKEN!r}, base_url=sandbox.url) as client:
                    acct = client.ad_account(Sandbox.DEFAULT_ACCOUNT)
                    await acct.customer_files.list()
                    await acct.audiences.list()

    asyncio.run(main())
    ours = logging.getLogger("moment_async")
    root = logging.getLogger()
    print(json.dumps({{
        "handlers_at_import": len(before),
        "handlers": len(ours.handlers),
        "level": logging.getLevelName(ours.level),
        "root_level": logging.getLevelName(root.level),
        "root_handlers": len(root.handlers),
        "aiohttp_level": logging.getLevelName(logging.getLogger("aiohttp").level),
    }}))
    """
)


@attrs.frozen
class Run:
    """
    What the program printed: the logging state (stdout), and standard error.
    """

    state: dict[str, object]
    err: str


def run(moment_log: str | None, *options: str) -> Run:
    """
    Run the program with MOMENT_LOG set to *moment_log* (unset for None).
    """
    env = without_ours()
    # The checkout this test belongs to, whatever the installed one is.
    env["PYTHONPATH"] = str(Path(__file__).parents[1])
    if moment_log is not None:
        env["MOMENT_LOG"] = moment_log
    done = subprocess.run(  # noqa: S603  # this Python, a fixed program
        [sys.executable, "-c", PROGRAM, *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    return Run(json.loads(done.stdout), done.stderr)


def test_debug_prints_one_line_per_request_on_stderr_without_the_token():
    """MOMENT_LOG=debug: a readable stderr line per request, no token, root logger untouched."""
    result = run("debug")

    lines = result.err.splitlines()
    requests = [line for line in lines if " DEBUG moment_async: " in line]
    assert 4 == len(requests), result.err
    assert "GET /customerFiles -> 200 (attempt 1" in requests[0]
    assert "GET /targetings/audiences -> 200 (attempt 1" in requests[1]
    assert TOKEN not in result.err
    assert "Bearer" not in result.err
    assert {
        "handlers_at_import": 0,
        "handlers": 1,
        "level": "DEBUG",
        "root_level": "WARNING",
        "root_handlers": 0,
        "aiohttp_level": "NOTSET",
    } == result.state


def test_info_sets_the_level_and_prints_no_request_lines():
    """MOMENT_LOG=info (any case) turns the logger on at INFO: the per-request lines stay off."""
    result = run(" Info ")

    assert "" == result.err
    assert ("INFO", 1) == (result.state["level"], result.state["handlers"])


def test_an_unknown_value_is_ignored_with_one_warning():
    """MOMENT_LOG=verbose changes nothing and warns once, though two clients were made."""
    result = run("verbose")

    warnings = [line for line in result.err.splitlines() if "RuntimeWarning" in line]
    assert 1 == len(warnings), result.err
    assert (
        "MOMENT_LOG='verbose' is ignored: use MOMENT_LOG=debug or MOMENT_LOG=info"
        in warnings[0]
    )
    assert ("NOTSET", 0) == (result.state["level"], result.state["handlers"])


def test_unset_changes_nothing():
    """Without MOMENT_LOG the library prints nothing and adds no handler."""
    result = run(None)

    assert "" == result.err
    assert ("NOTSET", 0) == (result.state["level"], result.state["handlers"])


def test_an_application_that_configured_logging_gets_each_line_once():
    """With a root handler already there, the lines go through it alone: never twice."""
    result = run("debug", "--app-logging")

    requests = [line for line in result.err.splitlines() if " -> 200 " in line]
    assert 4 == len(requests), result.err
    assert all(line.startswith("APP moment_async ") for line in requests)
    assert 0 == result.state["handlers"]
    assert TOKEN not in result.err


def test_a_value_set_after_an_earlier_client_still_counts(monkeypatch):
    """MOMENT_LOG set after a first client was made turns logging on at the next client."""
    monkeypatch.setitem(_log._SEEN, "value", "")
    logger = logging.getLogger(_log.LOGGER)
    level, handlers = logger.level, logger.handlers[:]
    try:
        ma.MomentClient("token")
        assert logging.NOTSET == logger.level
        monkeypatch.setenv("MOMENT_LOG", "debug")
        ma.MomentClient("token")
        assert logging.DEBUG == logger.level
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers
