"""
The record of every request that reached the sandbox, minus its token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

#: Headers never recorded: the record must be safe to print in a test report.
SECRET_HEADERS: Final = frozenset({"authorization", "cookie", "proxy-authorization"})


def public_headers(headers: Mapping[str, str]) -> CIMultiDictProxy[str]:
    """
    Return a case-insensitive copy of *headers* without the secret ones.
    """
    kept: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        if name.lower() not in SECRET_HEADERS:
            kept.add(name, value)
    return CIMultiDictProxy(kept)


@attrs.frozen(kw_only=True)
class RequestRecord:
    """
    One request as the sandbox saw it, and what it answered.
    """

    method: str
    #: The path without the query, prefix included (``/openapi/v4/...``).
    path: str
    query: Mapping[str, str]
    #: The call name (``"customer_files.get"``), or None for an unknown path.
    endpoint: str | None
    #: Case-insensitive; ``Authorization`` (and cookies) left out.
    headers: Mapping[str, str] = attrs.field(repr=False)
    #: Bytes of request body the sandbox received.
    body_size: int
    #: The status answered; None when the connection was dropped.
    status: int | None
    #: The sandbox clock's reading when the request arrived.
    time: float


class RequestLog:
    """
    The records of finished requests, in arrival order.
    """

    def __init__(self) -> None:
        self._records: dict[int, RequestRecord] = {}
        self._next = 0

    def reserve(self) -> int:
        """
        Return the place of a request that just arrived.
        """
        self._next += 1
        return self._next

    def add(self, place: int, record: RequestRecord) -> None:
        """
        Record a finished request at the *place* it reserved on arrival.
        """
        self._records[place] = record

    @property
    def records(self) -> list[RequestRecord]:
        """
        A copy of the records, in arrival order.
        """
        return [self._records[place] for place in sorted(self._records)]

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """
        Count the records of *endpoint* (any if None) answered with *status* (any if None).
        """
        return sum(
            1
            for record in self._records.values()
            if (endpoint is None or record.endpoint == endpoint)
            and (status is None or record.status == status)
        )

    def clear(self) -> None:
        """
        Forget every record.
        """
        self._records.clear()
