"""
The ``moment-async adid`` commands: check, clean and split CSV files of ADIDs, offline.

Exit codes: 0 the files are fine (``check``: at least one valid ID and no
invalid row; ``clean``: at least one ID written), 1 they are not, 2 a usage
or input error (a missing file, a bad option). Nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from .. import adid
from .._errors import ValidationError
from .._types import ProgressCallback
from ._output import ProgressBar, dump_json, say

_EXIT_OK: Final = 0
_EXIT_NOT_OK: Final = 1
#: The documents' megabyte, as in their "200 MB" upload limit.
_MB: Final = 1_000_000


def add_parser(groups: Any) -> None:
    """
    Add the ``adid`` command and its actions to the top-level subparsers.
    """
    group = groups.add_parser("adid", help="check, clean and split ADID CSV files")
    actions = group.add_subparsers(dest="command", required=True, metavar="ACTION")
    # The top-level --json works too; SUPPRESS keeps the subcommand's
    # default from overwriting it.
    as_json: dict[str, Any] = {
        "action": "store_true",
        "default": argparse.SUPPRESS,
        "help": "print JSON for scripts",
    }
    check = actions.add_parser(
        "check", help="count valid, duplicate, invalid and blank rows (exit 1 if bad)"
    )
    check.add_argument(
        "files", nargs="+", metavar="FILE", help="the files of one upload"
    )
    check.add_argument(
        "--max-invalid",
        type=int,
        default=20,
        metavar="N",
        help="invalid rows to list (default 20)",
    )
    check.add_argument("--json", **as_json)
    clean = actions.add_parser(
        "clean", help="write one lower-case ADID a line, without duplicates"
    )
    clean.add_argument("files", nargs="+", metavar="IN", help="CSV files to read")
    clean.add_argument("out", metavar="OUT", help="the clean file to write")
    clean.add_argument("--json", **as_json)
    split = actions.add_parser(
        "split", help="cut a clean file into parts, grouped into uploads that fit"
    )
    split.add_argument("files", nargs="+", metavar="IN", help="clean files to read")
    split.add_argument("out_dir", metavar="OUTDIR", help="directory for the parts")
    split.add_argument(
        "--part-mb",
        type=float,
        default=adid.DEFAULT_PART_BYTES / _MB,
        metavar="MB",
        help="largest part in MB of 1,000,000 bytes (default: 20, ten parts per upload)",
    )
    split.add_argument("--json", **as_json)


def run(args: argparse.Namespace, out: IO[str]) -> int:
    """
    Run one ``adid`` action and return its exit code.

    Raises:
        ValidationError: an input or option was refused (the caller prints it).
    """
    label = {"check": "checking", "clean": "cleaning", "split": "splitting"}
    bar = (
        ProgressBar(label[args.command])
        if sys.stderr.isatty() and not args.json
        else None
    )
    try:
        if args.command == "check":
            return _check(args, out, bar)
        if args.command == "clean":
            return _clean(args, out, bar)
        return _split(args, out, bar)
    except OSError as exc:
        # A read or write failing half-way (a full disk): the checks before
        # the work turn the usual cases into ValidationError already.
        msg = f"{exc.filename or 'I/O'}: {exc.strerror or exc}"
        raise ValidationError(msg) from exc
    finally:
        if bar is not None:
            bar.finish()


def _check(args: argparse.Namespace, out: IO[str], bar: ProgressCallback | None) -> int:
    report = asyncio.run(
        adid.validate(*args.files, max_invalid=args.max_invalid, progress=bar)
    )
    if args.json:
        dump_json({**_counts(report), "invalidRows": _rows(report, args.files)}, out)
    else:
        _print_check(report, args.files, out)
    return _EXIT_OK if report.ok else _EXIT_NOT_OK


def _clean(args: argparse.Namespace, out: IO[str], bar: ProgressCallback | None) -> int:
    result = asyncio.run(adid.normalize(*args.files, out=args.out, progress=bar))
    report = result.source
    if args.json:
        dump_json(
            {
                "path": str(result.path),
                "written": result.written,
                "size": result.size,
                "source": {**_counts(report), "invalidRows": _rows(report, args.files)},
            },
            out,
        )
    else:
        say(out, f"wrote {result.written:,} ID(s) to {args.out} ({_mb(result.size)})")
        say(out, f"read: {report.summary()}")
        _print_invalid(report, args.files, out, shown=10)
    return _EXIT_OK if result.written else _EXIT_NOT_OK


def _split(args: argparse.Namespace, out: IO[str], bar: ProgressCallback | None) -> int:
    part_bytes = round(args.part_mb * _MB)
    plan = asyncio.run(
        adid.split(
            *args.files, out_dir=args.out_dir, part_bytes=part_bytes, progress=bar
        )
    )
    if args.json:
        requests = [[str(path) for path in request] for request in plan.requests]
        dump_json({"requests": requests, "rows": plan.rows, "size": plan.size}, out)
        return _EXIT_OK
    say(
        out,
        f"{plan.rows:,} rows in {len(plan.parts)} part(s), "
        f"{len(plan.requests)} upload(s)",
    )
    for number, request in enumerate(plan.requests, 1):
        names = " ".join(str(path) for path in request)
        say(out, f"upload {number}: {names}")
    return _EXIT_OK


def _counts(report: adid.AdidReport) -> dict[str, object]:
    return {
        "ok": report.ok,
        "valid": report.valid,
        "duplicates": report.duplicates,
        "invalid": report.invalid,
        "blank": report.blank,
        "headers": report.headers,
        "header": report.header,
        "rows": report.rows,
        "size": report.size,
        "files": report.files,
        "unchecked": report.unchecked,
    }


def _rows(report: adid.AdidReport, files: Sequence[str]) -> list[dict[str, object]]:
    return [
        {"file": files[row.file], "line": row.line, "text": row.text}
        for row in report.invalid_rows
    ]


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def _print_check(report: adid.AdidReport, files: Sequence[str], out: IO[str]) -> None:
    name = files[0] if len(files) == 1 else f"{len(files)} files"
    say(out, f"{name}: {report.rows:,} rows, {_mb(report.size)}")
    figures = (
        ("valid", f"{report.valid:,}"),
        ("duplicates", f"{report.duplicates:,}"),
        ("invalid", f"{report.invalid:,}"),
        ("blank", f"{report.blank:,}"),
        ("header", "-" if report.header is None else repr(report.header)),
    )
    width = max(len(value) for _, value in figures)
    for label, value in figures:
        say(out, f"  {label:<12}{value:>{width}}")
    if report.unchecked:
        say(
            out,
            f"  ({report.unchecked:,} IDs past the first "
            f"{adid.MAX_TRACKED_IDS:,} not checked for duplicates)",
        )
    _print_invalid(report, files, out, shown=len(report.invalid_rows))
    if report.ok:
        say(out, f"OK: {report.valid:,} distinct ID(s)")
    elif report.invalid:
        say(out, f"NOT OK: {report.invalid:,} invalid row(s)")
    else:
        say(out, "NOT OK: no valid ID")


def _print_invalid(
    report: adid.AdidReport, files: Sequence[str], out: IO[str], *, shown: int
) -> None:
    rows = report.invalid_rows[:shown]
    if not rows:
        return
    say(out, f"invalid rows (first {len(rows)} of {report.invalid:,}):")
    for row in rows:
        where = f"{Path(files[row.file]).name}:{row.line}"
        say(out, f"  {where}  {row.text!r}")
