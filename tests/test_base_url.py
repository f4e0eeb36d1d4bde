"""
The API root a client is given: refused at construction unless it is http(s)://host[:port][/path].
"""

from __future__ import annotations

from typing import Final

import pytest

import moment_async as ma

from ._environ import clear

SECRET: Final = "pw-SECRET-4242"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param(f"http://user:{SECRET}@127.0.0.1:9/openapi/v4", "must not hold a user name or password", id="user-and-password"),
        pytest.param(f"https://{SECRET}@apis.example/openapi/v4", "must not hold a user name or password", id="user-only"),
        pytest.param(f"http://:{SECRET}@127.0.0.1:9", "must not hold a user name or password", id="password-only"),
        pytest.param(f"http://127.0.0.1:9/openapi/v4?key={SECRET}", "must not hold a query", id="query"),
        pytest.param(f"http://127.0.0.1:9/openapi/v4#{SECRET}", "or a fragment", id="fragment"),
        pytest.param(f"http://127.0.0.1:9/openapi/v4?{SECRET}#x", "must not hold a query", id="query-and-fragment"),
        pytest.param("http:///openapi/v4", "has no host", id="no-host"),
        pytest.param("https://", "has no host", id="scheme-only"),
        pytest.param(f"http://127.0.0.1:{SECRET}/v4", "is not a valid URL", id="bad-port"),
        pytest.param(f"http://u:{SECRET}@[::1/v4", "is not a valid URL", id="bad-host-with-password"),
        pytest.param(f"ftp://user:{SECRET}@127.0.0.1/v4", "must start with http:// or https://", id="other-scheme-with-password"),
        pytest.param(f"user:{SECRET}@127.0.0.1/v4", "must start with http:// or https://", id="no-scheme-with-password"),
        pytest.param(f"http://127.0.0.1:9/v4\r\nX-{SECRET}: 1", "whitespace or control characters", id="line-break"),
    ],
)  # fmt: skip
def test_an_api_root_with_secrets_or_no_host_is_refused_without_showing_them(url, says):
    """A base_url holding credentials, a query or a fragment, or no host, is a ValidationError that never shows them."""
    with pytest.raises(ma.ValidationError) as info:
        ma.MomentClient("t", base_url=url)

    assert says in str(info.value)
    assert str(info.value).startswith("base_url ")
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value.args)


def test_a_moment_base_url_with_a_password_is_refused_and_named(monkeypatch):
    """MOMENT_BASE_URL gets the same check, and the message names the variable, not the password."""
    clear(monkeypatch)
    monkeypatch.setenv("MOMENT_BASE_URL", f"http://user:{SECRET}@127.0.0.1:9")

    with pytest.raises(ma.ValidationError) as info:
        ma.MomentClient("t")

    assert str(info.value).startswith(
        "the MOMENT_BASE_URL environment variable must not hold a user name or password"
    )
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://apis.moment.kakao.com/openapi/v4", id="kakao"),
        pytest.param("http://127.0.0.1:8080", id="no-path"),
        pytest.param("http://[::1]:8080/openapi/v4/", id="ipv6-trailing-slash"),
    ],
)
def test_a_plain_api_root_is_taken(url):
    """An http(s) URL with a host, an optional port and path is taken as it is."""
    client = ma.MomentClient("t", base_url=url)

    assert "open" in repr(client)
