"""
wait_until_ready of customer files and audiences: which statuses end the wait, max_wait and per-call timeouts, spacing, refusals.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Sequence

import attrs
import pytest

import moment_async as ma
from moment_async._routes import ROUTES
from moment_async.resources import Audiences, CustomerFiles
from moment_async.resources._wait import wait_for_status
from moment_async.testing import Request, Response, error_response, json_response

FILE_ID = 7
AUDIENCE_ID = 3


class Statuses:
    """
    A handler answering each detail call with the next status of a script.

    The last status repeats; None leaves the status out of the answer;
    ``times`` records when each call arrived.
    """

    def __init__(self, field: str, statuses: Sequence[str | None]) -> None:
        self.field = field
        self.statuses = list(statuses)
        self.times: list[float] = []

    async def __call__(self, request: Request) -> Response:
        self.times.append(time.monotonic())
        status = self.statuses[min(len(self.times), len(self.statuses)) - 1]
        ident = int(request.url.rsplit("/", 1)[1])
        body: dict[str, object] = {"id": ident, "populationScore": 70}
        if status is not None:
            body[self.field] = status
        return json_response(body)


def files_answering(*statuses: str, **options):
    """
    Return a handler scripting customer file statuses, and the files of a client on it.
    """
    handler = Statuses("customerFileStatus", statuses)
    client = ma.MomentClient(
        "t", transport=ma.MockTransport(handler), limiter=False, **options
    )
    return handler, client


def audiences_answering(*statuses: str | None):
    """
    Return a handler scripting audience statuses, and a client on it.
    """
    handler = Statuses("audienceStatus", statuses)
    return handler, ma.MomentClient("t", transport=ma.MockTransport(handler))


async def test_customer_file_wait_returns_the_first_complete_answer():
    """WAITING and MODIFYING are polled through; the COMPLETE file is returned."""
    handler, client = files_answering("WAITING", "MODIFYING", "COMPLETE", "ERROR")

    async with client:
        ready = await client.ad_account(1).customer_files.wait_until_ready(
            FILE_ID, poll_interval=0.01
        )

    assert (FILE_ID, ma.CustomerFileStatus.COMPLETE) == (ready.id, ready.status)
    assert 3 == len(handler.times)


@pytest.mark.parametrize(
    "status", ["ERROR", "TRANSFORM_ERROR", "DELETE"], ids=str.lower
)
async def test_customer_file_wait_raises_on_a_failed_status(status):
    """ERROR, TRANSFORM_ERROR and DELETE end the wait with ResourceFailedError carrying the file."""
    handler, client = files_answering("WAITING", status)

    async with client:
        with pytest.raises(ma.ResourceFailedError) as info:
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, poll_interval=0.01
            )

    found = info.value.resource
    assert isinstance(found, ma.CustomerFile)
    assert (status, FILE_ID, status) == (info.value.status, found.id, found.status)
    assert f"customer file {FILE_ID} ended in {status}" == str(info.value)
    assert 2 == len(handler.times)


async def test_customer_file_wait_polls_through_an_unknown_status():
    """A status the documents do not list is not an ending: the wait goes on."""
    handler, client = files_answering("ARCHIVING", "COMPLETE")

    async with client:
        ready = await client.ad_account(1).customer_files.wait_until_ready(
            FILE_ID, poll_interval=0.01
        )

    assert ma.CustomerFileStatus.COMPLETE == ready.status
    assert 2 == len(handler.times)


async def test_customer_file_wait_on_an_unknown_status_ends_at_max_wait():
    """A file that stays in an unknown status is polled until max_wait, which raises with the file as last seen."""
    handler, client = files_answering("ARCHIVING")

    async with client:
        with pytest.raises(ma.WaitTimeoutError) as info:
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, max_wait=0.1, poll_interval=0.02
            )

    found = info.value.resource
    assert isinstance(found, ma.CustomerFile)
    assert found.status is not None
    assert (True, "ARCHIVING") == (found.status.is_unknown, found.status.value)
    assert len(handler.times) >= 3
    assert "(still ARCHIVING)" in str(info.value)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param(("STANDBY", "AVAILABLE"), "AVAILABLE", id="available"),
        pytest.param(("STANDBY", "STANDBY", "SEED_NOT_ENOUGH"), "SEED_NOT_ENOUGH", id="seed-not-enough"),
        pytest.param(("STANDBY", "ARCHIVED"), "ARCHIVED", id="unknown"),
        pytest.param((None, "STANDBY", "AVAILABLE"), "AVAILABLE", id="no-status-first"),
    ],
)  # fmt: skip
async def test_audience_wait_returns_once_out_of_standby(statuses, expected):
    """Any status but STANDBY (and ERROR) ends the wait, an unknown one too; an answer without a status is polled again."""
    handler, client = audiences_answering(*statuses)

    async with client:
        audience = await client.ad_account(1).audiences.wait_until_ready(
            AUDIENCE_ID, poll_interval=0.01
        )

    assert (AUDIENCE_ID, expected) == (audience.id, audience.status)
    assert len(statuses) == len(handler.times)


async def test_audience_wait_returns_an_unknown_status_at_once():
    """An audience in a status the SDK does not know has left STANDBY: it is returned, marked unknown, without waiting for max_wait."""
    handler, client = audiences_answering("ARCHIVED")
    started = time.monotonic()

    async with client:
        audience = await client.ad_account(1).audiences.wait_until_ready(
            AUDIENCE_ID, max_wait=30, poll_interval=0.01
        )

    assert audience.status is not None
    assert (True, "ARCHIVED") == (audience.status.is_unknown, audience.status.value)
    assert 1 == len(handler.times)
    assert time.monotonic() - started < 1.0


async def test_audience_wait_raises_on_error():
    """An audience in ERROR ends the wait with ResourceFailedError."""
    _, client = audiences_answering("STANDBY", "ERROR")

    async with client:
        with pytest.raises(ma.ResourceFailedError) as info:
            await client.ad_account(1).audiences.wait_until_ready(
                AUDIENCE_ID, poll_interval=0.01
            )

    found = info.value.resource
    assert isinstance(found, ma.Audience)
    assert ("ERROR", AUDIENCE_ID) == (info.value.status, found.id)


async def test_wait_raises_wait_timeout_with_the_last_answer():
    """Past max_wait the wait raises WaitTimeoutError, a TimeoutError, with the file as last seen."""
    handler, client = files_answering("WAITING")
    started = time.monotonic()

    async with client:
        with pytest.raises(TimeoutError) as info:
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, max_wait=0.2, poll_interval=0.05
            )
    elapsed = time.monotonic() - started

    error = info.value
    assert isinstance(error, ma.WaitTimeoutError)
    assert isinstance(error.resource, ma.CustomerFile)
    assert ma.CustomerFileStatus.WAITING == error.resource.status
    assert 0.2 <= error.waited < 1.0
    assert elapsed < 1.0
    assert 3 <= len(handler.times) <= 6
    assert "was not ready within max_wait=0.2 s (still WAITING)" in str(error)


async def test_wait_timeout_cuts_a_poll_in_flight():
    """A poll still running at the deadline is cancelled: max_wait bounds the whole wait."""
    cancelled = False

    async def handler(request: Request) -> Response:
        nonlocal cancelled
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled = True
            raise
        return json_response({})  # pragma: no cover - never answered

    started = time.monotonic()
    async with ma.MomentClient("t", transport=ma.MockTransport(handler)) as client:
        with pytest.raises(ma.WaitTimeoutError) as info:
            await client.ad_account(1).audiences.wait_until_ready(
                AUDIENCE_ID, max_wait=0.1
            )

    assert info.value.resource is None
    assert "(no answer)" in str(info.value)
    assert cancelled
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("client_timeout", "wait_timeout"),
    [pytest.param(0.05, None, id="client"), pytest.param(None, 0.05, id="wait")],
)
async def test_a_polls_own_timeout_propagates_as_request_timeout(
    client_timeout, wait_timeout
):
    """Each poll is one call under the per-call timeout (the client's, or the wait's timeout=): past it, RequestTimeoutError, not a wait timeout."""

    async def handler(request: Request) -> Response:
        await asyncio.sleep(5)
        return json_response({})  # pragma: no cover - the call times out first

    started = time.monotonic()
    async with ma.MomentClient(
        "t", transport=ma.MockTransport(handler), timeout=client_timeout
    ) as client:
        with pytest.raises(ma.RequestTimeoutError) as info:
            await client.ad_account(1).audiences.wait_until_ready(
                AUDIENCE_ID, max_wait=10, timeout=wait_timeout
            )

    assert not isinstance(info.value, ma.WaitTimeoutError)
    assert time.monotonic() - started < 1.0


async def test_the_per_call_timeout_reaches_every_poll():
    """wait_until_ready(timeout=) is each poll's deadline: a poll slower than it fails, however long max_wait is."""
    polls: list[float] = []

    async def handler(request: Request) -> Response:
        polls.append(time.monotonic())
        if len(polls) == 2:
            await asyncio.sleep(5)
        return json_response({"id": FILE_ID, "customerFileStatus": "WAITING"})

    async with ma.MomentClient(
        "t", transport=ma.MockTransport(handler), limiter=False
    ) as client:
        with pytest.raises(ma.RequestTimeoutError):
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, max_wait=60, poll_interval=0.01, timeout=0.2
            )

    assert 2 == len(polls)


async def test_a_token_providers_own_timeout_error_is_not_a_wait_timeout():
    """A TimeoutError the token provider raises passes through the wait as it is."""
    refusal = TimeoutError("the vault did not answer")

    async def provider() -> str:
        raise refusal

    async def handler(request: Request) -> Response:
        return json_response({})  # pragma: no cover - the provider fails first

    async with ma.MomentClient(provider, transport=ma.MockTransport(handler)) as client:
        with pytest.raises(TimeoutError) as info:
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, max_wait=60
            )

    assert refusal is info.value


async def test_errors_of_a_poll_propagate():
    """A poll answered 404 raises NotFoundError from the wait."""

    async def handler(request: Request) -> Response:
        return error_response(404, detail_code=21006, detail_msg="없음")

    async with ma.MomentClient("t", transport=ma.MockTransport(handler)) as client:
        with pytest.raises(ma.NotFoundError):
            await client.ad_account(1).customer_files.wait_until_ready(FILE_ID)


async def test_polls_are_spaced_by_poll_interval():
    """Polls start at least poll_interval apart."""
    handler, client = files_answering("WAITING", "WAITING", "WAITING", "COMPLETE")

    async with client:
        await client.ad_account(1).customer_files.wait_until_ready(
            FILE_ID, poll_interval=0.05
        )

    gaps = [b - a for a, b in zip(handler.times, handler.times[1:], strict=False)]
    assert 3 == len(gaps)
    assert min(gaps) >= 0.045


#: The per-file limit of the detail call, made short to watch it quickly.
FAST_SPACING = 0.3


@pytest.fixture
def fast_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Make the documented 5 s limit of customer_files.get FAST_SPACING, for clients made after.
    """
    route = ROUTES["customer_files.get"]
    fast = attrs.evolve(route, rate=ma.Rate(1, FAST_SPACING))
    monkeypatch.setitem(ROUTES, "customer_files.get", fast)


@pytest.mark.usefixtures("fast_file_limit")
async def test_fast_polls_keep_the_limit_without_waiting_for_slots():
    """Polling faster than the per-file limit spaces the polls by the limit: no poll waits for its slot, so a per-call timeout far below the spacing does not break the wait."""
    handler = Statuses("customerFileStatus", ["WAITING", "WAITING", "COMPLETE"])
    ended: list[ma.RequestEnded] = []
    client = ma.MomentClient(
        "t",
        transport=ma.MockTransport(handler),
        hooks=ma.RequestHooks(on_end=ended.append),
    )

    async with client:
        ready = await client.ad_account(1).customer_files.wait_until_ready(
            FILE_ID, poll_interval=0.001, timeout=FAST_SPACING / 3
        )

    gaps = [b - a for a, b in zip(handler.times, handler.times[1:], strict=False)]
    assert ma.CustomerFileStatus.COMPLETE == ready.status
    assert 2 == len(gaps)
    assert min(gaps) >= FAST_SPACING - 0.01
    assert max(event.limiter_wait for event in ended) < FAST_SPACING / 10


@pytest.mark.usefixtures("fast_file_limit")
async def test_without_a_limiter_polls_follow_poll_interval():
    """With limiter=False the client keeps no limit, so the polls come poll_interval apart."""
    handler, client = files_answering("WAITING", "WAITING", "COMPLETE")

    async with client:
        await client.ad_account(1).customer_files.wait_until_ready(
            FILE_ID, poll_interval=0.01
        )

    gaps = [b - a for a, b in zip(handler.times, handler.times[1:], strict=False)]
    assert max(gaps) < FAST_SPACING / 2


@pytest.mark.parametrize(
    "resource", [CustomerFiles, Audiences], ids=["files", "audiences"]
)
def test_wait_defaults_are_the_documented_limit_and_six_hours(resource):
    """By default polls are 5 s apart (the detail limit), the wait ends after 6 h 10 min, and each poll has the client's timeout."""
    parameters = inspect.signature(resource.wait_until_ready).parameters

    defaults = tuple(
        parameters[name].default for name in ("poll_interval", "max_wait", "timeout")
    )

    assert (5.0, 6 * 3600.0 + 600.0, None) == defaults


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"max_wait": 0}, "max_wait must be a positive, finite number", id="max-wait-0"),
        pytest.param({"max_wait": -1.0}, "max_wait must be a positive, finite number", id="max-wait-negative"),
        pytest.param({"max_wait": math.nan}, "max_wait must be a positive, finite number", id="max-wait-nan"),
        pytest.param({"max_wait": math.inf}, "max_wait must be a positive, finite number", id="max-wait-inf"),
        pytest.param({"max_wait": "60"}, "max_wait must be a positive number of seconds, got '60'", id="max-wait-str"),
        pytest.param({"max_wait": True}, "max_wait must be a positive number of seconds, got True", id="max-wait-bool"),
        pytest.param({"max_wait": ma.Timeout(total=5)}, "max_wait must be a positive number of seconds", id="max-wait-object"),
        pytest.param({"poll_interval": 0.0}, "poll_interval must be a positive, finite", id="interval-0"),
        pytest.param({"poll_interval": None}, "poll_interval must be a positive number", id="interval-none"),
        pytest.param({"timeout": 0}, "timeout must be a positive number of seconds or a Timeout", id="timeout-0"),
        pytest.param({"timeout": "60"}, "timeout must be a positive number of seconds or a Timeout", id="timeout-str"),
    ],
)  # fmt: skip
async def test_bad_timing_is_refused_before_any_poll(kwargs, message):
    """A max_wait, poll_interval or per-call timeout that is not a positive finite number raises ValidationError; nothing is sent."""
    handler, client = files_answering("COMPLETE")

    async with client:
        with pytest.raises(ma.ValidationError, match=message):
            await client.ad_account(1).customer_files.wait_until_ready(
                FILE_ID, **kwargs
            )

    assert [] == handler.times


@pytest.mark.parametrize("bad", [0, "7", 7.0, None])
async def test_bad_ids_are_refused_before_any_poll(bad):
    """A file or audience id that is not a positive integer raises ValidationError."""
    handler, client = files_answering("COMPLETE")

    async with client:
        acct = client.ad_account(1)
        with pytest.raises(ma.ValidationError, match="file_id must be"):
            await acct.customer_files.wait_until_ready(bad)
        with pytest.raises(ma.ValidationError, match="audience_id must be"):
            await acct.audiences.wait_until_ready(bad)

    assert [] == handler.times


@pytest.mark.parametrize(
    "statuses",
    [pytest.param({}, id="neither"), pytest.param({"ready": ["A"], "pending": ["B"]}, id="both")],
)  # fmt: skip
async def test_wait_for_status_takes_either_ready_or_pending(statuses):
    """The helper refuses to guess which statuses end the wait: exactly one of ready and pending is given."""

    async def fetch() -> str:
        return "A"  # pragma: no cover - refused before polling

    with pytest.raises(TypeError, match="either ready or pending"):
        await wait_for_status(
            fetch,
            str,
            failed=(),
            what="thing",
            max_wait=1,
            poll_interval=1,
            **statuses,
        )
