"""Shared ground of the benchmarks: both sandboxes in a process of their own, fast seeding, and the real
CLI in a subprocess.

Contract:
- `Ground()` is a context manager that starts a **server process** (forked from the benchmark) holding a
  `KubeSandbox` (CRDs installed) and a `SageMakerSandbox` whose clock moves only by `advance()`
  (time_scale 0, so what a pass sees does not depend on how long seeding took). The servers never share
  a process, and so never a GIL, with the benchmark or the pass. With 2 or more CPUs the server process
  is pinned to the last CPU and each pass process (`run_cli`) to the others (`SERVER_CPUS`, `PASS_CPUS`),
  so the reconciler's CPU is its own. `ground.kube` and `ground.sagemaker` forward the sandboxes'
  control methods (stats, reset_stats, set_latency, advance, env, ...) to that process;
  `ground.server_cpu_seconds()` is that process's CPU time so far.
- `seed(ground, count, ...)` puts `count` HyperparameterTuningJobs in the emulator and their tuning jobs in
  the simulator WITHOUT going through either HTTP API (10,000 resources take seconds, not minutes):
  tuning jobs are built with the simulator's own lifecycle and stored in its store; resources are stored
  with the finalizer and the status the reconciler itself computes (`core.status.tuning_job_status`)
  for what the simulator describes at that instant. A pass right after seeding is therefore a pass over
  resources the reconciler already brought in sync; each benchmark checks that (zero writes) rather
  than trusting it. UIDs come from a generator seeded with `seed` (default 0), and so do the simulator's
  random draws: two runs seed the same objects and make the same calls.
- `run_cli(ground, *args)` runs the real console script `hpo-reconciler run ... --log-format json` in a
  fresh process and returns its exit code, wall time, CPU time, peak RSS and the parsed summary line.
- `proc_status_mb(pid, field)`: a /proc/PID/status memory field (VmRSS now, VmHWM peak) in MiB, NaN when
  absent; `stop_server(server, timeout=...)`: SIGTERM a benchmark's server subprocess and wait for it.
Figures are the caller's to print: one JSON line per benchmark.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import multiprocessing
import multiprocessing.process
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
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


CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPUS = {CPUS[-1]} if len(CPUS) >= 2 else set(CPUS)
PASS_CPUS = set(CPUS[:-1]) if len(CPUS) >= 2 else set(CPUS)


class LocalGround:
    """The sandboxes themselves: lives in the server process (see `Ground`)."""

    def __init__(self, *, max_running_tuning_jobs: int = 20_000, seed: int = 0, tmp: str) -> None:
        self.kube = KubeSandbox()
        self.sagemaker = SageMakerSandbox(
            time_scale=0.0, max_running_tuning_jobs=max_running_tuning_jobs, seed=seed
        )
        self.kubeconfig = Path(tmp) / "kubeconfig"
        self.seed = seed

    def start(self) -> dict[str, str]:
        self.kube.start()
        self.sagemaker.start()
        self.kube.write_kubeconfig(self.kubeconfig)
        self.kube.install_crds(ROOT / "crds")
        return self.sagemaker.env()

    def stop(self) -> None:
        self.sagemaker.stop()
        self.kube.stop()


def _serve(conn: Connection, options: dict[str, Any]) -> None:
    """The server process: run each (target, method, args, kwargs) it receives, send back the result."""
    if set(CPUS) != SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)
    local = LocalGround(**options)
    targets: dict[str, Any] = {"ground": local, "kube": local.kube, "sagemaker": local.sagemaker}
    while True:
        message = conn.recv()
        if message is None:
            local.stop()
            conn.send(("ok", None))
            return
        target, method, args, kwargs = message
        try:
            if target == "function":
                result = _REMOTE_FUNCTIONS[method](local, *args, **kwargs)
            else:
                result = getattr(targets[target], method)(*args, **kwargs)
            conn.send(("ok", result))
        except Exception as exc:  # sent back and raised in the benchmark
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Remote:
    def __init__(self, ground: Ground, target: str) -> None:
        self._ground = ground
        self._target = target

    def __getattr__(self, method: str) -> Any:
        return lambda *args, **kwargs: self._ground.call(self._target, method, *args, **kwargs)


class Ground:
    """Both sandboxes in a server process of their own; see the module contract."""

    def __init__(self, *, max_running_tuning_jobs: int = 20_000, seed: int = 0) -> None:
        self._tmp = tempfile.mkdtemp(prefix="hpo-bench-")
        self.kubeconfig = Path(self._tmp) / "kubeconfig"
        self.env: dict[str, str] = {}
        self.seed = seed
        self.kube = _Remote(self, "kube")
        self.sagemaker = _Remote(self, "sagemaker")
        self._options = {"max_running_tuning_jobs": max_running_tuning_jobs, "seed": seed, "tmp": self._tmp}
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None

    def call(self, target: str, method: str, *args: Any, **kwargs: Any) -> Any:
        assert self._conn is not None
        self._conn.send((target, method, args, kwargs))
        status, result = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"server process: {target}.{method}: {result}")
        return result

    def __enter__(self) -> Ground:
        parent, child = multiprocessing.get_context("fork").Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child, self._options), daemon=True
        )
        self._process.start()
        self._conn = parent
        sagemaker_env = self.call("ground", "start")
        self.env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), **sagemaker_env}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            self._conn.send(None)
            self._conn.recv()
        if self._process is not None:
            self._process.join(timeout=30)
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

    def server_cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far: the difference across a pass
        says whether the sandboxes, on their one pinned CPU, were what the pass waited for."""
        assert self._process is not None and self._process.pid is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # proc(5): utime and stime are fields 14 and 15, counted after the ")" closing the name from 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    result: Seeded = ground.call("function", "seed_jobs", count, spec=spec, stagger_seconds=stagger_seconds)
    return result


def describe(ground: Ground, job_name: str) -> dict[str, Any]:
    """What DescribeHyperParameterTuningJob answers now, without counting a request."""
    result: dict[str, Any] = ground.call("function", "describe", job_name)
    return result


def seed_resources(
    ground: Ground, seeded: Seeded, *, spec: dict[str, Any] | None = None, before_children: bool = False
) -> Seeded:
    """One resource per seeded job, in sync with what the simulator describes now; returns `seeded`
    with the statuses written. `before_children`: the status as recorded before the job had training
    jobs, so that the next pass lists and mirrors every training job as a TrainingJob child."""
    result: Seeded = ground.call(
        "function", "seed_resources", seeded, spec=spec, before_children=before_children
    )
    seeded.statuses = result.statuses
    return result


def stored_statuses(ground: Ground) -> dict[str, dict[str, Any]]:
    """resource name -> the status the emulator stores now (after a pass)."""
    result: dict[str, dict[str, Any]] = ground.call("function", "stored_statuses")
    return result


def _seed_jobs(
    ground: LocalGround, count: int, *, spec: dict[str, Any] | None = None, stagger_seconds: float = 0.0
) -> Seeded:
    spec = spec if spec is not None else sample_spec()
    sim = ground.sagemaker.simulator
    template: dict[str, Any] | None = None
    seeded = Seeded()
    uids = random.Random(f"uids:{ground.seed}")
    now = sim.now()
    with sim.store.lock:
        for index in range(count):
            name = f"hpo-{index:05d}"
            uid = str(uuid.UUID(int=uids.getrandbits(128), version=4))
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


def _describe(ground: LocalGround, job_name: str) -> dict[str, Any]:
    sim = ground.sagemaker.simulator
    with sim.store.lock:
        now = sim.now()
        job = sim.store.find_job(job_name, now=now)
        assert job is not None
        return render.describe_tuning_job(job, now)


def _seed_resources(
    ground: LocalGround, seeded: Seeded, *, spec: dict[str, Any] | None = None, before_children: bool = False
) -> Seeded:
    spec = spec if spec is not None else sample_spec()
    cluster = ground.kube.cluster
    rt = cluster.type_for_key((GROUP, PLURAL))
    assert rt is not None
    now = dt.datetime.now(dt.UTC)
    with cluster.store.lock:
        for name in seeded.names:
            job_name = seeded.job_names[name]
            description = _describe(ground, job_name)
            if before_children:  # as recorded before any training job: the next pass mirrors them all
                description.pop("BestTrainingJob", None)
                description["TrainingJobStatusCounters"] = {}
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
    return seeded


def _stored_statuses(ground: LocalGround) -> dict[str, dict[str, Any]]:
    cluster = ground.kube.cluster
    rt = cluster.type_for_key((GROUP, PLURAL))
    assert rt is not None
    with cluster.store.lock:
        objects = [entry.obj() for entry in cluster.store.entries(rt.key)]
    return {str(o["metadata"]["name"]): dict(o.get("status") or {}) for o in objects}


_REMOTE_FUNCTIONS: dict[str, Any] = {
    "seed_jobs": _seed_jobs,
    "describe": _describe,
    "seed_resources": _seed_resources,
    "stored_statuses": _stored_statuses,
}


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


def proc_status_mb(pid: int, field: str) -> float:
    """/proc/PID/status `field` (a kB figure such as VmRSS or VmHWM) in MiB; NaN when the line is absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop_server(server: subprocess.Popen[Any], *, timeout: float) -> None:
    """SIGTERM a server subprocess and wait for it to exit (subprocess.TimeoutExpired past `timeout`)."""
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=timeout)


def run_process(argv: list[str], *, env: dict[str, str]) -> CliRun:
    """Run `argv` under /usr/bin/time, which reports the child's own peak RSS.

    Why not wait4 from here: Linux charges a child the peak RSS of the memory it was forked from
    (the exec'd-over image, here the benchmark with 10,000 seeded objects), so the figure would be
    this process's size. /usr/bin/time is a small process; its child's ru_maxrss is the pass's own.
    """
    with tempfile.NamedTemporaryFile(prefix="hpo-bench-rss-", mode="r") as rss_file:
        timed = ["/usr/bin/time", "-f", "%U %S %M", "-o", rss_file.name, *argv]
        started = time.perf_counter()
        pin = (lambda: os.sched_setaffinity(0, PASS_CPUS)) if set(CPUS) != PASS_CPUS else None
        process = subprocess.run(timed, env=env, capture_output=True, text=True, check=False, preexec_fn=pin)
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
