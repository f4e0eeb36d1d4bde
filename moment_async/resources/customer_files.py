"""
The Customer file API: the 10 documented calls for one ad account.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import Final, TypeVar

from .._callbacks import check_callback
from .._constants import DEFAULT_MAX_WAIT, DEFAULT_POLL_INTERVAL
from .._multipart import MultipartBody, prepare_files
from .._retry import RetryPolicy
from .._transports.base import Timeout
from .._types import FileInput, ProgressCallback
from .._validate import (
    check_bool,
    check_id,
    check_ids,
    check_name,
    check_url,
)
from ..models import (
    AdGroupAndCampaign,
    BulkDeleteResult,
    CustomerFile,
    CustomerFileStatus,
    CustomerFileUpload,
    FileType,
)
from ._base import Resource
from ._raw import RawCall, RawCalls
from ._reconcile import create_once
from ._wait import wait_for_status

U = TypeVar("U", CustomerFile, CustomerFileUpload)
#: The status ``wait_until_ready`` returns on; it polls through any other
#: (``WAITING``, ``MODIFYING``, one the SDK does not know) but _FAILED.
_READY: Final = frozenset({CustomerFileStatus.COMPLETE})
#: Statuses a customer file does not leave by itself.
_FAILED: Final = frozenset(
    {
        CustomerFileStatus.ERROR,
        CustomerFileStatus.TRANSFORM_ERROR,
        CustomerFileStatus.DELETE,
    }
)


class CustomerFiles(Resource):
    """
    Customer files of one ad account: lists of ADIDs to target.

    Reach it as ``client.ad_account(id).customer_files``.

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
    def with_raw_response(self) -> CustomerFilesWithRawResponse:
        """
        The same calls, each answering a ``RawResponse``: the result and the HTTP answer.

        ``raw = await files.with_raw_response.get(7)`` gives the
        ``CustomerFile`` as ``raw.parsed`` and the answer's ``status``,
        ``headers`` and ``content``. Each call returns its own answer, so
        one client stays safe to share between tasks.
        """
        return CustomerFilesWithRawResponse(self)

    async def list(
        self,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[CustomerFile]:
        """
        List the ad account's customer files (at most 50 exist per account).
        """
        return await self._session.call(
            "customer_files.list",
            self._account,
            list[CustomerFile],
            timeout=timeout,
            retry=retry,
        )

    async def get(
        self,
        file_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFile:
        """
        Fetch one customer file.

        Kakao allows one call every 5 seconds per customer file for this call
        and both edits; the client waits for the slot (see ``KeyedLimiter``).

        Raises:
            NotFoundError: no such customer file in this ad account.
            ValidationError: *file_id* is not a positive integer.
        """
        file_id = check_id(file_id, "file_id")
        return await self._session.call(
            "customer_files.get",
            self._account,
            CustomerFile,
            path_id=file_id,
            limit_id=file_id,
            timeout=timeout,
            retry=retry,
        )

    async def wait_until_ready(
        self,
        file_id: int,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFile:
        """
        Poll a customer file until its population is extracted; return it, COMPLETE.

        Kakao extracts the population within 6 hours of a registration or an
        edit (``WAITING``, or ``MODIFYING`` after an edit). This calls
        ``get`` every *poll_interval* seconds (5 s) until the status is
        ``COMPLETE``. The documented limit is one detail call per 5 s per
        file, so while the client keeps the rate limits (the default) polls
        come at least 5 s apart whatever *poll_interval* says, and no poll
        spends its own *timeout* waiting for its slot. A status the SDK
        does not know (``status.is_unknown``) is polled through like
        ``WAITING``: Kakao may have added a pending state, and only
        ``COMPLETE`` says the population is there; *max_wait* bounds it.

        *max_wait* bounds the whole wait, in seconds (6 h 10 min by
        default). *timeout* is the ordinary per-call deadline of each poll
        (the client's by default), as on every other call::

            upload = await files.upload("buyers", ["buyers.csv"])
            ready = await files.wait_until_ready(upload.id, max_wait=3600)
            print(ready.population_score)

        Raises:
            ResourceFailedError: the file ended in ``ERROR`` (no valid ADID),
                ``TRANSFORM_ERROR`` (its URL could not be read) or ``DELETE``;
                ``resource`` is the file, ``status`` its status.
            WaitTimeoutError: *max_wait* passed first (also a
                ``TimeoutError``); ``resource`` is the file as last seen.
            RequestTimeoutError: one poll passed its *timeout*.
            NotFoundError: no such customer file in this ad account.
            ValidationError: a bad *file_id*, *max_wait*, *poll_interval* or
                *timeout*.
        """
        file_id = check_id(file_id, "file_id")
        per_call = None if timeout is None else Timeout.of(timeout)
        return await wait_for_status(
            lambda: self.get(file_id, timeout=per_call, retry=retry),
            lambda found: found.status,
            ready=_READY,
            failed=_FAILED,
            what=f"customer file {file_id}",
            max_wait=max_wait,
            poll_interval=poll_interval,
            spacing=self._session.spacing("customer_files.get"),
            sleep=self._session.sleep,
        )

    async def upload(
        self,
        name: str,
        files: Sequence[FileInput],
        *,
        progress: ProgressCallback | None = None,
        reconcile: bool = False,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFileUpload:
        """
        Register a new customer file from 1 to 10 CSV files (multipart upload).

        *files* holds paths or ``(filename, source)`` pairs, the source being
        bytes, a binary file object or an async iterable of bytes. Files are
        read in chunks while they are sent.

        *progress*, if given, is called with (bytes sent, total bytes, or
        None for an async iterable): first with (0, total) before the call
        waits for its rate-limit slot, then as each chunk is handed to the
        transport, the last time with (total, total). An exception the
        callback raises stops the upload and reaches the caller as itself,
        on every transport: never wrapped, never an ``AmbiguousWriteError``,
        never sent again, and *reconcile* does not run. Nothing was created
        then: every report comes before the bytes it counts, so the body
        always stops short of its closing boundary, and an incomplete
        multipart body cannot register a file. Raised at the first report,
        nothing was sent and no rate-limit slot was used; raised later, the
        request's head and part of its body went out, so its slot stays
        used: Kakao may have counted the request.

        A path must lead to a regular file, and it is checked again on the
        file opened to send it (the call may first wait for its rate-limit
        slot): a FIFO, a device or a ``/proc`` file is refused, and so is a
        file whose size changed since the call began, before any byte is
        sent. A file object must read a regular file or have no descriptor
        (``io.BytesIO``); read a pipe or a socket on the event loop and pass
        an async iterable of its bytes. File names may not hold control,
        format or line-separator characters.

        Kakao allows one registration every 5 seconds per user and ad
        account; the client waits for the slot.

        The upload is sent again only when it surely never left (no
        connection could be opened) and its files can be read again. Once
        its body may have reached Kakao (a connection lost after sending,
        a timeout, a 5xx other than maintenance) or Kakao answered success
        with a body that cannot be read, it is never sent again:
        ``AmbiguousWriteError`` is raised. With *reconcile* true the client
        first lists the account's files before sending (one extra
        ``list`` call on every upload; if it fails, its error is raised and
        nothing is sent) and, after such a failure, lists
        them again: the one new file named *name* is returned (without the
        row counts, which only the upload's answer has). Finding none, or
        several (another client uploaded the same name meanwhile), raises
        ``AmbiguousWriteError`` with ``reconciled`` true; nothing is sent
        again then either. Each listing is bounded by *timeout* too.

        Raises:
            ValidationError: before sending, for a bad name, no files or more
                than 10, a file name not ending in ``.csv`` or holding a
                control character, a source that is no regular file, an
                empty file, or more than 200,000,000 bytes in total (the
                documents' 200 MB; ``MomentClient(max_upload_bytes=...)``);
                an async iterable is stopped as soon as it passes the limit.
            BadRequestError: Kakao refused it, e.g. the account already has
                50 customer files.
            AmbiguousWriteError: the upload may have created the file, or
                most likely did (see above).
            Exception: whatever *progress* raised, as itself.
        """
        name = check_name(name)
        check_bool(reconcile, "reconcile")
        check_callback(progress, "progress")
        limit = self._session.max_upload_bytes
        body = MultipartBody(
            [("name", name)], prepare_files(files, limit), progress, limit
        )

        async def send() -> CustomerFileUpload:
            return await self._send_files(
                "customer_files.upload", body, CustomerFileUpload, None, timeout, retry
            )

        async def listing() -> builtins.list[CustomerFile]:
            return await self.list(timeout=timeout, retry=retry)

        async def result(found: CustomerFile) -> CustomerFileUpload:
            return CustomerFileUpload(
                id=found.id,
                ad_account_id=found.ad_account_id,
                name=found.name,
                file_type=found.file_type,
                status=found.status,
                created_date=found.created_date,
            )

        return await create_once(
            "customer_files.upload", name, send, listing, result, reconcile=reconcile
        )

    async def register_url(
        self,
        name: str,
        source_url: str,
        *,
        renewable: bool = False,
        reconcile: bool = False,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFile:
        """
        Register a new customer file from a public http(s) URL serving a CSV.

        With *renewable* true Kakao fetches the URL again once a day for 90
        days. Limited like ``upload``: one every 5 seconds per user and ad
        account, waited for.

        Like ``upload``, sent again only when it surely never left, and
        never once it may have reached Kakao or was answered with an
        unreadable success. *reconcile* true costs one extra ``list`` call
        before sending and returns the one new file named *name* from the
        account's list after such a failure (see ``upload``).

        Raises:
            ValidationError: a bad name, a URL that is not http(s) with a
                host, or *renewable* not a bool.
            AmbiguousWriteError: the call may have created the file, or
                most likely did.
        """
        name = check_name(name)
        check_bool(reconcile, "reconcile")
        fields = {
            "name": name,
            "file_type": FileType.ADID.value,
            "source_url": check_url(source_url),
            "renewable": check_bool(renewable, "renewable"),
        }
        body = self._session.encode(None, fields)

        async def send() -> CustomerFile:
            return await self._session.call(
                "customer_files.register_url",
                self._account,
                CustomerFile,
                json=body,
                timeout=timeout,
                retry=retry,
            )

        async def listing() -> builtins.list[CustomerFile]:
            return await self.list(timeout=timeout, retry=retry)

        async def result(found: CustomerFile) -> CustomerFile:
            return found

        return await create_once(
            "customer_files.register_url",
            name,
            send,
            listing,
            result,
            reconcile=reconcile,
        )

    async def replace_files(
        self,
        file_id: int,
        files: Sequence[FileInput],
        *,
        progress: ProgressCallback | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFileUpload:
        """
        Replace the CSV files of a customer file registered with files.

        Same file rules as ``upload``, and the same *progress* reports: an
        exception the callback raises reaches the caller as itself, and the
        edit did not happen (the body stopped short of its end). Limited to
        one call every 5 seconds per customer file, waited for. Until Kakao
        finishes the edit, ad groups keep using the previous list.

        Raises:
            ValidationError: bad *file_id* or files (see ``upload``).
            BadRequestError: e.g. the file was registered by URL.
            Exception: whatever *progress* raised, as itself.
        """
        file_id = check_id(file_id, "file_id")
        check_callback(progress, "progress")
        limit = self._session.max_upload_bytes
        body = MultipartBody(
            [("id", str(file_id))], prepare_files(files, limit), progress, limit
        )
        return await self._send_files(
            "customer_files.replace_files",
            body,
            CustomerFileUpload,
            file_id,
            timeout,
            retry,
        )

    async def _send_files(
        self,
        call: str,
        body: MultipartBody,
        into: type[U],
        limit_id: int | None,
        timeout: Timeout | float | None,
        retry: RetryPolicy | None,
    ) -> U:
        """
        Send a multipart *body*; a progress callback's exception is raised as itself.
        """
        body.report_start()
        try:
            return await self._session.call(
                call,
                self._account,
                into,
                multipart=body,
                limit_id=limit_id,
                timeout=timeout,
                retry=retry,
            )
        except Exception as exc:  # raised again below
            error = exc
        # The transport may have wrapped the callback's exception (aiohttp
        # reports a broken connection) or let it through (MockTransport):
        # either way the caller gets the callback's own. Raised outside the
        # handler, so the transport's error is not chained to it.
        body.raise_failure()
        raise error

    async def replace_url(
        self,
        file_id: int,
        source_url: str,
        *,
        renewable: bool | None = None,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFile:
        """
        Point a customer file registered by URL at a new URL.

        *renewable* ``None`` leaves the renewal setting out of the request.
        Limited to one call every 5 seconds per customer file, waited for.

        Raises:
            ValidationError: bad *file_id*, URL or *renewable*.
            BadRequestError: e.g. the file was registered with files.
        """
        fields: dict[str, object] = {
            "id": check_id(file_id, "file_id"),
            "file_type": FileType.ADID.value,
            "source_url": check_url(source_url),
        }
        if renewable is not None:
            fields["renewable"] = check_bool(renewable, "renewable")
        return await self._session.call(
            "customer_files.replace_url",
            self._account,
            CustomerFile,
            json=self._session.encode(None, fields),
            limit_id=file_id,
            timeout=timeout,
            retry=retry,
        )

    async def rename(
        self,
        file_id: int,
        name: str,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> CustomerFile:
        """
        Change a customer file's name; its contents stay as they are.

        Raises:
            ValidationError: bad *file_id*, or a name longer than 50
                characters or with characters Kakao does not allow.
        """
        fields = {"id": check_id(file_id, "file_id"), "name": check_name(name)}
        return await self._session.call(
            "customer_files.rename",
            self._account,
            CustomerFile,
            json=self._session.encode(None, fields),
            timeout=timeout,
            retry=retry,
        )

    async def delete(
        self,
        file_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """
        Delete a customer file.

        Raises:
            BadRequestError: the file is used by an ad group.
            NotFoundError: no such customer file.
        """
        file_id = check_id(file_id, "file_id")
        await self._session.call(
            "customer_files.delete",
            self._account,
            None,
            path_id=file_id,
            timeout=timeout,
            retry=retry,
        )

    async def delete_many(
        self,
        file_ids: Iterable[int],
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> BulkDeleteResult:
        """
        Delete several customer files at once; each may fail on its own.

        The result counts successes and failures and carries Kakao's
        (Korean) reasons, e.g. that a file is in use.

        Raises:
            ValidationError: no ids, or an id that is not a positive integer.
        """
        ids = check_ids(file_ids, "file_ids")
        return await self._session.call(
            "customer_files.delete_many",
            self._account,
            BulkDeleteResult,
            query={"customer_file_ids": ",".join(map(str, ids))},
            timeout=timeout,
            retry=retry,
        )

    async def usage(
        self,
        file_id: int,
        *,
        timeout: Timeout | float | None = None,
        retry: RetryPolicy | None = None,
    ) -> builtins.list[AdGroupAndCampaign]:
        """
        List the ad groups, with their campaigns, that use a customer file.
        """
        file_id = check_id(file_id, "file_id")
        return await self._session.call(
            "customer_files.usage",
            self._account,
            list[AdGroupAndCampaign],
            path_id=file_id,
            timeout=timeout,
            retry=retry,
        )


class CustomerFilesWithRawResponse(RawCalls[CustomerFiles]):
    """
    The calls of ``CustomerFiles``, each answering a ``RawResponse`` of its result.

    Reach it as ``acct.customer_files.with_raw_response``; every call takes
    the plain call's arguments.
    """

    __slots__ = ()

    list = RawCall(CustomerFiles.list)
    get = RawCall(CustomerFiles.get)
    upload = RawCall(CustomerFiles.upload)
    register_url = RawCall(CustomerFiles.register_url)
    replace_files = RawCall(CustomerFiles.replace_files)
    replace_url = RawCall(CustomerFiles.replace_url)
    rename = RawCall(CustomerFiles.rename)
    delete = RawCall(CustomerFiles.delete)
    delete_many = RawCall(CustomerFiles.delete_many)
    usage = RawCall(CustomerFiles.usage)
