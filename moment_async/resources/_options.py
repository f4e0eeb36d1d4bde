"""
Call options of a client copy (``with_options``), laid over the one shared session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from .._errors import ValidationError
from .._retry import RetryPolicy
from .._session import Exchange, Session, check_retry
from .._transports.base import Timeout
from .._validate import check_id

#: Headers the client owns: the token, the account, the body's framing and
#: coding, the connection's handling (hop-by-hop headers, RFC 9110 7.6.1),
#: the proxy's credentials, and the coding it decodes within its bound.
#: Cookies are not the client's to send: Kakao authenticates by token.
_REFUSED: Final = {
    name.lower(): name
    for name in (
        "Authorization",
        "Proxy-Authorization",
        "adAccountId",
        "Content-Type",
        "Content-Length",
        "Transfer-Encoding",
        "Host",
        "Connection",
        "Accept-Encoding",
        "Content-Encoding",
        "Expect",
        "TE",
        "Trailer",
        "Upgrade",
        "Keep-Alive",
        "Proxy-Connection",
        "Cookie",
    )
}
#: Headers the client sends that a copy may replace, in the client's spelling
#: (so a replacement never goes out as a second header).
_REPLACEABLE: Final = {name.lower(): name for name in ("User-Agent", "Accept")}
#: The characters of an HTTP header name (RFC 9110 "token").
_TOKEN_CHARS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def check_headers(headers: object) -> dict[str, str]:
    """
    Return *headers* as extra request headers, refusing what could break a call.

    Names are HTTP tokens, values printable ASCII (spaces and tabs allowed
    inside): no control character can end a header or start another. The
    headers the client owns are refused: ``Authorization``,
    ``Proxy-Authorization``, ``adAccountId``, ``Content-Type``,
    ``Content-Length``, ``Transfer-Encoding``, ``Content-Encoding``,
    ``Host``, ``Accept-Encoding``, the hop-by-hop headers (``Connection``,
    ``Keep-Alive``, ``Proxy-Connection``, ``TE``, ``Trailer``, ``Upgrade``),
    ``Expect`` and ``Cookie``. A value has no space or tab at either end
    (HTTP would strip it). ``User-Agent`` and ``Accept`` replace the client's.
    """
    if not isinstance(headers, Mapping):
        msg = f"headers must be a mapping of names to values, got {type(headers).__name__}"
        raise ValidationError(msg)
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not name or not set(name) <= _TOKEN_CHARS:
            msg = (
                f"header name {name!r} is not an HTTP token: letters, digits and "
                "!#$%&'*+-.^_`|~ only"
            )
            raise ValidationError(msg)
        owned = _REFUSED.get(name.lower())
        if owned is not None:
            msg = (
                f"header {owned} is set by the client and cannot be given in "
                f"headers= (the token, the ad account, the body's framing and "
                "coding and the connection's handling are the client's own)"
            )
            raise ValidationError(msg)
        if not isinstance(value, str):
            msg = f"header {name} must have a str value, got {type(value).__name__}"
            raise ValidationError(msg)
        for position, char in enumerate(value):
            if not (" " <= char <= "~" or char == "\t"):
                msg = (
                    f"header {name}'s value holds U+{ord(char):04X} at position "
                    f"{position}: header values are printable ASCII (percent-encode "
                    "or base64 anything else)"
                )
                raise ValidationError(msg)
        if value != value.strip(" \t"):
            msg = (
                f"header {name}'s value starts or ends with a space or tab, which "
                "HTTP strips: give it without them"
            )
            raise ValidationError(msg)
        checked[_REPLACEABLE.get(name.lower(), name)] = value
    return checked


@attrs.frozen(kw_only=True)
class CallOptions:
    """
    Strictly private: what a ``with_options`` copy changes; ``None`` keeps the client's.
    """

    timeout: Timeout | None = None
    retry: RetryPolicy | None = None
    headers: Mapping[str, str] | None = None
    max_response_bytes: int | None = None
    max_upload_bytes: int | None = None

    @classmethod
    def of(
        cls,
        *,
        timeout: Timeout | float | None,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
        max_response_bytes: int | None,
        max_upload_bytes: int | None,
    ) -> CallOptions:
        """
        Return checked options; anything wrong is a ``ValidationError``.
        """
        return cls(
            timeout=None if timeout is None else Timeout.of(timeout),
            retry=None if retry is None else check_retry(retry),
            headers=None if headers is None else check_headers(headers),
            max_response_bytes=None
            if max_response_bytes is None
            else check_id(max_response_bytes, "max_response_bytes"),
            max_upload_bytes=None
            if max_upload_bytes is None
            else check_id(max_upload_bytes, "max_upload_bytes"),
        )

    def over(self, base: CallOptions | None) -> CallOptions:
        """
        Return these options laid over *base*: given ones win, headers merge.
        """
        if base is None:
            return self
        headers = self.headers
        if base.headers and headers:
            headers = {**base.headers, **headers}
        return CallOptions(
            timeout=base.timeout if self.timeout is None else self.timeout,
            retry=base.retry if self.retry is None else self.retry,
            headers=headers or base.headers,
            max_response_bytes=self.max_response_bytes or base.max_response_bytes,
            max_upload_bytes=self.max_upload_bytes or base.max_upload_bytes,
        )


class SessionView:
    """
    Strictly private: the client's shared session, as a copy or a raw call sees it.

    Every call goes through the one session, so a ``with_options`` copy
    shares its connections, limiter, token (and a provider's refresh),
    retry budget, event loop and closing. With *options*, a call without
    its own *timeout* or *retry* gets the copy's, and the copy's headers
    and answer bound go with every call. With *keep*, each successful
    exchange is kept in ``exchanges``, for one raw call
    (``with_raw_response``). Anything else is the session's own.
    """

    __slots__ = ("_options", "_session", "exchanges", "max_upload_bytes")

    def __init__(
        self,
        session: Session,
        options: CallOptions | None = None,
        *,
        keep: bool = False,
    ) -> None:
        self._session = session
        self._options = options
        self.exchanges: list[Exchange] | None = [] if keep else None
        #: The copy's upload bound, read by the uploads as the session's is.
        self.max_upload_bytes = (
            options.max_upload_bytes if options is not None else None
        ) or session.max_upload_bytes

    @classmethod
    def keeping(cls, session: Session | SessionView) -> SessionView:
        """
        Return a view of *session*, with a copy's options if it has any, that keeps its exchanges.
        """
        if isinstance(session, SessionView):
            return cls(session._session, session._options, keep=True)
        return cls(session, keep=True)

    def __repr__(self) -> str:
        return f"<SessionView of {self._session!r}>"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def call(self, name: str, account: str, into: Any, **options: Any) -> Any:
        """
        Send the call through the shared session, with the view's options.
        """
        given = self._options
        if given is not None:
            if options.get("timeout") is None:
                options["timeout"] = given.timeout
            if options.get("retry") is None:
                options["retry"] = given.retry
            options["extra_headers"] = given.headers
            options["max_response_bytes"] = given.max_response_bytes
        if self.exchanges is not None:
            options["raw"] = self.exchanges
        return await self._session.call(name, account, into, **options)
