"""Fixtures of the validation tests: the samples and a fresh copy of the main sample's spec."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
MAIN_SAMPLE = SAMPLES / "xgboost-mnist-hpo.yaml"


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


@pytest.fixture
def base_spec() -> dict[str, Any]:
    """The main sample's spec: valid, so each test breaks exactly one rule."""
    spec: dict[str, Any] = copy.deepcopy(load_documents(MAIN_SAMPLE)[0]["spec"])
    return spec
