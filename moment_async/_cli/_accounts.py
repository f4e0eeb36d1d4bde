"""
``--accounts``: one list or delete command over many ad accounts, with a progress bar.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any, Final

from .._bulk import DEFAULT_CONCURRENCY, AccountResult, check_accounts
from .._client import AdAccount, MomentClient
from .._errors import ValidationError
from ._commands import Command
from ._output import ProgressBar, json_line, say, show

#: The commands that take ``--accounts``: the lists and the deletes.
BULK_COMMANDS: Final = frozenset(
    {
        ("files", "list"),
        ("files", "delete"),
        ("files", "delete-many"),
        ("audiences", "list"),
        ("audiences", "delete"),
        ("audiences", "delete-many"),
    }
)


def parse_accounts(text: str) -> list[int]:
    """
    Read ``1,2,3`` or ``@FILE`` (one id per line; blank lines and ``#`` comments skipped).

    The argparse ``type=`` of ``--accounts``: a bad value is a usage error.
    """
    if text.startswith("@"):
        path = text[1:]
        try:
            lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"cannot read the ad account file {path}: {exc}"
            raise argparse.ArgumentTypeError(msg) from exc
        items = [line.split("#", 1)[0].strip() for line in lines]
        items = [item for item in items if item]
    else:
        items = [item.strip() for item in text.split(",")]
    bad = next((i for i in items if not (i.isascii() and i.isdigit())), None)
    if bad is not None:
        msg = f"not an ad account id: {bad!r}"
        raise argparse.ArgumentTypeError(msg)
    if not items:
        msg = "no ad account ids given"
        raise argparse.ArgumentTypeError(msg)
    try:
        return check_accounts(int(item) for item in items)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_options(parser: argparse.ArgumentParser) -> None:
    """
    Give a list or delete subcommand ``--accounts`` and ``--concurrency``.
    """
    parser.add_argument(
        "--accounts",
        type=parse_accounts,
        metavar="IDS",
        help="run for each of these ad accounts instead of --account: "
        "1,2,3 or @FILE with one id per line",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"ad accounts at once with --accounts (default {DEFAULT_CONCURRENCY})",
    )


def _line(result: AccountResult[Any]) -> dict[str, object]:
    if result.ok:
        return {"adAccountId": result.account_id, "ok": True, "result": result.value}
    error = result.error
    return {
        "adAccountId": result.account_id,
        "ok": False,
        "error": {"type": type(error).__name__, "message": str(error)},
    }


async def run_for_accounts(
    command: Command,
    client: MomentClient,
    accounts: list[int],
    args: argparse.Namespace,
    out: IO[str],
    err: IO[str],
) -> int:
    """
    Run *command* for every ad account, print each account's result; return the exit code.

    Results are printed in the order given, once all are in: under a
    ``== ad account N`` heading each, or with ``--json`` one JSON object per
    line (``{"adAccountId", "ok", "result"}`` or ``{..., "error": {"type",
    "message"}}``). The exit code is 1 when any account failed.
    """

    async def job(acct: AdAccount) -> object:
        return await command.run(acct.customer_files, acct.audiences, args, None)

    bar = ProgressBar("ad accounts", err, unit="accounts")
    results = await client.for_each_account(
        accounts, job, concurrency=args.concurrency, progress=bar
    )
    bar.finish()
    for result in results:
        if args.json:
            json_line(_line(result), out)
            continue
        say(out, f"== ad account {result.account_id}")
        if result.ok:
            show(result.value, out, json=False)
        else:
            say(out, f"failed: {type(result.error).__name__}: {result.error}")
    failed = sum(not result.ok for result in results)
    say(err, f"{len(results)} ad accounts: {len(results) - failed} ok, {failed} failed")
    return 1 if failed else 0
