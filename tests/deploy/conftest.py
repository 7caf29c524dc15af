"""Fixtures for the shipping tests (issue 6): paths; shared helpers live in tests/deploy/deploy_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.deploy_helpers import REPO


@pytest.fixture(scope="session")
def repo() -> Path:
    """The checkout's root directory."""
    return REPO
