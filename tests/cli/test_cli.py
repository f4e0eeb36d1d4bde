"""
The moment-async command, run in a subprocess against a sandbox on loopback.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import attrs
import pytest

from moment_async.sandbox import Sandbox
from tests._processes import free_port

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
ADIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(1, 41)]
#: A progress line as printed when stderr is not a terminal.
PROGRESS = re.compile(r"[^:]+: \d{1,3}% \(.*\)")


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
            # A warning (an unclosed session, a deprecation) fails the command.
            "PYTHONWARNINGS": "error",
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


def against(url: str):
    """
    Return a runner of commands against the API at *url*, with the sandbox's token and account.

    The runner asserts the exit code *code* (0 unless given; None: any) and,
    for a success, that nothing but progress lines went to stderr.
    """

    async def run(*args: str, code: int | None = 0) -> Run:
        result = await cli(
            "--base-url", url, "--token", Sandbox.DEFAULT_TOKEN,
            "--account", str(ACCOUNT), *args,
        )  # fmt: skip
        if code is not None:
            assert code == result.code, result.err
        if code == 0:
            assert [] == error_lines(result)
        return result

    return run


def error_lines(run: Run) -> list[str]:
    """
    Return the lines of stderr that are not progress lines (``label: 50% (...)``).
    """
    return [line for line in run.err.splitlines() if not PROGRESS.fullmatch(line)]


@pytest.fixture
def api(sandbox: Sandbox):
    """
    Run the command against the sandbox with its token and account.
    """
    return against(sandbox.url)


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
    uploaded = await api("--json", "files", "upload", "cli file", *csv_files)
    upload = uploaded.json()
    assert isinstance(upload, dict)
    file_id = upload["id"]
    assert (40, 1) == (upload["successCount"], upload["failedCount"])
    assert "uploading 2 file(s): 100% (" in uploaded.err

    listed = await api("--json", "files", "list")
    assert [file_id] == [item["id"] for item in listed.json()]
    shown = await api("files", "get", str(file_id))
    assert "cli file" in shown.out
    assert shown.out.startswith("id ")
    sandbox.clock.advance(6)
    replaced = await api("--json", "files", "replace-files", str(file_id), csv_files[0])
    assert (20, 0) == (replaced.json()["successCount"], replaced.json()["failedCount"])
    assert "uploading 1 file(s): 100% (" in replaced.err
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
    # The file is in use and 999999 does not exist: --json still prints the zero.
    many = await api("--json", "files", "delete-many", str(file_id), "999999")
    assert (0, 2) == (many.json()["successCount"], many.json()["failCount"])


async def test_audience_commands_succeed(api, sandbox, spec_file, tmp_path: Path):
    """Every audiences subcommand succeeds against the sandbox."""
    created = (await api("--json", "audiences", "create", "--from", spec_file)).json()
    assert isinstance(created, dict)
    audience_id = created["id"]
    assert ["20", "25"] == created["ages"]

    listed = await api("audiences", "list")
    assert "cli audience" in listed.out
    got = await api("--json", "audiences", "get", str(audience_id))
    assert audience_id == got.json()["id"]
    # What --json prints, nulls and defaults included, reads back as a spec.
    saved = tmp_path / "got.json"
    saved.write_text(got.out, encoding="utf-8")
    updated = await api(
        "--json", "audiences", "update", str(audience_id), "--from", str(saved)
    )
    assert (audience_id, ["20", "25"]) == (updated.json()["id"], updated.json()["ages"])
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
    assert "done\n" == unlinked.out
    deleted = await api("audiences", "delete", str(audience_id))
    assert "done\n" == deleted.out
    many = await api("--json", "audiences", "delete-many", str(audience_id))
    assert (0, 1) == (many.json()["successCount"], many.json()["failCount"])


@pytest.fixture
def inputs(tmp_path: Path, csv_files: list[str], spec_file: str) -> dict[str, str]:
    """
    Paths that the error table names by placeholder: good files and bad ones.
    """
    not_json = tmp_path / "bad.json"
    not_json.write_text("{name: ", encoding="utf-8")
    not_a_spec = tmp_path / "not-a-spec.json"
    not_a_spec.write_text('{"name": "x", "type": "DISPLAY", "ages": "20"}', "utf-8")
    array = tmp_path / "array.json"
    array.write_text("[]", encoding="utf-8")
    return {
        "<csv>": csv_files[0],
        "<spec>": spec_file,
        "<bad.json>": str(not_json),
        "<not-a-spec>": str(not_a_spec),
        "<array>": str(array),
    }


NOT_FOUND = "NotFoundError"
URL = "https://example.com/a.csv"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(("files", "get", "424242"), 1, NOT_FOUND, id="not-found"),
        pytest.param(("files", "get", "0"), 2, "positive integer", id="bad-id"),
        pytest.param(("files", "upload", "x", "missing.csv"), 2, "no such file", id="missing-file"),
        pytest.param(("files", "rename", "1", "x" * 51), 2, "at most 50", id="long-name"),
        pytest.param(("files", "register-url", "x", "ftp://e.com/a.csv"), 2, "http", id="bad-url"),
        pytest.param(("files", "replace-files", "424242", "<csv>"), 1, NOT_FOUND, id="replace-files-unknown"),
        pytest.param(("files", "replace-files", "1", "missing.csv"), 2, "no such file", id="replace-files-missing"),
        pytest.param(("files", "replace-url", "424242", URL), 1, NOT_FOUND, id="replace-url-unknown"),
        pytest.param(("files", "replace-url", "1", "ftp://e.com/a.csv"), 2, "http", id="replace-url-bad-url"),
        pytest.param(("files", "usage", "424242"), 1, NOT_FOUND, id="usage-unknown"),
        pytest.param(("files", "delete-many", "-3"), 2, "", id="negative-id"),
        pytest.param(("audiences", "create", "--from", "missing.json"), 2, "cannot read", id="missing-spec"),
        pytest.param(("audiences", "create", "--from", "<not-a-spec>"), 2, "not a valid audience spec", id="create-not-a-spec"),
        pytest.param(("audiences", "create", "--from", "<array>"), 2, "must hold a JSON object", id="create-array"),
        pytest.param(("audiences", "get", "424242"), 1, NOT_FOUND, id="audience-not-found"),
        pytest.param(("audiences", "update", "424242", "--from", "<spec>"), 1, NOT_FOUND, id="update-unknown"),
        pytest.param(("audiences", "update", "1", "--from", "<bad.json>"), 2, "cannot read the spec", id="update-bad-json"),
        pytest.param(("audiences", "update", "1", "--from", "<not-a-spec>"), 2, "not a valid audience spec", id="update-not-a-spec"),
        pytest.param(("audiences", "delete", "424242"), 1, NOT_FOUND, id="delete-unknown"),
        # An unknown id is no error for a bulk delete: it is counted in failCount.
        pytest.param(("audiences", "delete-many", "7", "0"), 2, "positive integer", id="delete-many-bad-id"),
        pytest.param(("audiences", "ad-groups", "424242"), 1, NOT_FOUND, id="ad-groups-unknown"),
        pytest.param(("audiences", "unlink", "424242", "1"), 1, "Error", id="unlink-unknown"),
    ],
)  # fmt: skip
async def test_errors_exit_non_zero_with_one_line(api, inputs, args, code, message):
    """A refused call exits 1 (API) or 2 (input) with a one-line message and no traceback."""
    run = await api(*(inputs.get(arg, arg) for arg in args), code=code)

    assert message in run.err
    assert "Traceback" not in run.err
    # replace-files uploads before the API refuses: its progress lines come first.
    [line] = error_lines(run)
    assert line.startswith("moment-async: ")


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

    run = await api("files", "delete", str(upload["id"]), code=1)

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


@asynccontextmanager
async def sandbox_server(*options: str) -> AsyncIterator[str]:
    """
    Run `moment-async sandbox OPTIONS` in a subprocess; yield its URL once it listens.
    """
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "moment_async", "sandbox", "--port", str(port), *options,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )  # fmt: skip
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            writer.close()
            await writer.wait_closed()
            break
        else:
            pytest.fail("the sandbox command did not start listening")
        yield f"http://127.0.0.1:{port}/openapi/v4"
    finally:
        process.terminate()
        _, err = await process.communicate()
    assert b"" == err


async def test_sandbox_command_serves_until_stopped():
    """`moment-async sandbox --port N` serves the API on loopback until it is stopped."""
    async with sandbox_server() as url:
        run = await against(url)("files", "list")

    assert "(none)\n" == run.out


async def test_sandbox_command_takes_the_sandbox_options(csv_files):
    """`--processing-delay 0` makes files ready at once; `--no-rate-limits` allows two gets in a row."""
    async with sandbox_server("--processing-delay", "0", "--no-rate-limits") as url:
        api = against(url)
        upload = (await api("--json", "files", "upload", "f", *csv_files)).json()
        assert isinstance(upload, dict)
        # Each command is a new process with a fresh limiter: only the server
        # could refuse the second get, and a 429 would outlast --timeout 2.
        first = await api("--json", "--timeout", "2", "files", "get", str(upload["id"]))
        second = await api(
            "--json", "--timeout", "2", "files", "get", str(upload["id"])
        )

    assert "COMPLETE" == first.json()["customerFileStatus"]
    assert first.json() == second.json()


async def test_sandbox_command_on_a_busy_port_is_a_usage_error():
    """`moment-async sandbox` on a port in use exits 2 with one line and no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        run = await cli("sandbox", "--port", str(port))

    assert 2 == run.code
    [line] = run.err.splitlines()
    assert line.startswith(f"moment-async: error: cannot listen on 127.0.0.1:{port}: ")
    assert "address already in use" in line
    assert "" == run.out


def test_console_script_is_installed():
    """The installed package declares the `moment-async` console script."""
    scripts = importlib.metadata.entry_points(group="console_scripts")

    assert "moment_async._cli:main" == scripts["moment-async"].value
