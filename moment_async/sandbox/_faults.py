"""
Faults a test asks for: error answers, delays, dropped connections, broken bodies.

Each rule names an endpoint (a call name such as ``"customer_files.get"``,
or ``"*"`` for all) and how many calls it spoils (``times``; ``None`` for
every call until ``clear()``). Rules are used in the order they were added.
A call gets every matching *delay* and then at most one other fault:

======================  ==========================  ===========================
fault                   request processed?          what the client sees
======================  ==========================  ===========================
``fail_next``           no                          *status* with a JSON error
                                                    body (``code``, ``msg``),
                                                    and the ``Retry-After``
                                                    asked for, hostile or not
``non_json``            no                          *status* with an HTML page,
                                                    as a proxy would send
``drop_connection``     no, with ``after_body``     the connection closes with
                        False (the body is not      no answer
                        read); yes, with
                        ``after_body`` True
``drop_connection``     yes                         headers and half the body,
(``mid_response``)                                  then the connection closes
``truncate``            yes                         the real status and a
                                                    complete HTTP message whose
                                                    JSON is cut in half
``empty_200``           yes                         200 with an empty body
``oversized``           yes                         the real status and *size*
                                                    bytes of spaces, with a
                                                    ``Content-Length`` or
                                                    chunked, or without end;
                                                    or a gzip or deflate bomb
                                                    that inflates to them
``redirect_loop``       no                          302 to the same URL, again
                                                    and again
``delay``               yes (after the wait)        the real answer, *seconds*
                                                    late (real seconds, not the
                                                    sandbox clock)
======================  ==========================  ===========================

"Processed" means the sandbox changes its state as for a normal call: a
test can check that a client which retried after a lost answer did not
create a second file.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

from ._endpoints import ANY, check_endpoint
from ._hostile import ENCODINGS, ENDLESS_LIMIT, Encoding

Kind = Literal[
    "fail",
    "non_json",
    "drop",
    "truncate",
    "empty_200",
    "oversized",
    "redirect",
    "delay",
]
Stage = Literal["before_body", "after_body", "mid_response"]

_DEFAULT_MESSAGE: Final = "fault injected by the sandbox"
#: Bytes of an oversized answer unless a test says otherwise: 16 times the
#: 4 MiB past which a bounded client (this package's, by default) refuses.
DEFAULT_OVERSIZE: Final = 64 * 1024 * 1024


@attrs.define(kw_only=True)
class Fault:
    """
    One fault rule and how many more calls it spoils.
    """

    endpoint: str
    kind: Kind
    #: Calls left to spoil; None spoils every call.
    remaining: int | None = 1
    status: int = 200
    #: The JSON body of ``fail_next``.
    body: dict[str, object] | None = None
    #: Seconds, or the header's text as it is (an HTTP date, garbage).
    retry_after: float | str | None = None
    seconds: float = 0.0
    stage: Stage = "before_body"
    #: The decoded bytes of an ``oversized`` body; None: without end.
    size: int | None = DEFAULT_OVERSIZE
    chunked: bool = False
    encoding: Encoding | None = None

    def matches(self, endpoint: str | None) -> bool:
        """
        Whether this rule applies to a call of *endpoint* and has calls left.
        """
        return (self.endpoint in (ANY, endpoint)) and self.remaining != 0


@attrs.frozen
class Plan:
    """
    What to do to one call: wait *delay* seconds, then apply *fault* if any.
    """

    delay: float = 0.0
    fault: Fault | None = None


def _retry_after(value: float | str | None) -> float | str | None:
    if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
        # A header cannot hold them; aiohttp would refuse the answer itself.
        msg = f"retry_after must hold no control characters, got {value!r}"
        raise ValueError(msg)
    return value


def _size(size: int | None) -> int | None:
    given: object = size  # checked at run time: a float would fail mid-answer
    if given is not None and (
        type(given) is not int or not 0 <= given <= ENDLESS_LIMIT
    ):
        msg = f"size must be None or 0 to {ENDLESS_LIMIT} bytes, got {size!r}"
        raise ValueError(msg)
    return size


def _encoding(encoding: Encoding | None) -> Encoding | None:
    if encoding is not None and encoding not in ENCODINGS:
        msg = f"encoding must be None, 'gzip' or 'deflate', got {encoding!r}"
        raise ValueError(msg)
    return encoding


def _times(times: int | None) -> int | None:
    if times is not None and (isinstance(times, bool) or times < 1):
        msg = f"times must be a positive integer or None, got {times!r}"
        raise ValueError(msg)
    return times


class Faults:
    """
    The fault rules of one sandbox; reach them as ``sandbox.faults``.
    """

    def __init__(self) -> None:
        self._rules: list[Fault] = []

    def __repr__(self) -> str:
        return f"<Faults {len(self.pending)} pending>"

    @property
    def pending(self) -> list[Fault]:
        """
        The rules that still have calls to spoil, in order.
        """
        return [rule for rule in self._rules if rule.remaining != 0]

    def _add(self, rule: Fault) -> Fault:
        check_endpoint(rule.endpoint)
        _times(rule.remaining)
        self._rules.append(rule)
        return rule

    def fail_next(
        self,
        endpoint: str,
        times: int | None = 1,
        status: int = 503,
        code: int = -9798,
        retry_after: float | str | None = None,
        *,
        detail_code: int | None = None,
        message: str = _DEFAULT_MESSAGE,
    ) -> Fault:
        """
        Answer the next *times* calls with *status* and an error body of *code*.

        The body is ``{"code": code, "msg": message}``, plus ``extras`` when
        *detail_code* is given; *message* may be as long as a test likes
        (megabytes, to see what a client keeps of it). *retry_after* adds a
        ``Retry-After`` header: seconds (``float("inf")`` is sent as
        ``inf``), or a string sent as it is, for the hostile ones
        (``"1e400"``, a date in the year 9999, ``"soon"``). The call is not
        processed.
        """
        body: dict[str, object] = {"code": code, "msg": message}
        if detail_code is not None:
            body["extras"] = {"detailCode": detail_code, "detailMsg": message}
        return self._add(
            Fault(
                endpoint=endpoint,
                kind="fail",
                remaining=times,
                status=status,
                body=body,
                retry_after=_retry_after(retry_after),
            )
        )

    def delay(self, endpoint: str, seconds: float, times: int | None = None) -> Fault:
        """
        Hold the answers of *times* calls (default: every call) for *seconds*.
        """
        if seconds < 0:
            msg = f"seconds must not be negative, got {seconds}"
            raise ValueError(msg)
        return self._add(
            Fault(endpoint=endpoint, kind="delay", remaining=times, seconds=seconds)
        )

    def drop_connection(
        self,
        endpoint: str,
        times: int | None = 1,
        after_body: bool = False,
        *,
        mid_response: bool = False,
    ) -> Fault:
        """
        Close the connection instead of answering *times* calls.

        By default the request body is not read and nothing is processed.
        With *after_body* the call is processed and then the connection
        closes: the client cannot know the call succeeded. With
        *mid_response* the call is processed and the answer stops halfway.

        aiohttp's ``ClientSession`` silently re-sends a GET, PUT or DELETE
        once when the connection drops, so such a call may use up two.
        """
        stage: Stage = "before_body"
        if mid_response:
            stage = "mid_response"
        elif after_body:
            stage = "after_body"
        return self._add(
            Fault(endpoint=endpoint, kind="drop", remaining=times, stage=stage)
        )

    def truncate(self, endpoint: str, times: int | None = 1) -> Fault:
        """
        Process *times* calls and send their JSON cut in half, with a fitting length.
        """
        return self._add(Fault(endpoint=endpoint, kind="truncate", remaining=times))

    def non_json(
        self, endpoint: str, times: int | None = 1, status: int = 502
    ) -> Fault:
        """
        Answer *times* calls with an HTML error page and *status*; nothing is processed.
        """
        return self._add(
            Fault(endpoint=endpoint, kind="non_json", remaining=times, status=status)
        )

    def empty_200(self, endpoint: str, times: int | None = 1) -> Fault:
        """
        Process *times* calls and answer each with 200 and an empty body.
        """
        return self._add(Fault(endpoint=endpoint, kind="empty_200", remaining=times))

    def oversized(
        self,
        endpoint: str,
        times: int | None = 1,
        *,
        size: int | None = DEFAULT_OVERSIZE,
        chunked: bool = False,
        encoding: Encoding | None = None,
    ) -> Fault:
        """
        Process *times* calls and answer each with a body of *size* bytes of spaces.

        The answer keeps its real status. Its body is streamed a piece at a
        time, with a ``Content-Length`` (or *chunked*), so a client that
        checks the declared length can refuse it before reading. *size*
        None sends spaces without end (chunked, whatever *chunked* says)
        until the client goes away, or until 2 GiB. *encoding* ``"gzip"``
        or ``"deflate"`` sends a bomb instead: about a KiB on the wire per
        MiB of spaces it inflates to, with a fitting ``Content-Encoding``
        (and without end too, with *size* None).

        The call is processed: a create answered this way did happen, and
        the client cannot know it.
        """
        return self._add(
            Fault(
                endpoint=endpoint,
                kind="oversized",
                remaining=times,
                size=_size(size),
                chunked=chunked or size is None,
                encoding=_encoding(encoding),
            )
        )

    def redirect_loop(self, endpoint: str, times: int | None = 1) -> Fault:
        """
        Answer *times* calls with a redirect to themselves, again and again.

        Each answer is a 302 to the same path and query, plus a hop count
        (``sandboxRedirect=1``, ``2``, ...) by which the sandbox knows the
        request as part of the loop: it redirects it again without using up
        a rule, up to 100 hops, then answers 508 Loop Detected. Every hop is
        recorded in ``requests``. Nothing is processed (a 302 turns a POST
        into a GET, which is redirected too).
        """
        return self._add(Fault(endpoint=endpoint, kind="redirect", remaining=times))

    def clear(self) -> None:
        """
        Remove every rule.
        """
        self._rules.clear()

    def take(self, endpoint: str | None) -> Plan:
        """
        Return what to do to a call of *endpoint*, using up the matching rules.
        """
        delay = 0.0
        chosen: Fault | None = None
        for rule in self._rules:
            if not rule.matches(endpoint):
                continue
            if rule.kind == "delay":
                delay += rule.seconds
            elif chosen is None:
                chosen = rule
            else:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
        self._rules = [rule for rule in self._rules if rule.remaining != 0]
        return Plan(delay, chosen)
