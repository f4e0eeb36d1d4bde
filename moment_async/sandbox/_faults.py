"""
Faults a test asks for: error answers, delays, dropped connections, broken bodies.

Each rule names an endpoint (a call name such as ``"customer_files.get"``,
or ``"*"`` for all) and how many calls it spoils (``times``; ``None`` for
every call until ``clear()``). Rules are used in the order they were added.
A call gets every matching *delay* and then at most one other fault:

===================  ==========================  ===========================
fault                request processed?          what the client sees
===================  ==========================  ===========================
``fail_next``        no                          *status* with a JSON error
                                                 body (``code``, ``msg``)
``non_json``         no                          *status* with an HTML page,
                                                 as a proxy would send
``drop_connection``  no, with ``after_body``     the connection closes with
                     False (the body is not      no answer
                     read); yes, with
                     ``after_body`` True
``drop_connection``  yes                         headers and half the body,
(``mid_response``)                               then the connection closes
``truncate``         yes                         the real status and a
                                                 complete HTTP message whose
                                                 JSON is cut in half
``empty_200``        yes                         200 with an empty body
``delay``            yes (after the wait)        the real answer, *seconds*
                                                 late (real seconds, not the
                                                 sandbox clock)
===================  ==========================  ===========================

"Processed" means the sandbox changes its state as for a normal call: a
test can check that a client which retried after a lost answer did not
create a second file.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

from ._endpoints import ANY, check_endpoint

Kind = Literal["fail", "non_json", "drop", "truncate", "empty_200", "delay"]
Stage = Literal["before_body", "after_body", "mid_response"]

_DEFAULT_MESSAGE: Final = "fault injected by the sandbox"


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
    retry_after: float | None = None
    seconds: float = 0.0
    stage: Stage = "before_body"

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
        retry_after: float | None = None,
        *,
        detail_code: int | None = None,
        message: str = _DEFAULT_MESSAGE,
    ) -> Fault:
        """
        Answer the next *times* calls with *status* and an error body of *code*.

        The body is ``{"code": code, "msg": message}``, plus ``extras`` when
        *detail_code* is given. *retry_after* (seconds) adds a
        ``Retry-After`` header. The call is not processed.
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
                retry_after=retry_after,
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
