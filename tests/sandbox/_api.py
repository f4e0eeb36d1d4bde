"""
A thin aiohttp helper for talking to a sandbox the way any HTTP client would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
import attrs

from moment_async.sandbox import Sandbox

#: A handful of distinct valid ADIDs.
ADIDS = [f"{i:08x}-1111-4222-8333-{i:012x}" for i in range(1, 11)]


def csv_of(*lines: str, crlf: bool = False) -> bytes:
    """
    Return a CSV file of *lines*, each ended by LF (or CRLF).
    """
    end = "\r\n" if crlf else "\n"
    return "".join(line + end for line in lines).encode()


@attrs.frozen
class Answer:
    """
    What the sandbox answered: status, headers and raw body.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """
        The body decoded as JSON.
        """
        return json.loads(self.body)

    @property
    def detail_code(self) -> int:
        """
        ``extras.detailCode`` of an error body.
        """
        return int(self.json["extras"]["detailCode"])


def form(
    files: Iterable[tuple[str, bytes] | tuple[str, bytes, str]], **fields: str
) -> aiohttp.FormData:
    """
    Return a multipart body: the text *fields*, then a ``files`` part per entry.
    """
    data = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        data.add_field(name, value)
    for entry in files:
        filename, content = entry[0], entry[1]
        content_type = entry[2] if len(entry) == 3 else "text/csv"
        data.add_field("files", content, filename=filename, content_type=content_type)
    return data


class Api:
    """
    Send requests to a sandbox with a token and an ad account header.
    """

    def __init__(self, session: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.session = session
        self.sandbox = sandbox

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        token: str | None = Sandbox.DEFAULT_TOKEN,
        account: int | str | None = Sandbox.DEFAULT_ACCOUNT,
    ) -> Answer:
        """
        Send one request below ``/openapi/v4`` and return the whole answer.
        """
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if account is not None:
            headers["adAccountId"] = str(account)
        async with self.session.request(
            method,
            self.sandbox.url + path,
            json=json,
            data=data,
            params=params,
            headers=headers,
        ) as response:
            return Answer(
                response.status, dict(response.headers), await response.read()
            )

    async def upload(self, name: str, *files: bytes, **options: Any) -> Answer:
        """
        Register a customer file from CSV *files* named a.csv, b.csv, ...
        """
        parts = [(f"{chr(97 + i)}.csv", content) for i, content in enumerate(files)]
        return await self.call(
            "POST", "/customerFiles", data=form(parts, name=name), **options
        )

    async def register_url(
        self, name: str, url: str, renewable: bool = False
    ) -> Answer:
        """
        Register a customer file by URL.
        """
        body = {
            "name": name,
            "fileType": "ADID",
            "sourceUrl": url,
            "renewable": renewable,
        }
        return await self.call("POST", "/customerFiles/url", json=body)

    async def create_audience(self, **fields: object) -> Answer:
        """
        Create an audience: DISPLAY, everyone, named "audience", unless *fields* say otherwise.
        """
        body: dict[str, object] = {
            "adAccountId": Sandbox.DEFAULT_ACCOUNT,
            "name": "audience",
            "type": "DISPLAY",
            "ageType": "ALL",
            "genderType": "ALL",
            "locationType": "ALL",
        }
        body.update(fields)
        return await self.call("POST", "/targetings", json=body)
