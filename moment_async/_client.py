"""
The front door: MomentClient owns the transport and session; AdAccount is a view.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import MappingProxyType, TracebackType
from typing import Protocol, Self, TypeVar, cast, runtime_checkable

from ._bulk import DEFAULT_CONCURRENCY, AccountResult, run_each
from ._constants import (
    BASE_URL,
    BASE_URL_ENV,
    DEFAULT_MAX_RESPONSE_BYTES,
    MAX_UPLOAD_BYTES,
    TOKEN_ENV,
)
from ._errors import ValidationError
from ._limits import KeyedLimiter, Limiter
from ._log import log_from_env
from ._retry import RetryPolicy
from ._routes import Route, merge_routes
from ._session import Session
from ._trace import RequestHooks
from ._transports.aiohttp import AiohttpTransport
from ._transports.base import Timeout, Transport
from ._types import ProgressCallback, TokenSource
from ._validate import check_base_url, check_id
from .resources import Audiences, CustomerFiles
from .resources._options import CallOptions, SessionView

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
            Not given, it is read from the ``MOMENT_TOKEN`` environment
            variable (as openai reads ``OPENAI_API_KEY``), and checked as
            an argument is: a trailing newline or space is refused, never
            stripped. Neither given nor set is a ``ValidationError``.
        base_url: The API root; not given, ``MOMENT_BASE_URL`` if set, else
            Kakao's. Point it at a sandbox in tests. An argument always
            wins over the environment.
        transport: What sends requests; ``AiohttpTransport()`` by default.
            The client closes it.
        proxy: An ``http://`` proxy for every request, credentials in its
            URL if it needs them (``"http://user:password@proxy:3128"``);
            they are never shown. Not given, ``HTTPS_PROXY``,
            ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` are honoured, as
            curl, httpx and openai honour them (see ``AiohttpTransport``).
        trust_env: ``False`` ignores the proxy environment variables.
            *proxy* and *trust_env* configure the default transport: with
            *transport*, give them to it instead.
        timeout: Seconds for a whole call, or a ``Timeout``.
        retry: Which calls are retried and how (``RetryPolicy``). A call's
            own ``retry=`` replaces it for that call, and
            ``with_options(...)`` makes a copy with other defaults.
        limiter: ``True`` for the documented rate limits kept in this
            process, ``False`` to send without waiting, or a configured
            ``Limiter`` (a ``KeyedLimiter``, or another store such as
            Redis: ``limiter=ma.RedisLimiter.from_url(url)``). A limiter
            with an ``aclose()`` method is closed with the client, so its
            ``aclose()`` must leave it usable by other clients that share
            it: ``RedisLimiter`` closes only the connections it opened, and
            opens new ones at its next call.
        routes: Replacements for documented routes: call name to a
            ``(method, path)`` tuple, the path below *base_url* with
            ``{id}`` where the documented one has it:
            ``routes={"customer_files.usage": ("GET", "/customerFiles/{id}/usages")}``.
            Only the method and path change; the call's documented rate
            limit stays. An unknown call name, a method other than GET,
            POST, PUT or DELETE, or a path with a query, a fragment or
            another placeholder is a ``ValidationError``. A route Kakao
            does not serve raises ``RouteNotFoundError`` naming the
            override to try; ``routes`` shows the table in use.
        hooks: Functions called as each HTTP request starts and ends, for
            tracing (``RequestHooks``).
        max_response_bytes: The most bytes an answer may hold, counted
            after decompression (4 MiB by default; the largest documented
            answer is about 30 KiB). Reading stops as soon as an answer
            passes it, with ``ResponseTooLargeError``.
        max_upload_bytes: The most file bytes one upload or edit with files
            may carry: 200,000,000 by default, the documents' "200 MB"
            read as decimal megabytes. Above it an upload is refused with
            ``ValidationError`` before anything is sent (sizes of paths,
            bytes and seekable files are known up front), or, for an async
            iterable, as soon as its bytes pass it. Raise it only if Kakao
            is known to take more (200 MiB is 209,715,200).
    """

    def __init__(
        self,
        token: TokenSource | None = None,
        *,
        base_url: str | None = None,
        transport: Transport | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        limiter: Limiter | bool = True,
        routes: Mapping[str, tuple[str, str]] | None = None,
        hooks: RequestHooks | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        max_response_bytes = check_id(max_response_bytes, "max_response_bytes")
        max_upload_bytes = check_id(max_upload_bytes, "max_upload_bytes")
        log_from_env()
        token, token_source = _token(token)
        base_url, url_source = _base_url(base_url)
        check_base_url(base_url, url_source)
        if transport is None:
            transport = AiohttpTransport(proxy=proxy, trust_env=trust_env)
        elif proxy is not None or trust_env is not True:
            msg = (
                "proxy= and trust_env= configure the default transport; with "
                "transport=, give them to it: AiohttpTransport(proxy=..., trust_env=...)"
            )
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
        self._routes: Mapping[str, Route] = MappingProxyType(merge_routes(routes))
        self._session = Session(
            transport=transport,
            token=token,
            auth_source=token_source,
            base_url=base_url,
            routes=self._routes,
            limiter=None if limiter is False else limiter,
            retry=retry if retry is not None else RetryPolicy(),
            timeout=Timeout() if timeout is None else Timeout.of(timeout),
            hooks=hooks,
            max_response_bytes=max_response_bytes,
            max_upload_bytes=max_upload_bytes,
        )
        #: What a with_options copy changes; None for the client itself.
        self._options: CallOptions | None = None
        #: What the ad account views call through: the session, or a copy's
        #: view of it (which forwards everything a resource uses).
        self._caller = self._session

    def __repr__(self) -> str:
        state = "closed" if self._session.closed else "open"
        copied = "" if self._options is None else ", a copy with options"
        return f"<MomentClient {self._session!r} {state}{copied}>"

    @property
    def routes(self) -> Mapping[str, Route]:
        """
        The route of every call, by call name, overrides applied (read-only).

        Each ``Route`` says how sure the path is (``confidence``) and which
        rate limit the client keeps for it::

            for name, route in client.routes.items():
                print(name, route.method, route.path, route.confidence)
        """
        return self._routes

    def ad_account(self, account_id: int) -> AdAccount:
        """
        Return the view of one ad account; its id goes in the adAccountId header.

        Raises:
            ValidationError: *account_id* is not a positive integer.
        """
        return AdAccount(self._caller, check_id(account_id, "account_id"))

    def with_options(
        self,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_response_bytes: int | None = None,
        max_upload_bytes: int | None = None,
    ) -> MomentClient:
        """
        Return a copy of the client whose calls use these options; it shares everything else.

        The openai idiom. The copy is cheap: it opens nothing, and shares
        the client's connection pool, rate limiter, token (and a token
        provider's refresh), retry budget and event loop::

            patient = client.with_options(timeout=300)
            once = client.with_options(retry=ma.RetryPolicy.never())
            await once.ad_account(27429).audiences.delete(7)

        *timeout* and *retry* apply to every call of the copy that gives
        none of its own; a copy's retries still draw on the client's
        ``RetryBudget``. *headers* go with every request (``User-Agent``
        and ``Accept`` replace the client's); the headers the client owns
        (``Authorization``, ``Proxy-Authorization``, ``adAccountId``,
        ``Content-Type``, ``Content-Length``, ``Transfer-Encoding``,
        ``Host``, ``Connection``, ``Accept-Encoding``), names that are not
        HTTP tokens and values with control or non-ASCII characters are
        refused. *max_response_bytes* and *max_upload_bytes* replace the
        client's bounds. An option not given keeps the client's; a copy of
        a copy keeps the first copy's, and adds to its headers.

        The copy owns nothing: its ``aclose()``, and leaving its
        ``async with`` block, do nothing, and its calls raise
        ``ClientClosedError`` once the client it came from is closed. Close
        that client as before. The client's own calls pay nothing for
        copies.

        Raises:
            ValidationError: an option is wrong; nothing is copied.
        """
        options = CallOptions.of(
            timeout=timeout,
            retry=retry,
            headers=headers,
            max_response_bytes=max_response_bytes,
            max_upload_bytes=max_upload_bytes,
        ).over(self._options)
        twin = copy.copy(self)
        twin._options = options
        twin._closable = None
        # The view forwards what it does not change, so resources take it
        # for the session they are written against.
        twin._caller = cast(Session, SessionView(self._session, options))
        return twin

    async def for_each_account(
        self,
        account_ids: Iterable[int],
        fn: Callable[[AdAccount], Awaitable[T]],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        progress: ProgressCallback | None = None,
    ) -> list[AccountResult[T]]:
        """
        Run ``await fn(client.ad_account(id))`` for each ad account; one result each.

        At most *concurrency* jobs run at once (16 by default), from a fixed
        pool of workers: a list of 100,000 accounts costs *concurrency*
        tasks. The results come back in the order of *account_ids*, one
        ``AccountResult`` per account, holding the job's value or the
        ``Exception`` it raised: one account's failure never stops the
        others. *progress*, if given, is a ``ProgressCallback`` as for
        uploads, called with (accounts done, total): first with (0, total)
        before any job starts, then as each job ends::

            async def count_files(acct: ma.AdAccount) -> int:
                return len(await acct.customer_files.list())

            results = await client.for_each_account([27429, 27430], count_files)
            for result in results:
                print(result.account_id, result.value if result.ok else result.error)

        The jobs share the client's limits, retries and connections.
        Cancelling the call cancels the jobs still running and propagates.
        An exception *progress* raises reaches the caller as itself, as an
        upload's callback's does, and stops the work it reports on: the
        jobs still running are cancelled (as when the call is cancelled),
        no further job starts, and no results are returned. Raised at the
        first report, no job has started.

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
        if self._options is not None:
            return  # a with_options copy: the client it came from owns it all
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


def _token(token: TokenSource | None) -> tuple[TokenSource, str]:
    """
    Return the token to use, from *token* or ``MOMENT_TOKEN``, and how to name it in errors.
    """
    if token is not None:
        return token, "the business token"
    found = os.environ.get(TOKEN_ENV)
    if found is None:
        msg = (
            "no business token: pass MomentClient(token=...) or set the "
            f"{TOKEN_ENV} environment variable"
        )
        raise ValidationError(msg)
    return found, f"the {TOKEN_ENV} environment variable"


def _base_url(base_url: str | None) -> tuple[str, str]:
    """
    Return the API root, from *base_url*, ``MOMENT_BASE_URL`` or Kakao's, and its name.
    """
    if base_url is not None:
        given: object = base_url  # checked at run time: callers may pass anything
        if not isinstance(given, str):
            msg = f"base_url must be a str, got {type(given).__name__}"
            raise ValidationError(msg)
        return base_url, "base_url"
    found = os.environ.get(BASE_URL_ENV)
    if found is None:
        return BASE_URL, "base_url"
    return found, f"the {BASE_URL_ENV} environment variable"
