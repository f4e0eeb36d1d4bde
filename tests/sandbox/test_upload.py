"""
Multipart bodies the way any client may send them: extra parts, odd fields, broken framing.
"""

from __future__ import annotations

import pytest

from moment_async.sandbox import Sandbox

from ._api import ADIDS, Api, csv_of

BOUNDARY = "sandbox-test-boundary"


def part(
    name: str,
    content: bytes,
    filename: str | None = None,
    content_type: str = "text/csv",
) -> bytes:
    """
    Return one encoded part of a multipart/form-data body.
    """
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
    return head.encode() + content + b"\r\n"


async def send(
    api: Api, *parts: bytes, closing: bytes = f"--{BOUNDARY}--\r\n".encode()
) -> tuple[int, dict[str, object]]:
    """
    POST a hand-made multipart body to the upload path; return status and JSON.
    """
    async with api.session.post(
        api.sandbox.url + "/customerFiles",
        data=b"".join(parts) + closing,
        headers={
            "Authorization": f"Bearer {Sandbox.DEFAULT_TOKEN}",
            "adAccountId": str(Sandbox.DEFAULT_ACCOUNT),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    ) as response:
        return response.status, await response.json()


async def test_the_name_may_come_after_the_files(api: Api) -> None:
    """As in the documents' curl sample, the name part may follow the file parts."""
    status, body = await send(
        api,
        part("files", csv_of(*ADIDS[:2]), "a.csv"),
        part("files", csv_of(ADIDS[2]), "b.csv", "text/csv; charset=utf-8"),
        part("name", "마지막 이름".encode(), content_type="text/plain; charset=utf-8"),
    )

    assert (200, "마지막 이름", 3) == (status, body["name"], body["successCount"])


async def test_unknown_parts_are_ignored(api: Api) -> None:
    """Parts with names other than name, id and files are read and ignored."""
    status, body = await send(
        api,
        part("name", b"buyers", content_type="text/plain"),
        part("note", b"x" * 10_000, content_type="text/plain"),
        part("files", csv_of(*ADIDS), "a.csv"),
    )

    assert (200, 10) == (status, body["successCount"])


@pytest.mark.parametrize(
    "name_part",
    [
        pytest.param(
            part("name", b"x" * 5000, content_type="text/plain"), id="too long"
        ),
        pytest.param(
            part("name", b"\xff\xfe", content_type="text/plain"), id="not UTF-8"
        ),
    ],
)
async def test_a_broken_text_field_is_a_bad_parameter(
    api: Api, name_part: bytes
) -> None:
    """A name field that is not short UTF-8 text answers -2."""
    status, body = await send(api, name_part, part("files", csv_of(*ADIDS), "a.csv"))

    assert (400, -2) == (status, body["code"])


async def test_a_missing_name_is_a_bad_parameter(api: Api) -> None:
    """An upload without a name part answers -2."""
    status, body = await send(api, part("files", csv_of(*ADIDS), "a.csv"))

    assert (400, -2) == (status, body["code"])


async def test_broken_framing_is_a_bad_parameter(api: Api) -> None:
    """A body whose boundary lines are wrong answers -2, not a server error."""
    status, body = await send(
        api,
        part("name", b"buyers", content_type="text/plain"),
        b"--not-the-boundary\r\n\r\n",
        closing=b"",
    )

    assert (400, -2) == (status, body["code"])


async def test_nested_multipart_is_refused(api: Api) -> None:
    """A multipart/mixed part inside the form answers -2."""
    inner = (
        f"--inner\r\nContent-Type: text/csv\r\n\r\n{ADIDS[0]}\r\n--inner--\r\n".encode()
    )

    status, body = await send(
        api,
        part("name", b"buyers", content_type="text/plain"),
        part("files", inner, content_type="multipart/mixed; boundary=inner"),
    )

    assert (400, -2) == (status, body["code"])


async def test_a_replace_needs_a_numeric_id(api: Api) -> None:
    """An edit with files whose id field is not a positive integer answers -2."""
    async with api.session.put(
        api.sandbox.url + "/customerFiles",
        data=part("id", b"abc", content_type="text/plain")
        + part("files", csv_of(*ADIDS), "a.csv")
        + f"--{BOUNDARY}--\r\n".encode(),
        headers={
            "Authorization": f"Bearer {Sandbox.DEFAULT_TOKEN}",
            "adAccountId": str(Sandbox.DEFAULT_ACCOUNT),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    ) as response:
        status, body = response.status, await response.json()

    assert (400, -2) == (status, body["code"])
