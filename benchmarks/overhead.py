"""
The SDK's own CPU work per call, with a transport that answers at once.

``customer_files.get`` runs through the whole client (argument check, route,
limiter with a distinct file id per call, headers, request, status checks,
orjson and the converter) against a ``Transport`` whose ``send`` returns a
precomputed answer without suspending: what is left is the time the SDK
adds on top of aiohttp's own. Its parts are timed alone for the breakdown,
and compared with the per-request cost of the same decode done the raw
way (``json.loads``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Final

import orjson
from multidict import CIMultiDict, CIMultiDictProxy

from moment_async import MomentClient
from moment_async._convert import make_converter
from moment_async._limits import KeyedLimiter
from moment_async._routes import ROUTES
from moment_async._transports.base import Request, Response
from moment_async.models import CustomerFile

from ._common import Row, fixture_bytes

ACCOUNT_ID: Final = 27429
FULL_CALLS: Final = 100_000
QUICK_CALLS: Final = 20_000
ROUNDS: Final = 3


class InstantTransport:
    """
    A transport that answers every request with the same 200 at once.
    """

    def __init__(self, body: bytes) -> None:
        headers = CIMultiDict({"Content-Type": "application/json;charset=UTF-8"})
        headers["Content-Length"] = str(len(body))
        # aiohttp hands the session a read-only case-insensitive mapping.
        self._response = Response(
            status=200, headers=CIMultiDictProxy(headers), body=body
        )
        self.sent = 0

    async def send(self, request: Request) -> Response:
        """
        Count *request* and return the precomputed answer.
        """
        self.sent += 1
        return self._response

    async def aclose(self) -> None:
        """
        Nothing to release.
        """


async def _per_call_sdk(calls: int, ids: itertools.count[int]) -> float:
    body = fixture_bytes("customer_files.get")
    transport = InstantTransport(body)
    async with MomentClient(
        "token", base_url="http://127.0.0.1:9/openapi/v4", transport=transport
    ) as client:
        files = client.ad_account(ACCOUNT_ID).customer_files
        await files.get(next(ids))
        started = time.perf_counter()
        for _ in range(calls):
            await files.get(next(ids))
        elapsed = time.perf_counter() - started
    if transport.sent != calls + 1:
        msg = "the instant transport was not called once per call"
        raise RuntimeError(msg)
    return elapsed / calls


async def _per_acquire(calls: int, ids: itertools.count[int]) -> float:
    limiter = KeyedLimiter()
    rate = ROUTES["customer_files.get"].rate
    assert rate is not None  # noqa: S101  # the detail call is rate limited
    started = time.perf_counter()
    for _ in range(calls):
        await limiter.acquire(f"file:{next(ids)}", rate, 60.0)
    return (time.perf_counter() - started) / calls


def _per_decode(calls: int, decode: Callable[[bytes], object]) -> float:
    body = fixture_bytes("customer_files.get")
    started = time.perf_counter()
    for _ in range(calls):
        decode(body)
    return (time.perf_counter() - started) / calls


def _sdk_decoder() -> Callable[[bytes], object]:
    hook = make_converter().get_structure_hook(CustomerFile)

    def decode(body: bytes) -> object:
        return hook(orjson.loads(body), CustomerFile)

    return decode


def run(*, quick: bool = False) -> list[Row]:
    """
    Time the SDK's per-call CPU work and its parts; best of a few rounds.
    """
    calls = QUICK_CALLS if quick else FULL_CALLS
    ids = itertools.count(1)
    sdk_decode = _sdk_decoder()
    parts = calls // 2
    call = min(asyncio.run(_per_call_sdk(calls, ids)) for _ in range(ROUNDS))
    acquire = min(asyncio.run(_per_acquire(parts, ids)) for _ in range(ROUNDS))
    decode = min(_per_decode(parts, sdk_decode) for _ in range(ROUNDS))
    raw_decode = min(_per_decode(parts, json.loads) for _ in range(ROUNDS))
    micro = 1e6
    return [
        Row(
            name=f"SDK CPU per call, instant transport ({calls:,} calls)",
            sdk=call * micro,
            reference=None,
            unit="us",
        ),
        Row(
            name="  of which: limiter acquire, distinct keys",
            sdk=acquire * micro,
            reference=None,
            unit="us",
        ),
        Row(
            name="  of which: decode CustomerFile (orjson + hook) vs json.loads",
            sdk=decode * micro,
            reference=raw_decode * micro,
            unit="us",
        ),
        Row(
            name="  of which: the rest (check, route, headers, request, status)",
            sdk=max(call - acquire - decode, 0.0) * micro,
            reference=None,
            unit="us",
        ),
    ]


if __name__ == "__main__":
    import sys

    from ._common import format_table

    print(format_table(run(quick="--quick" in sys.argv)))
