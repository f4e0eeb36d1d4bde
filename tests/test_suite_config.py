"""
The suite's own configuration catches what it promises to: warnings are errors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"

LEAKY = """
import aiohttp


async def test_forgets_to_close():
    session = aiohttp.ClientSession()
    assert not session.closed
"""

TIDY = """
import aiohttp


async def test_closes():
    async with aiohttp.ClientSession() as session:
        assert not session.closed
"""


def run_with_our_config(
    tmp_path: Path, source: str
) -> subprocess.CompletedProcess[str]:
    """
    Run pytest on one test file of *source* under this project's pytest settings.
    """
    test = tmp_path / "test_canary.py"
    test.write_text(source, encoding="utf-8")
    return subprocess.run(  # noqa: S603  # our interpreter, our arguments
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(PYPROJECT),
            "--rootdir",
            str(tmp_path),
            str(test),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


@pytest.mark.parametrize(
    ("source", "expected_code"),
    [
        pytest.param(LEAKY, 1, id="unclosed-session-fails"),
        pytest.param(TIDY, 0, id="closed-session-passes"),
    ],
)
def test_an_unclosed_client_session_fails_the_suite(tmp_path, source, expected_code):
    """Under the project's pytest settings a test that leaves an aiohttp session open fails."""
    run = run_with_our_config(tmp_path, source)

    assert expected_code == run.returncode, run.stdout + run.stderr
    if expected_code:
        assert "Unclosed client session" in run.stdout + run.stderr
