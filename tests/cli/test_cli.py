"""
The moment-async command, run in a subprocess against a sandbox on loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest

from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
ADIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 41)]


@attrs.frozen
class Run:
    """
    What one command printed and how it exited.
    """

    code: int
    out: str
    err: str

    def json(self) -> object:
        """
        Return the standard output as decoded JSON.
        """
        return json.loads(self.out)


async def cli(*args: str, env: dict[str, str] | None = None) -> Run:
    """
    Run ``python -m moment_async ARGS`` and collect its output (60 s at most).
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moment_async",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "MOMENT_TOKEN": "",
            "MOMENT_AD_ACCOUNT_ID": "",
            **(env or {}),
        },
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox in this process whose files are ready at once.
    """
    async with Sandbox(processing_delay=0.0) as sb:
        yield sb


@pytest.fixture
def api(sandbox: Sandbox):
    """
    Run the command against the sandbox with its token and account.
    """

    async def run(*args: str) -> Run:
        return await cli(
            "--base-url", sandbox.url, "--token", Sandbox.DEFAULT_TOKEN,
            "--account", str(ACCOUNT), *args,
        )  # fmt: skip

    return run


@pytest.fixture
def csv_files(tmp_path: Path) -> list[str]:
    """
    Two small ADID files, one with a bad line.
    """
    first = tmp_path / "a.csv"
    first.write_text("\n".join(ADIDS[:20]) + "\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("\n".join([*ADIDS[20:], "not-an-adid"]) + "\n", encoding="utf-8")
    return [str(first), str(second)]


@pytest.fixture
def spec_file(tmp_path: Path) -> str:
    """
    An audience spec written with the API's field names.
    """
    path = tmp_path / "spec.json"
    path.write_text(
        json.dumps(
            {
                "name": "cli audience",
                "type": "DISPLAY",
                "ageType": "NOT_ALL",
                "ages": ["20", "25"],
            }
        ),
        encoding="utf-8",
    )
    return str(path)


async def test_customer_file_commands_succeed(api, sandbox, csv_files):
    """Every files subcommand succeeds against the sandbox and prints what the API answered."""
    upload = (await api("--json", "files", "upload", "cli file", *csv_files)).json()
    assert isinstance(upload, dict)
    file_id = upload["id"]
    assert (40, 1) == (upload["successCount"], upload["failedCount"])

    listed = await api("--json", "files", "list")
    assert [file_id] == [item["id"] for item in listed.json()]
    shown = await api("files", "get", str(file_id))
    assert "cli file" in shown.out
    assert shown.out.startswith("id ")
    sandbox.clock.advance(6)
    replaced = await api("--json", "files", "replace-files", str(file_id), csv_files[0])
    assert 20 == replaced.json()["successCount"]
    renamed = await api("--json", "files", "rename", str(file_id), "renamed file")
    assert "renamed file" == renamed.json()["name"]
    sandbox.seed_ad_group(
        ACCOUNT,
        ad_group_id=9,
        name="g",
        campaign_id=3,
        campaign_name="c",
        customer_file_ids=[file_id],
    )
    usage = await api("--json", "files", "usage", str(file_id))
    assert [9] == [item["adGroup"]["id"] for item in usage.json()]

    url = (
        await api(
            "--json",
            "files",
            "register-url",
            "url file",
            "https://example.com/a.csv",
            "--renewable",
        )
    ).json()
    assert isinstance(url, dict)
    sandbox.clock.advance(6)
    again = await api(
        "--json",
        "files",
        "replace-url",
        str(url["id"]),
        "https://example.com/b.csv",
        "--no-renewable",
    )
    assert url["id"] == again.json()["id"]
    deleted = await api("files", "delete", str(url["id"]))
    assert "done\n" == deleted.out
    many = await api("--json", "files", "delete-many", str(file_id), "999999")
    assert 2 == many.json()["failCount"]


async def test_audience_commands_succeed(api, sandbox, spec_file):
    """Every audiences subcommand succeeds against the sandbox."""
    created = (await api("--json", "audiences", "create", "--from", spec_file)).json()
    assert isinstance(created, dict)
    audience_id = created["id"]
    assert ["20", "25"] == created["ages"]

    listed = await api("audiences", "list")
    assert "cli audience" in listed.out
    got = await api("--json", "audiences", "get", str(audience_id))
    assert audience_id == got.json()["id"]
    updated = await api(
        "--json", "audiences", "update", str(audience_id), "--from", spec_file
    )
    assert audience_id == updated.json()["id"]
    sandbox.seed_ad_group(
        ACCOUNT,
        ad_group_id=5,
        name="g",
        campaign_id=3,
        campaign_name="c",
        audience_ids=[audience_id],
    )
    groups = await api("--json", "audiences", "ad-groups", str(audience_id))
    assert [5] == [item["adGroupId"] for item in groups.json()]
    unlinked = await api("audiences", "unlink", str(audience_id), "5")
    assert (0, "done\n") == (unlinked.code, unlinked.out)
    deleted = await api("audiences", "delete", str(audience_id))
    assert 0 == deleted.code
    many = await api("--json", "audiences", "delete-many", str(audience_id))
    assert 1 == many.json()["failCount"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(("files", "get", "424242"), 1, "NotFoundError", id="not-found"),
        pytest.param(("files", "get", "0"), 2, "positive integer", id="bad-id"),
        pytest.param(
            ("files", "upload", "x", "missing.csv"),
            2,
            "no such file",
            id="missing-file",
        ),
        pytest.param(
            ("files", "rename", "1", "x" * 51), 2, "at most 50", id="long-name"
        ),
        pytest.param(
            ("files", "register-url", "x", "ftp://e.com/a.csv"), 2, "http", id="bad-url"
        ),
        pytest.param(
            ("audiences", "create", "--from", "missing.json"),
            2,
            "cannot read",
            id="missing-spec",
        ),
        pytest.param(
            ("audiences", "get", "424242"), 1, "NotFoundError", id="audience-not-found"
        ),
        pytest.param(
            ("audiences", "unlink", "424242", "1"), 1, "Error", id="unlink-unknown"
        ),
        pytest.param(("files", "delete-many", "-3"), 2, "", id="negative-id"),
    ],
)
async def test_errors_exit_non_zero_with_one_line(api, args, code, message):
    """A refused call exits 1 (API) or 2 (input) with a one-line message and no traceback."""
    run = await api(*args)

    assert code == run.code
    assert message in run.err
    assert "Traceback" not in run.err
    assert 1 == len(run.err.strip().splitlines())


async def test_customer_file_in_use_cannot_be_deleted(api, sandbox, csv_files):
    """Deleting a file an ad group uses fails with the API's error and exit code 1."""
    upload = (await api("--json", "files", "upload", "used", *csv_files)).json()
    assert isinstance(upload, dict)
    sandbox.seed_ad_group(
        ACCOUNT,
        ad_group_id=1,
        name="g",
        campaign_id=1,
        campaign_name="c",
        customer_file_ids=[upload["id"]],
    )

    run = await api("files", "delete", str(upload["id"]))

    assert 1 == run.code
    assert "BadRequestError" in run.err


async def test_missing_token_and_account_are_usage_errors():
    """Without a token or an account the command says which is missing and exits 2."""
    no_token = await cli("files", "list")
    no_account = await cli("files", "list", env={"MOMENT_TOKEN": "t"})

    assert (2, 2) == (no_token.code, no_account.code)
    assert "MOMENT_TOKEN" in no_token.err
    assert "MOMENT_AD_ACCOUNT_ID" in no_account.err


async def test_token_and_account_come_from_the_environment(sandbox):
    """MOMENT_TOKEN and MOMENT_AD_ACCOUNT_ID stand in for the options."""
    run = await cli(
        "--base-url", sandbox.url, "files", "list",
        env={"MOMENT_TOKEN": Sandbox.DEFAULT_TOKEN, "MOMENT_AD_ACCOUNT_ID": str(ACCOUNT)},
    )  # fmt: skip

    assert (0, "(none)\n") == (run.code, run.out)


async def test_wrong_token_is_an_api_error(sandbox):
    """A token the API refuses exits 1 with AuthenticationError."""
    run = await cli(
        "--base-url",
        sandbox.url,
        "--token",
        "wrong",
        "--account",
        str(ACCOUNT),
        "files",
        "list",
    )

    assert 1 == run.code
    assert "AuthenticationError" in run.err


async def test_unreachable_server_is_a_one_line_error():
    """A refused connection exits 1 with ConnectError, after the retries."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    run = await cli(
        "--base-url",
        f"http://127.0.0.1:{port}/openapi/v4",
        "--token",
        "t",
        "--account",
        "1",
        "--timeout",
        "5",
        "audiences",
        "list",
    )

    assert 1 == run.code
    assert "ConnectError" in run.err
    assert "Traceback" not in run.err


async def test_sandbox_option_runs_against_an_embedded_sandbox():
    """--sandbox needs no token, account or server."""
    run = await cli("--sandbox", "--json", "audiences", "list")

    assert (0, []) == (run.code, run.json())


async def test_usage_error_for_unknown_command():
    """An unknown subcommand is argparse's usage error, exit 2."""
    run = await cli("files", "explode")

    assert 2 == run.code
    assert "invalid choice" in run.err


async def test_demo_runs_to_the_end():
    """The README's first command, the demo, finishes and cleans up after itself."""
    run = await cli("demo")

    assert 0 == run.code, run.err
    assert "customer files left: 0" in run.out
    assert "Done." in run.out
    assert "uploading" in run.out


async def test_sandbox_command_serves_until_stopped():
    """`moment-async sandbox --port N` serves the API on loopback until it is stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "moment_async", "sandbox", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        run = None
        for _ in range(100):
            await asyncio.sleep(0.1)
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            writer.close()
            await writer.wait_closed()
            run = await cli(
                "--base-url",
                f"http://127.0.0.1:{port}/openapi/v4",
                "--token",
                Sandbox.DEFAULT_TOKEN,
                "--account",
                str(ACCOUNT),
                "files",
                "list",
            )
            break
    finally:
        process.terminate()
        await process.wait()

    assert run is not None
    assert (0, "(none)\n") == (run.code, run.out)
