"""
The front door: MomentClient owns the transport and session; AdAccount is a view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Protocol, Self, TypeVar, runtime_checkable

from ._bulk import DEFAULT_CONCURRENCY, AccountResult, run_each
from ._constants import BASE_URL, DEFAULT_MAX_RESPONSE_BYTES
from ._errors import ValidationError
from ._limits import KeyedLimiter, Limiter
from ._retry import RetryPolicy
from ._routes import Route, merge_routes
from ._session import Session
from ._trace import RequestHooks
from ._transports.aiohttp import AiohttpTransport
from ._transports.base import Timeout, Transport
from ._types import TokenSource
from ._validate import check_id
from .resources import Audiences, CustomerFiles

T = TypeVar("T")


@runtime_checkable
class _Closable(Protocol):
    """
    Strictly private: a limiter that holds connections (``RedisLimiter``).
    """

    async def aclose(self) -> None: ...


class AdAccount:
    """
    The calls of one ad account; get one from ``MomentClient.ad_account()``.

    A view and nothing more: it shares the client's connections, limits
    and retries, so making one per task or per account costs nothing.
    """

    __slots__ = ("audiences", "customer_files", "id")

    def __init__(self, session: Session, account_id: int) -> None:
        self.id = account_id
        #: The Customer file API for this account.
        self.customer_files = CustomerFiles(session, account_id)
        #: The Audience API for this account.
        self.audiences = Audiences(session, account_id)

    def __repr__(self) -> str:
        return f"<AdAccount {self.id}>"


class MomentClient:
    """
    An async client for the Kakao Moment Customer file and Audience APIs.

    One client is meant to be shared by every task and ad account of a
    process; it holds the connection pool and the rate limiters::

        async with MomentClient(token="...") as client:
            acct = client.ad_account(27429)
            for customer_file in await acct.customer_files.list():
                print(customer_file.name, customer_file.status)

    Args:
        token: The business token, or an async callable returning the
            current one. A callable is asked again once after a 401, so a
            backend can refresh tokens without building a new client.
        base_url: The API root; defaults to Kakao's. Point it at a sandbox
            in tests.
        transport: What sends requests; ``AiohttpTransport()`` by default.
            The client closes it.
        timeout: Seconds for a whole call, or a ``Timeout``.
        retry: Which calls are retried and how (``RetryPolicy``).
        limiter: ``True`` for the documented rate limits kept in this
            process, ``False`` to send without waiting, or a configured
            ``Limiter`` (a ``KeyedLimiter``, or another store such as
            Redis: ``limiter=ma.RedisLimiter.from_url(url)``). A limiter
            with an ``aclose()`` method is closed with the client, so its
            ``aclose()`` must leave it usable by other clients that share
            it: ``RedisLimiter`` closes only the connections it opened, and
            opens new ones at its next call.
        routes: Replacements for documented routes, by call name
            (``"customer_files.usage"``): a ``Route`` or ``(method, path)``.
        hooks: Functions called as each HTTP request starts and ends, for
            tracing (``RequestHooks``).
        max_response_bytes: The most bytes an answer may hold, counted
            after decompression (4 MiB by default; the largest documented
            answer is about 30 KiB). Reading stops as soon as an answer
            passes it, with ``ResponseTooLargeError``.
    """

    def __init__(
        self,
        token: TokenSource,
        *,
        base_url: str = BASE_URL,
        transport: Transport | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        limiter: Limiter | bool = True,
        routes: Mapping[str, Route | tuple[str, str]] | None = None,
        hooks: RequestHooks | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        max_response_bytes = check_id(max_response_bytes, "max_response_bytes")
        if not base_url.startswith(("http://", "https://")):
            msg = f"base_url must start with http:// or https://, got {base_url!r}"
            raise ValidationError(msg)
        given: object = limiter  # checked at run time: callers may pass anything
        if limiter is True:
            limiter = KeyedLimiter()
        elif given is not False and not isinstance(given, Limiter):
            msg = (
                "limiter must be True, False or a Limiter (KeyedLimiter, "
                f"RedisLimiter), got {type(given).__name__}"
            )
            raise ValidationError(msg)
        #: Closed with the client: a limiter that holds connections.
        self._closable = given if isinstance(given, _Closable) else None
        self._session = Session(
            transport=transport if transport is not None else AiohttpTransport(),
            token=token,
            base_url=base_url,
            routes=merge_routes(routes),
            limiter=None if limiter is False else limiter,
            retry=retry if retry is not None else RetryPolicy(),
            timeout=Timeout() if timeout is None else Timeout.of(timeout),
            hooks=hooks,
            max_response_bytes=max_response_bytes,
        )

    def __repr__(self) -> str:
        state = "closed" if self._session.closed else "open"
        return f"<MomentClient {self._session!r} {state}>"

    def ad_account(self, account_id: int) -> AdAccount:
        """
        Return the view of one ad account; its id goes in the adAccountId header.

        Raises:
            ValidationError: *account_id* is not a positive integer.
        """
        return AdAccount(self._session, check_id(account_id, "account_id"))

    async def for_each_account(
        self,
        account_ids: Iterable[int],
        fn: Callable[[AdAccount], Awaitable[T]],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[AccountResult[T]]:
        """
        Run ``await fn(client.ad_account(id))`` for each ad account; one result each.

        At most *concurrency* jobs run at once (16 by default), from a fixed
        pool of workers: a list of 100,000 accounts costs *concurrency*
        tasks. The results come back in the order of *account_ids*, one
        ``AccountResult`` per account, holding the job's value or the
        ``Exception`` it raised: one account's failure never stops the
        others. *progress*, if given, is called with (accounts done, total),
        first with (0, total)::

            async def count_files(acct: ma.AdAccount) -> int:
                return len(await acct.customer_files.list())

            results = await client.for_each_account([27429, 27430], count_files)
            for result in results:
                print(result.account_id, result.value if result.ok else result.error)

        The jobs share the client's limits, retries and connections.
        Cancelling the call cancels the jobs still running and propagates;
        so does an exception of *progress* (the call then raises it).

        Raises:
            ValidationError: before any job starts, for an id that is not a
                positive integer, an id given twice (a job that deletes must
                not run twice for one account; give each id once), or a
                *concurrency* that is not a positive integer.
        """
        return await run_each(
            account_ids,
            self.ad_account,
            fn,
            concurrency=concurrency,
            progress=progress,
        )

    async def aclose(self) -> None:
        """
        Close the connections and the limiter's; safe to call twice. Later calls raise.

        A limiter shared with other clients keeps working for them
        (``RedisLimiter`` opens new connections at its next call).
        """
        closed = self._session.closed
        try:
            await self._session.aclose()
        finally:
            if not closed and self._closable is not None:
                await self._closable.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
