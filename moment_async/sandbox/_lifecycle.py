"""
Where customer files and audiences are in their life at a given clock reading.

Statuses are computed when an answer is written, from the records and the
clock; nothing runs in the background. The rules:

Customer files
    A registration or an edit of the contents adds a *generation* that is
    ready ``processing_delay`` seconds later. Before the first generation
    is ready the file is ``WAITING``; while a later one is pending it is
    ``MODIFYING`` (and keeps the previous ``populationScore`` and
    ``ready``, as ad groups keep using the previous list). Once ready it is
    ``COMPLETE`` with ``populationScore`` = 70 % of the distinct valid
    ADIDs received (rounded down), or ``ERROR`` when no valid ADID came.

URL registrations
    Nothing is fetched. A URL given content with
    ``Sandbox.set_url_content(url, csv_bytes)`` is counted like an upload.
    Otherwise a URL whose path ends in ``.csv`` (any case) completes with a
    synthetic list of 1,000 to 9,999 distinct IDs, fixed per URL (CRC-32 of
    the URL); any other URL ends in ``TRANSFORM_ERROR``. ``transformStatus``
    is ``STANDBY`` until then, ``COMPLETED`` or ``FAILED`` after. Daily
    renewal is not simulated.

Audiences
    ``STANDBY`` for ``processing_delay`` seconds after a create or an edit.
    Then the population is estimated once: the sum of the populations of
    the (not excluded) targeted customer files that were ready at that
    moment, or 1,000,000 without customer file targeting; times
    ``len(ages) / 11`` for NOT_ALL ages, ``len(genders) / 2`` for NOT_ALL
    genders and 1/2 for AREA. Below 100 the audience is
    ``SEED_NOT_ENOUGH``, else ``AVAILABLE``.
"""

from __future__ import annotations

import zlib
from typing import Final
from urllib.parse import urlsplit

import attrs

from ._csv import AdidCount
from ._rules import AGE_CODES, GENDER_CODES
from ._state import AudienceRecord, CustomerFileRecord, Generation, State

#: Share of the uploaded IDs that "match" Kakao users, in tenths.
MATCH_TENTHS: Final = 7
#: Audience population when no customer file narrows it.
ALL_USERS: Final = 1_000_000
#: Below this estimated population an audience is SEED_NOT_ENOUGH.
MIN_AUDIENCE_POPULATION: Final = 100
_SYNTHETIC_MIN: Final = 1000
_SYNTHETIC_SPAN: Final = 9000

COMPLETE: Final = "COMPLETE"
ERROR: Final = "ERROR"
TRANSFORM_ERROR: Final = "TRANSFORM_ERROR"


def population(valid: int) -> int:
    """
    Return the population extracted from *valid* distinct ADIDs.
    """
    return valid * MATCH_TENTHS // 10


def generation(
    now: float, delay: float, count: AdidCount, key: str, outcome: str | None = None
) -> Generation:
    """
    Return a new generation of contents, ready *delay* seconds after *now*.

    *outcome* defaults to COMPLETE with valid rows, ERROR without.
    """
    if outcome is None:
        outcome = COMPLETE if count.valid else ERROR
    return Generation(
        requested_at=now,
        ready_at=now + delay,
        count=count,
        outcome=outcome,
        population=population(count.valid) if outcome == COMPLETE else None,
        adid_list_key=key,
    )


def url_rows(state: State, url: str) -> tuple[AdidCount, str | None]:
    """
    Return what registering *url* reads, and the outcome when not by the counts.
    """
    content = state.url_content(url)
    if content is not None:
        return content, None
    if urlsplit(url).path.lower().endswith(".csv"):
        synthetic = _SYNTHETIC_MIN + zlib.crc32(url.encode()) % _SYNTHETIC_SPAN
        return AdidCount(valid=synthetic), None
    return AdidCount(), TRANSFORM_ERROR


@attrs.frozen
class FileView:
    """
    A customer file as it stands at one clock reading.
    """

    status: str
    ready: bool
    population: int | None
    #: The last generation whose extraction finished, if any.
    settled: Generation | None
    #: The newest generation (pending or settled).
    latest: Generation


def view_file(record: CustomerFileRecord, at: float) -> FileView:
    """
    Return where *record* is at clock reading *at*.
    """
    latest = record.generations[-1]
    settled = next((g for g in reversed(record.generations) if g.ready_at <= at), None)
    if latest.ready_at > at:
        status = "MODIFYING" if settled is not None else "WAITING"
    else:
        status = latest.outcome
    return FileView(
        status=status,
        ready=settled is not None and settled.outcome == COMPLETE,
        population=None if settled is None else settled.population,
        settled=settled,
        latest=latest,
    )


def transform_status(view: FileView) -> str:
    """
    Return a URL file's ``transformStatus``: STANDBY, COMPLETED or FAILED.
    """
    if view.settled is None or view.settled is not view.latest:
        return "STANDBY"
    return "FAILED" if view.settled.outcome == TRANSFORM_ERROR else "COMPLETED"


def _estimate(record: AudienceRecord, state: State) -> int:
    settings = record.settings
    entries = settings.targetings.get("customerFileTargetings", ())
    if entries:
        total = 0
        for entry in entries:
            if isinstance(entry, dict) and entry.get("exclude") is True:
                continue
            ident = entry.get("id") if isinstance(entry, dict) else None
            target = state.customer_file(ident) if isinstance(ident, int) else None
            if target is not None:
                total += view_file(target, record.ready_at).population or 0
        estimate = float(total)
    else:
        estimate = float(ALL_USERS)
    if settings.age_type == "NOT_ALL":
        estimate *= len(settings.ages) / len(AGE_CODES)
    if settings.gender_type == "NOT_ALL":
        estimate *= len(settings.genders) / len(GENDER_CODES)
    if settings.location_type == "AREA":
        estimate /= 2
    return int(estimate)


def view_audience(
    record: AudienceRecord, state: State, at: float
) -> tuple[str, int | None]:
    """
    Return an audience's status and population at clock reading *at*.
    """
    if at < record.ready_at:
        return "STANDBY", None
    if record.population is None:
        record.population = _estimate(record, state)
    if record.population < MIN_AUDIENCE_POPULATION:
        return "SEED_NOT_ENOUGH", record.population
    return "AVAILABLE", record.population
