"""The CRD copies (issue 6): kustomize cannot load files outside its root and Helm installs its own
crds/, so cronjob/base/crds and cronjob/chart/crds carry copies of the generated crds/. These tests
fail as soon as a copy drifts; `cronjob/sync-crds.sh` brings them back in line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.deploy.deploy_helpers import CRONJOB, REPO, by_kind, kustomize

SOURCE = REPO / "crds"
COPIES = [CRONJOB / "base" / "crds", CRONJOB / "chart" / "crds"]
HINT = "copies of crds/ are stale: run cronjob/sync-crds.sh"


def crd_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml")) if p.name != "kustomization.yaml"}


def test_source_crds_exist() -> None:
    names = {yaml.safe_load(text)["spec"]["names"]["kind"] for text in crd_files(SOURCE).values()}
    assert names == {"HyperparameterTuningJob", "TrainingJob"}


def test_copies_equal_the_generated_crds() -> None:
    source = crd_files(SOURCE)
    for copy in COPIES:
        assert crd_files(copy) == source, f"{copy.relative_to(REPO)}: {HINT}"


def test_kustomization_lists_every_crd() -> None:
    listed = yaml.safe_load((CRONJOB / "base" / "crds" / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(crd_files(SOURCE)), HINT


def test_base_rendering_carries_the_crds_unchanged_but_for_labels() -> None:
    rendered = {c["metadata"]["name"]: c for c in by_kind(kustomize(CRONJOB), "CustomResourceDefinition")}
    for text in crd_files(SOURCE).values():
        crd = yaml.safe_load(text)
        got = rendered.pop(crd["metadata"]["name"])
        assert got["metadata"].pop("labels") == {
            "app.kubernetes.io/name": "hpo-reconciler", "app.kubernetes.io/part-of": "hpo-reconciler"
        }
        assert got == crd
    assert rendered == {}


def test_helm_chart_ships_the_crds() -> None:
    import helm_python

    with helm_python.Chart.load(CRONJOB / "chart") as chart:
        shipped = {c["filename"].rsplit("/", 1)[-1]: c["data"] for c in chart.crds}
    assert {name: data.encode() for name, data in shipped.items()} == crd_files(SOURCE)


def test_sync_script_rebuilds_both_copies(tmp_path: Path) -> None:
    """cronjob/sync-crds.sh, run on a scratch tree whose copies are stale, restores them."""
    shutil.copytree(SOURCE, tmp_path / "crds")
    shutil.copytree(CRONJOB, tmp_path / "cronjob")
    stale = tmp_path / "cronjob" / "base" / "crds"
    (stale / "trainingjob.yaml").write_text("stale\n")
    (stale / "leftover.yaml").write_text("kind: Leftover\n")
    (stale / "kustomization.yaml").write_text("resources: []\n")
    subprocess.run(["sh", str(tmp_path / "cronjob" / "sync-crds.sh")], check=True, timeout=30)
    for copy in (stale, tmp_path / "cronjob" / "chart" / "crds"):
        assert crd_files(copy) == crd_files(SOURCE)
    listed = yaml.safe_load((stale / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(crd_files(SOURCE))
