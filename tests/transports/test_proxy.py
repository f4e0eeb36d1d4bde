"""
Proxies: the proxy= argument and the standard environment, through a real tinyproxy.

Every test starts its own tinyproxy (tests/transports/_tinyproxy.py) on a
free loopback port, with the sandbox as the target: over plain HTTP (the
proxy forwards the request, adding its ``Via`` header), and over HTTPS
through a TLS front with a trustme certificate (the proxy opens a
``CONNECT`` tunnel). A tap in front of the proxy records every byte the
client sent it, which is what shows that the token never reached it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Final

import pytest
import trustme

import moment_async as ma
from moment_async.sandbox import Sandbox
from moment_async.testing import json_response
from tests import test_secrets
from tests._environ import clear
from tests._processes import free_port

from ._tinyproxy import Tinyproxy, relay

TOKEN: Final = "tok-PROXY-SECRET-789"
USER: Final = "alice"
PASSWORD: Final = "pa55-SECRET-word"
WRONG: Final = "wrong-SECRET-guess"


def secrets_of(password: str) -> tuple[str, ...]:
    """
    Return what must never show when *password* is the proxy's: it, its header form, the token.
    """
    pair = base64.b64encode(f"{USER}:{password}".encode()).decode()
    return (password, pair, TOKEN)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Start every test without MOMENT_* or proxy variables.
    """
    clear(monkeypatch)


@pytest.fixture
def sandbox(moment_sandbox: Sandbox) -> Sandbox:
    """
    Give the sandbox, with the tests' token granted on its default account.
    """
    moment_sandbox.grant(TOKEN, Sandbox.DEFAULT_ACCOUNT)
    return moment_sandbox


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """
    Give a throwaway certificate authority for the TLS front.
    """
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """
    Give a client context that verifies certificates against the test CA alone.
    """
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
async def https_port(sandbox: Sandbox, ca: trustme.CA) -> AsyncIterator[int]:
    """
    Serve the sandbox over TLS (a certificate for 127.0.0.1); give the port.
    """
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    async with relay(sandbox.port, tls=context) as port:
        yield port


def https_url(sandbox: Sandbox, port: int) -> str:
    """
    Return the sandbox's API root behind the TLS front on *port*.
    """
    return f"https://127.0.0.1:{port}{sandbox.url.removeprefix(sandbox.origin)}"


async def _started(proxy: Tinyproxy) -> AsyncIterator[Tinyproxy]:
    try:
        await asyncio.to_thread(proxy.start)
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield proxy
    finally:
        await asyncio.to_thread(proxy.stop)


@pytest.fixture
async def tinyproxy(https_port: int) -> AsyncIterator[Tinyproxy]:
    """
    Run a tinyproxy that tunnels to the TLS front only; without tinyproxy, fail.
    """
    async for proxy in _started(Tinyproxy(connect_ports=(https_port,))):
        yield proxy


@pytest.fixture
async def guarded(https_port: int) -> AsyncIterator[Tinyproxy]:
    """
    Run a tinyproxy that asks for a user and password (BasicAuth).
    """
    proxy = Tinyproxy(connect_ports=(https_port,), basic_auth=(USER, PASSWORD))
    async for started in _started(proxy):
        yield started


def client(sandbox: Sandbox, **kwargs) -> ma.MomentClient:
    """
    Return a client of the sandbox's default account, without retries.
    """
    kwargs.setdefault("base_url", sandbox.url)
    return ma.MomentClient(TOKEN, retry=ma.RetryPolicy.never(), **kwargs)


async def list_files(client: ma.MomentClient) -> list[ma.CustomerFile]:
    """
    List the default account's customer files, closing the client after.
    """
    async with client:
        return await client.ad_account(Sandbox.DEFAULT_ACCOUNT).customer_files.list()


def via(sandbox: Sandbox) -> list[str | None]:
    """
    Return the ``Via`` header of every request the sandbox saw.
    """
    return [record.headers.get("Via") for record in sandbox.requests]


def proxied(proxy: Tinyproxy, sandbox: Sandbox) -> bool:
    """
    Whether the proxy's log shows the list call's request line.
    """
    return f"GET {sandbox.url}/customerFiles HTTP/1.1" in proxy.log()


async def empty_list(request: ma.Request) -> ma.Response:
    """
    Answer every call with an empty JSON list.
    """
    return json_response([])


def closed_port_url() -> str:
    """
    Return a proxy URL on a loopback port nothing listens on.
    """
    return f"http://127.0.0.1:{free_port()}"


def leaks(monkeypatch: pytest.MonkeyPatch, password: str, *roots: object) -> list[str]:
    """
    Return where, in everything *roots* reference, *password* (or the token) shows.

    The walk is test_secrets' (args, causes, attributes, containers,
    reprs and pickles, to any depth), looking for these secrets instead.
    Errors, reprs and log texts are walked; the client and its transport
    hold the secrets by design, and are shown only through their reprs.
    """
    monkeypatch.setattr(test_secrets, "SECRETS", secrets_of(password))
    return [path for root in roots for path in test_secrets.secret_paths(root)]


# Plain HTTP: the proxy forwards each request and says so in Via.


async def test_proxy_argument_sends_requests_through_the_proxy(sandbox, tinyproxy):
    """proxy= on the client sends the call through tinyproxy, which adds its Via header."""
    files = await list_files(client(sandbox, proxy=tinyproxy.url))

    assert [] == files
    assert proxied(tinyproxy, sandbox)
    [seen] = via(sandbox)
    assert seen is not None
    assert "tinyproxy" in seen


@pytest.mark.parametrize(
    "variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
)
async def test_the_proxy_environment_is_honoured_by_default(
    sandbox, tinyproxy, monkeypatch, variable
):
    """HTTP_PROXY (or ALL_PROXY), in either case, is read by a client given no proxy."""
    monkeypatch.setenv(variable, tinyproxy.url)

    await list_files(client(sandbox))

    assert proxied(tinyproxy, sandbox)
    assert "tinyproxy" in str(via(sandbox))


async def test_a_proxy_variable_without_scheme_means_http(
    sandbox, tinyproxy, monkeypatch
):
    """HTTP_PROXY=host:port is read as http://host:port, as curl and httpx read it."""
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{tinyproxy.port}")

    await list_files(client(sandbox))

    assert proxied(tinyproxy, sandbox)


async def test_lowercase_wins_over_uppercase(sandbox, tinyproxy, monkeypatch):
    """Where both are set, http_proxy is used and HTTP_PROXY is not (as urllib and curl do)."""
    monkeypatch.setenv("HTTP_PROXY", closed_port_url())
    monkeypatch.setenv("http_proxy", tinyproxy.url)

    await list_files(client(sandbox))

    assert proxied(tinyproxy, sandbox)


@pytest.mark.parametrize(
    "no_proxy",
    ["127.0.0.1", "localhost, 127.0.0.1", "*", "{port}"],
    ids=["host", "list", "star", "host-and-port"],
)
async def test_no_proxy_goes_direct(sandbox, tinyproxy, monkeypatch, no_proxy):
    """A host listed in NO_PROXY is reached directly, never through HTTP_PROXY."""
    monkeypatch.setenv("HTTP_PROXY", tinyproxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=f"127.0.0.1:{sandbox.port}"))

    await list_files(client(sandbox))

    assert [None] == via(sandbox)
    assert not proxied(tinyproxy, sandbox)


async def test_no_proxy_for_another_host_changes_nothing(
    sandbox, tinyproxy, monkeypatch
):
    """NO_PROXY naming other hosts, or another port, leaves this one proxied."""
    monkeypatch.setenv("HTTP_PROXY", tinyproxy.url)
    monkeypatch.setenv("NO_PROXY", f"example.com,127.0.0.1:{sandbox.port + 1}")

    await list_files(client(sandbox))

    assert proxied(tinyproxy, sandbox)


async def test_trust_env_false_ignores_the_environment(sandbox, tinyproxy, monkeypatch):
    """trust_env=False goes direct whatever HTTP_PROXY says."""
    monkeypatch.setenv("HTTP_PROXY", tinyproxy.url)

    await list_files(client(sandbox, trust_env=False))

    assert [None] == via(sandbox)
    assert not proxied(tinyproxy, sandbox)


async def test_the_proxy_argument_wins_over_the_environment(
    sandbox, tinyproxy, monkeypatch
):
    """proxy= is used for every request: HTTP_PROXY and NO_PROXY are not read."""
    monkeypatch.setenv("HTTP_PROXY", closed_port_url())
    monkeypatch.setenv("NO_PROXY", "*")

    await list_files(client(sandbox, proxy=tinyproxy.url))

    assert proxied(tinyproxy, sandbox)


async def test_the_environment_is_read_once_when_the_client_is_made(
    sandbox, tinyproxy, monkeypatch
):
    """A proxy variable set after the client was made changes nothing for it."""
    made = client(sandbox)
    monkeypatch.setenv("HTTP_PROXY", tinyproxy.url)

    await list_files(made)

    assert [None] == via(sandbox)


# HTTPS: a CONNECT tunnel; the proxy relays TLS bytes and sees no secret.


async def test_https_goes_through_a_connect_tunnel_the_proxy_cannot_read(
    sandbox, tinyproxy, https_port, trusting, monkeypatch
):
    """For an https:// API the proxy gets a CONNECT and TLS bytes: never the token, path or headers."""
    sent_to_proxy = bytearray()
    async with relay(tinyproxy.port, record=sent_to_proxy) as tap:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tap}")
        transport = ma.AiohttpTransport(ssl=trusting)
        files = await list_files(
            client(
                sandbox, base_url=https_url(sandbox, https_port), transport=transport
            )
        )

    assert [] == files
    assert 1 == sandbox.count("customer_files.list", 200)
    assert [None] == via(sandbox)  # a tunnel: the proxy added nothing
    assert f"CONNECT 127.0.0.1:{https_port} HTTP/1.1" in tinyproxy.log()
    assert TOKEN not in tinyproxy.log()
    assert sent_to_proxy.startswith(f"CONNECT 127.0.0.1:{https_port} ".encode())
    for clear_text in (
        TOKEN,
        "Bearer",
        "Authorization",
        "customerFiles",
        "adAccountId",
    ):
        assert clear_text.encode() not in sent_to_proxy, clear_text


async def test_http_through_a_proxy_is_sent_as_it_is(sandbox, tinyproxy):
    """Over plain http:// the proxy reads the request: the log shows the request line."""
    sent_to_proxy = bytearray()
    async with relay(tinyproxy.port, record=sent_to_proxy) as tap:
        await list_files(client(sandbox, proxy=f"http://127.0.0.1:{tap}"))

    assert f"GET {sandbox.url}/customerFiles HTTP/1.1".encode() in sent_to_proxy


# Credentials: they work, and they never show.


async def test_credentials_in_the_proxy_url_open_the_proxy(
    sandbox, guarded, https_port, trusting
):
    """user:password in the proxy URL authenticate to a proxy that asks, over http and https."""
    proxy = f"http://{USER}:{PASSWORD}@127.0.0.1:{guarded.port}"

    plain = await list_files(client(sandbox, proxy=proxy))
    tunnelled = await list_files(
        client(
            sandbox,
            base_url=https_url(sandbox, https_port),
            transport=ma.AiohttpTransport(ssl=trusting, proxy=proxy),
        )
    )

    assert ([], []) == (plain, tunnelled)
    assert 2 == sandbox.count("customer_files.list", 200)
    assert f"CONNECT 127.0.0.1:{https_port}" in guarded.log()


async def test_a_refused_tunnel_is_a_connect_error_without_credentials(
    sandbox, guarded, https_port, trusting, monkeypatch, caplog
):
    """A wrong proxy password fails the CONNECT: ConnectError, nothing sent, no secret anywhere."""
    caplog.set_level(logging.DEBUG)
    proxy = f"http://{USER}:{WRONG}@127.0.0.1:{guarded.port}"
    transport = ma.AiohttpTransport(ssl=trusting, proxy=proxy)
    made = client(sandbox, base_url=https_url(sandbox, https_port), transport=transport)

    with pytest.raises(ma.ConnectError) as caught:
        await list_files(made)

    error = caught.value
    assert f"the proxy http://127.0.0.1:{guarded.port} refused a tunnel" in str(error)
    assert not error.maybe_sent
    assert 0 == len(sandbox.requests)
    texts = (repr(transport), repr(made), caplog.text)
    assert [] == leaks(monkeypatch, WRONG, error, *texts)


async def test_an_unreachable_proxy_is_a_connect_error_naming_it(
    sandbox, monkeypatch, caplog
):
    """A proxy nothing listens on: ConnectError naming the proxy without its credentials."""
    caplog.set_level(logging.DEBUG)
    port = free_port()
    made = client(sandbox, proxy=f"http://{USER}:{PASSWORD}@127.0.0.1:{port}")

    with pytest.raises(ma.ConnectError) as caught:
        await list_files(made)

    error = caught.value
    assert f"cannot connect to the proxy http://127.0.0.1:{port} (for " in str(error)
    assert not error.maybe_sent
    assert [] == leaks(monkeypatch, PASSWORD, error, repr(made), caplog.text)


def test_reprs_name_the_proxy_without_credentials():
    """The transport's repr shows the proxy's scheme, host and port, never its password."""
    transport = ma.AiohttpTransport(
        proxy=f"http://{USER}:{PASSWORD}@proxy.example:3128"
    )

    assert "proxy=http://proxy.example:3128" in repr(transport)
    assert PASSWORD not in repr(transport)


@pytest.mark.parametrize(
    "proxy",
    [
        pytest.param(f"socks5://{USER}:{PASSWORD}@proxy.example:1080", id="socks"),
        pytest.param(f"https://{USER}:{PASSWORD}@proxy.example:3128", id="https"),
        pytest.param("proxy.example:3128", id="no-scheme"),
        pytest.param("http://", id="no-host"),
        pytest.param("", id="empty"),
        pytest.param(3128, id="not-a-str"),
    ],
)
def test_a_proxy_the_client_cannot_use_is_refused(proxy):
    """Only http:// proxy URLs with a host are taken; the message never repeats a password."""
    with pytest.raises(ma.ValidationError, match="proxy") as caught:
        ma.AiohttpTransport(proxy=proxy)

    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_an_unusable_proxy_in_the_environment_is_refused_not_skipped(
    monkeypatch, variable
):
    """A SOCKS proxy in the environment is a ValidationError naming the variable, not a direct call."""
    monkeypatch.setenv(variable, f"socks5://{USER}:{PASSWORD}@proxy.example:1080")

    with pytest.raises(ma.ValidationError, match=variable.upper()) as caught:
        ma.MomentClient("t")

    assert PASSWORD not in str(caught.value)
    assert "trust_env=False" in str(caught.value)


def test_an_unusable_proxy_environment_is_ignored_with_trust_env_false(monkeypatch):
    """trust_env=False does not even read a proxy variable the client could not use."""
    monkeypatch.setenv("HTTPS_PROXY", "socks5://proxy.example:1080")

    ma.AiohttpTransport(trust_env=False)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"proxy": "http://proxy.example:3128"}, id="proxy"),
        pytest.param({"trust_env": False}, id="trust_env"),
    ],
)
def test_proxy_options_with_a_transport_of_ones_own_are_refused(kwargs):
    """proxy= and trust_env= configure the default transport: with transport= they are an error."""
    with pytest.raises(ma.ValidationError, match="give them to it"):
        ma.MomentClient("t", transport=ma.MockTransport(empty_list), **kwargs)


def test_trust_env_must_be_a_bool():
    """trust_env takes True or False, not a truthy string."""
    with pytest.raises(ma.ValidationError, match="trust_env must be True or False"):
        ma.AiohttpTransport(trust_env="no")  # type: ignore[arg-type]
