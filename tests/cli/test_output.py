"""
The command line's output helpers, in process: JSON with every field, the elapsed-time bar.
"""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from moment_async._cli._output import ProgressBar, as_json, dump_json
from moment_async._cli._waiting import with_elapsed_bar
from moment_async._convert import make_converter
from moment_async.models import BulkDeleteResult, CustomerFileTargeting


class Terminal(io.StringIO):
    """
    A text buffer that says it is a terminal.
    """

    def isatty(self) -> bool:
        return True


def test_json_output_keeps_the_fields_the_sdk_leaves_out():
    """--json prints zero counts and empty lists; the SDK's own encoding still omits them."""
    out = io.StringIO()

    as_json([BulkDeleteResult(), CustomerFileTargeting(id=7)], out)

    expected = [
        {"successCount": 0, "failCount": 0, "errorMessages": []},
        {"id": 7, "name": None, "exclude": None},
    ]
    assert expected == json.loads(out.getvalue())
    assert {} == make_converter().unstructure(BulkDeleteResult())
    assert {"id": 7} == make_converter().unstructure(CustomerFileTargeting(id=7))


@pytest.mark.parametrize(
    "indent", [pytest.param(True, id="indented"), pytest.param(False, id="one-line")]
)
def test_a_lone_surrogate_is_written_as_its_escape_in_the_same_layout(indent):
    """A lone surrogate (a file name that is not UTF-8) is written as its \\u escape, laid out as orjson would, and reads back the same."""
    data = {"path": "raw-\udcff/in.csv", "rows": [1, 2], "ok": True, "none": None}
    out, plain = io.StringIO(), io.StringIO()

    dump_json(data, out, indent=indent)
    dump_json({**data, "path": "raw-X/in.csv"}, plain, indent=indent)

    assert plain.getvalue().replace("X", "\\udcff") == out.getvalue()
    assert data == json.loads(out.getvalue())


async def test_elapsed_bar_counts_seconds_and_ends_its_line():
    """The bar is redrawn as whole seconds pass, and its line is ended when the wait ends."""
    out = Terminal()

    result = await with_elapsed_bar(
        asyncio.sleep(1.1, "ready"), 10, ProgressBar("waiting", out, unit="s")
    )

    assert "ready" == result
    assert "]   0% 0/10 s" in out.getvalue()
    assert "]  10% 1/10 s\n" in out.getvalue()


async def test_elapsed_bar_draws_nothing_for_a_wait_refused_at_once():
    """A wait that fails before it first suspends (a bad argument) leaves no bar behind."""
    out = Terminal()

    async def refused() -> None:
        msg = "bad id"
        raise ValueError(msg)

    with pytest.raises(ValueError, match="bad id"):
        await with_elapsed_bar(refused(), 10, ProgressBar("waiting", out, unit="s"))

    assert "" == out.getvalue()
