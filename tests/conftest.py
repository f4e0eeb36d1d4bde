"""
Fixtures shared by the test suite; the one global state, the environment, is cleared per test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import _environ

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """
    Return the decoded JSON of ``tests/fixtures/<name>.json``.
    """
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def fixture_json():
    """
    Give tests the loader of the documents' sample responses.
    """
    return load_fixture


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Run every test without ``MOMENT_*`` or proxy variables, whatever the shell set.
    """
    _environ.clear(monkeypatch)
