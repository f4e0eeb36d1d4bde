"""
``--accounts`` on the list and delete commands, run in a subprocess against a sandbox.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox
from tests.cli.test_cli import Run, cli

TOKEN = Sandbox.DEFAULT_TOKEN
#: Accounts the token may act on; 4000 is not granted (403).
GRANTED = (1001, 1002, 1003)
REFUSED = 4000


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox whose token may act on three accounts, each with its own customer file.
    """
    async with Sandbox(processing_delay=0.0) as sb:
        sb.grant(TOKEN, *GRANTED)
        for account in GRANTED:
            sb.seed_customer_file(account, f"file of {account}")
        yield sb


@pytest.fixture
def api(sandbox: Sandbox):
    """
    Run the command against the sandbox with its token and no --account.
    """

    async def run(*args: str) -> Run:
        return await cli("--base-url", sandbox.url, "--token", TOKEN, *args)

    return run


def lines_of(run: Run) -> list[dict[str, Any]]:
    """
    Return the JSON Lines of a run's standard output.
    """
    return [json.loads(line) for line in run.out.splitlines()]


async def test_files_list_runs_for_every_account_in_order(api):
    """`files list --accounts` prints each account's files under its heading, in the order given."""
    run = await api("files", "list", "--accounts", "1003,1001,1002")

    assert 0 == run.code, run.err
    headings = [line for line in run.out.splitlines() if line.startswith("==")]
    assert [f"== ad account {a}" for a in (1003, 1001, 1002)] == headings
    assert all(f"file of {a}" in run.out for a in GRANTED)
    assert "3 ad accounts: 3 ok, 0 failed" in run.err
    assert "ad accounts: 100% (3/3 accounts)" in run.err


async def test_json_prints_one_object_per_account(api, sandbox):
    """With --json each account is one line: its id, ok, and the API's answer."""
    run = await api("--json", "files", "list", "--accounts", "1001,1002")

    assert 0 == run.code, run.err
    lines = lines_of(run)
    assert [1001, 1002] == [line["adAccountId"] for line in lines]
    assert [True, True] == [line["ok"] for line in lines]
    expected = [[f.id for f in sandbox.state.customer_files(a)] for a in (1001, 1002)]
    assert expected == [[f["id"] for f in line["result"]] for line in lines]


async def test_a_failed_account_is_reported_and_exits_one(api):
    """An account the token may not act on fails alone: the others print, the exit code is 1."""
    table = await api("files", "list", "--accounts", f"1001,{REFUSED},1002")
    as_json = await api("--json", "files", "list", "--accounts", f"1001,{REFUSED}")

    assert 1 == table.code
    assert "file of 1002" in table.out
    assert (
        f"== ad account {REFUSED}\nfailed: PermissionDeniedError: HTTP 403" in table.out
    )
    assert "3 ad accounts: 2 ok, 1 failed" in table.err
    assert 1 == as_json.code
    refused = lines_of(as_json)[1]
    assert (REFUSED, False, "PermissionDeniedError") == (
        refused["adAccountId"],
        refused["ok"],
        refused["error"]["type"],
    )


async def test_accounts_come_from_a_file(api, tmp_path: Path):
    """`--accounts @FILE` reads one id per line, skipping blank lines and # comments."""
    path = tmp_path / "accounts.txt"
    path.write_text("# agency A\n1002\n\n1001  # main\n", encoding="utf-8")

    run = await api("--json", "audiences", "list", "--accounts", f"@{path}")

    assert 0 == run.code, run.err
    assert [1002, 1001] == [line["adAccountId"] for line in lines_of(run)]


async def test_files_delete_many_runs_in_each_account(api, sandbox):
    """`files delete-many IDS --accounts` deletes each account's files from that account."""
    ids = [str(f.id) for a in GRANTED for f in sandbox.state.customer_files(a)]

    run = await api("--json", "files", "delete-many", *ids, "--accounts", "1001,1002")

    assert 0 == run.code, run.err
    assert [(1, 2), (1, 2)] == [
        (line["result"]["successCount"], line["result"]["failCount"])
        for line in lines_of(run)
    ]
    assert [] == sandbox.state.customer_files(1001)
    assert 1 == len(sandbox.state.customer_files(1003))


async def test_files_delete_fails_where_the_file_is_not(api, sandbox):
    """`files delete ID --accounts` deletes it where it is, and reports NotFound elsewhere."""
    [target] = sandbox.state.customer_files(1002)

    run = await api("files", "delete", str(target.id), "--accounts", "1001,1002")

    assert 1 == run.code
    assert "== ad account 1001\nfailed: NotFoundError" in run.out
    assert "== ad account 1002\ndone\n" in run.out
    assert [] == sandbox.state.customer_files(1002)


async def test_audiences_delete_and_delete_many_over_accounts(api, sandbox):
    """`audiences delete` and `delete-many` take --accounts too."""
    spec = ma.AudienceSpec(name="a", type=ma.AudienceType.DISPLAY)
    async with ma.MomentClient(TOKEN, base_url=sandbox.url) as client:
        first = await client.ad_account(1001).audiences.create(spec)
        second = await client.ad_account(1002).audiences.create(spec)

    one = await api("audiences", "delete", str(first.id), "--accounts", "1001")
    many = await api(
        "--json", "audiences", "delete-many", str(second.id), "--accounts", "1002,1003"
    )

    assert (0, "== ad account 1001\ndone\n") == (one.code, one.out)
    assert 0 == many.code, many.err
    assert [(1, 0), (0, 1)] == [
        (line["result"]["successCount"], line["result"]["failCount"])
        for line in lines_of(many)
    ]


async def test_embedded_sandbox_grants_the_accounts_named():
    """With --sandbox the token may act on every account given to --accounts."""
    run = await cli("--sandbox", "--json", "files", "list", "--accounts", "7,8,9")

    assert 0 == run.code, run.err
    assert [7, 8, 9] == [line["adAccountId"] for line in lines_of(run)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("1,x", "not an ad account id: 'x'", id="not-a-number"),
        pytest.param("1,,2", "not an ad account id: ''", id="empty-item"),
        pytest.param("-1", "not an ad account id: '-1'", id="negative"),
        pytest.param("0", "must be a positive integer", id="zero"),
        pytest.param("1,2,1", "holds ad account 1 twice", id="duplicate"),
        pytest.param("@/no/such/file", "cannot read the ad account file", id="missing-file"),
    ],
)  # fmt: skip
async def test_bad_accounts_are_a_usage_error(api, value, message):
    """A bad --accounts value exits 2 with argparse's message, before any call."""
    run = await api("files", "list", "--accounts", value)

    assert 2 == run.code
    assert message in run.err


async def test_empty_account_file_is_a_usage_error(api, tmp_path: Path):
    """A file with no ids is refused: there would be nothing to do."""
    path = tmp_path / "none.txt"
    path.write_text("# nothing yet\n", encoding="utf-8")

    run = await api("files", "list", "--accounts", f"@{path}")

    assert (2, True) == (run.code, "no ad account ids given" in run.err)


@pytest.mark.parametrize(
    "command",
    [pytest.param(("files", "get", "1"), id="files-get"), pytest.param(("audiences", "create", "--from", "x.json"), id="audiences-create")],
)  # fmt: skip
async def test_other_commands_do_not_take_accounts(api, command):
    """Only the list and delete commands take --accounts."""
    run = await api(*command, "--accounts", "1001")

    assert 2 == run.code
    assert "unrecognized arguments: --accounts" in run.err
