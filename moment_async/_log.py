"""
The ``MOMENT_LOG`` switch: the library's log lines on standard error, with no logging setup.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Final

from ._constants import LOG_ENV

#: The name of the library's logger; every module logs under it.
LOGGER: Final = "moment_async"
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


#: The value of ``MOMENT_LOG`` acted on last, so each value is acted on once.
_SEEN: Final[dict[str, str]] = {"value": ""}


def log_from_env() -> None:
    """
    Act on ``MOMENT_LOG`` when a client is made, not at import, once per value.

    ``MOMENT_LOG=debug`` (one line per HTTP request: method, path, status,
    attempt, limiter wait and duration, never a header or the token) or
    ``MOMENT_LOG=info`` (also Redis fallbacks and reconciled creates) sets
    the level of the ``moment_async`` logger, as openai's ``OPENAI_LOG``
    does. The lines go to standard error through a handler of that logger
    alone, unless logging already has somewhere to send them (a handler on
    the root logger, as ``logging.basicConfig`` adds): then that is used,
    so no line shows twice. The root logger and every other logger are
    left as they are. Any other value is ignored, with one
    ``RuntimeWarning``.

    Read each time a ``MomentClient`` is made rather than at import:
    importing a library changes nothing, and a ``.env`` file loaded after
    the imports, or after an earlier client, still counts. Each value is
    acted on once (one warning for a bad one, one handler at most).
    """
    value = os.environ.get(LOG_ENV, "").strip().lower()
    if value == _SEEN["value"]:
        return
    _SEEN["value"] = value
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        msg = f"{LOG_ENV}={value[:40]!r} is ignored: use {LOG_ENV}=debug or {LOG_ENV}=info"
        # Points at the MomentClient(...) line that read it.
        warnings.warn(msg, RuntimeWarning, stacklevel=3)
        return
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
