"""
The 200 MB rule read strictly: 200,000,000 bytes per upload by default, MomentClient(max_upload_bytes=) to change it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import moment_async as ma
from moment_async._multipart import CHUNK_SIZE, MultipartBody, prepare_files
from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT
LIMIT = 200_000_000
#: How the default limit is stated: bytes, the documents' MB, and the option.
STATED = "200,000,000 bytes (200 MB)"
OPTION = "MomentClient(max_upload_bytes=...)"


def sparse(path: Path, size: int) -> Path:
    """
    Create a sparse file of *size* bytes at *path*, writing none of them.
    """
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


async def zeros(size: int) -> AsyncIterator[bytes]:
    """
    Yield *size* bytes in chunks of one block, made once.
    """
    block = bytes(CHUNK_SIZE)
    whole, rest = divmod(size, CHUNK_SIZE)
    for _ in range(whole):
        yield block
    if rest:
        yield block[:rest]


async def streamed(body: MultipartBody, sent: list[int] | None = None) -> int:
    """
    Read *body* to its end as a transport would; return its bytes, counted in *sent* as they go.
    """
    sent = [0] if sent is None else sent
    async for chunk in body:
        sent[0] += len(chunk)
    return sent[0]


def client_of(sandbox: Sandbox, **options: Any) -> ma.MomentClient:
    """
    Return a client of *sandbox*, without rate limits.
    """
    return ma.MomentClient(
        Sandbox.DEFAULT_TOKEN, base_url=sandbox.url, limiter=False, **options
    )


def test_files_of_exactly_200_mb_are_accepted(tmp_path):
    """Files of 200,000,000 bytes in all pass the default check."""
    files = [sparse(tmp_path / "a.csv", LIMIT - 1), sparse(tmp_path / "b.csv", 1)]

    parts = prepare_files(files)

    assert LIMIT == sum(part.size or 0 for part in parts)


async def test_a_stream_of_exactly_200_mb_is_sent_whole():
    """An async iterable of 200,000,000 bytes streams to its end."""
    body = MultipartBody([], prepare_files([("a.csv", zeros(LIMIT))]))

    total = await streamed(body)

    assert total > LIMIT


async def test_a_stream_past_200_mb_stops_before_the_byte_past_it():
    """An async iterable of 200,000,001 bytes is refused as it passes the limit, naming the limit and the option."""
    sent = [0]
    body = MultipartBody([], prepare_files([("a.csv", zeros(LIMIT + 1))]))

    with pytest.raises(ma.ValidationError) as info:
        await streamed(body, sent)

    assert sent[0] < LIMIT + 1
    assert f"passed {STATED} while streaming" in str(info.value)
    assert OPTION in str(info.value)


async def test_an_upload_of_200_mb_and_one_byte_is_refused_before_sending(
    moment_sandbox, tmp_path
):
    """A path of 200,000,001 bytes is refused by the client with nothing sent, saying bytes, MB and the option."""
    path = sparse(tmp_path / "big.csv", LIMIT + 1)

    async with client_of(moment_sandbox) as client:
        with pytest.raises(ma.ValidationError) as info:
            await client.ad_account(ACCOUNT).customer_files.upload("big", [path])

    message = str(info.value)
    assert "files[0] ('big.csv') brings the files to 200,000,001 bytes" in message
    assert f"at most {STATED} are allowed in one request" in message
    assert OPTION in message
    assert [] == moment_sandbox.requests


async def test_the_option_raises_the_bound_and_the_sandbox_keeps_kakaos(
    moment_sandbox, tmp_path
):
    """With max_upload_bytes raised, 200,000,001 bytes are sent; the sandbox refuses them as Kakao documents."""
    path = sparse(tmp_path / "big.csv", LIMIT + 1)

    async with client_of(moment_sandbox, max_upload_bytes=LIMIT + 1) as client:
        with pytest.raises(ma.BadRequestError) as info:
            await client.ad_account(ACCOUNT).customer_files.upload("big", [path])

    assert (400, 31104) == (info.value.status, info.value.detail_code)
    assert [("customer_files.upload", 400)] == [
        (r.endpoint, r.status) for r in moment_sandbox.requests
    ]
    assert moment_sandbox.requests[0].body_size > LIMIT + 1


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda files, data: files.upload("x", [("a.csv", data)]), id="upload"),
        pytest.param(lambda files, data: files.replace_files(7, [("a.csv", data)]), id="replace_files"),
    ],
)  # fmt: skip
async def test_a_lowered_bound_holds_for_every_upload(moment_sandbox, call):
    """max_upload_bytes=1000 refuses 1,001 bytes in both calls that send files, naming this client's limit."""
    async with client_of(moment_sandbox, max_upload_bytes=1000) as client:
        files = client.ad_account(ACCOUNT).customer_files
        with pytest.raises(ma.ValidationError) as info:
            await call(files, b"0" * 1001)

    assert "at most 1,000 bytes (0.001 MB)" in str(info.value)
    assert f"set by {OPTION}" in str(info.value)
    assert [] == moment_sandbox.requests


async def test_a_lowered_bound_stops_a_stream(moment_sandbox):
    """A stream past max_upload_bytes is stopped: the sandbox never gets a whole body, nothing is created."""
    async with client_of(moment_sandbox, max_upload_bytes=CHUNK_SIZE) as client:
        files = client.ad_account(ACCOUNT).customer_files
        with pytest.raises(ma.ValidationError):
            await files.upload("x", [("a.csv", zeros(4 * CHUNK_SIZE))])

    assert [] == [r for r in moment_sandbox.requests if r.status is not None]
    assert [] == moment_sandbox.state.customer_files(ACCOUNT)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(1.5, id="float"),
        pytest.param("200000000", id="str"),
        pytest.param(True, id="bool"),
    ],
)
def test_the_option_takes_only_a_positive_integer(value):
    """max_upload_bytes that is not a positive integer is refused when the client is made."""
    with pytest.raises(ma.ValidationError) as info:
        ma.MomentClient("token", max_upload_bytes=value)

    assert "max_upload_bytes must be a positive integer" in str(info.value)
