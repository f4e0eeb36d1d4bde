"""
The Sandbox object: start and stop, its URL, the clock, seeding, and serving from a shell.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import aiohttp
import pytest

import moment_async.sandbox as public
from moment_async.sandbox import KST, PREFIX, Clock, Sandbox, main


async def test_url_is_loopback_with_the_api_prefix() -> None:
    """The base URL is http://127.0.0.1:<ephemeral port>/openapi/v4."""
    async with Sandbox() as sandbox:
        url = sandbox.url
        port = sandbox.port

    assert f"http://127.0.0.1:{port}{PREFIX}" == url
    assert 0 < port


async def test_start_and_aclose_are_idempotent() -> None:
    """Starting twice keeps one server; closing twice is harmless."""
    sandbox = Sandbox()

    await sandbox.start()
    port = sandbox.port
    await sandbox.start()
    await sandbox.aclose()
    await sandbox.aclose()

    assert port == sandbox.port
    assert repr(sandbox).startswith("<Sandbox http://127.0.0.1:")


def test_url_before_start_raises() -> None:
    """Asking an unstarted sandbox for its port is an error that says what to do."""
    with pytest.raises(RuntimeError, match="not started"):
        _ = Sandbox().url


def test_negative_processing_delay_is_refused() -> None:
    """A negative processing delay is a ValueError."""
    with pytest.raises(ValueError, match="processing_delay"):
        Sandbox(processing_delay=-1)


def test_the_manual_clock_moves_only_when_advanced() -> None:
    """A manual clock stands still, advances by hand, writes dates like the samples and never goes back."""
    clock = Clock.manual(dt.datetime(2024, 2, 6, 0, 3, 59, tzinfo=KST))

    before = clock.now()
    clock.advance(61.5)

    assert (0.0, 61.5) == (before, clock.now())
    assert "2024-02-06T00:05:00" == clock.stamp()
    assert clock.realtime is False
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_an_aware_start_is_read_in_korea_time() -> None:
    """A timezone-aware start is converted to KST."""
    clock = Clock.manual(dt.datetime(2024, 2, 5, 15, 3, 59, tzinfo=dt.UTC))

    assert "2024-02-06T00:03:59" == clock.stamp()


async def test_the_realtime_clock_moves_by_itself() -> None:
    """The default clock follows real time, plus what was advanced."""
    clock = Clock()

    await asyncio.sleep(0.02)
    clock.advance(10)

    assert 10.02 <= clock.now() < 11


def test_seed_ad_group_checks_what_it_uses() -> None:
    """Seeding refuses files and audiences that are not in the account, and reused ad group ids."""
    sandbox = Sandbox()
    file_id = sandbox.seed_customer_file(Sandbox.DEFAULT_ACCOUNT).id
    group = sandbox.seed_ad_group(Sandbox.DEFAULT_ACCOUNT, customer_file_ids=[file_id])

    with pytest.raises(ValueError, match="customer file"):
        sandbox.seed_ad_group(2000, customer_file_ids=[file_id])
    with pytest.raises(ValueError, match="audience"):
        sandbox.seed_ad_group(Sandbox.DEFAULT_ACCOUNT, audience_ids=[1])
    with pytest.raises(ValueError, match="exists"):
        sandbox.seed_ad_group(Sandbox.DEFAULT_ACCOUNT, ad_group_id=group.id)
    assert [group] == sandbox.state.ad_groups(Sandbox.DEFAULT_ACCOUNT)


def test_seeded_files_are_not_counted_as_created() -> None:
    """Seeds take ids and count toward the quota, but not toward created_customer_files."""
    sandbox = Sandbox()

    seeded = sandbox.seed_customer_file(
        Sandbox.DEFAULT_ACCOUNT, file_id=2656, content=b"adid\n"
    )

    assert 2656 == seeded.id
    assert "ERROR" == seeded.generations[0].outcome
    assert 0 == sandbox.state.created_customer_files(Sandbox.DEFAULT_ACCOUNT)
    with pytest.raises(ValueError, match="exists"):
        sandbox.seed_customer_file(Sandbox.DEFAULT_ACCOUNT, file_id=2656)


def test_grant_refuses_blank_tokens() -> None:
    """A token must be a non-empty string without surrounding spaces."""
    with pytest.raises(ValueError, match="token"):
        Sandbox().grant(" ", 1)


async def test_serve_runs_from_a_shell_until_terminated() -> None:
    """``python -m moment_async.sandbox --port 0`` prints its URL, serves, and stops on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moment_async.sandbox",
        "--port",
        "0",
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        url = line.decode().split(" at ")[1].strip()
        headers = {"Authorization": "Bearer sandbox-token", "adAccountId": "1000"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(url + "/customerFiles", headers=headers) as response,
        ):
            status, body = response.status, await response.json()
        process.terminate()
        code = await asyncio.wait_for(process.wait(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert (200, []) == (status, body)
    assert 0 == code


async def test_main_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    """main() answers exit code 1 and one line when the port is taken."""
    async with Sandbox() as sandbox:
        code = await asyncio.to_thread(main, ["--port", str(sandbox.port)])

    assert 1 == code
    assert "cannot listen" in capsys.readouterr().err


def test_every_public_name_exists_and_is_documented() -> None:
    """``__all__`` lists each public name once, and each class and function has a docstring."""
    names = public.__all__
    objects = [getattr(public, name) for name in names]

    assert len(set(names)) == len(names)
    assert [] == [
        name
        for name, obj in zip(names, objects, strict=True)
        if callable(obj) and not (obj.__doc__ or "").strip()
    ]


async def test_close_does_not_wait_long_for_requests_in_flight() -> None:
    """Closing cancels a request held by a long delay fault instead of waiting for it."""
    sandbox = await Sandbox().start()
    sandbox.faults.delay("*", 30)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        request = asyncio.ensure_future(session.get(sandbox.url + "/customerFiles"))
        await asyncio.sleep(0.1)

        started = loop.time()
        await sandbox.aclose()
        took = loop.time() - started
        with pytest.raises(aiohttp.ClientError):
            await request

    assert took < 2
