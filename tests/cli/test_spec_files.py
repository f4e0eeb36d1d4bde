"""
``audiences create --from SPEC.json`` against the sandbox: the file is read strictly, in either spelling.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from moment_async.sandbox import Sandbox
from tests.cli.test_cli import ACCOUNT, against


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """
    A sandbox in this process holding one ready customer file.
    """
    async with Sandbox(processing_delay=0.0) as sb:
        sb.seed_customer_file(ACCOUNT, file_id=2656)
        yield sb


def spec_file(tmp_path: Path, **fields: object) -> str:
    """
    Write a DISPLAY audience spec with *fields* to a JSON file; return its path.
    """
    path = tmp_path / "spec.json"
    data = {"name": "buyers", "type": "DISPLAY", **fields}
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


async def test_a_snake_case_spec_file_targets_its_customer_file(sandbox, tmp_path):
    """customer_file_targetings in a spec file targets that file: the audience is not one of everyone."""
    path = spec_file(tmp_path, customer_file_targetings=[{"id": 2656}])

    created = await against(sandbox.url)(
        "--json", "audiences", "create", "--from", path
    )

    assert [2656] == [entry["id"] for entry in created.json()["customerFileTargetings"]]


async def test_snake_case_ages_are_not_refused_as_all(sandbox, tmp_path):
    """age_type and ages in snake_case create a NOT_ALL audience, with no message contradicting the file."""
    path = spec_file(tmp_path, age_type="NOT_ALL", ages=["20", "25"])

    created = await against(sandbox.url)(
        "--json", "audiences", "create", "--from", path
    )

    assert ("NOT_ALL", ["20", "25"]) == (
        created.json()["ageType"],
        created.json()["ages"],
    )


@pytest.mark.parametrize(
    ("key", "suggested"),
    [
        pytest.param("customer_file_targeting", "customer_file_targetings", id="snake"),
        pytest.param("customerFileTargeting", "customerFileTargetings", id="camel"),
    ],
)
async def test_a_misspelt_key_creates_nothing(sandbox, tmp_path, key, suggested):
    """A spec file with a misspelt key exits 2 naming it and its fix, and nothing is sent."""
    path = spec_file(tmp_path, **{key: [{"id": 2656}]})

    refused = await against(sandbox.url)("audiences", "create", "--from", path, code=2)

    assert f"unknown key {key!r}; did you mean {suggested!r}?" in refused.err
    assert 0 == sandbox.count("audiences.create")
