"""
Callbacks around every HTTP request, for tracing (OpenTelemetry and the like).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

import attrs

_log: Final = logging.getLogger("moment_async")


@attrs.frozen(kw_only=True)
class RequestStarted:
    """
    One HTTP request about to be sent: the first try of a call or a retry.

    *call* is the call's name in the route table (``"customer_files.get"``),
    *path* the URL path below the API root (no query, no token).
    """

    call: str
    method: str
    path: str
    account_id: int
    attempt: int


@attrs.frozen(kw_only=True)
class RequestEnded:
    """
    How one HTTP request ended: an answer with a *status*, or an *error*.

    *duration* is in seconds from sending to the whole answer read;
    *limiter_wait* the seconds this attempt waited for its rate-limit slot
    before it was sent. *started* is the event given to ``on_start``.
    """

    started: RequestStarted
    status: int | None
    error: BaseException | None
    duration: float
    limiter_wait: float


@attrs.frozen(kw_only=True)
class RequestHooks:
    """
    Functions the client calls when each HTTP request starts and ends.

    They run in the event loop and must be quick and must not block; an
    exception they raise is logged and otherwise ignored, so tracing never
    fails a call. A retry is a new request with its own pair of events::

        spans = {}

        def start(event: ma.RequestStarted) -> None:
            spans[event] = tracer.start_span(f"moment {event.call}")

        def end(event: ma.RequestEnded) -> None:
            span = spans.pop(event.started)
            span.set_attribute("http.status_code", event.status or 0)
            span.end()

        client = ma.MomentClient(token, hooks=ma.RequestHooks(on_start=start, on_end=end))
    """

    on_start: Callable[[RequestStarted], object] | None = None
    on_end: Callable[[RequestEnded], object] | None = None

    def started(
        self, call: str, method: str, path: str, account: str, attempt: int
    ) -> RequestStarted:
        """
        Build the start event and hand it to ``on_start``.
        """
        event = RequestStarted(
            call=call,
            method=method,
            path=path,
            account_id=int(account),
            attempt=attempt,
        )
        if self.on_start is not None:
            try:
                self.on_start(event)
            except Exception:
                _log.exception("the on_start hook raised; the call goes on")
        return event

    def ended(
        self,
        started: RequestStarted,
        status: int | None,
        error: BaseException | None,
        duration: float,
        limiter_wait: float,
    ) -> None:
        """
        Build the end event and hand it to ``on_end``.
        """
        if self.on_end is None:
            return
        event = RequestEnded(
            started=started,
            status=status,
            error=error,
            duration=duration,
            limiter_wait=limiter_wait,
        )
        try:
            self.on_end(event)
        except Exception:
            _log.exception("the on_end hook raised; the call goes on")
