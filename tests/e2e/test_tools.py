"""`hpo-reconciler logs`, `hpo-reconciler sandbox up` (as a user runs them), and the demo."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler import cli
from reconciler.tools.demo import DEFAULT_REPORT_DIR
from tests.e2e.e2e_world import KUBECTL, SAMPLE, World


def cli_output(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_logs_prints_the_training_jobs_cloudwatch_log(world: World) -> None:
    world.create_sample()
    world.run()
    world.sagemaker.advance(3600)
    world.run()
    child = world.children("xgboost-mnist-hpo")[0]["metadata"]["name"]
    code, out, err = cli_output("logs", child)
    assert code == 0, err
    lines = out.splitlines()
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
    assert lines[-2].endswith("tuning job completed, resource released")
    assert "Best training job: " in out  # the report's terminal summary
    page, picture = DEFAULT_REPORT_DIR / "report.html", DEFAULT_REPORT_DIR / "report.png"
    assert lines[-1] == f"report: {page} (open it in a browser; works offline), picture: {picture}"
    assert 'id="report-state"' in page.read_text() and picture.read_bytes().startswith(b"\x89PNG")


def test_demo_and_sandbox_up_find_the_repositorys_crds_and_sample() -> None:
    # Both modules moved into reconciler/tools/: paths relative to their file must still reach the root.
    from reconciler.tools import demo, sandbox_up

    assert demo.SAMPLE.is_file() and (demo.CRD_DIR / "hyperparametertuningjob.yaml").is_file()
    assert (sandbox_up.CRD_DIR / "trainingjob.yaml").is_file()
