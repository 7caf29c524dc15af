"""Shared ground of the issue-7 benchmarks: both sandboxes, fast seeding, and the real CLI in a subprocess.

Contract:
- `Ground()` is a context manager: a `KubeSandbox` (CRDs installed) and a `SageMakerSandbox` whose clock
  moves only by `advance()` (time_scale 0, so what a pass sees does not depend on how long seeding took),
  a kubeconfig in a temporary directory, and `env` (KUBECONFIG + the simulator's AWS variables).
- `seed(ground, count, ...)` puts `count` HyperparameterTuningJobs in the emulator and their tuning jobs in
  the simulator WITHOUT going through either HTTP API (10,000 resources take seconds, not minutes):
  tuning jobs are built with the simulator's own lifecycle and stored in its store; resources are stored
  with the finalizer and the status the reconciler itself computes (`core.status.tuning_job_status`)
  for what the simulator describes at that instant. A pass right after seeding is therefore a pass over
  resources the reconciler already brought in sync; each benchmark checks that (zero writes) rather
  than trusting it.
- `run_cli(ground, *args)` runs the real console script `hpo-reconciler run ... --log-format json` in a
  fresh process and returns its exit code, wall time, peak RSS (wait4) and the parsed summary line.
Figures are the caller's to print: one JSON line per benchmark.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from reconciler.core.model import FINALIZER, HyperparameterTuningJob, HyperparameterTuningJobStatus
from reconciler.core.naming import job_name_for
from reconciler.core.status import tuning_job_status, verdict_for_job
from reconciler.sandbox.kube import KubeSandbox
from reconciler.sandbox.kube.store import Entry
from reconciler.sandbox.sagemaker import SageMakerSandbox, lifecycle, render
from reconciler.sandbox.sagemaker.defaults import with_defaults
from reconciler.sandbox.sagemaker.sagemaker_ops import _add_static_hyperparameters
from reconciler.spec.desired import desired_request

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "xgboost-mnist-hpo.yaml"
GROUP, VERSION, PLURAL = "sagemaker.aws.amazon.com", "v1", "hyperparametertuningjobs"
REGION = "us-east-2"
CONSOLE_SCRIPT = str(ROOT / ".venv" / "bin" / "hpo-reconciler")
WRITE_VERBS = ("CREATE", "UPDATE", "PATCH", "DELETE")


class Ground:
    def __init__(self, *, max_running_tuning_jobs: int = 20_000) -> None:
        self._tmp = tempfile.mkdtemp(prefix="hpo-bench-")
        self.kube = KubeSandbox()
        self.sagemaker = SageMakerSandbox(time_scale=0.0, max_running_tuning_jobs=max_running_tuning_jobs)
        self.kubeconfig = Path(self._tmp) / "kubeconfig"
        self.env: dict[str, str] = {}

    def __enter__(self) -> Ground:
        self.kube.start()
        self.sagemaker.start()
        self.kube.write_kubeconfig(self.kubeconfig)
        self.kube.install_crds(ROOT / "crds")
        self.env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), **self.sagemaker.env()}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.sagemaker.stop()
        self.kube.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def reset_stats(self) -> None:
        self.kube.reset_stats()
        self.sagemaker.reset_stats()

    def kube_writes(self) -> int:
        return sum(v for k, v in self.kube.stats().items() if k.split(" ")[0] in WRITE_VERBS)

    def kube_lists(self) -> int:
        return sum(v for k, v in self.kube.stats().items() if k.startswith("LIST "))

    def sagemaker_calls(self) -> dict[str, int]:
        return {k: v for k, v in self.sagemaker.stats().items() if v}


def sample_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())["spec"]
    return spec


@dataclass
class Seeded:
    names: list[str] = field(default_factory=list)  # resource names, in seeding order
    job_names: dict[str, str] = field(default_factory=dict)  # resource name -> tuning job name
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource name -> seeded status


def seed_jobs(
    ground: Ground, count: int, *, spec: dict[str, Any] | None = None, stagger_seconds: float = 0.0
) -> Seeded:
    """`count` tuning jobs in the simulator, created `stagger_seconds` apart (the last one now)."""
    spec = spec if spec is not None else sample_spec()
    sim = ground.sagemaker.simulator
    template: dict[str, Any] | None = None
    seeded = Seeded()
    now = sim.now()
    with sim.store.lock:
        for index in range(count):
            name = f"hpo-{index:05d}"
            uid = str(uuid.uuid4())
            job_name = job_name_for(resource_name=name, uid=uid, requested=None)
            obj = _resource(name, uid=uid, spec=spec, resource_version=0, status=None)
            if template is None:
                desired = desired_request(HyperparameterTuningJob.parse(obj), job_name=job_name)
                assert desired.request is not None, desired.problems
                template = with_defaults(desired.request, shape_name="CreateHyperParameterTuningJobRequest")
                _add_static_hyperparameters(template)
            request = copy.deepcopy(template)
            request["HyperParameterTuningJobName"] = job_name
            request["Tags"] = [
                t for t in request.get("Tags", []) if not str(t["Key"]).startswith("hpo-reconciler/")
            ] + [
                {"Key": "hpo-reconciler/namespace", "Value": "default"},
                {"Key": "hpo-reconciler/name", "Value": name},
                {"Key": "hpo-reconciler/uid", "Value": uid},
            ]
            created = now - (count - 1 - index) * stagger_seconds
            job = lifecycle.new_tuning_job(
                request, region=REGION, created=created, seed=sim.seed, knobs=sim.knobs
            )
            sim.store.add(job)
            seeded.names.append(name)
            seeded.job_names[name] = job_name
            seeded.statuses[name] = {"uid": uid}
    return seeded


def describe(ground: Ground, job_name: str) -> dict[str, Any]:
    """What DescribeHyperParameterTuningJob answers now, without counting a request."""
    sim = ground.sagemaker.simulator
    with sim.store.lock:
        now = sim.now()
        job = sim.store.find_job(job_name, now=now)
        assert job is not None
        return render.describe_tuning_job(job, now)


def seed_resources(ground: Ground, seeded: Seeded, *, spec: dict[str, Any] | None = None) -> None:
    """One resource per seeded job, in sync with what the simulator describes now."""
    spec = spec if spec is not None else sample_spec()
    cluster = ground.kube.cluster
    rt = cluster.type_for_key((GROUP, PLURAL))
    assert rt is not None
    now = dt.datetime.now(dt.UTC)
    with cluster.store.lock:
        for name in seeded.names:
            job_name = seeded.job_names[name]
            description = describe(ground, job_name)
            job_status = str(description["HyperParameterTuningJobStatus"])
            status = tuning_job_status(
                HyperparameterTuningJobStatus(),
                verdict=verdict_for_job(
                    job_status, job_name=job_name, failure_reason=description.get("FailureReason")
                ),
                generation=1,
                now=now,
                job_name=job_name,
                description=description,
            ).to_api()
            uid = seeded.statuses[name]["uid"]
            seeded.statuses[name] = status
            obj = _resource(name, uid=uid, spec=spec, resource_version=cluster.store.next_rv(), status=status)
            cluster.store.put(
                rt.key, Entry.of(obj, selectable_fields=rt.selectable_fields), change_type="ADDED"
            )
            seeded.statuses[name]["uid"] = uid


def _resource(
    name: str, *, uid: str, spec: dict[str, Any], resource_version: int, status: dict[str, Any] | None
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "HyperparameterTuningJob",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": uid,
            "resourceVersion": str(resource_version),
            "generation": 1,
            "creationTimestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "finalizers": [FINALIZER],
        },
        "spec": spec,
    }
    if status is not None:
        obj["status"] = {k: v for k, v in status.items() if k != "uid"}
    return obj


@dataclass
class CliRun:
    code: int
    wall_seconds: float
    peak_rss_mb: float
    cpu_seconds: float  # user + system time of the process
    summary: dict[str, Any]
    stdout: str
    stderr: str


def run_cli(ground: Ground, *args: str) -> CliRun:
    """`hpo-reconciler run --no-lease --log-format json ARGS` in a fresh process."""
    argv = [CONSOLE_SCRIPT, "run", "--no-lease", "--log-format", "json", *args]
    return run_process(argv, env=ground.env)


def run_process(argv: list[str], *, env: dict[str, str]) -> CliRun:
    """Run `argv` under /usr/bin/time, which reports the child's own peak RSS.

    Why not wait4 from here: Linux charges a child the peak RSS of the memory it was forked from
    (the exec'd-over image, here the benchmark with 10,000 seeded objects), so the figure would be
    this process's size. /usr/bin/time is a small process; its child's ru_maxrss is the pass's own.
    """
    with tempfile.NamedTemporaryFile(prefix="hpo-bench-rss-", mode="r") as rss_file:
        timed = ["/usr/bin/time", "-f", "%U %S %M", "-o", rss_file.name, *argv]
        started = time.perf_counter()
        process = subprocess.run(timed, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        rss_text = rss_file.read().strip().splitlines()
    fields = rss_text[-1].split() if rss_text else []
    rss_mb = int(fields[2]) / 1024 if len(fields) == 3 else float("nan")
    cpu = float(fields[0]) + float(fields[1]) if len(fields) == 3 else float("nan")
    summary: dict[str, Any] = {}
    lines = [line for line in process.stdout.splitlines() if line.strip()]
    if lines:
        try:
            summary = json.loads(lines[-1])
        except ValueError:
            summary = {"text": lines[-1]}
    return CliRun(process.returncode, wall, rss_mb, cpu, summary, process.stdout, process.stderr)
