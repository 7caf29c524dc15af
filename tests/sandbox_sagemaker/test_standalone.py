"""`python -m reconciler.sandbox.sagemaker`: serves until stopped, writes DIR/endpoint, persists state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.config import Config

from tests.sandbox_sagemaker.conftest import client_at


@contextmanager
def _serve(directory: Path, *extra: str) -> Iterator[str]:
    endpoint = directory / "endpoint"
    endpoint.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler.sandbox.sagemaker",
            "--dir",
            str(directory),
            "--time-scale",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30  # waiting for start-up, not measuring it
        while not endpoint.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the sandbox never wrote its endpoint file"
            time.sleep(0.05)
        yield endpoint.read_text().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def _client(url: str) -> Any:
    return client_at(url, config=Config(retries={"total_max_attempts": 1}))


def test_serves_and_writes_endpoint_and_env(tmp_path: Path, sample_request: Any) -> None:
    with _serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        client = _client(url)
        client.create_hyper_parameter_tuning_job(**sample_request())
        assert (
            client.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"][0][
                "HyperParameterTuningJobName"
            ]
            == "xgboost-mnist-hpo"
        )
        env = (tmp_path / "env").read_text()
        assert f"export AWS_ENDPOINT_URL_SAGEMAKER={url}" in env


def test_persisted_state_survives_a_restart(tmp_path: Path, sample_request: Any) -> None:
    with _serve(tmp_path, "--persist") as url:
        client = _client(url)
        arn = client.create_hyper_parameter_tuning_job(**sample_request())["HyperParameterTuningJobArn"]
        client.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
        before = client.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100
        )["TrainingJobSummaries"]
    with _serve(tmp_path, "--persist") as url:
        client = _client(url)
        after = client.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="xgboost-mnist-hpo", MaxResults=100
        )["TrainingJobSummaries"]
        assert [(s["TrainingJobName"], s["TunedHyperParameters"]) for s in after] == [
            (s["TrainingJobName"], s["TunedHyperParameters"]) for s in before
        ]
        assert client.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
        assert os.path.getsize(tmp_path / "state" / "journal.jsonl") > 0


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.sandbox.sagemaker", "--dir", str(tmp_path), "--time-scale", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--time-scale must be >= 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_saved_state_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "journal.jsonl").write_text("{not json\n")
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.sandbox.sagemaker", "--dir", str(tmp_path), "--persist"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "the saved state" in result.stderr and "Traceback" not in result.stderr
