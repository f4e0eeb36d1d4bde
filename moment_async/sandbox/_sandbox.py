"""
``Sandbox``: the in-memory Moment API started in-process on loopback.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import ClassVar, Final, Self

from aiohttp import web

from ._app import build_app
from ._clock import Clock
from ._csv import AdidCount, count_adids
from ._customer_files import register
from ._endpoints import PREFIX
from ._faults import Faults
from ._lifecycle import url_rows
from ._limits import RateLimits
from ._records import RequestLog, RequestRecord
from ._request import Env
from ._state import AdGroupRecord, CustomerFileRecord, State
from ._upload import MAX_UPLOAD_BYTES

#: Seconds from registration to COMPLETE (about 6 hours at Kakao): long
#: enough to see WAITING, short enough for a demo.
DEFAULT_PROCESSING_DELAY: Final = 1.0
#: Seconds that requests still running (a delay fault, say) get on close
#: before they are cancelled; aiohttp's default of 60 would stall a test.
_SHUTDOWN_TIMEOUT: Final = 0.25


class Sandbox:
    """
    A local Moment API: the 18 documented calls, the documented rules, in memory.

    Use it as an async context manager; ``url`` is the base URL to give
    ``MomentClient(base_url=...)``::

        async with Sandbox() as sb:
            async with MomentClient(Sandbox.DEFAULT_TOKEN, base_url=sb.url) as client:
                files = client.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files
                ...

    Args:
        host: The address to listen on.
        port: The port; 0 picks a free one (see ``port`` once started).
        processing_delay: Seconds, on ``clock``, from a registration or edit
            to its result (customer files and audiences alike).
        clock: The clock of lifecycles and rate limits; a real-time
            ``Clock()`` by default, ``Clock.manual()`` for tests that move
            time themselves.
        rate_limits: Enforce the two documented 5-second limits.
        retry_after: Send ``Retry-After`` (whole seconds) with a 429. The
            documents do not say whether Kakao does; by default it does not.
        default_token: A token granted ``default_account``; None for none.
        default_account: The ad account of ``default_token``.
        upload_limit_bytes: The documented 200 MB per upload, as
            200,000,000 bytes; tests may lower it to reach the limit quickly.
    """

    #: The token a default sandbox accepts.
    DEFAULT_TOKEN: ClassVar[str] = "sandbox-token"  # noqa: S105  # a public test token, not a secret
    #: The ad account the default token may act on.
    DEFAULT_ACCOUNT: ClassVar[int] = 1000

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        processing_delay: float = DEFAULT_PROCESSING_DELAY,
        clock: Clock | None = None,
        rate_limits: bool = True,
        retry_after: bool = False,
        default_token: str | None = DEFAULT_TOKEN,
        default_account: int = DEFAULT_ACCOUNT,
        upload_limit_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        if processing_delay < 0:
            msg = f"processing_delay must not be negative, got {processing_delay}"
            raise ValueError(msg)
        self._host = host
        self._requested_port = port
        self._clock = clock if clock is not None else Clock()
        self._state = State()
        self._faults = Faults()
        self._log = RequestLog()
        self._env = Env(
            state=self._state,
            clock=self._clock,
            limits=RateLimits(
                self._clock, enabled=rate_limits, retry_after=retry_after
            ),
            processing_delay=processing_delay,
            upload_limit_bytes=upload_limit_bytes,
        )
        self._app = build_app(self._env, self._faults, self._log)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        if default_token is not None:
            self.grant(default_token, default_account)

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<Sandbox {where}>"

    async def start(self) -> Self:
        """
        Start listening; ``async with`` calls this for you.
        """
        if self._runner is not None:
            return self
        runner = web.AppRunner(
            self._app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def aclose(self) -> None:
        """
        Stop listening and close open connections; safe to call twice.

        Requests still being served get a quarter second, then are cancelled.
        """
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def app(self) -> web.Application:
        """
        The aiohttp application, e.g. for ``aiohttp.test_utils.TestServer``.
        """
        return self._app

    @property
    def port(self) -> int:
        """
        The port listened on; known once started.
        """
        if self._port is None:
            msg = "the sandbox is not started; use 'async with Sandbox() as sb'"
            raise RuntimeError(msg)
        return self._port

    @property
    def origin(self) -> str:
        """
        ``http://host:port``, without the API prefix.
        """
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """
        The base URL of the API, ``http://127.0.0.1:PORT/openapi/v4``.
        """
        return self.origin + PREFIX

    @property
    def clock(self) -> Clock:
        """
        The clock of lifecycles and rate limits: ``sb.clock.advance(5)``.
        """
        return self._clock

    @property
    def faults(self) -> Faults:
        """
        Fault injection: ``sb.faults.fail_next("customer_files.get", status=503)``.
        """
        return self._faults

    @property
    def state(self) -> State:
        """
        The records in memory, for assertions: ``sb.state.customer_files(1000)``.
        """
        return self._state

    @property
    def processing_delay(self) -> float:
        """
        Seconds from a registration or edit to its result.
        """
        return self._env.processing_delay

    @property
    def rate_limits(self) -> bool:
        """
        Whether the documented rate limits are enforced; may be switched.
        """
        return self._env.limits.enabled

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self._env.limits.enabled = enabled
        self._env.limits.reset()

    @property
    def requests(self) -> list[RequestRecord]:
        """
        Every request so far (Authorization header left out), in arrival order.
        """
        return self._log.records

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """
        Count the requests of *endpoint* (e.g. ``"customer_files.upload"``), with *status* if given.
        """
        return self._log.count(endpoint, status)

    def clear_requests(self) -> None:
        """
        Forget the recorded requests.
        """
        self._log.clear()

    def grant(self, token: str, *account_ids: int) -> None:
        """
        Accept *token* and let it act on *account_ids* (no ids: the token is known but may act on nothing).
        """
        if not token or token != token.strip():
            msg = "a token must be non-empty and have no surrounding spaces"
            raise ValueError(msg)
        self._state.grant(token, account_ids)

    def set_url_content(self, url: str, content: bytes) -> AdidCount:
        """
        Make registrations of *url* (by URL) read the CSV *content*; return its counts.
        """
        count = count_adids([content])
        self._state.set_url_content(url, count)
        return count

    def seed_customer_file(
        self,
        account_id: int,
        name: str = "seeded customer file",
        *,
        file_id: int | None = None,
        content: bytes | None = None,
        valid_adids: int = 1000,
        source_url: str | None = None,
        renewable: bool = False,
        ready: bool = True,
    ) -> CustomerFileRecord:
        """
        Add a customer file without an API call (it counts toward the 50 per account).

        Its rows are the CSV *content* if given, else *valid_adids* distinct
        IDs; with *source_url* it is registered by URL (then *content* is
        ignored and the URL rule of the lifecycle applies). With *ready* it
        is already extracted (COMPLETE or ERROR); else it waits for the
        processing delay like a new one. It is not counted by
        ``state.created_customer_files``.
        """
        outcome = None
        if source_url is not None:
            count, outcome = url_rows(self._state, source_url)
        elif content is not None:
            count = count_adids([content])
        else:
            count = AdidCount(valid=valid_adids)
        now = self._clock.now()
        delay = self._env.processing_delay
        return register(
            self._state,
            account_id=account_id,
            name=name,
            count=count,
            now=now - delay if ready else now,
            delay=delay,
            source_url=source_url,
            renewable=renewable,
            outcome=outcome,
            file_id=file_id,
            seeded=True,
        )

    def seed_ad_group(
        self,
        account_id: int,
        *,
        ad_group_id: int | None = None,
        name: str = "seeded ad group",
        campaign_id: int | None = None,
        campaign_name: str = "seeded campaign",
        campaign_type: str = "DISPLAY",
        goal: str = "VISITING",
        ad_group_type: str = "DISPLAY",
        status: Iterable[str] = ("OFF",),
        customer_file_ids: Iterable[int] = (),
        audience_ids: Iterable[int] = (),
    ) -> AdGroupRecord:
        """
        Add an ad group (and its campaign) that uses customer files and audiences.

        The files and audiences must exist in *account_id*; an ad group that
        uses them shows in their usage calls and keeps them from being
        deleted until ``audiences.unlink`` (for audiences).

        Raises:
            ValueError: a file or audience of another account or none, or
                an ad group id in use.
        """
        files = set(customer_file_ids)
        audiences = set(audience_ids)
        for file_id in files:
            found = self._state.customer_file(file_id)
            if found is None or found.account_id != account_id:
                msg = f"no customer file {file_id} in ad account {account_id}"
                raise ValueError(msg)
        for audience_id in audiences:
            audience = self._state.audience(audience_id)
            if audience is None or audience.account_id != account_id:
                msg = f"no audience {audience_id} in ad account {account_id}"
                raise ValueError(msg)
        record = AdGroupRecord(
            id=self._state.new_ad_group_id() if ad_group_id is None else ad_group_id,
            account_id=account_id,
            name=name,
            status=tuple(status),
            type=ad_group_type,
            campaign_id=self._state.new_campaign_id()
            if campaign_id is None
            else campaign_id,
            campaign_name=campaign_name,
            campaign_type=campaign_type,
            goal=goal,
            customer_file_ids=files,
            audience_ids=audiences,
        )
        self._state.add_ad_group(record)
        return record
