"""`hpo-reconciler demo`: the whole product on an in-process sandbox, in about two minutes.

Contract: `run_demo(run_command=..., out=...)` starts both sandboxes, applies `crds/` and the sample
`samples/xgboost-mnist-hpo.yaml` twice (the sample, and a copy named `DELETED_NAME`), and runs
`hpo-reconciler run` (through `run_command`, the CLI's own entry point, passed in so this module does
not import the CLI) every few seconds as the CronJob would. It shows, in order:
- the `kubectl get hyperparametertuningjob` table after a pass, only when it changed (a pass that
  changed nothing visible prints one line saying so);
- a refused spec edit: `kubectl patch` of the running sample's maxNumberOfTrainingJobs, the pass
  that marks it Stalled/SpecUpdateRefused (the STALLED column and the condition's message), the
  revert and the pass that clears it;
- a running job stopped by deletion: the copy is deleted while its job runs, a pass stops the
  SageMaker job, later passes release the resource once SageMaker reports it Stopped;
- after the sample's job completes: the TrainingJob table, the describe view (best training job,
  tuned hyperparameters), `hpo-reconciler report`'s terminal summary, and the delete flow of the
  sample (finalizer held, then released);
- at the end, the report (`report --job ... -o`) written as HTML and PNG into `report_dir`
  (default: DEFAULT_REPORT_DIR, kept after the demo), and the paths printed; without the `report`
  extra it says so and how to install it.
The SageMaker simulator's clock runs `time_scale` times faster than real time, the Kubernetes API's
at real time: the demo says so, as SageMaker's timestamps (training jobs' times) run ahead of
Kubernetes' (creationTimestamp, events). Tables come from real kubectl against the sandbox when it
is installed, else from a small built-in renderer.
Returns the exit code (0 when the job completed, the refused edit was refused and cleared, the
deleted copy's job was stopped, every resource was released and the report written).
This module may import reconciler.sandbox; product modules may not.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
DELETED_NAME = "deleted-while-running"  # the copy of the sample that is deleted while its job runs
TERMINAL = ("Completed", "Failed", "Stopped")
CLOCKS_NOTE = (
    "time x{scale:g}: the SageMaker simulator's clock runs {scale:g} times faster than real time, so the "
    "sample's ten training jobs finish in well under a minute instead of several. The Kubernetes API "
    "runs on the real clock, so SageMaker's timestamps (training jobs' start and end times) run ahead of "
    "Kubernetes' (CREATION-TIME, events): two clocks, on purpose."
)
PASS_INTERVAL_SECONDS = 3.0
DEFAULT_REPORT_DIR = Path(tempfile.gettempdir()) / "hpo-reconciler-demo"
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
        self._last_table: str | None = None
        api = k8s_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]
        self.custom = k8s.CustomObjectsApi(api)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def kubectl_show(self, *args: str) -> None:
        self.say(f"$ kubectl {shlex.join(args)}")
        self.say(self.kubectl_output(*args))

    def kubectl_output(self, *args: str) -> str:
        if not self.kubectl:
            return self._render(args)
        done = subprocess.run(
            [self.kubectl, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return (done.stdout + done.stderr).rstrip()

    def table_if_changed(self, *args: str) -> None:
        """The table when it differs from the last one shown, else one line saying it did not."""
        table = self.kubectl_output(*args)
        if table == self._last_table:
            self.say(f"$ kubectl {shlex.join(args)}   (same table as after the previous pass)")
            return
        self._last_table = table
        self.say(f"$ kubectl {shlex.join(args)}")
        self.say(table)

    def patch_spec(self, name: str, patch: dict[str, Any]) -> None:
        text = json.dumps({"spec": patch}, separators=(",", ":"))
        if self.kubectl:
            self.kubectl_show("patch", "hyperparametertuningjob", name, "--type", "merge", "-p", text)
            return
        self.say(f"$ kubectl patch hyperparametertuningjob {name} --type merge -p '{text}'   (API client)")
        self.custom.patch_namespaced_custom_object(
            GROUP, VERSION, "default", "hyperparametertuningjobs", name, {"spec": patch}
        )

    def delete(self, name: str) -> None:
        if self.kubectl:
            self.kubectl_show("delete", "hyperparametertuningjob", name, "--wait=false")
            return
        self.say(f"$ kubectl delete hyperparametertuningjob {name} --wait=false   (API client)")
        self.custom.delete_namespaced_custom_object(
            GROUP, VERSION, "default", "hyperparametertuningjobs", name
        )

    def condition(self, name: str, kind: str) -> dict[str, Any] | None:
        for condition in ((self.tuning_job(name) or {}).get("status") or {}).get("conditions") or []:
            if condition.get("type") == kind and condition.get("status") == "True":
                return dict(condition)
        return None

    def apply(self, path: Path, *, name: str | None = None) -> None:
        """`kubectl apply -f path`; with `name`, the document renamed (piped through stdin)."""
        docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
        for doc in docs:
            doc.setdefault("metadata", {}).setdefault("namespace", "default")
            if name is not None:
                doc["metadata"]["name"] = name
        shown = str(path.relative_to(ROOT))
        if name is not None:
            shown = f"- < {shown}   (metadata.name: {name})"
        if self.kubectl:
            self.say(f"$ kubectl apply -f {shown}")
            done = subprocess.run(
                [self.kubectl, "--kubeconfig", str(self.kubeconfig), "apply", "-f", "-"],
                input=yaml.safe_dump_all(docs),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            self.say((done.stdout + done.stderr).rstrip())
            return
        self.say(f"$ kubectl apply -f {shown}   (kubectl not installed: using the API client)")
        for doc in docs:
            if doc.get("kind") == "HyperparameterTuningJob":
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


@dataclass
class _Scenes:
    """What the demo set out to show, and whether each happened."""

    completed: bool = False
    refused: bool = False
    refusal_cleared: bool = False
    stopped_by_deletion: bool = False
    released: bool = False

    def all_shown(self) -> bool:
        return all(vars(self).values())


class _Demo:
    def __init__(self, shell: _Shell, run_command: Callable[[list[str]], int], started: float) -> None:
        self.shell = shell
        self.run_command = run_command
        self.started = started
        self.passes = 0
        self.scenes = _Scenes()

    def run_pass(self, why: str = "") -> None:
        self.passes += 1
        suffix = f": {why}" if why else ""
        elapsed = time.monotonic() - self.started
        self.shell.say(f"\n=== pass {self.passes} (t+{elapsed:.0f}s): hpo-reconciler run{suffix} ===")
        self.run_command(["run", "--lease", "default/hpo-reconciler"])

    def status(self, name: str) -> dict[str, Any]:
        value = (self.shell.tuning_job(name) or {}).get("status") or {}
        return value if isinstance(value, dict) else {}

    def refused_edit(self, name: str, limits: dict[str, Any]) -> None:
        """Edit what SageMaker cannot change on a running job; show the refusal; revert."""
        shell = self.shell
        original = limits["maxNumberOfTrainingJobs"]
        shell.say("\n=== a spec edit SageMaker cannot apply to a running job: the reconciler refuses it ===")
        shell.patch_spec(name, {"hyperParameterTuningJobConfig": {"resourceLimits": {
            "maxNumberOfTrainingJobs": original + 1}}})  # fmt: skip
        self.run_pass("the edit is refused, the job keeps running as it was")
        shell.table_if_changed("get", "hyperparametertuningjob")
        stalled = shell.condition(name, "Stalled")
        self.scenes.refused = stalled is not None and stalled.get("reason") == "SpecUpdateRefused"
        if stalled is not None:
            shell.say(f"Stalled condition: {stalled.get('reason')}: {stalled.get('message')}")
        shell.say("\n=== putting the spec back clears the refusal ===")
        shell.patch_spec(name, {"hyperParameterTuningJobConfig": {"resourceLimits": {
            "maxNumberOfTrainingJobs": original}}})  # fmt: skip
        self.run_pass("the spec matches the job again")
        shell.table_if_changed("get", "hyperparametertuningjob")
        self.scenes.refusal_cleared = self.scenes.refused and shell.condition(name, "Stalled") is None

    def delete_running(self, name: str) -> None:
        shell = self.shell
        shell.say(f"\n=== deleting {name} while its SageMaker job runs: the reconciler stops the job ===")
        shell.delete(name)
        self.run_pass("stops the deleted resource's job")
        shell.table_if_changed("get", "hyperparametertuningjob")
        self.scenes.stopped_by_deletion = self.status(name).get("hyperParameterTuningJobStatus") in (
            "Stopping",
            "Stopped",
        )


def run_demo(
    *,
    run_command: Callable[[list[str]], int],
    out: TextIO = sys.stdout,
    time_scale: float = DEFAULT_TIME_SCALE,
    report_dir: Path = DEFAULT_REPORT_DIR,
) -> int:
    started = time.monotonic()
    sample = yaml.safe_load(SAMPLE.read_text())
    name = str(sample["metadata"]["name"])
    limits = dict(sample["spec"]["hyperParameterTuningJobConfig"]["resourceLimits"])
    with (
        tempfile.TemporaryDirectory(prefix="hpo-demo-") as tmp,
        KubeSandbox() as kube,
        SageMakerSandbox(time_scale=time_scale) as sagemaker,
    ):
        kubeconfig = Path(tmp) / "kubeconfig"
        kube.write_kubeconfig(kubeconfig)
        shell = _Shell(kubeconfig, out)
        demo = _Demo(shell, run_command, started)
        shell.say(
            f"hpo-reconciler demo: Kubernetes API emulator at {kube.url}, SageMaker simulator at "
            f"{sagemaker.url}\n{CLOCKS_NOTE.format(scale=time_scale)}\n"
        )
        with _environment({"KUBECONFIG": str(kubeconfig), **sagemaker.env()}):
            if shell.kubectl:
                shell.kubectl_show("apply", "-f", "crds/")
            else:
                kube.install_crds(CRD_DIR)
            shell.apply(SAMPLE)
            shell.apply(SAMPLE, name=DELETED_NAME)
            for _ in range(MAX_PASSES):
                demo.run_pass()
                shell.table_if_changed("get", "hyperparametertuningjob")
                status = demo.status(name)
                if status.get("hyperParameterTuningJobStatus") == "InProgress" and not demo.scenes.refused:
                    demo.refused_edit(name, limits)
                    demo.delete_running(DELETED_NAME)
                if (
                    status.get("hyperParameterTuningJobStatus") in TERMINAL
                    and shell.tuning_job(DELETED_NAME) is None
                ):
                    break
                time.sleep(PASS_INTERVAL_SECONDS)
            demo.scenes.completed = demo.status(name).get("hyperParameterTuningJobStatus") == "Completed"
            job = str(demo.status(name).get("sageMakerHyperParameterTuningJobName", ""))
            _show_results_and_release(demo, name)
            reported, written = _write_report(demo, job, report_dir)
        shell.say(
            f"\ndemo finished in {time.monotonic() - started:.0f}s: tuning job "
            f"{'completed' if demo.scenes.completed else 'did not complete'}, spec edit "
            f"{'refused and cleared' if demo.scenes.refusal_cleared else 'NOT refused as expected'}, "
            "running job "
            f"{'stopped by deletion' if demo.scenes.stopped_by_deletion else 'NOT stopped by deletion'}, "
            f"resource {'released' if demo.scenes.released else 'still held'}"
        )
        if reported:
            shell.say(f"report: {written[0]} (open it in a browser; works offline), picture: {written[1]}")
        else:
            shell.say("report: not written (see the message above)")
    return 0 if demo.scenes.all_shown() and reported else 1


def _write_report(demo: _Demo, job: str, report_dir: Path) -> tuple[bool, list[Path]]:
    # The SageMaker job outlives the resource (as in AWS): the report reads it by name.
    demo.shell.say(f"\n=== the report as a page and a picture: hpo-reconciler report --job {job} -o ... ===")
    report_dir.mkdir(parents=True, exist_ok=True)
    written = [report_dir / "report.html", report_dir / "report.png"]
    reported = bool(job) and all(
        demo.run_command(["report", "--job", job, "-o", str(p)]) == 0 for p in written
    )
    return reported, written


def _show_results_and_release(demo: _Demo, name: str) -> None:
    shell = demo.shell
    shell.say("\n=== the training jobs SageMaker ran, mirrored as TrainingJob resources ===")
    shell.kubectl_show("get", "trainingjobs")
    shell.say("\n=== the best training job and its tuned hyperparameters ===")
    shell.kubectl_show("describe", "hyperparametertuningjob", name)
    shell.say(f"\n=== how it went: hpo-reconciler report {name} ===")
    demo.run_command(["report", name])
    shell.say("\n=== deleting: the finalizer holds the resource until the reconciler releases it ===")
    shell.delete(name)
    held = shell.tuning_job(name) or {}
    shell.say(
        f"still there: deletionTimestamp={held.get('metadata', {}).get('deletionTimestamp')} "
        f"finalizers={held.get('metadata', {}).get('finalizers')}"
    )
    demo.run_pass("releases the completed job's resource")
    shell.kubectl_show("get", "hyperparametertuningjob,trainingjobs")
    demo.scenes.released = shell.tuning_job(name) is None
