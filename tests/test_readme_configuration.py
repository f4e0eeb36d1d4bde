"""
The README's "Configuration" section runs as written: its shell lines and configured.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from tests._environ import without_ours
from tests.cli.test_cli import sandbox_server

README: Final = Path(__file__).parents[1] / "README.md"
#: The shell block's first line, which the test runs itself (on a free port).
SANDBOX_LINE: Final = re.compile(r"^moment-async sandbox --port 8080 &")


def section() -> str:
    """
    Return the text of the README's "## Configuration" section.
    """
    readme = README.read_text(encoding="utf-8")
    start = readme.index("\n## Configuration\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def blocks(language: str) -> list[str]:
    """
    Return the section's fenced code blocks in *language*.
    """
    return re.findall(rf"```{language}\n(.*?)```", section(), re.DOTALL)


async def test_the_configuration_section_runs_as_written(tmp_path):
    """The shell block, with configured.py, talks to a sandbox as the README says."""
    [shell] = blocks("bash")
    [program] = blocks("python")
    first, *rest = shell.splitlines()
    assert SANDBOX_LINE.match(first)
    assert program.startswith("# configured.py\n")
    (tmp_path / "configured.py").write_text(program, encoding="utf-8")
    env = without_ours()
    # "python" is the one this package is installed in, and it imports the
    # checkout this test belongs to, whatever the installed one is.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(README.parent)

    async with sandbox_server() as url:
        port = str(urlsplit(url).port)
        script = "set -eu\n" + "\n".join(rest).replace("8080", port)
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", script, cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)

    stderr = err.decode()
    assert 0 == process.returncode, stderr
    assert "0 customer files, 0 audiences\n" == out.decode()
    logged = stderr.splitlines()
    assert 2 == len(logged), stderr
    assert " DEBUG moment_async: GET /customerFiles -> 200 " in logged[0]
    assert " DEBUG moment_async: GET /targetings/audiences -> 200 " in logged[1]
    assert "sandbox-token" not in stderr
