"""
Fixtures shared by the test suite; nothing here resets global state (there is none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
