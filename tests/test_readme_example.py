"""
The README's "Example" runs as written against the sandbox, pointed at it by MOMENT_BASE_URL.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Final

from moment_async.sandbox import Sandbox
from tests._environ import without_ours

README: Final = Path(__file__).parents[1] / "README.md"
#: What the example passes as its token and its ad account.
TOKEN: Final = "BUSINESS_TOKEN"  # the README's placeholder
ACCOUNT: Final = 27429
ADIDS: Final = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 41)]


def example() -> str:
    """
    Return the first Python block of the README's "## Example" section.
    """
    readme = README.read_text(encoding="utf-8")
    start = readme.index("\n## Example\n")
    end = readme.index("\n## ", start + 1)
    blocks: list[str] = re.findall(r"```python\n(.*?)```", readme[start:end], re.DOTALL)
    return blocks[0]


async def test_the_readme_example_runs_as_written(tmp_path: Path):
    """The example uploads buyers.csv and creates the audience, in a child process."""
    (tmp_path / "example.py").write_text(example(), encoding="utf-8")
    (tmp_path / "buyers.csv").write_text("\n".join(ADIDS) + "\n", encoding="utf-8")
    async with Sandbox(processing_delay=0.0) as sandbox:
        sandbox.grant(TOKEN, ACCOUNT)
        env = without_ours()
        env["MOMENT_BASE_URL"] = sandbox.url
        env["PYTHONPATH"] = str(README.parent)
        env["PYTHONWARNINGS"] = "error"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "example.py", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)

        assert 0 == process.returncode, err.decode()
        [file] = sandbox.state.customer_files(ACCOUNT)
        assert "buyers 2026" == file.name
        audience_id, status = out.decode().split()
        assert int(audience_id) > 0
        assert status
