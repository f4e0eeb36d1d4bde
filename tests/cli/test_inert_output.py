"""
What the command prints is inert: a server's strings cannot drive the terminal.

A loopback server answers every documented call with its sample, every
string in it (names, statuses, types, messages) laced with escape
sequences, OSC title and hyperlink sequences, CR, LF, TAB, NUL, DEL, C1
controls, bidi overrides and isolates, and line separators. The sandbox
does the same for a customer file's name and an error's message. Nothing
printed for people may hold such a character raw; ``--json`` keeps every
string exact.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async
from moment_async.sandbox import Sandbox
from moment_async.sandbox._endpoints import ENDPOINTS
from tests.cli.test_cli import ACCOUNT, against, cli
from tests.conftest import load_fixture

#: Sequences that clear the screen, retitle the terminal, hide a link, move
#: back to the line's start, start a forged row, and reorder or hide text.
HOSTILE: Final = (
    "\x1b[2J\x1b[H"
    "\x1b]0;pwned\x07"
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
    "\r\n7  forged-row  COMPLETE\t"
    "\u202eevil\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f"
    "\u2028\u2029\x9b2J\x9d0;t\x9c\x85\x7f\x00\x08"
)
#: Starts every hostile string, so the output's copies can be found.
MARK: Final = "H!"


def raw_controls(text: str) -> list[str]:
    """
    Return the characters of *text*, other than its line breaks, that a terminal could act on.
    """
    return sorted(
        {repr(char) for char in text if not char.isprintable() and char != "\n"}
    )


def lace(value: Any) -> Any:
    """
    Return *value* with every string but dates made hostile (prefixed by MARK).
    """
    if isinstance(value, dict):
        return {key: lace(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lace(item) for item in value]
    if isinstance(value, str) and not _is_date(value):
        return f"{MARK}{value}{HOSTILE}"
    return value


def _is_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def marked(value: Any) -> list[str]:
    """
    Return every string in the decoded JSON *value* that starts with MARK.
    """
    if isinstance(value, dict):
        return [s for item in value.values() for s in marked(item)]
    if isinstance(value, list):
        return [s for item in value for s in marked(item)]
    return [value] if isinstance(value, str) and value.startswith(MARK) else []


#: Each read command, the call it makes, and the rows its table shows.
COMMANDS: Final = [
    pytest.param(("files", "list"), "customer_files.list", id="files-list"),
    pytest.param(("files", "get", "1"), "customer_files.get", id="files-get"),
    pytest.param(("files", "usage", "1"), "customer_files.usage", id="files-usage"),
    pytest.param(("files", "delete-many", "1", "2"), "customer_files.delete_many", id="files-delete-many"),
    pytest.param(("audiences", "list"), "audiences.list", id="audiences-list"),
    pytest.param(("audiences", "get", "1"), "audiences.get", id="audiences-get"),
    pytest.param(("audiences", "ad-groups", "1"), "audiences.ad_groups", id="audiences-ad-groups"),
]  # fmt: skip


def rows_of(answer: Any) -> int:
    """
    Return how many table rows the sample *answer* makes.
    """
    if isinstance(answer, dict) and "content" in answer:
        answer = answer["content"]
    return len(answer) if isinstance(answer, list) else 1


#: The calls that answer with something to show.
_READS: Final = ("list", "get", "usage", "delete_many", "ad_groups")


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    """
    Each documented read call's sample answer, with every string made hostile.
    """
    return {
        name: lace(load_fixture(name))
        for name in ENDPOINTS
        if name.split(".")[1] in _READS
    }


@asynccontextmanager
async def serving(answers: dict[str, Any]) -> AsyncIterator[str]:
    """
    Serve *answers* (call name -> JSON body) on loopback, as the API would; yield the URL.
    """
    routes = [
        (method, re.compile(re.escape(path).replace(r"\{id\}", r"\d+")), name)
        for name, (method, path) in ENDPOINTS.items()
        if name in answers
    ]

    async def handler(request: web.Request) -> web.Response:
        for method, pattern, name in routes:
            if method == request.method and pattern.fullmatch(request.path):
                body = answers[name]
                return web.Response(
                    body=body if isinstance(body, bytes) else orjson.dumps(body),
                    content_type="application/json",
                )
        raise web.HTTPNotFound

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")


@pytest.fixture
async def hostile(answers: dict[str, Any]) -> AsyncIterator[str]:
    """
    A loopback server that answers each documented read call with its hostile sample; its URL.
    """
    async with serving(answers) as url:
        yield url


@pytest.mark.parametrize(("args", "call"), COMMANDS)
async def test_tables_show_server_strings_escaped(hostile, answers, args, call):
    """Every string of every table is escaped: no raw control or bidi character, one line per row."""
    run = await against(hostile)(*args)

    assert [] == raw_controls(run.out)
    assert [] == raw_controls(run.err)
    assert 1 + rows_of(answers[call]) == len(run.out.splitlines())
    assert "\\x1b[2J" in run.out
    assert "\\u202e" in run.out


@pytest.mark.parametrize(("args", "call"), COMMANDS)
async def test_json_keeps_server_strings_exact(hostile, args, call):
    """--json prints each hostile string exactly (as JSON escapes), and nothing a terminal acts on."""
    run = await against(hostile)("--json", *args)

    found = marked(run.json())
    assert [] == raw_controls(run.out)
    assert found
    assert all(text.endswith(HOSTILE) for text in found)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox in this process whose files are ready at once.
    """
    async with Sandbox(processing_delay=0.0) as sb:
        yield sb


async def test_a_hostile_name_from_the_sandbox_round_trips_in_json(sandbox):
    """A customer file named with escapes lists as one table row, and --json gives the exact name back."""
    name = f"buyers{HOSTILE}"
    sandbox.seed_customer_file(ACCOUNT, name)
    sandbox.seed_customer_file(ACCOUNT, "plain")
    api = against(sandbox.url)

    table = await api("files", "list")
    listed = await api("--json", "files", "list")

    assert [] == raw_controls(table.out)
    assert 3 == len(table.out.splitlines())
    files = listed.json()
    assert isinstance(files, list)
    assert [name, "plain"] == [item["name"] for item in files]


async def test_wait_lines_and_table_are_inert(sandbox):
    """files wait prints its progress lines and the ready file's one-row table without raw controls."""
    record = sandbox.seed_customer_file(ACCOUNT, f"waited{HOSTILE}")

    run = await against(sandbox.url)(
        "files", "wait", str(record.id), "--max-wait", "30"
    )

    assert [] == raw_controls(run.out)
    assert [] == raw_controls(run.err)
    assert 2 == len(run.out.splitlines())


@pytest.mark.parametrize("detail", [False, True], ids=["message", "detail-message"])
async def test_an_api_error_line_is_inert(sandbox, detail):
    """An API error whose message (or detail message) holds escapes is one stderr line, escaped."""
    sandbox.faults.fail_next(
        "customer_files.get",
        status=400,
        code=-813,
        message=f"refused{HOSTILE}",
        detail_code=31001 if detail else None,
    )

    run = await against(sandbox.url)("files", "get", "1", code=1)

    assert [] == raw_controls(run.err)
    assert 1 == len(run.err.splitlines())
    assert run.err.startswith("moment-async: BadRequestError: HTTP 400")
    assert "\\x1b]0;pwned\\x07" in run.err


async def test_an_account_that_failed_is_reported_inertly(sandbox):
    """--accounts prints a failed account's hostile error escaped, and exactly in its JSON line."""
    sandbox.faults.fail_next(
        "customer_files.list", status=400, code=-813, message=f"refused{HOSTILE}"
    )
    args = ("files", "list", "--accounts", f"{ACCOUNT},{ACCOUNT + 1}")
    sandbox.grant(Sandbox.DEFAULT_TOKEN, ACCOUNT + 1)
    api = against(sandbox.url)

    text = await api(*args, code=1)
    sandbox.faults.fail_next(
        "customer_files.list", status=400, code=-813, message=f"refused{HOSTILE}"
    )
    lines = await api("--json", *args, code=1)

    assert [] == raw_controls(text.out + text.err)
    assert [] == raw_controls(lines.out + lines.err)
    failed = [json.loads(line) for line in lines.out.splitlines()]
    assert any(
        "\x1b]0;pwned\x07" in item.get("error", {}).get("message", "")
        for item in failed
    )


async def test_an_adid_file_name_is_shown_escaped(tmp_path: Path):
    """adid check names a file whose name holds escapes without printing them raw."""
    path = tmp_path / "a\x1b[2J\x1b]0;t\x07\u202e.csv"
    path.write_text("adid\nnot-an-adid\n", encoding="utf-8")

    run = await cli("adid", "check", str(path))

    assert 1 == run.code
    assert [] == raw_controls(run.out + run.err)
    assert "\\x1b[2J" in run.out


async def test_a_decode_error_line_names_the_field_and_the_value():
    """An id past 64 bits is one stderr line naming CustomerFile.id and the number read, exit 1."""
    body = b'{"id": 100000000000000000000000000001}'
    async with serving({"customer_files.get": body}) as url:
        run = await against(url)("files", "get", "1", code=1)

    [line] = run.err.splitlines()
    assert line.startswith("moment-async: DecodeError: ")
    assert (
        "CustomerFile.id: got the number 1e+29, which is not an exact integer" in line
    )


def test_only_the_output_module_writes_to_a_stream():
    """No module of the command line writes to a stream except _output, whose say() and dump_json() escape."""
    package = Path(moment_async.__file__).parent / "_cli"
    writers = sorted(
        f"{path.name}:{node.lineno}"
        for path in package.glob("*.py")
        if path.name != "_output.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in ("write", "writelines")
    )

    assert [] == writers
