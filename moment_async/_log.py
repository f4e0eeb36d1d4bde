"""
The ``MOMENT_LOG`` switch: the library's log lines on standard error, with no logging setup.
"""

from __future__ import annotations

import functools
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


@functools.cache
def log_from_env() -> None:
    """
    Act on ``MOMENT_LOG`` once per process: at the first client made, not at import.

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

    Read when the first ``MomentClient`` is made rather than at import:
    importing a library changes nothing, and a ``.env`` file loaded after
    the imports still counts.
    """
    value = os.environ.get(LOG_ENV, "").strip().lower()
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
