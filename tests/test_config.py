"""
What a client takes from the environment: MOMENT_TOKEN and MOMENT_BASE_URL.

Every test starts with no MOMENT_* or proxy variable, and sets what it needs.
"""

from __future__ import annotations

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox
from moment_async.testing import Request, Response, json_response
from tests._environ import clear
from tests.cli.test_cli import cli

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Start every test without MOMENT_* or proxy variables.
    """
    clear(monkeypatch)


async def list_files(client: ma.MomentClient) -> list[ma.CustomerFile]:
    """
    List the sandbox account's customer files, closing the client after.
    """
    async with client:
        return await client.ad_account(ACCOUNT).customer_files.list()


async def test_the_token_and_base_url_come_from_the_environment(
    moment_sandbox, monkeypatch
):
    """MomentClient() with nothing given reads MOMENT_TOKEN and MOMENT_BASE_URL, and works."""
    monkeypatch.setenv("MOMENT_TOKEN", Sandbox.DEFAULT_TOKEN)
    monkeypatch.setenv("MOMENT_BASE_URL", moment_sandbox.url)

    files = await list_files(ma.MomentClient())

    assert [] == files
    assert 1 == moment_sandbox.count("customer_files.list", 200)


async def test_arguments_win_over_the_environment(moment_sandbox, monkeypatch):
    """A token and base_url given as arguments are used, whatever the environment says."""
    monkeypatch.setenv("MOMENT_TOKEN", "not-granted")
    monkeypatch.setenv("MOMENT_BASE_URL", "http://127.0.0.1:9/openapi/v4")

    files = await list_files(
        ma.MomentClient(Sandbox.DEFAULT_TOKEN, base_url=moment_sandbox.url)
    )

    assert [] == files


async def test_the_token_may_come_from_the_environment_and_the_url_from_an_argument(
    moment_sandbox, monkeypatch
):
    """Each setting is looked up on its own: MOMENT_TOKEN with base_url=."""
    monkeypatch.setenv("MOMENT_TOKEN", Sandbox.DEFAULT_TOKEN)

    files = await list_files(ma.MomentClient(base_url=moment_sandbox.url))

    assert [] == files


async def test_without_moment_base_url_the_client_talks_to_kakao(monkeypatch):
    """With neither base_url nor MOMENT_BASE_URL, requests go to Kakao's API root."""
    urls: list[str] = []

    async def handler(request: Request) -> Response:
        urls.append(request.url)
        return json_response([])

    monkeypatch.setenv("MOMENT_TOKEN", "t")

    await list_files(ma.MomentClient(transport=ma.MockTransport(handler)))

    assert ["https://apis.moment.kakao.com/openapi/v4/customerFiles"] == urls


def test_a_missing_token_names_both_ways_to_give_one():
    """No token and no MOMENT_TOKEN is one ValidationError naming token= and MOMENT_TOKEN."""
    with pytest.raises(ma.ValidationError) as caught:
        ma.MomentClient()

    assert (
        "no business token: pass MomentClient(token=...) or set the MOMENT_TOKEN "
        "environment variable"
    ) == str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "tok-ENV-SECRET\n",
            "the MOMENT_TOKEN environment variable ends with whitespace, line feed "
            "(U+000A); a token read from a file keeps its trailing newline",
            id="trailing-newline",
        ),
        pytest.param(
            " tok-ENV-SECRET",
            "the MOMENT_TOKEN environment variable starts with whitespace, space",
            id="leading-space",
        ),
        pytest.param(
            "tok-ENV\x1bSECRET",
            "the MOMENT_TOKEN environment variable holds escape (U+001B) at position 7",
            id="control-character",
        ),
        pytest.param(
            "",
            "the MOMENT_TOKEN environment variable must be a non-empty string",
            id="empty",
        ),
    ],
)
def test_a_token_from_the_environment_gets_the_checks_of_an_argument(
    monkeypatch, value, expected
):
    """MOMENT_TOKEN is refused as an argument would be, never stripped, and never shown."""
    monkeypatch.setenv("MOMENT_TOKEN", value)

    with pytest.raises(ma.ValidationError) as caught:
        ma.MomentClient()

    assert str(caught.value).startswith(expected)
    assert "SECRET" not in str(caught.value)


def test_a_base_url_from_the_environment_is_checked_and_named(monkeypatch):
    """A MOMENT_BASE_URL without http(s):// is a ValidationError that names the variable."""
    monkeypatch.setenv("MOMENT_BASE_URL", "127.0.0.1:8080/openapi/v4")

    with pytest.raises(
        ma.ValidationError,
        match=r"^the MOMENT_BASE_URL environment variable must start with http:// or https://",
    ):
        ma.MomentClient("t")


def test_a_base_url_argument_that_is_not_a_str_is_refused():
    """base_url must be a str: anything else is a ValidationError, not an AttributeError."""
    with pytest.raises(ma.ValidationError, match="base_url must be a str, got int"):
        ma.MomentClient("t", base_url=8080)  # type: ignore[arg-type]


async def test_the_cli_still_reads_moment_token(moment_sandbox):
    """The CLI keeps its own reading of MOMENT_TOKEN and MOMENT_AD_ACCOUNT_ID."""
    run = await cli(
        "--base-url",
        moment_sandbox.url,
        "--json",
        "files",
        "list",
        env={
            "MOMENT_TOKEN": Sandbox.DEFAULT_TOKEN,
            "MOMENT_AD_ACCOUNT_ID": str(ACCOUNT),
        },
    )

    assert 0 == run.code, run.err
    assert [] == run.json()
