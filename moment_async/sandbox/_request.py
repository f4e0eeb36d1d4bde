"""
What a handler gets: the caller's token and ad account, the sandbox's parts, the parsed request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs
from aiohttp import web

from ._clock import Clock
from ._errors import BAD_REQUEST, BAD_TOKEN, NO_PERMISSION
from ._limits import RateLimits
from ._state import State


@attrs.frozen(kw_only=True)
class Env:
    """
    The parts of a sandbox that handlers read and change.
    """

    state: State
    clock: Clock
    limits: RateLimits
    #: Seconds from a registration, edit or audience change to its result.
    processing_delay: float
    #: Most bytes of CSV one upload or edit may carry.
    upload_limit_bytes: int


@attrs.frozen(kw_only=True)
class Call:
    """
    One authenticated call: who makes it, on which ad account, at what time.
    """

    request: web.Request
    env: Env
    token: str
    account_id: int
    now: float

    @property
    def state(self) -> State:
        """
        The sandbox's state.
        """
        return self.env.state

    def path_id(self) -> int:
        """
        Return the ``{id}`` of the path as a positive integer, or refuse.
        """
        return positive_int(self.request.match_info.get("id"), "id")

    def query_int(self, name: str) -> int:
        """
        Return query parameter *name* as a positive integer, or refuse.
        """
        return positive_int(self.request.query.get(name), name)

    def query_ids(self, name: str) -> list[int]:
        """
        Return the distinct ids of a comma-separated query parameter, in order.
        """
        raw = self.request.query.get(name)
        if not raw:
            msg = f"{name} 파라미터가 필요합니다."
            raise BAD_REQUEST.error(msg)
        ids = [positive_int(part.strip(), name) for part in raw.split(",")]
        return list(dict.fromkeys(ids))

    async def json(self) -> dict[str, object]:
        """
        Return the body as a JSON object, whatever the Content-Type says.

        The rename sample sends JSON without a Content-Type, so the header
        is not checked.
        """
        try:
            raw = await self.request.read()
        except web.HTTPRequestEntityTooLarge:
            msg = "요청 본문이 너무 큽니다."
            raise BAD_REQUEST.error(msg) from None
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            msg = "요청 본문이 JSON 형식이 아닙니다."
            raise BAD_REQUEST.error(msg) from None
        if not isinstance(body, dict):
            msg = "요청 본문은 JSON 객체여야 합니다."
            raise BAD_REQUEST.error(msg)
        return body


def positive_int(value: object, what: str) -> int:
    """
    Return *value* (an int, or a string of digits) if positive, or refuse with -2.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        msg = f"{what}은(는) 양의 정수여야 합니다."
        raise BAD_REQUEST.error(msg)
    return value


def int_field(body: Mapping[str, object], key: str) -> int:
    """
    Return the JSON number *key* of *body* if it is a positive integer, or refuse.
    """
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        msg = f"{key}은(는) 양의 정수여야 합니다."
        raise BAD_REQUEST.error(msg)
    return value


def bool_field(
    body: Mapping[str, object], key: str, default: bool | None = None
) -> bool:
    """
    Return the JSON boolean *key* of *body*; without it, *default* or refuse.
    """
    value = body.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, bool):
        msg = f"{key}은(는) true 또는 false 여야 합니다."
        raise BAD_REQUEST.error(msg)
    return value


def authenticate(request: web.Request, env: Env) -> Call:
    """
    Return the call of *request*, or refuse it with 401 or 403.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or not env.state.is_token(token):
        raise BAD_TOKEN.error()
    raw = request.headers.get("adAccountId", "").strip()
    if not raw:
        msg = "adAccountId 헤더가 필요합니다."
        raise NO_PERMISSION.error(msg)
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in env.state.granted(
        token
    ):
        raise NO_PERMISSION.error()
    return Call(
        request=request, env=env, token=token, account_id=int(raw), now=env.clock.now()
    )
