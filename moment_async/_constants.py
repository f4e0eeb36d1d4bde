"""
Fixed values of the Kakao Moment API and of this client's defaults.
"""

from __future__ import annotations

from typing import Final

from ._version import __version__

#: The real API host and version prefix; every route path is relative to it.
BASE_URL: Final = "https://apis.moment.kakao.com/openapi/v4"
USER_AGENT: Final = f"moment-async/{__version__}"

#: Environment variables a ``MomentClient`` reads when its argument is not
#: given: the business token, the API root (a sandbox's, say), and the
#: switch that prints the library's log lines (``debug`` or ``info``).
TOKEN_ENV: Final = "MOMENT_TOKEN"  # noqa: S105  # a variable name, not a token
BASE_URL_ENV: Final = "MOMENT_BASE_URL"
LOG_ENV: Final = "MOMENT_LOG"

#: Seconds a whole call may take, limiter waits and retries included.
DEFAULT_TOTAL_TIMEOUT: Final = 60.0
#: Seconds to open a TCP + TLS connection.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
#: Seconds one read from the socket may stall; off by default, since the
#: total deadline bounds every call and a per-read timer costs about a tenth
#: of the throughput on small answers (benchmarks/throughput.py).
DEFAULT_READ_TIMEOUT: Final[float | None] = None

#: Bytes an answer may hold, after decompression, before the client refuses
#: it (``ResponseTooLargeError``). The largest documented answer, a list of
#: 50 customer files, is about 30 KiB: 4 MiB leaves room for any growth of
#: the API while a hostile or broken server cannot fill a worker's memory.
DEFAULT_MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
#: The longest pause, in seconds, that one 429's ``Retry-After`` puts on a
#: rate-limit key. Kakao's documented limits space calls 5 s apart; a longer
#: wait asked by a server (or a proxy, or a hostile answer) is taken up to
#: 10 minutes, so one bad header cannot lock an ad account or a customer file
#: for days. A call still gives up at its own deadline.
MAX_RETRY_AFTER: Final = 600.0

#: aiohttp allows 100 connections by default; a fan-out over many ad accounts
#: needs more, and every call goes to the same host.
DEFAULT_MAX_CONNECTIONS: Final = 512

#: Seconds ``wait_until_ready`` waits at most by default (its *max_wait*):
#: Kakao extracts a customer file's population "within 6 hours"; ten minutes
#: more for the polls.
DEFAULT_MAX_WAIT: Final = 6 * 3600.0 + 600.0
#: Seconds between the polls of ``wait_until_ready``: the documented limit of
#: the customer file detail call, one every 5 s per file.
DEFAULT_POLL_INTERVAL: Final = 5.0

AUTHORIZATION: Final = "Authorization"
AD_ACCOUNT_ID: Final = "adAccountId"
CONTENT_TYPE: Final = "Content-Type"
CONTENT_LENGTH: Final = "Content-Length"
JSON_CONTENT_TYPE: Final = "application/json"
CSV_CONTENT_TYPE: Final = "text/csv"

#: Documented limits of a customer file upload.
MAX_UPLOAD_FILES: Final = 10
#: "200 MB" in the documents, read as 200,000,000 bytes: an upload refused at
#: once is better than one Kakao refuses after 200 MiB went over the wire.
#: The default of ``MomentClient(max_upload_bytes=...)``.
MAX_UPLOAD_BYTES: Final = 200_000_000
MAX_NAME_LENGTH: Final = 50
