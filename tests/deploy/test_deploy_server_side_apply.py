"""Every manifest of the repository applied with `kubectl apply --server-side` (what docs/install.md,
docs/migration.md, Flux and Argo CD's ServerSideApply do) against the Kubernetes API emulator (issue 12
item 2): the CRDs, every kustomize and Helm rendering, every sample. Each object is stored as rendered, owned
by the `kubectl` Apply manager, and a second apply changes nothing (no resourceVersion moves).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox
from tests.deploy.deploy_helpers import REPO, Manifest
from tests.deploy.test_deploy_apply import Applier, chart_crds, kept, missing_namespaces
from tests.deploy.test_deploy_manifests import RENDERINGS, rendering

SAMPLES = sorted((REPO / "samples").glob("*.yaml"))


@pytest.fixture
def applier(tmp_path: Path) -> Iterator[Applier]:
    with KubeSandbox() as kube:
        yield Applier(kube, tmp_path)


def _server_side(applier: Applier, manifests: list[Manifest]) -> Any:
    return applier.kubectl(
        "apply", "--server-side", "-f", "-", stdin=yaml.safe_dump_all(manifests, sort_keys=False)
    )


def _stored(applier: Applier, manifests: list[Manifest]) -> list[dict[str, Any]]:
    path = applier.kubeconfig.parent / "applied.yaml"
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    out = applier.kubectl("get", "-f", str(path), "--show-managed-fields", "-o", "json").stdout
    listed = json.loads(out)
    items: list[dict[str, Any]] = listed.get("items", [listed])  # one object comes back as itself
    return items


def _check_applied(applier: Applier, manifests: list[Manifest]) -> None:
    first = _server_side(applier, manifests)
    assert first.stdout.count(" serverside-applied") == len(manifests), first.stdout + first.stderr
    stored = _stored(applier, manifests)
    for rendered, obj in zip(manifests, stored, strict=True):
        assert kept(rendered, obj), (rendered, obj)
        assert ("kubectl", "Apply") in {
            (e["manager"], e["operation"]) for e in obj["metadata"]["managedFields"]
        }
    _server_side(applier, manifests)
    again = _stored(applier, manifests)
    assert [o["metadata"]["resourceVersion"] for o in again] == [
        o["metadata"]["resourceVersion"] for o in stored
    ]


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_every_rendering_applies_server_side(applier: Applier, name: str) -> None:
    manifests = rendering(name)
    prerequisites = missing_namespaces(manifests)
    if name.startswith("helm"):
        prerequisites = chart_crds() + prerequisites
    if prerequisites:
        _server_side(applier, prerequisites)
    _check_applied(applier, manifests)


def test_the_crds_and_every_sample_apply_server_side(applier: Applier) -> None:
    crds = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "crds").glob("*.yaml"))]
    _check_applied(applier, crds)
    for sample in SAMPLES:
        _check_applied(applier, [d for d in yaml.safe_load_all(sample.read_text()) if d])
