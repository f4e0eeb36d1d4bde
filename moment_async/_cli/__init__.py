"""
The ``moment-async`` command: every documented call, the sandbox, the demo and the ADID tools, from a shell.

Exit codes: 0 success, 1 an API or network error or a failed or timed-out
``wait`` (``adid``: the files are not fine; ``--accounts``: any account
failed), 2 a usage or input error (a port in use for ``sandbox``). Errors
are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import IO, Any

from .._client import MomentClient
from .._constants import BASE_URL
from .._errors import MomentError, ValidationError
from .._version import __version__
from . import _accounts, _adid
from ._commands import COMMANDS, Command, seconds
from ._output import say, show

__all__ = ["main"]

_EXIT_API = 1
_EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moment-async",
        description="Kakao Moment customer files and audiences from the shell.",
    )
    parser.add_argument(
        "--version", action="version", version=f"moment-async {__version__}"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("MOMENT_TOKEN"),
        help="business token (or MOMENT_TOKEN)",
    )
    parser.add_argument(
        "--account",
        type=int,
        # argparse applies type= to a string default: an empty variable is no value.
        default=os.environ.get("MOMENT_AD_ACCOUNT_ID") or None,
        help="ad account id (or MOMENT_AD_ACCOUNT_ID)",
    )
    parser.add_argument(
        "--base-url", default=BASE_URL, help="API root (default: Kakao's)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per call (each poll of a wait too)",
    )
    parser.add_argument(
        "--sandbox", action="store_true", help="run against an embedded sandbox"
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    subparsers: dict[str, Any] = {}
    for group, title in (("files", "customer files"), ("audiences", "audiences")):
        sub = groups.add_parser(group, help=title)
        subparsers[group] = sub.add_subparsers(
            dest="command", required=True, metavar="ACTION"
        )
    for command in COMMANDS:
        sub = subparsers[command.group].add_parser(command.name, help=command.help)
        for names, options in command.arguments:
            sub.add_argument(*names, **options)
        if (command.group, command.name) in _accounts.BULK_COMMANDS:
            _accounts.add_options(sub)
        sub.set_defaults(run=command)
    sandbox = groups.add_parser("sandbox", help="serve a local Moment API sandbox")
    sandbox.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument(
        "--processing-delay",
        type=functools.partial(seconds, allow_zero=True),
        # None: the sandbox's own default, kept in one place.
        default=None,
        metavar="S",
        help="seconds until a new customer file or audience is ready (default 1)",
    )
    sandbox.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce the 5 s limits"
    )
    groups.add_parser("demo", help="the life of a custom audience, against a sandbox")
    _adid.add_parser(groups)
    return parser


@asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[tuple[MomentClient, int]]:
    # Only the list and delete commands have --accounts; it wins over --account.
    accounts: list[int] | None = getattr(args, "accounts", None)
    if args.sandbox:
        from ..sandbox import Sandbox  # noqa: PLC0415  # the server is loaded only when asked for

        token = args.token or Sandbox.DEFAULT_TOKEN
        async with (
            Sandbox() as sandbox,
            MomentClient(
                token,
                base_url=sandbox.url,
                timeout=args.timeout,
            ) as client,
        ):
            if accounts:
                # The embedded sandbox lets its token act on every account named.
                sandbox.grant(token, *accounts)
            yield client, args.account or Sandbox.DEFAULT_ACCOUNT
        return
    if not args.token:
        msg = "no token: pass --token or set MOMENT_TOKEN"
        raise ValidationError(msg)
    if args.account is None and accounts is None:
        msg = "no ad account: pass --account or set MOMENT_AD_ACCOUNT_ID"
        raise ValidationError(msg)
    async with MomentClient(
        args.token, base_url=args.base_url, timeout=args.timeout
    ) as client:
        # Unused with --accounts, which may come without --account.
        yield client, int(args.account or 0)


async def _run(command: Command, args: argparse.Namespace, out: IO[str]) -> int:
    async with _client(args) as (client, account):
        accounts = getattr(args, "accounts", None)
        if accounts is not None:
            return await _accounts.run_for_accounts(
                command, client, accounts, args, out, sys.stderr
            )
        view = client.ad_account(account)
        bar = command.bar(args) if command.bar is not None else None
        result = await command.run(view.customer_files, view.audiences, args, bar)
    show(result, out, args.json)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """
    Serve a sandbox until interrupted, as ``python -m moment_async.sandbox`` does.

    Raises:
        ValidationError: the address cannot be bound (a port in use).
    """
    from ..sandbox import DEFAULT_PROCESSING_DELAY, serve  # noqa: PLC0415  # the server is loaded only when asked for

    delay = args.processing_delay
    try:
        serve(
            args.host,
            args.port,
            processing_delay=DEFAULT_PROCESSING_DELAY if delay is None else delay,
            rate_limits=not args.no_rate_limits,
        )
    except OSError as exc:
        msg = f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        raise ValidationError(msg) from exc
    return 0


def _offline(args: argparse.Namespace) -> int | None:
    """
    Run a command that calls no API (sandbox, demo, adid); ``None`` for the others.
    """
    if args.group == "sandbox":
        return _serve(args)
    if args.group == "demo":
        from ._demo import demo  # noqa: PLC0415  # loads the sandbox

        return asyncio.run(demo(sys.stdout))
    if args.group == "adid":
        return _adid.run(args, sys.stdout)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line and return the exit code.
    """
    args = _parser().parse_args(argv)
    try:
        code = _offline(args)
        if code is not None:
            return code
        return asyncio.run(_run(args.run, args, sys.stdout))
    except ValidationError as exc:
        say(sys.stderr, f"moment-async: error: {exc}")
        return _EXIT_USAGE
    except MomentError as exc:
        say(sys.stderr, f"moment-async: {type(exc).__name__}: {exc}")
        return _EXIT_API
    except KeyboardInterrupt:
        say(sys.stderr, "moment-async: interrupted")
        return 130
