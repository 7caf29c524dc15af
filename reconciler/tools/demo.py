"""`hpo-reconciler demo`: the whole product on an in-process sandbox, in under two minutes.

Contract: `run_demo(run_command=..., out=...)` starts both sandboxes, applies `crds/` and
`samples/xgboost-mnist-hpo.yaml`, runs `hpo-reconciler run` (through `run_command`, the CLI's own
entry point, passed in so this module does not import the CLI) every few seconds as the CronJob would,
printing the `kubectl get hyperparametertuningjob` table after each pass until the tuning job
completes, then the TrainingJob table and the describe view (best training job, tuned
hyperparameters) and `hpo-reconciler report`'s terminal summary, then deletes the resource and shows
the finalizer flow finishing. It ends by writing the report (`report --job ... -o`) as HTML and PNG
into `report_dir` (default: DEFAULT_REPORT_DIR, kept after the demo) and printing the paths; without
the `report` extra it says so and how to install it. Tables come from real kubectl against the
sandbox when it is installed, else from a small built-in renderer.
Returns the exit code (0 when the job completed, the resource was released and the report written).
This module may import reconciler.sandbox; product modules may not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.sagemaker import SageMakerSandbox

ROOT = Path(__file__).resolve().parents[2]  # reconciler/tools/ -> the checkout
CRD_DIR = ROOT / "crds"
SAMPLE = ROOT / "samples" / "xgboost-mnist-hpo.yaml"
GROUP, VERSION = "sagemaker.aws.amazon.com", "v1"
# The simulator runs a 10-job tuning run in ~4 simulated minutes; x6 makes that ~40 real seconds.
DEFAULT_TIME_SCALE = 6.0
PASS_INTERVAL_SECONDS = 3.0
MAX_PASSES = 40


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _Shell:
    """Shows commands as a user would type them, and runs them against the sandbox."""

    def __init__(self, kubeconfig: Path, out: TextIO) -> None:
        self.kubeconfig = kubeconfig
        self.out = out
        self.kubectl = shutil.which("kubectl")
        api = k8s_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        self.custom = k8s.CustomObjectsApi(api)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def kubectl_show(self, *args: str) -> None:
        self.say(f"$ kubectl {' '.join(args)}")
        if self.kubectl:
            done = subprocess.run(
                [self.kubectl, "--kubeconfig", str(self.kubeconfig), *args],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            self.say((done.stdout + done.stderr).rstrip())
        else:
            self.say(self._render(args))

    def apply(self, path: Path) -> None:
        if self.kubectl:
            self.kubectl_show("apply", "-f", str(path.relative_to(ROOT)))
            return
        self.say(
            f"$ kubectl apply -f {path.relative_to(ROOT)}   (kubectl not installed: using the API client)"
        )
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "HyperparameterTuningJob":
                doc.setdefault("metadata", {}).setdefault("namespace", "default")
                self.custom.create_namespaced_custom_object(
                    GROUP, VERSION, doc["metadata"]["namespace"], "hyperparametertuningjobs", doc
                )

    def tuning_job(self, name: str) -> dict[str, Any] | None:
        try:
            obj = self.custom.get_namespaced_custom_object(
                GROUP, VERSION, "default", "hyperparametertuningjobs", name
            )
        except k8s.exceptions.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return obj if isinstance(obj, dict) else None

    # -- built-in renderer (only without kubectl) ----------------------------------------------

    def _render(self, args: Sequence[str]) -> str:
        verb, what = args[0], args[1] if len(args) > 1 else ""
        if verb == "describe":
            obj = self.tuning_job(args[2]) or {}
            return yaml.safe_dump({"Status": obj.get("status", {})}, sort_keys=False).rstrip()
        if verb == "delete":
            return f'hyperparametertuningjob.sagemaker.aws.amazon.com "{args[2]}" deleted'
        plural = "trainingjobs" if what.startswith("trainingjob") else "hyperparametertuningjobs"
        listing = self.custom.list_namespaced_custom_object(GROUP, VERSION, "default", plural)
        items = listing.get("items", []) if isinstance(listing, dict) else []
        if not items:
            return "No resources found in default namespace."
        if plural == "trainingjobs":
            header = ["NAME", "STATUS", "SECONDARY-STATUS", "SAGEMAKER-JOB-NAME"]
            rows = [
                [
                    i["metadata"]["name"],
                    i.get("status", {}).get("trainingJobStatus", ""),
                    i.get("status", {}).get("secondaryStatus", ""),
                    i.get("status", {}).get("sageMakerTrainingJobName", ""),
                ]
                for i in items
            ]
        else:
            header = ["NAME", "STATUS", "COMPLETED", "INPROGRESS", "ERRORS", "STOPPED", "BEST-TRAINING-JOB"]
            rows = []
            for i in items:
                status = i.get("status", {})
                counters = status.get("trainingJobStatusCounters", {})
                rows.append(
                    [
                        i["metadata"]["name"],
                        status.get("hyperParameterTuningJobStatus", ""),
                        *(
                            str(counters.get(k, ""))
                            for k in ("completed", "inProgress", "totalError", "stopped")
                        ),
                        status.get("bestTrainingJob", {}).get("trainingJobName", ""),
                    ]
                )
        widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
        return "\n".join(
            "   ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in [header, *rows]
        )


DEFAULT_REPORT_DIR = Path(tempfile.gettempdir()) / "hpo-reconciler-demo"


def run_demo(
    *,
    run_command: Callable[[list[str]], int],
    out: TextIO = sys.stdout,
    time_scale: float = DEFAULT_TIME_SCALE,
    report_dir: Path = DEFAULT_REPORT_DIR,
) -> int:
    started = time.monotonic()
    name = str(yaml.safe_load(SAMPLE.read_text())["metadata"]["name"])
    with (
        tempfile.TemporaryDirectory(prefix="hpo-demo-") as tmp,
        KubeSandbox() as kube,
        SageMakerSandbox(time_scale=time_scale) as sagemaker,
    ):
        kubeconfig = Path(tmp) / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        shell = _Shell(kubeconfig, out)
        shell.say(
            f"hpo-reconciler demo: Kubernetes API emulator at {kube.url}, SageMaker simulator at "
            f"{sagemaker.url} (time x{time_scale:g})\n"
        )
        with _environment({"KUBECONFIG": str(kubeconfig), **sagemaker.env()}):
            if shell.kubectl:
                shell.kubectl_show("apply", "-f", "crds/")
            else:
                kube.install_crds(CRD_DIR)
            shell.apply(SAMPLE)
            completed = False
            for number in range(1, MAX_PASSES + 1):
                shell.say(
                    f"\n=== pass {number} (t+{time.monotonic() - started:.0f}s): hpo-reconciler run ==="
                )
                run_command(["run", "--lease", "default/hpo-reconciler"])
                shell.kubectl_show("get", "hyperparametertuningjob")
                status = (shell.tuning_job(name) or {}).get("status", {})
                if status.get("hyperParameterTuningJobStatus") in ("Completed", "Failed", "Stopped"):
                    completed = status.get("hyperParameterTuningJobStatus") == "Completed"
                    break
                time.sleep(PASS_INTERVAL_SECONDS)
            shell.say("\n=== the training jobs SageMaker ran, mirrored as TrainingJob resources ===")
            shell.kubectl_show("get", "trainingjobs")
            shell.say("\n=== the best training job and its tuned hyperparameters ===")
            shell.kubectl_show("describe", "hyperparametertuningjob", name)
            job = str(
                (shell.tuning_job(name) or {})
                .get("status", {})
                .get("sageMakerHyperParameterTuningJobName", "")
            )
            shell.say(f"\n=== how it went: hpo-reconciler report {name} ===")
            run_command(["report", name])
            shell.say("\n=== deleting: the finalizer holds the resource until the reconciler releases it ===")
            shell.kubectl_show("delete", "hyperparametertuningjob", name, "--wait=false")
            held = shell.tuning_job(name) or {}
            shell.say(
                f"still there: deletionTimestamp={held.get('metadata', {}).get('deletionTimestamp')} "
                f"finalizers={held.get('metadata', {}).get('finalizers')}"
            )
            shell.say(f"\n=== pass {number + 1}: hpo-reconciler run ===")
            run_command(["run", "--lease", "default/hpo-reconciler"])
            shell.kubectl_show("get", "hyperparametertuningjob,trainingjobs")
            released = shell.tuning_job(name) is None
            # The SageMaker job outlives the resource (as in AWS): the report reads it by name.
            shell.say(
                f"\n=== the report as a page and a picture: hpo-reconciler report --job {job} -o ... ==="
            )
            report_dir.mkdir(parents=True, exist_ok=True)
            written = [report_dir / "report.html", report_dir / "report.png"]
            reported = bool(job) and all(
                run_command(["report", "--job", job, "-o", str(p)]) == 0 for p in written
            )
        shell.say(
            f"\ndemo finished in {time.monotonic() - started:.0f}s: tuning job "
            f"{'completed' if completed else 'did not complete'}, "
            f"resource {'released' if released else 'still held'}"
        )
        if reported:
            shell.say(f"report: {written[0]} (open it in a browser; works offline), picture: {written[1]}")
        else:
            shell.say("report: not written (see the message above)")
    return 0 if completed and released and reported else 1
