"""Fixtures of the e2e tests; the helpers live in tests/e2e/e2e_world.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_world import World, open_world
from tests.e2e.prometheus_stack import PrometheusStack, prometheus_stack


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with open_world(tmp_path, monkeypatch, time_scale=1.0) as world:
        yield world


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusStack]:
    """A real Prometheus scraping a real Pushgateway (skipped, with the reason, where they cannot be had)."""
    with prometheus_stack(tmp_path_factory.mktemp("prometheus")) as stack:
        yield stack
