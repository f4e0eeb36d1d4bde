"""
Raw answers: any call of a resource, returning the HTTP answer with the parsed result.

``acct.customer_files.with_raw_response.get(7)`` runs the very coroutine
``acct.customer_files.get(7)`` runs, on a copy of the resource whose
session keeps each successful exchange (the session's ``raw=`` flag):
one mechanism for every call, and ordinary calls pay nothing for it.

Why not stripe's ``last_response`` attribute: one client is shared by
many tasks, so an attribute set by whichever call finished last would
hand one task another task's answer. Here each call returns its own.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, cast, overload

import attrs

from .._session import Session
from ._base import Resource
from ._options import SessionView

T = TypeVar("T")
R = TypeVar("R", bound=Resource)
P = ParamSpec("P")


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """
    A call's parsed result together with the HTTP answer it was read from.

    Returned by the calls of ``with_raw_response``, for request ids and
    debugging::

        raw = await acct.customer_files.with_raw_response.get(7)
        print(raw.status, raw.headers.get("content-type"), raw.elapsed)
        customer_file = raw.parsed  # the CustomerFile that get(7) returns

    *parsed* is what the plain call returns (``None`` for a delete),
    *status*, *headers* and *content* the answer's status, headers and
    body as received (the response's headers only: nothing the client
    sent, so never the token). Look headers up in lower case: that works
    with every transport. *method* and *path* are what was sent (the path
    below ``base_url``, its id filled in, without the query), *elapsed*
    the seconds from sending to the last byte read, and *attempts* the
    HTTP attempts the call made (2 after one retry).

    A call that sends several requests (``upload(reconcile=True)`` lists
    the account first) answers with its last successful one: the one its
    result was read from.
    """

    parsed: T
    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    method: str
    path: str
    elapsed: float
    attempts: int

    @property
    def request_id(self) -> str | None:
        """
        The ``X-Request-Id`` header, when the answer carries one.

        Kakao's documents name no request-id header; look in ``headers``
        for any other.
        """
        return self.headers.get("x-request-id")

    def parse(self) -> T:
        """
        Return *parsed*: the spelling openai's ``with_raw_response`` users know.
        """
        return self.parsed


class RawCalls(Generic[R]):
    """
    Strictly private: the base of a resource's ``with_raw_response`` view.
    """

    __slots__ = ("_resource",)

    def __init__(self, resource: R) -> None:
        self._resource = resource

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ad_account={self._resource.account_id}>"


class RawCall(Generic[R, P, T]):
    """
    Strictly private: one call of a ``with_raw_response`` view, made from the resource's method.

    Declared once per call (``get = RawCall(CustomerFiles.get)``): the
    arguments stay the method's own, checked by mypy, and the answer
    becomes ``RawResponse[T]``.
    """

    def __init__(self, method: Callable[Concatenate[R, P], Awaitable[T]]) -> None:
        self._method = method
        self.__doc__ = method.__doc__
        # What help() and IDEs show: the plain call's parameters, no self.
        signature = inspect.signature(method)
        self._signature = signature.replace(
            parameters=list(signature.parameters.values())[1:],
            return_annotation=inspect.Signature.empty,
        )

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, view: RawCalls[R], owner: type[Any]
    ) -> Callable[P, Awaitable[RawResponse[T]]]: ...

    def __get__(
        self, view: RawCalls[R] | None, owner: type[Any]
    ) -> Self | Callable[P, Awaitable[RawResponse[T]]]:
        if view is None:
            return self
        resource = view._resource
        method = self._method

        async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
            session = SessionView.keeping(resource._session)
            twin = copy.copy(resource)
            # The copy reaches the session through this one attribute: a
            # stand-in that forwards everything and keeps the exchanges.
            twin._session = cast(Session, session)
            parsed = await method(twin, *args, **kwargs)
            # Every call sends a request or raises, so one succeeded.
            assert session.exchanges  # noqa: S101  # kept by a keeping view
            exchange = session.exchanges[-1]
            response = exchange.response
            return RawResponse(
                parsed=parsed,
                status=response.status,
                headers=response.headers,
                content=response.body,
                method=exchange.method,
                path=exchange.path,
                elapsed=exchange.elapsed,
                attempts=exchange.attempts,
            )

        call.__name__ = call.__qualname__ = getattr(method, "__name__", "call")
        call.__doc__ = method.__doc__
        call.__signature__ = self._signature  # type: ignore[attr-defined]  # read by inspect.signature
        return call
