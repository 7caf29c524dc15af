"""Every `kubectl ... create ...` command line the docs show, run with the real kubectl 1.32 against the
Kubernetes API emulator after installing the base rendering as docs/install.md does (issue 12 item 3).

kubectl's typed `create` commands send protobuf; `create job --from=cronjob/...` copies the CronJob's pod
template, whose volumes, probes and key selectors carry members Go inlines in JSON
(`VolumeSource` in `Volume`) but nests in protobuf. The created Job must carry the template unchanged.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.sandbox.kube import KubeSandbox
from tests.deploy.deploy_helpers import CRONJOB, KUBECTL, REPO, kustomize
from tests.e2e.e2e_world import run_kubectl

PAGES = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)


def create_commands() -> list[str]:
    """Each command line in a fenced block whose kubectl verb is `create` (comments dropped)."""
    commands = []
    for page in PAGES:
        for block in _FENCE.findall(page.read_text()):
            for line in block.replace("\\\n", " ").splitlines():
                if not line.lstrip().startswith("kubectl "):
                    continue
                words = shlex.split(line, comments=True)
                if (
                    words[:1] == ["kubectl"]
                    and "create" in [w for w in words[1:] if not w.startswith("-")][:2]
                ):
                    commands.append(" ".join(shlex.quote(w) for w in words))
    return commands


COMMANDS = create_commands()


def test_the_docs_show_the_first_pass_job_command() -> None:
    """The collection is not empty by accident: docs/install.md's check step is among it."""
    assert "kubectl -n hpo-reconciler create job --from=cronjob/hpo-reconciler first-pass" in COMMANDS


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[tuple[KubeSandbox, Path]]:
    with KubeSandbox() as kube:
        kubeconfig = tmp_path / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        rendered = yaml.safe_dump_all(kustomize(CRONJOB), sort_keys=False)
        _kubectl(kubeconfig, "apply", "-f", "-", stdin=rendered)
        yield kube, kubeconfig


def _kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = run_kubectl(KUBECTL, kubeconfig, args, stdin)
    assert result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
    return result


def _get(kubeconfig: Path, *args: str) -> Any:
    return json.loads(_kubectl(kubeconfig, "get", *args, "-o", "json").stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_create_command_of_the_docs_works(installed: tuple[KubeSandbox, Path], command: str) -> None:
    _, kubeconfig = installed
    words = shlex.split(command)[1:]
    result = _kubectl(kubeconfig, *words)
    assert " created" in result.stdout
    source = next((w.split("=", 1)[1] for w in words if w.startswith("--from=cronjob/")), None)
    if source is None:
        return
    namespace = words[words.index("-n") + 1] if "-n" in words else "default"
    name = words[-1]
    cronjob = _get(kubeconfig, "-n", namespace, "cronjob", source.split("/", 1)[1])
    job = _get(kubeconfig, "-n", namespace, "job", name)
    template = cronjob["spec"]["jobTemplate"]["spec"]["template"]
    assert template["spec"].get("volumes"), "the base rendering mounts volumes: the case this test is for"
    assert job["spec"]["template"]["spec"] == template["spec"]
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
