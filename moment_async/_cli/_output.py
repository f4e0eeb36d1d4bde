"""
How the command-line tool shows results: tables for people, JSON for scripts, progress bars.

Everything the tool prints goes through this module, and no text reaches
the terminal as it came: a server's names and messages, a file's lines and
paths could otherwise hold escape sequences that move the cursor, retitle
the terminal or forge a table row. Lines for people go through ``say()``,
which shows every such character escaped; JSON goes through ``dump_json()``,
which writes the same characters as JSON escapes, so the values stay exact.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from typing import IO, Any, Final

import attrs
import orjson

from .._data import to_data

#: Columns shown per model in tables; everything is in ``--json``.
_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "CustomerFile": (
        "id",
        "name",
        "status",
        "population_score",
        "type",
        "created_date",
    ),
    "CustomerFileUpload": (
        "id",
        "name",
        "status",
        "success_count",
        "failed_count",
        "created_date",
    ),
    "AudienceSummary": ("id", "name", "type", "status", "created_date"),
    "Audience": (
        "id",
        "name",
        "type",
        "status",
        "population_score",
        "age_type",
        "gender_type",
    ),
    "AudienceAdGroup": (
        "ad_group_id",
        "ad_group_name",
        "ad_group_status",
        "campaign_id",
        "campaign_name",
    ),
    "AdGroupAndCampaign": ("ad_group", "campaign"),
    "BulkDeleteResult": ("success_count", "fail_count", "error_messages"),
}


def inert(text: str) -> str:
    """
    Return *text* with every character a terminal could act on shown escaped.

    Control characters (C0, DEL and C1: escape sequences, line breaks,
    tabs, carriage returns), Unicode format characters (the bidi overrides
    and isolates that reorder text, zero-width characters that hide it),
    line and paragraph separators, and unassigned, private-use or
    surrogate code points: all that ``repr()`` escapes, written the way it
    does (``\\x1b``, ``\\n``, ``\\u202e``). Spaces of other scripts stay.
    The result is unchanged by a second call.
    """
    if text.isprintable():
        return text
    return "".join(_inert_char(char) for char in text)


def _inert_char(char: str) -> str:
    if char.isprintable() or unicodedata.category(char) == "Zs":
        return char
    return repr(char)[1:-1]


def say(out: IO[str], text: str = "") -> None:
    """
    Print *text* for people as one line of *out*, every control character shown escaped.
    """
    out.write(inert(text))
    out.write("\n")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, tuple):
        return ", ".join(_cell(item) for item in value) or "-"
    if attrs.has(type(value)):
        ident = getattr(value, "id", None)
        name = getattr(value, "name", None)
        return f"{ident} {name}" if name else str(ident)
    return str(value)


def table(rows: Sequence[Any], out: IO[str]) -> None:
    """
    Print attrs objects as an aligned table, one row each.
    """
    if not rows:
        say(out, "(none)")
        return
    columns = _COLUMNS.get(type(rows[0]).__name__) or tuple(
        field.name for field in attrs.fields(type(rows[0]))
    )
    # Escaped before measuring: "\x1b" takes four columns, ESC none.
    cells = [[inert(_cell(getattr(row, column))) for column in columns] for row in rows]
    widths = [
        max(_width(column), *(_width(line[i]) for line in cells))
        for i, column in enumerate(columns)
    ]
    for line in [columns, *cells]:
        padded = (
            cell + " " * (width - _width(cell))
            for cell, width in zip(line, widths, strict=True)
        )
        say(out, "  ".join(padded).rstrip())


def _width(text: str) -> int:
    # Korean and other wide characters take two columns on a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def as_json(value: object, out: IO[str]) -> None:
    """
    Print *value* as JSON with the API's own field names, every field included.

    What ``moment_async.to_data`` gives: a script need not know each
    field's default to read ``"successCount": 0``.
    """
    dump_json(to_data(value), out)


def dump_json(data: object, out: IO[str], *, indent: bool = True) -> None:
    """
    Print the JSON of *data*, exact, with no character a terminal could act on.

    orjson escapes the C0 controls; DEL, C1 and the characters ``inert()``
    escapes are written as JSON ``\\u`` escapes too, which JSON readers
    turn back into the very same strings. Outside strings, JSON text is
    printable ASCII and the line breaks of the indentation.

    A file name that is not valid UTF-8 comes to Python with lone
    surrogates in it (``"\\udcff"`` for the byte 0xFF), which orjson
    refuses: it is written as that ``\\udcff`` escape, which reads back
    as the same string, and ``os.fsencode()`` turns into the same bytes.
    """
    try:
        text = orjson.dumps(
            data, option=orjson.OPT_INDENT_2 if indent else None
        ).decode()
    except orjson.JSONEncodeError:
        # The standard library writes any string, lone surrogates too, in
        # the same layout; the escaping below makes them \u escapes.
        text = json.dumps(
            data,
            ensure_ascii=False,
            indent=2 if indent else None,
            separators=(",", ": ") if indent else (",", ":"),
        )
    out.write(_NOT_PLAIN.sub(_json_escape, text))
    out.write("\n")


#: Characters other than printable ASCII and the indentation's line breaks.
_NOT_PLAIN: Final = re.compile("[^\n -~]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if _inert_char(char) == char:
        return char
    # surrogatepass: a lone surrogate is written as its own \u escape.
    units = char.encode("utf-16-be", "surrogatepass")
    return "".join(
        f"\\u{int.from_bytes(units[i : i + 2]):04x}" for i in range(0, len(units), 2)
    )


class ProgressBar:
    """
    A one-line progress bar on a terminal, or sparse plain lines elsewhere.

    Call it with (done, total) as the SDK's ``progress=`` callback does.
    Counts are bytes unless *unit* names what they count (``"accounts"``,
    ``"s"``). A byte count is redrawn when the percentage changes; a count
    of another unit, which moves in coarse steps, each time it changes.
    """

    def __init__(
        self, label: str, out: IO[str] | None = None, *, unit: str | None = None
    ) -> None:
        self.label = label
        self.unit = unit
        self.out = out if out is not None else sys.stderr
        self._tty = self.out.isatty()
        self._last = -1
        self._last_done = -1
        self._started = time.monotonic()

    def __call__(self, done: int, total: int | None) -> None:
        """
        Show that *done* of *total* units are through.
        """
        percent = 100 if not total else min(100, done * 100 // total)
        if percent == self._last and (self.unit is None or done == self._last_done):
            return
        count = _size(done) if self.unit is None else f"{done}/{total} {self.unit}"
        if self._tty:
            width = max(
                10, min(40, shutil.get_terminal_size().columns - len(self.label) - 30)
            )
            filled = width * percent // 100
            bar = "#" * filled + "." * (width - filled)
            # Escaped as a whole: the carriage return must be the only one.
            self.out.write("\r" + inert(f"{self.label} [{bar}] {percent:3d}% {count}"))
            if percent == 100:
                self.out.write("\n")
        elif percent == 100 or percent // 25 != self._last // 25:
            say(self.out, f"{self.label}: {percent}% ({count})")
        self._last = percent
        self._last_done = done
        self.out.flush()

    def finish(self) -> None:
        """
        End the bar's line on a terminal.
        """
        if self._tty and self._last != 100:
            self.out.write("\n")


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB"):
        if count < 1024:
            return f"{count:.0f} {unit}"
        count //= 1024
    return f"{count} GB"


def listing(values: Iterable[Any], out: IO[str], json: bool) -> None:
    """
    Print a list of models as JSON or as a table.
    """
    rows = list(values)
    if json:
        as_json(rows, out)
    else:
        table(rows, out)


def show(result: object, out: IO[str], json: bool) -> None:
    """
    Print what a command returned: ``done`` for nothing, a table or JSON.
    """
    if result is None:
        if json:
            dump_json({}, out)
        else:
            say(out, "done")
    elif isinstance(result, list):
        listing(result, out, json)
    elif json:
        as_json(result, out)
    else:
        table([result], out)


def json_line(value: object, out: IO[str]) -> None:
    """
    Print *value* as one line of JSON (JSON Lines), with the API's field names.
    """
    dump_json(to_data(value), out, indent=False)
