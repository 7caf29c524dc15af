"""Regenerate docs/images/report.png: the hyperband sample run to completion on the sandbox, then
`hpo-reconciler report --job JOB -o docs/images/report.png` (`make docs-images`)."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler import cli
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "xgboost-mnist-hpo-hyperband.yaml"
TARGET = ROOT / "docs" / "images" / "report.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, KubeSandbox() as kube, SageMakerSandbox(time_scale=1.0) as sm:
        kubeconfig = Path(tmp) / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        kube.install_crds(ROOT / "crds")
        os.environ.update({**sm.env(), "KUBECONFIG": str(kubeconfig)})
        api = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=str(kubeconfig)))  # type: ignore[no-untyped-call]
        obj: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
        name = obj["metadata"]["name"]
        api.create_namespaced_custom_object(
            "sagemaker.aws.amazon.com", "v1", "default", "hyperparametertuningjobs", obj
        )
        status: dict[str, Any] = {}
        for _ in range(24):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli.run(["run", "--no-lease"])
            got = api.get_namespaced_custom_object(
                "sagemaker.aws.amazon.com", "v1", "default", "hyperparametertuningjobs", name
            )
            status = got.get("status", {}) if isinstance(got, dict) else {}
            if status.get("hyperParameterTuningJobStatus") in ("Completed", "Failed", "Stopped"):
                break
            sm.advance(1800)
        code = cli.run(["report", name, "-o", str(TARGET)])
        if code != 0:
            raise SystemExit(code)


if __name__ == "__main__":
    main()
