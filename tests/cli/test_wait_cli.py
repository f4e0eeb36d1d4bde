"""
``files wait`` and ``audiences wait``, run in a subprocess against a sandbox on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox
from tests.cli.test_cli import ACCOUNT, against, error_lines

#: A customer file with no valid ADID ends in ERROR.
NO_VALID_ADID = b"adid\nnot-an-adid\n"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox whose customer files and audiences are ready a second after they are made.
    """
    async with Sandbox(processing_delay=1.0) as sb:
        yield sb


@pytest.fixture
def api(sandbox: Sandbox):
    """
    Run the command against the sandbox with its token and account.
    """
    return against(sandbox.url)


async def test_files_wait_prints_the_ready_file(api, sandbox):
    """`files wait ID` prints the COMPLETE file as a table, after an elapsed-time bar."""
    record = sandbox.seed_customer_file(ACCOUNT, "waited", ready=True)

    run = await api("files", "wait", str(record.id), "--max-wait", "30")

    assert run.out.startswith("id ")
    assert "waited" in run.out
    assert "COMPLETE" in run.out
    assert f"waiting for customer file {record.id}: 0% (0/30 s)\n" in run.err


async def test_audiences_wait_polls_until_the_audience_is_ready(api, sandbox):
    """`audiences wait ID --json` polls through STANDBY and prints the whole audience."""
    spec = ma.AudienceSpec(name="waited", type=ma.AudienceType.DISPLAY)
    async with ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sandbox.url) as client:
        created = await client.ad_account(ACCOUNT).audiences.create(spec)
    assert ma.AudienceStatus.STANDBY == created.status

    run = await api(
        "--json", "audiences", "wait", str(created.id), "--poll-interval", "0.2"
    )

    audience = run.json()
    assert isinstance(audience, dict)
    assert (created.id, "AVAILABLE") == (audience["id"], audience["audienceStatus"])
    # Every field is printed, empty ones too.
    assert ([], "ALL") == (audience["depth2Locations"], audience["genderType"])
    assert sandbox.count("audiences.get") >= 2
    assert f"waiting for audience {created.id}: 0% (" in run.err


async def test_wait_past_its_max_wait_exits_one():
    """A file still WAITING at --max-wait exits 1 with WaitTimeoutError, the bar full."""
    async with Sandbox(processing_delay=3600) as slow:
        record = slow.seed_customer_file(ACCOUNT, ready=False)

        run = await against(slow.url)(
            "files", "wait", str(record.id), "--max-wait", "1", code=1
        )

    [line] = error_lines(run)
    assert line.startswith("moment-async: WaitTimeoutError: ")
    assert "still WAITING" in line
    assert f"waiting for customer file {record.id}: 100% (1/1 s)" in run.err
    assert "" == run.out


async def test_wait_for_a_failed_file_exits_one(api, sandbox):
    """A file that ended in ERROR exits 1 with ResourceFailedError at the first poll."""
    record = sandbox.seed_customer_file(ACCOUNT, content=NO_VALID_ADID, ready=True)

    run = await api("files", "wait", str(record.id), "--max-wait", "30", code=1)

    [line] = error_lines(run)
    assert (
        f"moment-async: ResourceFailedError: customer file {record.id} ended in ERROR"
        == line
    )


@pytest.mark.parametrize("group", ["files", "audiences"])
async def test_wait_for_an_unknown_id_exits_one(api, group):
    """Waiting for an id the ad account does not have exits 1 with NotFoundError."""
    run = await api(group, "wait", "424242", code=1)

    [line] = error_lines(run)
    assert line.startswith("moment-async: NotFoundError: ")
    assert "Traceback" not in run.err


@pytest.mark.parametrize(
    "option",
    [
        pytest.param(("--max-wait", "0"), id="zero-max-wait"),
        pytest.param(("--max-wait", "inf"), id="endless-max-wait"),
        pytest.param(("--poll-interval", "soon"), id="not-a-number"),
    ],
)
async def test_bad_wait_options_are_usage_errors(api, option):
    """A max wait or poll interval that is not a positive number of seconds exits 2."""
    run = await api("files", "wait", "1", *option, code=2)

    assert "not a positive number of seconds" in run.err
    assert "waiting" not in run.err


async def test_a_short_per_call_timeout_does_not_break_a_wait():
    """The global --timeout bounds each poll, not the wait: polls asked for faster than the 5 s limit come 5 s apart, each well within 1 s."""
    async with Sandbox(processing_delay=3.0) as limited:
        record = limited.seed_customer_file(ACCOUNT, ready=False)

        run = await against(limited.url)(
            "--timeout", "1", "files", "wait", str(record.id),
            "--max-wait", "30", "--poll-interval", "0.5",
        )  # fmt: skip

    polls = [r for r in limited.requests if r.endpoint == "customer_files.get"]
    assert "COMPLETE" in run.out
    assert [200, 200] == [poll.status for poll in polls]
    assert polls[1].time - polls[0].time >= 5.0 - 0.01


async def test_the_wait_bound_is_no_longer_called_timeout(api):
    """`wait ID --timeout S` is a usage error: the wait's bound is --max-wait, and --timeout goes before the command."""
    run = await api("files", "wait", "1", "--timeout", "30", code=2)

    assert "unrecognized arguments: --timeout 30" in run.err
