"""`hpo-reconciler logs`, `hpo-reconciler sandbox up` (as a user runs them), and the demo."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler import cli
from reconciler.tools.demo import DEFAULT_REPORT_DIR
from tests.e2e.e2e_world import KUBECTL, SAMPLE, World


def cli_output(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(list(argv))
    return code, out.getvalue(), err.getvalue()


def _first_child_log(
    world: World, edit: Callable[[dict[str, Any]], None] | None = None
) -> tuple[str, list[str]]:
    """The sample (edited by `edit`) run for an hour of simulated time; its first training job's name
    and the lines `hpo-reconciler logs` prints for it."""
    world.create_sample(edit=edit)
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    child = world.children("xgboost-mnist-hpo")[0]["metadata"]["name"]
    code, out, err = cli_output("logs", child)
    assert code == 0, err
    return child, out.splitlines()


def test_logs_prints_the_training_jobs_cloudwatch_log(world: World) -> None:
    child, lines = _first_child_log(world)
    assert len(lines) > 3
    code, tail, _ = cli_output("logs", child, "-n", "default", "--tail", "2")
    assert code == 0 and tail.splitlines() == lines[-2:]
    code, _, err = cli_output("logs", "no-such-trainingjob")
    assert code == 1 and "not found" in err and "Traceback" not in err
    assert cli_output("logs", child, "--tail", "0")[0] == 2


def _console_script() -> list[str]:
    script = Path(sys.executable).parent / "hpo-reconciler"
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from reconciler.cli import main; main()"]
    )


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_sandbox_up_serves_kubectl_and_a_run_by_hand(tmp_path: Path) -> None:
    directory = tmp_path / "sandbox"
    server = subprocess.Popen(
        [*_console_script(), "sandbox", "up", "--dir", str(directory), "--time-scale", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (directory / "ready").exists():
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "sandbox up did not become ready"
            time.sleep(0.2)
        env = dict(os.environ)
        for line in (directory / "env").read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = shlex.split(value)[0]
        assert {
            "KUBECONFIG",
            "AWS_ENDPOINT_URL_SAGEMAKER",
            "AWS_ENDPOINT_URL_LOGS",
            "AWS_DEFAULT_REGION",
        } <= set(env)
        assert KUBECTL is not None
        applied = subprocess.run(
            [KUBECTL, "apply", "-f", str(SAMPLE)], env=env, capture_output=True, text=True
        )
        assert applied.returncode == 0, applied.stderr
        run = subprocess.run(
            [*_console_script(), "run", "--no-lease"], env=env, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr
        assert "outcome=created" in run.stdout and run.stdout.splitlines()[-1].startswith("summary:")
        table = subprocess.run([KUBECTL, "get", "hpo"], env=env, capture_output=True, text=True).stdout
        assert "SynchronizingK8sJobWithSageMaker" in table
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert not (directory / "ready").exists()


@pytest.mark.slow
def test_demo_completes_and_releases() -> None:
    code, out, _ = cli_output("demo")
    assert code == 0
    assert "Completed" in out and "Tuned Hyper Parameters" in out
    lines = out.rstrip().splitlines()
    assert lines[-2].endswith(
        "tuning job completed, spec edit refused and cleared, running job stopped by deletion, "
        "resource released"
    )
    assert "Best training job: " in out  # the report's terminal summary
    page, picture = DEFAULT_REPORT_DIR / "report.html", DEFAULT_REPORT_DIR / "report.png"
    assert lines[-1] == f"report: {page} (open it in a browser; works offline), picture: {picture}"
    assert 'id="report-state"' in page.read_text() and picture.read_bytes().startswith(b"\x89PNG")
    assert "time x6: the SageMaker simulator's clock runs 6 times faster than real time" in out
    assert "Stalled condition: SpecUpdateRefused: " in out
    assert "deleted-while-running   Stopping" in out or "outcome=stopping" in out
    # A table is printed only when it changed since the one before.
    tables = out.split("$ kubectl get hyperparametertuningjob\n")[1:]
    shown = [block.split("\n\n", 1)[0] for block in tables]
    assert all(a != b for a, b in itertools.pairwise(shown))


def test_demo_and_sandbox_up_find_the_repositorys_crds_and_sample() -> None:
    # Both modules moved into reconciler/tools/: paths relative to their file must still reach the root.
    from reconciler.tools import demo, sandbox_up

    assert demo.SAMPLE.is_file() and (demo.CRD_DIR / "hyperparametertuningjob.yaml").is_file()
    assert (sandbox_up.CRD_DIR / "trainingjob.yaml").is_file()


def _running_child(world: World) -> str:
    """A TrainingJob resource whose SageMaker training job is running (not ended)."""
    world.create_sample()
    world.run()
    world.sagemaker.advance(100)
    world.run()
    running = [
        c["metadata"]["name"]
        for c in world.children("xgboost-mnist-hpo")
        if c.get("status", {}).get("trainingJobStatus") == "InProgress"
    ]
    assert running, "no training job is running"
    return str(running[0])


def test_logs_follow_prints_new_lines_until_the_job_ends(world: World) -> None:
    from reconciler.core.settings import Settings
    from reconciler.tools.logs import print_logs

    child = _running_child(world)
    settings = Settings.from_sources(flags={}, environ=os.environ)
    out = io.StringIO()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # simulated time passes while the follower waits
        sleeps.append(seconds)
        world.sagemaker.advance(30)

    printed = print_logs(
        child, namespace="default", tail=None, settings=settings, out=out, follow=True, sleep=sleep
    )
    lines = out.getvalue().splitlines()
    assert printed == len(lines) and len(sleeps) >= 2
    assert lines[-1].startswith("Training complete") or "stopped" in lines[-1].lower()
    assert len(lines) == len(set(lines))  # each line once, however many rounds it took
    code, everything, _ = cli_output("logs", child)
    assert code == 0 and everything.splitlines() == lines


def test_logs_reads_every_instance_stream_merged_by_time(world: World) -> None:
    _, lines = _first_child_log(
        world, lambda o: o["spec"]["trainingJobDefinition"]["resourceConfig"].update(instanceCount=2)
    )
    assert {line.split("]", 1)[0] + "]" for line in lines} == {"[algo-1]", "[algo-2]"}
    assert lines[0] == "[algo-1] Arguments: train" and lines[1] == "[algo-2] Arguments: train"
    assert sum(line.startswith("[algo-2] Training complete") for line in lines) == 1


def test_logs_of_a_tuning_job_name_lists_its_training_jobs(world: World) -> None:
    world.create_sample()
    world.run()
    code, _, err = cli_output("logs", "xgboost-mnist-hpo")
    assert code == 1 and "is a hyperparametertuningjob and has no training jobs yet" in err
    world.sagemaker.advance(3600)
    world.run()
    children = sorted(c["metadata"]["name"] for c in world.children("xgboost-mnist-hpo"))
    code, _, err = cli_output("logs", "xgboost-mnist-hpo")
    assert code == 1
    assert (
        "default/xgboost-mnist-hpo is a hyperparametertuningjob; logs belong to its training jobs, name one "
        f"of these {len(children)}:"
    ) in err
    assert [line.strip() for line in err.splitlines()[1:] if line.startswith("  ")] == children


def test_logs_usage_error_prints_the_logs_usage() -> None:
    code, out, err = cli_output("logs", "some-job", "--no-such-flag")
    assert code == 2 and out == ""
    assert err.startswith("usage: hpo-reconciler logs [-h]"), err
    assert "unrecognized arguments: --no-such-flag" in err
    code, _, err = cli_output("validate", "x.yaml", "--bogus")
    assert code == 2 and err.startswith("usage: hpo-reconciler validate")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_smlogs_plugin_as_the_legacy_docs_wrote_it(world: World) -> None:
    plugin = Path(sys.executable).parent / "kubectl-smlogs"
    assert plugin.exists(), "the package installs the kubectl-smlogs console script"
    world.create_sample()
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    child = world.children("xgboost-mnist-hpo")[0]["metadata"]["name"]
    env = {**os.environ, "PATH": f"{plugin.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    assert KUBECTL is not None
    listed = subprocess.run([KUBECTL, "plugin", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert str(plugin) in listed.stdout, listed.stdout + listed.stderr
    result = subprocess.run(
        [KUBECTL, "smlogs", "trainingjob", child], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    code, direct, _ = cli_output("logs", child)
    assert code == 0 and result.stdout == direct and direct
    other = subprocess.run(
        [KUBECTL, "smlogs", "batchtransformjob", "x"], env=env, capture_output=True, text=True, timeout=60
    )
    assert other.returncode == 2 and "only trainingjob logs" in other.stderr
