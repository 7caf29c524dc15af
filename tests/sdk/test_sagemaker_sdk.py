"""The SageMaker Python SDK (v2), the most used client of these APIs, reads jobs the reconciler created.

For the tuning job the reconciler builds from every sample (`reconciler.spec.desired.desired_request`,
the request a pass sends), created with boto3 on the simulator and run to its end, the SDK's
read workflows must work as they do against SageMaker: `HyperparameterTuner.attach`,
`.best_training_job()`, `.analytics().dataframe()`, `Estimator.attach(best)` and
`Session.wait_for_tuning_job`. The SDK's parsing reads many response members without defaults,
which records what the real service returns; docs/fidelity.md lists each member this settled.

Offline: the SDK is imported with AWS_EC2_METADATA_DISABLED=true (importing it builds a boto3
session, which otherwise asks the EC2 instance metadata service at 169.254.169.254 for a region)
and SAGEMAKER_SUPPRESS_V2_WARNING=1; the Session gets an explicit empty `sagemaker_config` (no
config file is read) and boto3 clients that reach the simulator through AWS_ENDPOINT_URL_*. None
of the calls used here emit the SDK's telemetry (only fit/deploy-style calls do).
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import yaml

from reconciler.core.model import HyperparameterTuningJob
from reconciler.sandbox.sagemaker import SageMakerSandbox
from reconciler.spec.desired import desired_request
from tests.sandbox_sagemaker.conftest import frozen_sandbox

# Found, not imported: importing it is the `sdk` fixture's job (with the environment it needs).
if importlib.util.find_spec("sagemaker") is None:
    pytest.skip("the `sdk` extra (pip install -e '.[sdk]') is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def sdk() -> Iterator[SimpleNamespace]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        from sagemaker.estimator import Estimator
        from sagemaker.session import Session
        from sagemaker.tuner import HyperparameterTuner

        yield SimpleNamespace(Estimator=Estimator, Session=Session, HyperparameterTuner=HyperparameterTuner)


SAMPLE_DIR = Path(__file__).resolve().parents[2] / "samples"
SAMPLES = sorted(SAMPLE_DIR.glob("*.yaml"))
MAIN_SAMPLE = SAMPLE_DIR / "xgboost-mnist-hpo.yaml"


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SageMakerSandbox]:
    with frozen_sandbox(monkeypatch, seed=11) as sb:
        yield sb


def _resource(path: Path, *, uid: str) -> HyperparameterTuningJob:
    document = yaml.safe_load(path.read_text())
    document["metadata"] = {**document["metadata"], "namespace": "ml", "uid": uid}
    return HyperparameterTuningJob.parse(document)


def _request(path: Path, job_name: str) -> dict[str, Any]:
    desired = desired_request(_resource(path, uid=f"uid-{job_name}"), job_name=job_name)
    assert desired.request is not None, desired.problems
    return copy.deepcopy(desired.request)


def _run_to_end(sandbox: SageMakerSandbox, sm: Any, name: str) -> dict[str, Any]:
    for _ in range(200):
        description: dict[str, Any] = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if description["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
            return description
        sandbox.advance(600)
    raise AssertionError(f"{name} did not end")


def _session(sdk: SimpleNamespace, region: str) -> Any:
    return sdk.Session(boto_session=boto3.Session(region_name=region), sagemaker_config={})


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_the_sdk_reads_the_tuning_job_the_reconciler_created_from_each_sample(
    sandbox: SageMakerSandbox, sdk: SimpleNamespace, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    name = ("sdk-" + sample.stem.removeprefix("xgboost-mnist-hpo").strip("-"))[:32].rstrip("-")
    request = _request(sample, name)
    region = yaml.safe_load(sample.read_text())["spec"].get("region", "us-east-2")
    sm = boto3.client("sagemaker", region_name=region)
    for parent in (request.get("WarmStartConfig") or {}).get("ParentHyperParameterTuningJobs") or []:
        # A warm start needs its parents to exist and have ended: the main sample stands in.
        parent_name = parent["HyperParameterTuningJobName"]
        sm.create_hyper_parameter_tuning_job(**_request(MAIN_SAMPLE, parent_name))
        _run_to_end(sandbox, sm, parent_name)
    sm.create_hyper_parameter_tuning_job(**request)
    ended = _run_to_end(sandbox, sm, name)
    assert ended["HyperParameterTuningJobStatus"] == "Completed", ended.get("FailureReason")
    session = _session(sdk, region)

    # Session.wait_for_tuning_job returns the description of an ended job.
    waited = session.wait_for_tuning_job(name, poll=0)
    assert waited["HyperParameterTuningJobStatus"] == "Completed"

    tuner = sdk.HyperparameterTuner.attach(name, sagemaker_session=session)
    assert tuner.latest_tuning_job.name == name
    config = request["HyperParameterTuningJobConfig"]
    assert tuner.strategy == config["Strategy"]
    assert tuner.max_jobs == config["ResourceLimits"]["MaxNumberOfTrainingJobs"]

    best = tuner.best_training_job()
    assert best == ended["BestTrainingJob"]["TrainingJobName"]

    frame = tuner.analytics().dataframe()
    launched = sum(ended["TrainingJobStatusCounters"].values())
    assert len(frame) == launched
    assert best in set(frame["TrainingJobName"])
    best_row = frame[frame["TrainingJobName"] == best].iloc[0]
    assert (
        best_row["FinalObjectiveValue"]
        == ended["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    )

    estimator = sdk.Estimator.attach(best, sagemaker_session=session)
    assert estimator.latest_training_job.name == best
    described = sm.describe_training_job(TrainingJobName=best)
    assert estimator.model_data == described["ModelArtifacts"]["S3ModelArtifacts"]
    assert estimator.output_kms_key == described["OutputDataConfig"].get("KmsKeyId", "")
