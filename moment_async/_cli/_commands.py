"""
The command table: one entry per documented call, each mapping arguments to an SDK call.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs

from .._constants import DEFAULT_MAX_WAIT, DEFAULT_POLL_INTERVAL
from .._data import from_data
from .._errors import ValidationError
from ..models import AudienceSpec
from ..resources import Audiences, CustomerFiles
from ._output import ProgressBar
from ._waiting import with_elapsed_bar

T = TypeVar("T")

Runner = Callable[
    [CustomerFiles, Audiences, argparse.Namespace, ProgressBar | None],
    Awaitable[Any],
]


@attrs.frozen
class Command:
    """
    Strictly private: one subcommand, its arguments and the call it makes.
    """

    group: str
    name: str
    help: str
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
    run: Runner
    #: The progress bar the call drives (uploads, waits), made from the arguments.
    bar: Callable[[argparse.Namespace], ProgressBar] | None = None


def _arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


def seconds(text: str, *, allow_zero: bool = False) -> float:
    """
    Read a positive (or with *allow_zero*, non-negative) finite number of seconds.

    The argparse ``type=`` of durations: a bad value is a usage error.
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # NaN fails every comparison.
    above_floor = value >= 0 if allow_zero else value > 0
    if not (above_floor and value < math.inf):
        kind = "non-negative" if allow_zero else "positive"
        msg = f"not a {kind} number of seconds: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


_ID: Final = _arg("id", type=int, help="customer file id")
_AUDIENCE: Final = _arg("id", type=int, help="audience id")
_IDS: Final = _arg("ids", type=int, nargs="+", metavar="ID")
_FILES: Final = _arg("files", nargs="+", metavar="FILE.csv", help="1 to 10 CSV files")
# The whole wait; each poll is one call under the top-level --timeout.
_MAX_WAIT: Final = _arg(
    "--max-wait",
    type=seconds,
    default=DEFAULT_MAX_WAIT,
    metavar="S",
    help="give up after S seconds in all (default: 6 h 10 min)",
)
_POLL: Final = _arg(
    "--poll-interval",
    type=seconds,
    default=DEFAULT_POLL_INTERVAL,
    metavar="S",
    help=f"seconds between two polls (default {DEFAULT_POLL_INTERVAL:g})",
)
_SPEC: Final = _arg(
    "--from", dest="spec", required=True, metavar="SPEC.json",
    help="audience spec as JSON, with the API's field names",
)  # fmt: skip


def load_spec(path: str) -> AudienceSpec:
    """
    Read an audience spec from a JSON file, as ``moment_async.from_data`` reads one.

    The API's field names or the Python ones; an unknown key is refused,
    and an audience printed by ``--json`` reads as its spec.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read the spec {path}: {exc}"
        raise ValidationError(msg) from exc
    if not isinstance(data, dict):
        msg = f"the spec {path} must hold a JSON object"
        raise ValidationError(msg)
    try:
        return from_data(AudienceSpec, data)
    except ValidationError as exc:
        msg = f"the spec {path} is not a valid audience spec: {exc}"
        raise ValidationError(msg) from exc


def _uploading(ns: argparse.Namespace) -> ProgressBar:
    return ProgressBar(f"uploading {len(ns.files)} file(s)")


def _waiting(what: str) -> Callable[[argparse.Namespace], ProgressBar]:
    return lambda ns: ProgressBar(f"waiting for {what} {ns.id}", unit="s")


async def _wait(
    work: Awaitable[T], ns: argparse.Namespace, bar: ProgressBar | None
) -> T:
    if bar is None:
        return await work
    return await with_elapsed_bar(work, ns.max_wait, bar)


COMMANDS: Final = (
    Command("files", "list", "list the ad account's customer files", (),
            lambda f, a, ns, p: f.list()),
    Command("files", "get", "show one customer file", (_ID,),
            lambda f, a, ns, p: f.get(ns.id)),
    Command("files", "upload", "register a customer file from CSV files",
            (_arg("name"), _FILES),
            lambda f, a, ns, p: f.upload(ns.name, ns.files, progress=p), bar=_uploading),
    Command("files", "register-url", "register a customer file from a CSV URL",
            (_arg("name"), _arg("url"), _arg("--renewable", action="store_true", help="refresh daily for 90 days")),
            lambda f, a, ns, p: f.register_url(ns.name, ns.url, renewable=ns.renewable)),
    Command("files", "replace-files", "replace the CSV files of a customer file", (_ID, _FILES),
            lambda f, a, ns, p: f.replace_files(ns.id, ns.files, progress=p), bar=_uploading),
    Command("files", "replace-url", "point a URL customer file at a new URL",
            (_ID, _arg("url"), _arg("--renewable", action=argparse.BooleanOptionalAction, default=None)),
            lambda f, a, ns, p: f.replace_url(ns.id, ns.url, renewable=ns.renewable)),
    Command("files", "rename", "rename a customer file", (_ID, _arg("name")),
            lambda f, a, ns, p: f.rename(ns.id, ns.name)),
    Command("files", "delete", "delete a customer file", (_ID,),
            lambda f, a, ns, p: f.delete(ns.id)),
    Command("files", "delete-many", "delete several customer files", (_IDS,),
            lambda f, a, ns, p: f.delete_many(ns.ids)),
    Command("files", "usage", "list the ad groups that use a customer file", (_ID,),
            lambda f, a, ns, p: f.usage(ns.id)),
    Command("files", "wait", "wait until a customer file is COMPLETE, with a progress bar",
            (_ID, _MAX_WAIT, _POLL),
            lambda f, a, ns, p: _wait(f.wait_until_ready(
                ns.id, max_wait=ns.max_wait, poll_interval=ns.poll_interval), ns, p),
            bar=_waiting("customer file")),
    Command("audiences", "list", "list the ad account's audiences", (),
            lambda f, a, ns, p: a.list()),
    Command("audiences", "get", "show one audience", (_AUDIENCE,),
            lambda f, a, ns, p: a.get(ns.id)),
    Command("audiences", "create", "create an audience from a JSON spec", (_SPEC,),
            lambda f, a, ns, p: a.create(load_spec(ns.spec))),
    Command("audiences", "update", "replace an audience's settings from a JSON spec", (_AUDIENCE, _SPEC),
            lambda f, a, ns, p: a.update(ns.id, load_spec(ns.spec))),
    Command("audiences", "delete", "delete an audience", (_AUDIENCE,),
            lambda f, a, ns, p: a.delete(ns.id)),
    Command("audiences", "delete-many", "delete several audiences", (_IDS,),
            lambda f, a, ns, p: a.delete_many(ns.ids)),
    Command("audiences", "ad-groups", "list the ad groups that use an audience", (_AUDIENCE,),
            lambda f, a, ns, p: a.ad_groups(ns.id)),
    Command("audiences", "unlink", "stop an ad group from using an audience",
            (_AUDIENCE, _arg("ad_group_id", type=int)),
            lambda f, a, ns, p: a.unlink(ns.id, ns.ad_group_id)),
    Command("audiences", "wait", "wait until an audience leaves STANDBY, with a progress bar",
            (_AUDIENCE, _MAX_WAIT, _POLL),
            lambda f, a, ns, p: _wait(a.wait_until_ready(
                ns.id, max_wait=ns.max_wait, poll_interval=ns.poll_interval), ns, p),
            bar=_waiting("audience")),
)  # fmt: skip
