"""
Audience specs read from plain data, created through the sandbox over loopback: what is written is what is targeted.
"""

from __future__ import annotations

import pytest

import moment_async as ma
from moment_async.sandbox import Sandbox

ACCOUNT = Sandbox.DEFAULT_ACCOUNT


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("customer_file_targetings", id="snake"),
        pytest.param("customerFileTargetings", id="camel"),
    ],
)
async def test_a_spec_from_data_targets_the_customer_file_it_names(
    moment_sandbox, moment_client, key
):
    """A spec read from a mapping, in either spelling, creates an audience of the customer file, not of everyone."""
    seeded = moment_sandbox.seed_customer_file(ACCOUNT)
    data = {"name": "buyers", "type": "DISPLAY", key: [{"id": seeded.id}]}
    audiences = moment_client.ad_account(ACCOUNT).audiences

    created = await audiences.create(ma.from_data(ma.AudienceSpec, data))

    fetched = await audiences.get(created.id)
    assert [seeded.id] == [t.id for t in fetched.customer_file_targetings]


@pytest.mark.parametrize(
    ("key", "suggested"),
    [
        pytest.param("customer_file_targeting", "customer_file_targetings", id="snake"),
        pytest.param("customerFileTargeting", "customerFileTargetings", id="camel"),
    ],
)
async def test_a_misspelt_targeting_creates_nothing(
    moment_sandbox, moment_client, key, suggested
):
    """A misspelt targeting key is refused before sending, named with its fix; the account has no audience."""
    seeded = moment_sandbox.seed_customer_file(ACCOUNT)
    data = {"name": "buyers", "type": "DISPLAY", key: [{"id": seeded.id}]}
    audiences = moment_client.ad_account(ACCOUNT).audiences

    with pytest.raises(ma.ValidationError) as info:
        await audiences.create(ma.from_data(ma.AudienceSpec, data))

    assert f"unknown key {key!r}; did you mean {suggested!r}?" in str(info.value)
    assert [] == await audiences.list()
    assert 0 == moment_sandbox.count("audiences.create")
