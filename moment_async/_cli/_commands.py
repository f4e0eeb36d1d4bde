"""
The command table: one entry per documented call, each mapping arguments to an SDK call.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import attrs

from .._convert import make_converter
from .._errors import ValidationError
from .._types import Progress
from ..models import AudienceSpec
from ..resources import Audiences, CustomerFiles

Runner = Callable[
    [CustomerFiles, Audiences, argparse.Namespace, Progress | None], Awaitable[Any]
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
    uploads: bool = False


def _arg(*names: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return names, options


_ID: Final = _arg("id", type=int, help="customer file id")
_AUDIENCE: Final = _arg("id", type=int, help="audience id")
_IDS: Final = _arg("ids", type=int, nargs="+", metavar="ID")
_FILES: Final = _arg("files", nargs="+", metavar="FILE.csv", help="1 to 10 CSV files")
_SPEC: Final = _arg(
    "--from", dest="spec", required=True, metavar="SPEC.json",
    help="audience spec as JSON, with the API's field names",
)  # fmt: skip


def load_spec(path: str) -> AudienceSpec:
    """
    Read an audience spec from a JSON file written with the API's field names.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cannot read the spec {path}: {exc}"
        raise ValidationError(msg) from exc
    if not isinstance(data, dict):
        msg = f"the spec {path} must hold a JSON object"
        raise ValidationError(msg)
    data = {k: v for k, v in data.items() if k not in ("adAccountId", "id")}
    try:
        return make_converter().structure(data, AudienceSpec)
    except (TypeError, ValueError, KeyError) as exc:
        msg = (
            f"the spec {path} is not a valid audience spec: {type(exc).__name__}: {exc}"
        )
        raise ValidationError(msg) from exc


COMMANDS: Final = (
    Command("files", "list", "list the ad account's customer files", (),
            lambda f, a, ns, p: f.list()),
    Command("files", "get", "show one customer file", (_ID,),
            lambda f, a, ns, p: f.get(ns.id)),
    Command("files", "upload", "register a customer file from CSV files",
            (_arg("name"), _FILES),
            lambda f, a, ns, p: f.upload(ns.name, ns.files, progress=p), uploads=True),
    Command("files", "register-url", "register a customer file from a CSV URL",
            (_arg("name"), _arg("url"), _arg("--renewable", action="store_true", help="refresh daily for 90 days")),
            lambda f, a, ns, p: f.register_url(ns.name, ns.url, renewable=ns.renewable)),
    Command("files", "replace-files", "replace the CSV files of a customer file", (_ID, _FILES),
            lambda f, a, ns, p: f.replace_files(ns.id, ns.files, progress=p), uploads=True),
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
)  # fmt: skip
