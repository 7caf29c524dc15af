"""Fixtures of the reliability suite: the e2e `World` (tests/e2e/e2e_world.py) over sandboxes whose
SageMaker clock moves only when a test calls `advance()`, so that every crash point and race replays
the same history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_world import World, open_world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with open_world(tmp_path, monkeypatch, time_scale=0.0, max_running_tuning_jobs=1000) as world:
        yield world
