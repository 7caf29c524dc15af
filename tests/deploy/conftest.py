"""Fixtures for the shipping tests (issue 6): paths, and the helper module on sys.path.

pytest runs with --import-mode=importlib, so a test file cannot import a sibling module
unless its folder is on sys.path; this conftest puts tests/deploy there once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from deploy_helpers import REPO  # noqa: E402


@pytest.fixture(scope="session")
def repo() -> Path:
    """The checkout's root directory."""
    return REPO
