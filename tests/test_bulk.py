"""
MomentClient.for_each_account: order, bounded concurrency, isolated failures, progress, cancellation.
"""

from __future__ import annotations

import asyncio
import pickle

import pytest

import moment_async as ma
from moment_async.testing import Request, Response, error_response, json_response


def account_of(request: Request) -> int:
    """
    Return the ad account a request was sent for.
    """
    return int(request.headers["adAccountId"])


async def list_files(acct: ma.AdAccount) -> list[ma.CustomerFile]:
    """
    The job most tests run: list one account's customer files.
    """
    return await acct.customer_files.list()


def one_file_each(request: Request) -> Response:
    """
    Answer a list with one customer file whose id is the account's.
    """
    return json_response([{"id": account_of(request), "name": "f"}])


class InFlight:
    """
    A handler that counts the calls running at once and remembers the most.
    """

    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.now = 0
        self.most = 0
        self.calls = 0

    async def __call__(self, request: Request) -> Response:
        self.calls += 1
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.now -= 1
        return one_file_each(request)


def client_with(handler) -> ma.MomentClient:
    """
    Return a client whose calls the handler answers in memory.
    """
    return ma.MomentClient("t", transport=ma.MockTransport(handler))


async def test_results_come_in_input_order_when_jobs_finish_out_of_order():
    """The first accounts finish last, yet the results follow the order given."""
    ids = [5, 4, 3, 2, 1, 9, 8]

    async def handler(request: Request) -> Response:
        await asyncio.sleep(account_of(request) / 1000)
        return one_file_each(request)

    async with client_with(handler) as client:
        results = await client.for_each_account(ids, list_files, concurrency=7)

    assert ids == [result.account_id for result in results]
    assert [[i] for i in ids] == [[f.id for f in r.unwrap()] for r in results]


async def test_concurrency_bounds_the_jobs_running_at_once():
    """With concurrency 5, never more than 5 of 60 jobs run at once, and 5 do."""
    handler = InFlight()

    async with client_with(handler) as client:
        results = await client.for_each_account(range(1, 61), list_files, concurrency=5)

    assert 5 == handler.most
    assert 60 == handler.calls == len(results)


async def test_default_concurrency_is_sixteen():
    """Without concurrency=, 16 jobs run at once."""
    handler = InFlight()

    async with client_with(handler) as client:
        await client.for_each_account(range(1, 41), list_files)

    assert 16 == handler.most


async def test_tasks_are_a_fixed_pool_not_one_per_account():
    """3,000 accounts at concurrency 8 never have more than 8 worker tasks alive."""
    most = 0

    async def handler(request: Request) -> Response:
        nonlocal most
        most = max(most, len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        return json_response([])

    async with client_with(handler) as client:
        results = await client.for_each_account(
            range(1, 3001), list_files, concurrency=8
        )

    # The 8 workers and this test's own task.
    assert 9 >= most
    assert 3000 == len(results)


async def test_failures_are_typed_and_do_not_stop_the_others():
    """Odd accounts are refused with 403; each keeps its typed error, the even ones their files."""

    async def handler(request: Request) -> Response:
        if account_of(request) % 2:
            return error_response(403, -5, "no permission")
        return one_file_each(request)

    async with client_with(handler) as client:
        results = await client.for_each_account(range(1, 11), list_files)

    failed = [r.account_id for r in results if not r.ok]
    assert [1, 3, 5, 7, 9] == failed
    assert all(isinstance(r.error, ma.PermissionDeniedError) for r in results[::2])
    assert [[2], [4], [6], [8], [10]] == [
        [f.id for f in r.unwrap()] for r in results if r.ok
    ]
    assert all(r.value is None for r in results if not r.ok)


async def test_a_job_that_raises_its_own_exception_is_one_failed_result():
    """An exception of the caller's own job is kept like an API error."""

    async def job(acct: ma.AdAccount) -> int:
        if acct.id == 2:
            msg = "bad account"
            raise KeyError(msg)
        return acct.id * 10

    async with client_with(one_file_each) as client:
        results = await client.for_each_account([1, 2, 3], job)

    assert [10, None, 30] == [r.value for r in results]
    assert isinstance(results[1].error, KeyError)


async def test_unwrap_raises_the_error_of_a_failed_job():
    """unwrap() returns a success's value and raises a failure's exception."""
    error = ma.NotFoundError("gone", 404)
    good = ma.AccountResult(1, value="x")
    bad: ma.AccountResult[str] = ma.AccountResult(2, error=error)

    with pytest.raises(ma.NotFoundError) as info:
        bad.unwrap()

    assert "x" == good.unwrap()
    assert error is info.value
    assert (True, False) == (good.ok, bad.ok)


async def test_a_job_that_returns_none_unwraps_to_none():
    """A job with no value (a delete) is ok and unwraps to None."""

    async def handler(request: Request) -> Response:
        return Response(status=200, headers={}, body=b"")

    async def delete(acct: ma.AdAccount) -> None:
        await acct.audiences.delete(7)

    async with client_with(handler) as client:
        results = await client.for_each_account([1, 2], delete)

    assert [True, True] == [r.ok for r in results]
    assert [None, None] == [r.unwrap() for r in results]


async def test_results_pickle():
    """A result with its typed error survives pickling, to move between processes."""
    result: ma.AccountResult[int] = ma.AccountResult(
        3, error=ma.PermissionDeniedError("no", 403, -5)
    )

    restored = pickle.loads(pickle.dumps(result))  # noqa: S301  # our own bytes

    assert 3 == restored.account_id
    assert repr(result.error) == repr(restored.error)


async def test_progress_counts_every_account_from_zero():
    """progress is called with (0, total) first, then once per finished account."""
    calls: list[tuple[int, int | None]] = []

    async with client_with(one_file_each) as client:
        await client.for_each_account(
            range(1, 6),
            list_files,
            concurrency=2,
            progress=lambda d, t: calls.append((d, t)),
        )

    assert [(i, 5) for i in range(6)] == calls


async def test_progress_counts_failures_too():
    """A failed account counts as done for progress."""
    calls: list[tuple[int, int | None]] = []

    async def handler(request: Request) -> Response:
        return error_response(404, detail_code=21006)

    async with client_with(handler) as client:
        await client.for_each_account(
            [1, 2], list_files, progress=lambda d, t: calls.append((d, t))
        )

    assert [(0, 2), (1, 2), (2, 2)] == calls


async def test_an_exception_of_progress_stops_the_run_and_propagates():
    """A progress callback that raises ends the call with its own exception object, its cause kept, not a group."""
    handler = InFlight(delay=0.01)
    reason = LookupError("the terminal went away")
    raised: list[BaseException] = []

    def progress(done: int, total: int | None) -> None:
        if done == 3:
            error = RuntimeError("progress broke")
            raised.append(error)
            raise error from reason

    async with client_with(handler) as client:
        with pytest.raises(RuntimeError, match="progress broke") as info:
            await client.for_each_account(
                range(1, 101), list_files, concurrency=2, progress=progress
            )

    assert raised == [info.value]
    assert raised[0] is info.value
    assert reason is info.value.__cause__
    assert 10 > handler.calls
    assert 0 == handler.now


async def test_an_exception_of_progress_at_its_first_report_starts_no_job():
    """A callback that raises at (0, total) raises as itself before any job starts."""
    handler = InFlight()
    refusal = RuntimeError("no bar today")

    def progress(done: int, total: int | None) -> None:
        raise refusal

    async with client_with(handler) as client:
        with pytest.raises(RuntimeError) as info:
            await client.for_each_account([1, 2], list_files, progress=progress)

    assert refusal is info.value
    assert 0 == handler.calls


async def test_cancelling_the_call_cancels_the_running_jobs():
    """Cancellation propagates: the jobs in flight are cancelled and no new one starts."""
    started = 0
    cancelled = 0
    blocked = asyncio.Event()

    async def handler(request: Request) -> Response:
        nonlocal started, cancelled
        started += 1
        if started == 4:
            blocked.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return json_response([])  # pragma: no cover - never answered

    async with client_with(handler) as client:
        run = asyncio.create_task(
            client.for_each_account(range(1, 101), list_files, concurrency=4)
        )
        await asyncio.wait_for(blocked.wait(), 5)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    assert (4, 4) == (started, cancelled)


async def test_a_stray_cancelled_error_of_a_job_is_that_accounts_failure():
    """A job that raises CancelledError while nobody cancelled the call fails alone."""

    async def job(acct: ma.AdAccount) -> int:
        if acct.id == 2:
            inner = asyncio.get_running_loop().create_future()
            inner.cancel()
            await inner
        return acct.id

    async with client_with(one_file_each) as client:
        results = await client.for_each_account([1, 2, 3], job, concurrency=1)

    assert [1, None, 3] == [r.value for r in results]
    assert isinstance(results[1].error, asyncio.CancelledError)


async def test_any_iterable_of_ids_is_taken_once():
    """A generator of ids works; it is read once, before any job starts."""
    async with client_with(one_file_each) as client:
        results = await client.for_each_account((i for i in (3, 1, 2)), list_files)

    assert [3, 1, 2] == [r.account_id for r in results]


async def test_no_accounts_is_no_results():
    """An empty list of accounts returns an empty list and sends nothing."""
    handler = InFlight()

    async with client_with(handler) as client:
        results = await client.for_each_account([], list_files)

    assert [] == results
    assert 0 == handler.calls


@pytest.mark.parametrize(
    ("account_ids", "concurrency", "message"),
    [
        pytest.param([1, "2"], 4, "each of account_ids must be a positive integer", id="str-id"),
        pytest.param([1, 0], 4, "each of account_ids must be a positive integer", id="zero-id"),
        pytest.param([True], 4, "each of account_ids must be a positive integer", id="bool-id"),
        pytest.param([1.0], 4, "each of account_ids must be a positive integer", id="float-id"),
        pytest.param([1, 2, 1], 4, "holds ad account 1 twice", id="duplicate"),
        pytest.param("123", 4, "must be an iterable of ad account ids, got str", id="str"),
        pytest.param(7, 4, "must be an iterable of ad account ids, got int", id="int"),
        pytest.param([1], 0, "concurrency must be a positive integer", id="concurrency-0"),
        pytest.param([1], -3, "concurrency must be a positive integer", id="concurrency-negative"),
        pytest.param([1], True, "concurrency must be a positive integer", id="concurrency-bool"),
        pytest.param([1], 2.5, "concurrency must be a positive integer", id="concurrency-float"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_before_any_job(account_ids, concurrency, message):
    """Bad ids, a repeated id or a bad concurrency raise ValidationError and nothing is sent."""
    handler = InFlight()

    async with client_with(handler) as client:
        with pytest.raises(ma.ValidationError, match=message):
            await client.for_each_account(
                account_ids, list_files, concurrency=concurrency
            )

    assert 0 == handler.calls


@pytest.mark.parametrize(
    ("fn", "progress", "message"),
    [
        pytest.param(None, None, "fn must be a function", id="fn"),
        pytest.param(list_files, 5, "progress must be a function or None", id="progress"),
    ],
)  # fmt: skip
async def test_uncallable_fn_or_progress_is_refused(fn, progress, message):
    """fn and progress must be callable; nothing runs otherwise."""
    async with client_with(one_file_each) as client:
        with pytest.raises(ma.ValidationError, match=message):
            await client.for_each_account([1], fn, progress=progress)
