"""
Options are keyword-only in every public call: positional arguments are only what a call is about.

The calls are found by introspection (every public method of the resource
classes, ``MomentClient`` and ``AdAccount``, and every function of the
ADID toolkit), so a method added later is held to the rule without
anyone remembering to list it here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, Final

import pytest

import moment_async as ma
from moment_async import adid

#: Parameters with a default that may stay positional, each with its reason.
ALLOWED: Final = {
    # The credential is what a client is made of, the one thing it is
    # about: `MomentClient("token")`, as stripe-python's
    # `StripeClient("sk_...")`. Its default, None, reads MOMENT_TOKEN.
    ("MomentClient.__init__", "token"),
}
#: The classes whose public methods are calls users make.
CLASSES: Final = (ma.CustomerFiles, ma.Audiences, ma.MomentClient, ma.AdAccount)


def public_calls() -> Iterator[tuple[str, Callable[..., Any]]]:
    """
    Yield (qualified name, function) for every public call: methods, constructors, ADID functions.
    """
    for cls in CLASSES:
        # Inherited methods too: a helper added to a base class is public.
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if name == "__init__" or not name.startswith("_"):
                yield f"{cls.__name__}.{name}", member
    for name in adid.__all__:
        member = getattr(adid, name)
        if inspect.isfunction(member):
            yield f"adid.{name}", member


CALLS: Final = dict(public_calls())


def positional_options(function: Callable[..., Any]) -> list[str]:
    """
    Return the parameters of *function* that have a default and may be given positionally.
    """
    return [
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.default is not inspect.Parameter.empty
        and parameter.kind is not inspect.Parameter.KEYWORD_ONLY
    ]


def test_the_introspection_finds_every_kind_of_call():
    """The scan reaches resource methods, the client's, and the ADID functions, sync and async."""
    expected = {
        "CustomerFiles.upload",
        "CustomerFiles.register_url",
        "CustomerFiles.replace_url",
        "CustomerFiles.wait_until_ready",
        "Audiences.create",
        "Audiences.wait_until_ready",
        "MomentClient.__init__",
        "MomentClient.for_each_account",
        "AdAccount.__init__",
        "adid.split",
        "adid.validate_sync",
    }

    assert expected <= set(CALLS)
    assert 18 <= sum(
        name.startswith(("CustomerFiles.", "Audiences.")) for name in CALLS
    )


@pytest.mark.parametrize(("name", "function"), list(CALLS.items()), ids=list(CALLS))
def test_every_option_is_keyword_only(name, function):
    """Every parameter with a default (timeout, progress, reconcile, renewable, ...) is keyword-only."""
    offending = [
        parameter
        for parameter in positional_options(function)
        if (name, parameter) not in ALLOWED
    ]

    assert [] == offending


def test_the_allowed_exceptions_are_still_needed():
    """Each allowed positional option exists and is positional: the list never outlives its reason."""
    found = {
        (name, parameter)
        for name, function in CALLS.items()
        for parameter in positional_options(function)
    }

    assert ALLOWED <= found


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda files: files.register_url("a", "https://e.com/a.csv", True),
            id="register_url-renewable",
        ),
        pytest.param(
            lambda files: files.replace_url(7, "https://e.com/a.csv", False),
            id="replace_url-renewable",
        ),
        pytest.param(
            lambda files: files.wait_until_ready(7, 60), id="wait_until_ready-max_wait"
        ),
    ],
)
async def test_an_option_given_positionally_is_a_type_error(call):
    """An option passed by position fails at once with TypeError, before anything is sent."""
    sent: list[ma.testing.Request] = []

    async def handler(request: ma.testing.Request) -> ma.testing.Response:
        sent.append(request)  # pragma: no cover - refused before sending
        return ma.testing.json_response({})  # pragma: no cover

    async with ma.MomentClient("t", transport=ma.MockTransport(handler)) as client:
        with pytest.raises(TypeError, match="positional argument"):
            await call(client.ad_account(1).customer_files)

    assert [] == sent
