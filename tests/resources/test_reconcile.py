"""
Creates with and without reconcile: the listing before sending, what is returned, what is raised.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

import pytest

import moment_async as ma
from moment_async.testing import Request, Response, error_response, json_response

CSV: Final = b"adid\n8f0f7b6e-9a3c-4e2a-b1d4-0c9e8f7a6b5c\n"
SPEC: Final = ma.AudienceSpec(name="buyers", type=ma.AudienceType.DISPLAY)
#: A bad answer to a create: Kakao did it, but the client cannot read the result.
TRUNCATED: Final = Response(status=200, body=b'{"id": 9, "na')


def listed(*ids: int, name: str = "buyers") -> Response:
    """
    Return a customer file listing with files *ids*, all named *name*.
    """
    return json_response([{"id": i, "name": name} for i in ids])


class Script:
    """
    A MockTransport handler answering GETs and POSTs from two queues, recording requests.
    """

    def __init__(
        self,
        gets: list[Response | BaseException],
        posts: list[Response | BaseException],
    ) -> None:
        self.answers = {"GET": gets, "POST": posts}
        self.requests: list[Request] = []

    def sent(self, method: str) -> int:
        """
        Count the requests sent with *method*.
        """
        return sum(1 for request in self.requests if request.method == method)

    async def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        answer = self.answers[request.method].pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def client_for(script: Script) -> ma.MomentClient:
    """
    Return a client on *script*, retrying at once, limiter off.
    """
    return ma.MomentClient(
        "token",
        transport=ma.MockTransport(script),
        retry=ma.RetryPolicy(attempts=2, backoff=0.001, budget=None),
        limiter=False,
    )


def upload(acct: ma.AdAccount) -> Awaitable[object]:
    return acct.customer_files.upload("buyers", [("a.csv", CSV)], reconcile=True)


def register_url(acct: ma.AdAccount) -> Awaitable[object]:
    return acct.customer_files.register_url(
        "buyers", "https://example.com/a.csv", reconcile=True
    )


CREATES: Final[list[Callable[[ma.AdAccount], Awaitable[object]]]] = [
    upload,
    register_url,
]


@pytest.mark.parametrize("create", CREATES, ids=["upload", "register_url"])
async def test_reconcile_lists_once_before_sending(create):
    """With reconcile=True a create that succeeds costs one list call, made before it."""
    script = Script([listed()], [json_response({"id": 9, "name": "buyers"})])

    async with client_for(script) as client:
        result = await create(client.ad_account(1))

    assert 9 == getattr(result, "id", None)
    assert ["GET", "POST"] == [request.method for request in script.requests]


async def test_no_listing_without_reconcile():
    """Without reconcile a create sends only itself."""
    script = Script([], [json_response({"id": 9, "name": "buyers"})])

    async with client_for(script) as client:
        await client.ad_account(1).customer_files.register_url(
            "buyers", "https://example.com/a.csv"
        )

    assert ["POST"] == [request.method for request in script.requests]


async def test_failed_first_listing_sends_nothing():
    """When the listing before a create fails, its error is raised and the create is not sent."""
    script = Script([error_response(500, -1, "down")], [])

    async with client_for(script) as client:
        with pytest.raises(ma.ServerError) as info:
            await upload(client.ad_account(1))

    assert 0 == script.sent("POST")
    assert [
        "customer_files.upload of 'buyers' was not sent: listing the account "
        "before it (reconcile=True) failed."
    ] == info.value.__notes__


@pytest.mark.parametrize("create", CREATES, ids=["upload", "register_url"])
async def test_reconcile_returns_the_new_file_not_an_older_namesake(create):
    """After an ambiguous failure the file whose id was not listed before is returned."""
    script = Script(
        [listed(5), listed(5, 8)], [ma.TransportError("reset after the body")]
    )

    async with client_for(script) as client:
        result = await create(client.ad_account(1))

    assert 8 == getattr(result, "id", None)
    assert 1 == script.sent("POST")


async def test_reconcile_does_not_return_an_older_namesake():
    """A same-named file that existed before the create is not taken for the one it made."""
    script = Script([listed(5), listed(5)], [error_response(503, -813)])

    async with client_for(script) as client:
        with pytest.raises(ma.AmbiguousWriteError) as info:
            await upload(client.ad_account(1))

    assert info.value.reconciled
    assert isinstance(info.value.__cause__, ma.ServerError)
    assert "The account holds nothing new by that name" in str(info.value)
    assert 1 == script.sent("POST")


async def test_reconcile_refuses_to_guess_between_two_new_namesakes():
    """Two new files with the create's name (one made by another client) raise instead of guessing."""
    script = Script(
        [listed(5), listed(5, 8, 9)], [ma.TransportError("reset after the body")]
    )

    async with client_for(script) as client:
        with pytest.raises(ma.AmbiguousWriteError) as info:
            await upload(client.ad_account(1))

    assert info.value.reconciled
    assert "2 new objects by that name (ids 8, 9)" in str(info.value)
    assert 1 == script.sent("POST")


async def test_failed_reconcile_listing_raises_ambiguous_write_error():
    """When the listing after a failure fails, AmbiguousWriteError is raised from the create's error."""
    script = Script(
        [listed(), error_response(500, -1, "down")],
        [ma.TransportError("reset after the body")],
    )

    async with client_for(script) as client:
        with pytest.raises(ma.AmbiguousWriteError) as info:
            await upload(client.ad_account(1))

    assert not info.value.reconciled
    assert isinstance(info.value.__cause__, ma.TransportError)
    assert isinstance(info.value.__context__, ma.ServerError)
    assert (
        "listing the account to look for it failed too (HTTP 500, code -1: down). "
        "It was not sent again."
    ) in str(info.value)
    assert 1 == script.sent("POST")


async def test_failed_fetch_of_the_found_object_is_told_apart_from_the_listing():
    """When the one new audience is listed but fetching it fails, the error says so, not that the listing failed."""

    def audiences(*ids: int) -> Response:
        return json_response({"content": [{"id": i, "name": "buyers"} for i in ids]})

    script = Script(
        [audiences(), audiences(9), error_response(404, -1, "gone")],
        [ma.TransportError("reset after the body")],
    )

    async with client_for(script) as client:
        with pytest.raises(ma.AmbiguousWriteError) as info:
            await client.ad_account(1).audiences.create(SPEC, reconcile=True)

    assert info.value.reconciled
    assert isinstance(info.value.__cause__, ma.TransportError)
    assert "one new object by that name (id 9), but fetching it failed" in str(
        info.value
    )
    assert "listing the account" not in str(info.value)
    assert 1 == script.sent("POST")


async def test_undecodable_success_is_most_likely_created():
    """A 200 whose body cannot be read raises AmbiguousWriteError saying the file was most likely created."""
    script = Script([], [TRUNCATED])

    async with client_for(script) as client:
        with pytest.raises(ma.AmbiguousWriteError) as info:
            await client.ad_account(1).customer_files.upload("buyers", [("a.csv", CSV)])

    assert isinstance(info.value.__cause__, ma.DecodeError)
    assert not info.value.reconciled
    assert ("customer_files.upload", "buyers") == (info.value.call, info.value.name)
    assert "answered HTTP 200, a success" in str(info.value)
    assert "Kakao most likely created it" in str(info.value)
    assert 1 == script.sent("POST")


async def test_undecodable_success_is_reconciled():
    """With reconcile=True a 200 whose body cannot be read returns the new audience, fetched."""
    audience = {"id": 8, "name": "buyers", "type": "DISPLAY"}
    script = Script(
        [
            json_response({"content": [{"id": 5, "name": "buyers"}]}),
            json_response({"content": [{"id": 5, "name": "buyers"}, audience]}),
            json_response(audience),
        ],
        [TRUNCATED],
    )

    async with client_for(script) as client:
        result = await client.ad_account(1).audiences.create(SPEC, reconcile=True)

    assert 8 == result.id
    assert "/targetings/8" in script.requests[-1].url


async def test_create_is_sent_again_only_when_nothing_was_sent():
    """A create that could not connect is sent again; the listing before it is made once."""
    script = Script([listed()], [ma.ConnectError("refused"), json_response({"id": 9})])

    async with client_for(script) as client:
        result = await register_url(client.ad_account(1))

    assert 9 == getattr(result, "id", None)
    assert ["GET", "POST", "POST"] == [r.method for r in script.requests]
