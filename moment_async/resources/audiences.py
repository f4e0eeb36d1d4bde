"""
The Audience API: the 8 documented calls for one ad account.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Final

from .._constants import DEFAULT_MAX_WAIT, DEFAULT_POLL_INTERVAL
from .._errors import ValidationError
from .._retry import RetryPolicy
from .._transports.base import Timeout
from .._validate import check_audience_spec, check_bool, check_id, check_ids
from ..models import (
    Audience,
    AudienceAdGroup,
    AudienceSpec,
    AudienceStatus,
    AudienceSummary,
    BulkDeleteResult,
)
from ._base import Resource
from ._raw import RawCall, RawCalls
from ._reconcile import create_once
from ._wait import wait_for_status

#: The status ``wait_until_ready`` waits through; it returns on any other.
_PENDING: Final = frozenset({AudienceStatus.STANDBY})
#: The status of an audience that could not be prepared.
_FAILED: Final = frozenset({AudienceStatus.ERROR})


def _checked(spec: object) -> AudienceSpec:
    if not isinstance(spec, AudienceSpec):
        msg = f"spec must be a moment_async.AudienceSpec, got {type(spec).__name__}"
        raise ValidationError(msg)
    check_audience_spec(spec)
    return spec


class Audiences(Resource):
    """
    Audiences of one ad account: saved targeting to reuse in ad groups.

    Reach it as ``client.ad_account(id).audiences``. Kakao documents no
    rate limit for these calls.

    Every call takes two keyword-only options for itself alone: *timeout*
    (seconds, or a ``Timeout``) replaces the client's deadline, and *retry*
    (a ``RetryPolicy``) its retry policy, ``RetryPolicy.never()`` for a
    call that must be tried once. Retries still draw on the client's
    ``RetryBudget``. A 401 answered while a token provider is in use is
    sent once more with a fresh token whatever *retry* says: nothing was
    done by Kakao.
    """

    __slots__ = ()

    @property
    def with_raw_response(self) -> AudiencesWithRawResponse:
        """
        The same calls, each answering a ``RawResponse``: the result and the HTTP answer.

        ``raw = await audiences.with_raw_response.get(3)`` gives the
        ``Audience`` as ``raw.parsed`` and the answer's ``status``,
        ``headers`` and ``content``. Each call returns its own answer, so
        one client stays safe to share between tasks.
        """
        return AudiencesWithRawResponse(self)

    async def list(
        self,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[AudienceSummary]:
        """
        List the ad account's audiences.
        """
        return await self._session.call(
            "audiences.list",
            self._account,
            list[AudienceSummary],
            envelope="content",
            timeout=timeout,
            retry=retry,
        )

    async def get(
        self,
        audience_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Audience:
        """
        Fetch one audience with its targeting.

        Raises:
            NotFoundError: no such audience in this ad account.
        """
        audience_id = check_id(audience_id, "audience_id")
        return await self._session.call(
            "audiences.get",
            self._account,
            Audience,
            path_id=audience_id,
            timeout=timeout,
            retry=retry,
        )

    async def wait_until_ready(
        self,
        audience_id: int,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Audience:
        """
        Poll an audience until it leaves ``STANDBY``; return it.

        Kakao prepares an audience after a create or an edit (``STANDBY``,
        "Preparing"). This calls ``get`` every *poll_interval* seconds until
        the status is another one, and returns the audience then: in
        ``AVAILABLE``, or in ``SEED_NOT_ENOUGH``, which the documents list
        apart from ``ERROR`` ("Unavailable") as a finished estimate that
        found too few people, so it is a result to look at, not a failure.
        A status the SDK does not know (``status.is_unknown``) has left
        ``STANDBY`` too: it is returned, for the caller to look at. An
        answer without a status says nothing, and is polled again::

            audience = await audiences.wait_until_ready(created.id, max_wait=600)
            if audience.status is ma.AudienceStatus.SEED_NOT_ENOUGH:
                print("too few people:", audience.population_score)

        *max_wait* bounds the whole wait, in seconds (6 h 10 min by
        default: an audience of customer files waits for them). *timeout*
        is the ordinary per-call deadline of each poll (the client's by
        default), as on every other call. No rate limit is documented for
        audiences; *poll_interval* defaults to 5 s.

        Raises:
            ResourceFailedError: the audience ended in ``ERROR``;
                ``resource`` is the audience.
            WaitTimeoutError: *max_wait* passed first (also a
                ``TimeoutError``); ``resource`` is the audience as last seen.
            RequestTimeoutError: one poll passed its *timeout*.
            NotFoundError: no such audience in this ad account.
            ValidationError: a bad *audience_id*, *max_wait*,
                *poll_interval* or *timeout*.
        """
        audience_id = check_id(audience_id, "audience_id")
        per_call = None if timeout is None else Timeout.of(timeout)
        return await wait_for_status(
            lambda: self.get(audience_id, timeout=per_call, retry=retry),
            lambda found: found.status,
            pending=_PENDING,
            failed=_FAILED,
            what=f"audience {audience_id}",
            max_wait=max_wait,
            poll_interval=poll_interval,
            spacing=self._session.spacing("audiences.get"),
            sleep=self._session.sleep,
        )

    async def create(
        self,
        spec: AudienceSpec,
        *,
        reconcile: bool = False,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Audience:
        """
        Create an audience from *spec*; never sent twice.

        The request is sent again only when it surely never left (no
        connection could be opened). A failure after it may have reached
        Kakao, or a success answer that cannot be read, raises
        ``AmbiguousWriteError``. With *reconcile* true the client lists the
        account's audiences before sending (one extra ``list`` call on
        every create) and, after such a failure, lists them again and
        returns the one new audience named ``spec.name`` (fetched with
        ``get``). Finding none, or several (another client created the
        same name meanwhile), raises ``AmbiguousWriteError`` with
        ``reconciled`` true, and nothing is sent again. Each listing is
        bounded by *timeout* too.

        Raises:
            ValidationError: before sending, when *spec* breaks a documented
                rule (ages without NOT_ALL, a MESSAGE audience with customer
                file targeting, AREA without locations, ...).
            AmbiguousWriteError: the call may or may not have created it.
        """
        checked = _checked(spec)
        check_bool(reconcile, "reconcile")
        body = self._session.encode(checked, {"ad_account_id": self.account_id})

        async def send() -> Audience:
            return await self._session.call(
                "audiences.create",
                self._account,
                Audience,
                json=body,
                timeout=timeout,
                retry=retry,
            )

        async def listing() -> builtins.list[AudienceSummary]:
            return await self.list(timeout=timeout, retry=retry)

        async def result(found: AudienceSummary) -> Audience:
            return await self.get(found.id, timeout=timeout, retry=retry)

        return await create_once(
            "audiences.create",
            checked.name,
            send,
            listing,
            result,
            reconcile=reconcile,
        )

    async def update(
        self,
        audience_id: int,
        spec: AudienceSpec,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Audience:
        """
        Replace an audience's settings with *spec*.

        Raises:
            ValidationError: a bad *audience_id* or *spec* (see ``create``).
        """
        fields = {
            "id": check_id(audience_id, "audience_id"),
            "ad_account_id": self.account_id,
        }
        body = self._session.encode(_checked(spec), fields)
        return await self._session.call(
            "audiences.update",
            self._account,
            Audience,
            json=body,
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        audience_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """
        Delete an audience.

        Raises:
            NotFoundError: no such audience.
        """
        audience_id = check_id(audience_id, "audience_id")
        await self._session.call(
            "audiences.delete",
            self._account,
            None,
            path_id=audience_id,
            timeout=timeout,
            retry=retry,
        )

    async def delete_many(
        self,
        audience_ids: Iterable[int],
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> BulkDeleteResult:
        """
        Delete several audiences at once; each may fail on its own.

        Raises:
            ValidationError: no ids, or an id that is not a positive integer.
        """
        ids = check_ids(audience_ids, "audience_ids")
        return await self._session.call(
            "audiences.delete_many",
            self._account,
            BulkDeleteResult,
            query={"audience_ids": ",".join(map(str, ids))},
            timeout=timeout,
            retry=retry,
        )

    async def ad_groups(
        self,
        audience_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[AudienceAdGroup]:
        """
        List the ad groups that use an audience.
        """
        audience_id = check_id(audience_id, "audience_id")
        return await self._session.call(
            "audiences.ad_groups",
            self._account,
            list[AudienceAdGroup],
            path_id=audience_id,
            envelope="content",
            timeout=timeout,
            retry=retry,
        )

    async def unlink(
        self,
        audience_id: int,
        ad_group_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """
        Stop an ad group from using an audience.
        """
        audience_id = check_id(audience_id, "audience_id")
        ad_group = check_id(ad_group_id, "ad_group_id")
        await self._session.call(
            "audiences.unlink",
            self._account,
            None,
            path_id=audience_id,
            query={"ad_group_id": str(ad_group)},
            timeout=timeout,
            retry=retry,
        )


class AudiencesWithRawResponse(RawCalls[Audiences]):
    """
    The calls of ``Audiences``, each answering a ``RawResponse`` of its result.

    Reach it as ``acct.audiences.with_raw_response``; every call takes
    the plain call's arguments.
    """

    __slots__ = ()

    list = RawCall(Audiences.list)
    get = RawCall(Audiences.get)
    create = RawCall(Audiences.create)
    update = RawCall(Audiences.update)
    delete = RawCall(Audiences.delete)
    delete_many = RawCall(Audiences.delete_many)
    ad_groups = RawCall(Audiences.ad_groups)
    unlink = RawCall(Audiences.unlink)
