"""Fixtures shared by the awsmodel tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

SPEC_FILE = Path(__file__).with_name("representative_spec.yaml")


@pytest.fixture
def spec() -> dict[str, Any]:
    """A HyperparameterTuningJob spec that sets every kind of member (a fresh copy per test)."""
    loaded: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded
