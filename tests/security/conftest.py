"""Fixtures of the tenant attack suite: one sandbox cluster with two tenant namespaces, team-a and
team-b, and one simulated SageMaker account they share (as teams share an account in practice).

The attacker is team-b. It can write anything a namespace tenant can write about its own
resources (spec, metadata.finalizers, annotations, labels and, if its RBAC allows, the status
subresource), but it cannot choose a server-assigned UID, write SageMaker tags of a job it does
not create through the reconciler, or change the reconciler's flags. Helpers live in tenants.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s

from tests.e2e.e2e_world import World, open_world
from tests.security.tenants import TEAMS


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with open_world(tmp_path, monkeypatch, time_scale=1.0) as world:
        for team in TEAMS:
            world.core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=team)))
        yield world
