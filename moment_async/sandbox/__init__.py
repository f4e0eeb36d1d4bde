"""
A local, in-memory Kakao Moment API for tests, demos and laptops.

``Sandbox`` serves the 18 documented customer file and audience calls on
loopback, at the real paths below ``/openapi/v4`` and with the JSON field
names of the documents' samples. It enforces what the documents state
(Bearer token and ``adAccountId``, names of at most 50 allowed characters,
up to 10 ``text/csv`` files and 200 MB per upload, 50 customer files per
ad account, the two 5-second rate limits, no deleting a file in use, the
audience parameters allowed per type) and answers refusals with the
documented error body; the codes are listed in ``moment_async.sandbox._errors``.

Files and audiences go through their lifecycle on a clock that tests can
move (``sb.clock.advance(seconds)``); the rules are in
``moment_async.sandbox._lifecycle``, the CSV reading rules in
``moment_async.sandbox._csv``. Every request is recorded without its token
(``sb.requests``, ``sb.count(...)``) and faults can be injected
(``sb.faults``)::

    async with Sandbox(clock=Clock.manual()) as sb:
        sb.faults.fail_next("customer_files.get", status=503)
        ...
        sb.clock.advance(sb.processing_delay)

The sandbox is built on the documents, not on this package's client: it
imports nothing from ``moment_async`` outside this subpackage, so the two
check each other. From a shell: ``python -m moment_async.sandbox --port 8080``.
"""

from __future__ import annotations

from ._clock import KST, Clock
from ._csv import AdidCount, count_adids
from ._endpoints import ENDPOINTS, PREFIX
from ._faults import Fault, Faults
from ._main import main, serve
from ._records import RequestRecord
from ._sandbox import DEFAULT_PROCESSING_DELAY, Sandbox
from ._state import AdGroupRecord, AudienceRecord, CustomerFileRecord, Generation, State

__all__ = [
    "DEFAULT_PROCESSING_DELAY",
    "ENDPOINTS",
    "KST",
    "PREFIX",
    "AdGroupRecord",
    "AdidCount",
    "AudienceRecord",
    "Clock",
    "CustomerFileRecord",
    "Fault",
    "Faults",
    "Generation",
    "RequestRecord",
    "Sandbox",
    "State",
    "count_adids",
    "main",
    "serve",
]
