"""Helpers shared by the shipping tests: where things are, and how to render them with real tools.

Everything here shells out to, or links against, the tool a platform engineer would use:
`kubectl kustomize` for the kustomize base, Helm's own engine (helm-python-sdk's libhelm) for charts.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CRONJOB = REPO / "cronjob"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
VENV_BIN = REPO / ".venv" / "bin"

Manifest = dict[str, Any]


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_all(text: str) -> list[Manifest]:
    """Every non-empty YAML document in `text`."""
    return [doc for doc in yaml.load_all(text, Loader=_Loader) if doc]


def kustomize(path: Path) -> list[Manifest]:
    """`kubectl kustomize PATH` (offline, default load restrictions), parsed; a fresh copy per call."""
    return copy.deepcopy(_kustomize(path))


@cache
def _kustomize(path: Path) -> list[Manifest]:
    # One kubectl run per folder per session: the files do not change while the tests run.
    result = subprocess.run(
        [KUBECTL, "kustomize", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return load_all(result.stdout)


def helm_render(
    chart_dir: Path, *, values: Mapping[str, Any] | None = None, name: str, namespace: str
) -> list[Manifest]:
    """Render a chart with Helm's engine, as `helm template NAME CHART -n NS` does (CRDs excluded)."""
    import helm_python

    with helm_python.Chart.load(chart_dir) as chart:
        rendered = chart.render(
            values=dict(values) if values is not None else None, name=name, namespace=namespace,
            is_install=True,
        )
    manifests: list[Manifest] = []
    for template, text in sorted(rendered.items()):
        if template.endswith("NOTES.txt"):
            continue
        manifests.extend(load_all(text))
    return manifests


def helm_notes(chart_dir: Path, *, values: Mapping[str, Any] | None = None, name: str, namespace: str) -> str:
    """The rendered NOTES.txt of a chart."""
    import helm_python

    with helm_python.Chart.load(chart_dir) as chart:
        rendered = chart.render(
            values=dict(values) if values is not None else None, name=name, namespace=namespace,
            is_install=True,
        )
    notes = [text for template, text in rendered.items() if template.endswith("NOTES.txt")]
    assert len(notes) == 1, f"expected one NOTES.txt, got {sorted(rendered)}"
    return notes[0]


def helm_lint(chart_dir: Path, *, values: Mapping[str, Any] | None = None) -> list[str]:
    """`helm lint --strict` findings of warning level or worse, as 'path: message' lines."""
    import helm_python

    report = helm_python.lint(chart_dir, dict(values) if values is not None else None, strict=True)
    findings = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= 2]
    findings.extend(str(e) for e in report.get("errors") or [])
    return findings


def by_kind(manifests: Iterable[Manifest], kind: str) -> list[Manifest]:
    """The manifests of one kind."""
    return [m for m in manifests if m.get("kind") == kind]


def one(manifests: Iterable[Manifest], kind: str) -> Manifest:
    """The single manifest of `kind` (fails loudly if there are none or several)."""
    found = by_kind(manifests, kind)
    assert len(found) == 1, f"expected exactly one {kind}, found {len(found)}"
    return found[0]


def pod_spec(workload: Manifest) -> Manifest:
    """The pod spec of a CronJob or Job."""
    if workload["kind"] == "CronJob":
        spec: Manifest = workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    else:
        spec = workload["spec"]["template"]["spec"]
    return spec
