"""
The aiohttp transport's safety: redirects keep the token at its origin, TLS is verified.

Everything runs over loopback: two aiohttp servers on different ports are
two origins for the redirect tests, and an HTTPS server with a
self-signed certificate made by the ``openssl`` command serves the TLS
tests.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import aiohttp
import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import moment_async as ma

TOKEN: Final = "tok-SECRET-123"
ACCOUNT: Final = 27429
CSV: Final = b"adid\n12345678-aaaa-4bbb-8ccc-123456789012\n"
NO_RETRY: Final = ma.RetryPolicy(attempts=1)
FILE: Final = {"id": 7, "name": "renamed", "customerFileStatus": "COMPLETE"}


@attrs.frozen
class Seen:
    """
    One request a loopback server received.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


SEEN: Final = web.AppKey("seen", list[Seen])
#: Where server A sends every request: a status and a target, set by each
#: test (a list, since a started application's state may not be replaced).
REDIRECT: Final = web.AppKey("redirect", list[tuple[int, str]])


async def _record(request: web.Request) -> Seen:
    seen = Seen(
        request.method, request.path, dict(request.headers), await request.read()
    )
    request.app[SEEN].append(seen)
    return seen


async def _answer(request: web.Request) -> web.StreamResponse:
    seen = await _record(request)
    return web.json_response([] if seen.method == "GET" else FILE)


async def _redirect(request: web.Request) -> web.StreamResponse:
    await _record(request)
    if request.path.startswith("/moved/"):
        return web.json_response([])
    status, target = request.app[REDIRECT][-1]
    return web.Response(status=status, headers={"Location": target + request.path_qs})


async def _serve(app: web.Application) -> TestServer:
    app[SEEN] = []
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def origin_b() -> AsyncIterator[TestServer]:
    """
    Give server B, another origin (another port), which answers every request.
    """
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _answer)
    server = await _serve(app)
    yield server
    await server.close()


@pytest.fixture
async def origin_a() -> AsyncIterator[TestServer]:
    """
    Give server A, which redirects as ``app[REDIRECT]`` says (set by each test).
    """
    app = web.Application()
    app[REDIRECT] = []
    app.router.add_route("*", "/{tail:.*}", _redirect)
    server = await _serve(app)
    yield server
    await server.close()


def client_on(
    server: TestServer, transport: ma.AiohttpTransport | None = None
) -> ma.MomentClient:
    """
    Return a client on the real aiohttp transport whose API root is on *server*.
    """
    return ma.MomentClient(
        TOKEN, base_url=str(server.make_url("/openapi/v4")), transport=transport, retry=NO_RETRY, limiter=False
    )  # fmt: skip


def connector_of(transport: ma.AiohttpTransport) -> aiohttp.TCPConnector:
    """
    Return the connector of *transport*'s aiohttp session, opened by its first request.
    """
    session = transport._session
    assert session is not None
    connector = session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    return connector


def redirect(server: TestServer, status: int, to: TestServer, prefix: str = "") -> None:
    """
    Make *server* answer every request with *status* to the same path on *to*.
    """
    server.app[REDIRECT].append((status, str(to.make_url(prefix)).rstrip("/")))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_origin_drops_authorization(
    origin_a, origin_b, status
):
    """A GET redirected to another port gets its answer there, sent without the Authorization header."""
    redirect(origin_a, status, origin_b)

    async with client_on(origin_a) as client:
        files = await client.ad_account(ACCOUNT).customer_files.list()

    assert [] == files
    assert f"Bearer {TOKEN}" == origin_a.app[SEEN][0].headers["Authorization"]
    (followed,) = origin_b.app[SEEN]
    assert ("GET", "/openapi/v4/customerFiles") == (followed.method, followed.path)
    assert "Authorization" not in followed.headers
    # What is not secret goes along: the ad account is not a credential.
    assert str(ACCOUNT) == followed.headers["adAccountId"]


async def test_307_sends_a_json_body_again_without_authorization(origin_a, origin_b):
    """A PUT answered 307 goes to the other origin with its method and JSON body, but no token."""
    redirect(origin_a, 307, origin_b)

    async with client_on(origin_a) as client:
        renamed = await client.ad_account(ACCOUNT).customer_files.rename(7, "renamed")

    assert 7 == renamed.id
    (followed,) = origin_b.app[SEEN]
    assert ("PUT", b'{"id":7,"name":"renamed"}') == (followed.method, followed.body)
    assert "Authorization" not in followed.headers


async def test_303_after_a_post_is_followed_with_a_bodiless_get(origin_a, origin_b):
    """A POST answered 303 is followed with a GET without the body, and without the token."""
    redirect(origin_a, 303, origin_b)

    async with client_on(origin_a) as client:
        with pytest.raises(ma.MomentError) as info:
            await client.ad_account(ACCOUNT).customer_files.register_url(
                "by url", "https://example.com/a.csv"
            )

    # The GET's answer is a list, not the registered file: a DecodeError,
    # which a create reports as an AmbiguousWriteError caused by it.
    assert ma.DecodeError in {type(info.value), type(info.value.__cause__)}
    (followed,) = origin_b.app[SEEN]
    assert ("GET", b"") == (followed.method, followed.body)
    assert "Authorization" not in followed.headers


async def test_307_never_sends_a_streamed_upload_to_another_origin(origin_a, origin_b):
    """An upload's streamed CSV, once sent, cannot be sent again: the other origin gets nothing."""
    redirect(origin_a, 307, origin_b)

    async with client_on(origin_a) as client:
        with pytest.raises(ma.MomentError):
            await client.ad_account(ACCOUNT).customer_files.upload(
                "buyers", [("a.csv", CSV)]
            )

    assert [] == origin_b.app[SEEN]


async def test_redirect_within_the_origin_keeps_authorization(origin_a):
    """A redirect to another path of the same scheme, host and port keeps the token: same server."""
    redirect(origin_a, 307, origin_a, "/moved")

    async with client_on(origin_a) as client:
        files = await client.ad_account(ACCOUNT).customer_files.list()

    assert [] == files
    first, followed = origin_a.app[SEEN]
    assert "/moved/openapi/v4/customerFiles" == followed.path
    assert first.headers["Authorization"] == followed.headers["Authorization"]


# TLS.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """
    Make a self-signed certificate for 127.0.0.1 with the openssl command; return (cert, key).
    """
    openssl = shutil.which("openssl")
    assert openssl is not None, "the TLS tests need the openssl command"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603  # a fixed command line, no input from outside
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def https_server(certificate: tuple[Path, Path]) -> AsyncIterator[TestServer]:
    """
    Give a loopback HTTPS server with the self-signed certificate.
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _answer)
    app[SEEN] = []
    server = TestServer(app, host="127.0.0.1", scheme="https")
    await server.start_server(ssl=context)
    yield server
    await server.close()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(False, id="False"),
        pytest.param(True, id="True"),
        pytest.param(0, id="zero"),
        pytest.param("CERT_NONE", id="str"),
        pytest.param(ssl.create_default_context, id="context-factory"),
    ],
)
def test_ssl_accepts_only_a_context(value):
    """Verification cannot be switched off by a flag: anything but an SSLContext or None is refused."""
    with pytest.raises(ma.ValidationError, match=r"ssl must be an ssl\.SSLContext"):
        ma.AiohttpTransport(ssl=value)


async def test_default_transport_refuses_a_self_signed_certificate(https_server):
    """The default transport verifies the certificate, so a self-signed one fails to connect."""
    transport = ma.AiohttpTransport()
    client = client_on(https_server, transport=transport)

    async with client:
        with pytest.raises(ma.ConnectError, match="certificate verify failed"):
            await client.ad_account(ACCOUNT).customer_files.list()
        connector = connector_of(transport)

    # aiohttp's "True" stands for its default context, which verifies.
    assert connector._ssl is True
    assert [] == https_server.app[SEEN]


async def test_an_explicit_context_is_used(https_server, certificate):
    """A context that trusts the certificate is the one the connector uses, and the call succeeds."""
    context = ssl.create_default_context(cafile=str(certificate[0]))
    transport = ma.AiohttpTransport(ssl=context)
    client = client_on(https_server, transport=transport)

    async with client:
        files = await client.ad_account(ACCOUNT).customer_files.list()
        connector = connector_of(transport)

    assert [] == files
    assert connector._ssl is context
    assert (ssl.CERT_REQUIRED, True) == (context.verify_mode, context.check_hostname)
